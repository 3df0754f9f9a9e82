/* Provenance pop-ups and highlighted source lines (ccth_lib/page/links.py, table.py, evidence.py).
 *
 * 1. A link to several source lines carries them (data-lines="12-15") and lands on the first
 *    (#L12) without this script; here it becomes #L12-L15.
 * 2. On a page with a numbered source text, #L12 or #L12-L15 highlights those lines, scrolls the
 *    first into view and moves the keyboard focus there.
 * 3. A number's link, and a source link in prose, is described (aria-describedby) by its document,
 *    lines and verbatim quote; the description is also shown in a pop-up on hover and on keyboard
 *    focus (Escape hides it).
 * No network access; nothing is loaded.
 */
(function () {
  "use strict";
  var TARGET = /^#L(\d+)(?:-L(\d+))?$/;
  var pop = null, owner = null, timer = null, lit = [];

  function description(a) {
    var id = a.getAttribute("aria-describedby");
    var d = id ? document.getElementById(id) : null;
    return d && d.closest(".ccth-cell-sources, .ccth-cell-source") ? d : null;
  }

  function described(el) {
    var a = el && el.closest ? el.closest("a[aria-describedby]") : null;
    return a && description(a) ? a : null;
  }

  function prepareLinks() {
    var links = document.querySelectorAll("a[aria-describedby], a[data-lines]");
    for (var i = 0; i < links.length; i++) {
      var a = links[i], m = /^(\d+)-(\d+)$/.exec(a.getAttribute("data-lines") || "");
      var href = a.getAttribute("href") || "";
      if (m && /#L\d+$/.test(href)) a.setAttribute("href", href.replace(/#L\d+$/, "#L" + m[1] + "-L" + m[2]));
      if (a.hasAttribute("title") && description(a)) {  // the pop-up replaces the browser's tooltip
        a.setAttribute("data-title", a.getAttribute("title"));
        a.removeAttribute("title");
      }
    }
  }

  function highlight() {
    lit.forEach(function (el) { el.classList.remove("ccth-hl"); });
    lit = [];
    var m = TARGET.exec(window.location.hash);
    var first = m ? document.getElementById("L" + m[1]) : null;
    if (!first || !first.closest("pre.ccth-source")) return;
    var end = Math.max(parseInt(m[2] || m[1], 10), parseInt(m[1], 10));
    for (var n = parseInt(m[1], 10); n <= end; n++) {
      var el = document.getElementById("L" + n);
      if (el) { el.classList.add("ccth-hl"); lit.push(el); }
    }
    var details = first.closest("details");
    if (details) details.open = true;
    first.setAttribute("tabindex", "-1");
    first.scrollIntoView({ block: m[2] ? "center" : "start" });
    first.focus({ preventScroll: true });
  }

  function place() {
    if (!owner || !pop) return;
    var r = owner.getBoundingClientRect(), w = pop.offsetWidth, h = pop.offsetHeight;
    var left = Math.min(Math.max(8, r.left), window.innerWidth - w - 8);
    var top = r.bottom + 6;
    if (top + h > window.innerHeight - 8) top = Math.max(8, r.top - h - 6);
    pop.style.left = Math.max(8, left) + "px";
    pop.style.top = top + "px";
  }

  function show(a) {
    clearTimeout(timer);
    if (!pop) {
      pop = document.createElement("div");
      pop.className = "ccth-popup";
      pop.setAttribute("aria-hidden", "true");  // screen readers read it as the link's description
      pop.hidden = true;
      pop.addEventListener("mouseenter", function () { clearTimeout(timer); });
      pop.addEventListener("mouseleave", function () { later(); });
      document.body.appendChild(pop);
    }
    owner = a;
    pop.textContent = description(a).textContent;
    pop.hidden = false;
    place();
  }

  function hide() {
    clearTimeout(timer);
    if (pop) pop.hidden = true;
    owner = null;
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(function () { if (!owner || document.activeElement !== owner) hide(); }, 300);
  }

  function start() {
    prepareLinks();
    highlight();
    document.addEventListener("mouseover", function (e) { var a = described(e.target); if (a) show(a); });
    document.addEventListener("mouseout", function (e) {
      var a = described(e.target);
      if (a && !a.contains(e.relatedTarget)) later();
    });
    document.addEventListener("focusin", function (e) { var a = described(e.target); if (a) show(a); else hide(); });
    document.addEventListener("focusout", function (e) { if (described(e.target)) hide(); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && pop && !pop.hidden) hide(); });
    window.addEventListener("scroll", place, true);
    window.addEventListener("resize", place);
    window.addEventListener("hashchange", highlight);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
