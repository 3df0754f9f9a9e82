/* The search page finds a figure by its value (ccth_lib/site_search.py builds the index).
 *
 * Sphinx's search script drops every word of a query made only of digits, so a figure's value
 * (4586) found nothing; and "4,586" is two words, 4 and 586. The index holds each number with
 * its thousands separators joined (4586): here a query's thousands separators are joined the same
 * way, and its numbers are searched for like any other word. Loaded by the search page only
 * (_templates/search.html), after Sphinx's searchtools.js. No network access; nothing is loaded.
 */
(function () {
  "use strict";
  if (typeof Search === "undefined" || typeof splitQuery === "undefined") return;
  var THOUSANDS = /(\d),(?=\d{3}(?!\d))/g;
  var NUMBER = /^\d+$/;
  var parse = Search._parseQuery;

  Search._parseQuery = function (query) {
    var joined = String(query).replace(THOUSANDS, "$1");
    var parsed = parse(joined);  // [query, searchTerms, excludedTerms, highlightTerms, objectTerms]
    splitQuery(joined.trim()).forEach(function (term) {
      if (NUMBER.test(term)) {
        parsed[1].add(term);
        parsed[3].add(term);
      }
    });
    return parsed;
  };
})();
