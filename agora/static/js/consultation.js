/* Live participation on a consultation's page: agora.js joins the room named by data-live-room and
   dispatches its events as DOM events; here "agora:participation" updates the counts (and only
   counts: nothing else is ever sent before the close) and "agora:consultation_status" says it closed. */
(function () {
  "use strict";

  function formatNumber(value) {
    try { return new Intl.NumberFormat(document.documentElement.lang || "fr").format(value); }
    catch (e) { return String(value); }
  }

  function formatPercent(value) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || "fr",
        { style: "percent", maximumFractionDigits: 1 }).format(value);
    } catch (e) { return Math.round(value * 1000) / 10 + " %"; }
  }

  function update(block, detail) {
    if (!detail || typeof detail.voters !== "number") { return; }
    var total = block.querySelector('[data-count="voters"]');
    if (total) { total.textContent = formatNumber(detail.voters); }
    var byCollege = detail.by_college || {};
    block.querySelectorAll("tr[data-college]").forEach(function (row) {
      var key = row.getAttribute("data-college");
      if (typeof byCollege[key] !== "number") { return; }
      var eligible = parseInt(row.getAttribute("data-eligible") || "0", 10);
      var count = row.querySelector('[data-count="college"]');
      var share = row.querySelector('[data-share="college"]');
      if (count) { count.textContent = formatNumber(byCollege[key]); }
      if (share && eligible > 0) { share.textContent = formatPercent(byCollege[key] / eligible); }
      if (eligible > 0) { moveBar(block, key, byCollege[key] / eligible); }
    });
    describePicture(block);
  }

  // The picture (agora/charts): the college's bar and its value move; its description is rewritten from
  // the table, silently (the counts are not announced at each ballot: that would drown a screen reader).
  var BAR_MAX = 236;
  function moveBar(block, key, share) {
    var row = block.querySelector('svg g[data-key="' + key + '"]');
    if (!row) { return; }
    var bar = row.querySelector("rect[data-bar]");
    var value = row.querySelector("text[data-value]");
    var length = Math.round(BAR_MAX * Math.min(Math.max(share, 0), 1) * 10) / 10;
    if (bar) { bar.setAttribute("width", String(length)); }
    if (value) {
      value.setAttribute("x", String(length + 6));
      value.textContent = formatPercent(share);
    }
  }

  function describePicture(block) {
    var desc = block.querySelector("svg desc");
    if (!desc) { return; }
    var parts = [];
    block.querySelectorAll("tr[data-college]").forEach(function (row) {
      var name = row.querySelector("th");
      var share = row.querySelector('[data-share="college"]');
      if (name && share) { parts.push(name.textContent.trim() + ": " + share.textContent.trim()); }
    });
    desc.textContent = parts.join("; ");
  }

  function init() {
    var block = document.getElementById("participation");
    if (!block) { return; }
    block.addEventListener("agora:participation", function (event) { update(block, event.detail); });
    block.addEventListener("agora:consultation_status", function (event) {
      if (!event.detail || event.detail.status !== "closed") { return; }
      var status = block.querySelector("[data-live-status]");
      if (status) {
        status.textContent = block.getAttribute("data-closed-text");
        status.hidden = false;
      }
      if (window.agora && window.agora.announce) { window.agora.announce(block.getAttribute("data-closed-text")); }
    });
  }

  document.addEventListener("DOMContentLoaded", init);
}());
