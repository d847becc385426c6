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
    });
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
