/* Search, sort and filter for the record's searchable tables (SCCtH evidence & decision record).
 *
 * Shipped with the site at _static/ccth/ (from _site_assets/, not _static/, whose scripts Jupyter
 * Book puts on every page) and loaded only by pages that have a searchable table: the table
 * component (ccth_lib/page/table.py, searchable=True) renders the search box and the drop-down
 * filters, hidden until this script shows them, and a script tag that loads this file once.
 * No network, no dependencies.
 *
 * Rows are only hidden or moved, never rebuilt: every cell, attribute and source link of a row
 * stays as the page rendered it. A row is shown when every word typed in the search box occurs in
 * the row's text (source-link column excluded; case and accents ignored) and every drop-down
 * filter equals the row's cell text. A column header becomes a button that sorts the rows
 * ascending, then descending (dates and numbers by their raw value, data-sort; text
 * alphabetically), and states the order in aria-sort.
 */
(function () {
  "use strict";

  function squash(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function fold(text) {
    return squash(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function sortKey(cell) {
    var raw = cell.getAttribute("data-sort");
    return raw !== null ? raw : squash(cell.textContent);
  }

  function compareKeys(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b, "en-GB", { numeric: true, sensitivity: "base" });
  }

  function setUp(box) {
    var table = box.querySelector("table[data-searchable]");
    var tools = box.querySelector(".ccth-table-tools");
    if (!table || !tools || table.getAttribute("data-ccth-ready") === "true") { return; }
    table.setAttribute("data-ccth-ready", "true");

    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var search = tools.querySelector("input[type=search]");
    var selects = Array.prototype.slice.call(tools.querySelectorAll("select[data-column]"));
    var count = tools.querySelector(".ccth-table-count");

    // What each row is searched by: its cells' text, except the source-link column.
    var haystack = rows.map(function (row) {
      return Array.prototype.slice.call(row.cells)
        .filter(function (cell) { return !cell.classList.contains("lines"); })
        .map(function (cell) { return fold(cell.textContent); })
        .join(" \u0000 ");
    });
    rows.forEach(function (row, i) { row.setAttribute("data-ccth-order", String(i)); });

    function apply() {
      var words = fold(search.value).split(" ").filter(Boolean);
      var chosen = selects.map(function (s) { return { column: Number(s.getAttribute("data-column")), value: s.value }; })
        .filter(function (f) { return f.value !== ""; });
      var shown = 0;
      rows.forEach(function (row, i) {
        var ok = words.every(function (w) { return haystack[i].indexOf(w) !== -1; }) &&
          chosen.every(function (f) { return squash(row.cells[f.column].textContent) === f.value; });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown === 0
        ? "No rows match. Clear the search box or set the filters to All to see every row."
        : (shown === rows.length ? "Showing all " + rows.length + " rows." : "Showing " + shown + " of " + rows.length + " rows.");
    }

    function sortBy(index, button) {
      var th = headers[index];
      var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", direction);
      var sign = direction === "ascending" ? 1 : -1;
      var ordered = rows.slice().sort(function (a, b) {
        var c = compareKeys(sortKey(a.cells[index]), sortKey(b.cells[index]));
        // Ties keep the order in which the document prints the rows.
        return c !== 0 ? sign * c : Number(a.getAttribute("data-ccth-order")) - Number(b.getAttribute("data-ccth-order"));
      });
      ordered.forEach(function (row) { body.appendChild(row); });
      button.setAttribute("title", "Sorted " + direction + "; select to sort " + (direction === "ascending" ? "descending" : "ascending"));
    }

    headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ccth-sort";
      button.title = "Sort by this column";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(index, button); });
    });
    search.addEventListener("input", apply);
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    tools.hidden = false;
    apply();
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".ccth-searchable"), setUp);
  }

  // A table's own script tag calls this again for tables added after the script loaded.
  window.ccthTableTools = setUpAll;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
