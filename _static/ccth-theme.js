/* SCCtH evidence record: keyboard access to tables wider than the text column.
 *
 * A table too wide for the column scrolls sideways inside its box (.ccth-table-wrap). When the box
 * holds nothing the keyboard can focus (no link, no button), a keyboard user could not scroll it;
 * such a box takes the focus itself (tabindex 0), as a region named by its table's caption or the
 * heading above it, so that the arrow keys scroll it (WCAG 2.1.1, axe scrollable-region-focusable).
 * Checked again when a <details> opens (its tables get their width then) and when the window is
 * resized. Loaded on every page by Jupyter Book (every script in _static/ is); no network access.
 */
(function () {
  "use strict";
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function name(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var section = box.closest("section");
    var heading = section ? section.querySelector("h1, h2, h3, h4, h5, h6") : null;
    var text = heading ? heading.textContent.replace(/[\s\u00b6#]+$/, "").trim() : "";
    return text ? "Table: " + text : "Table";
  }

  function mark() {
    var boxes = document.querySelectorAll(".ccth-table-wrap");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.hasAttribute("data-ccth-scroll")) continue;
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (!scrolls || box.querySelector(FOCUSABLE)) continue;
      box.setAttribute("data-ccth-scroll", "");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name(box));
    }
  }

  function start() {
    mark();
    document.addEventListener("toggle", mark, true);
    window.addEventListener("resize", mark);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
