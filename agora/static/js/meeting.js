/* Live meeting screens (attendees' phones, the projector, the relay's view): agora.js joins the room
   named by data-live-room and dispatches its events; here "agora:meeting_state" updates the attendance
   and the counts tables with their pictures, and reloads the attendees' pages when the room moves to
   another item; what is said aloud goes through agora.announce (one polite region, never a flood). */
(function () {
  "use strict";

  function formatNumber(value) {
    try { return new Intl.NumberFormat(document.documentElement.lang || "fr").format(value); }
    catch (e) { return String(value); }
  }

  function setCells(row, counts) {
    row.querySelectorAll("[data-choice]").forEach(function (cell) {
      var value = counts[cell.getAttribute("data-choice")];
      if (typeof value === "number") { cell.textContent = formatNumber(value); }
    });
  }

  var ZERO = { "for": 0, "against": 0, "abstain": 0 };
  var leaving = false;  // a form is being sent: the page is about to change by itself

  function updateTable(table, position) {
    var total = table.querySelector("tr[data-total]");
    if (total) { setCells(total, position.counts || ZERO); }
    table.querySelectorAll("tr[data-college]").forEach(function (row) {
      setCells(row, (position.by_college || {})[row.getAttribute("data-college")] || ZERO);
    });
  }

  function formatPercent(value) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || "fr",
        { style: "percent", maximumFractionDigits: 1 }).format(value);
    } catch (e) { return Math.round(value * 1000) / 10 + " %"; }
  }

  function say(text) {
    if (text && window.agora && window.agora.announce) { window.agora.announce(text); }
  }

  // The picture beside a counts table (agora/charts bars: the share in favour per college): its bars and
  // its description follow the table, silently (a count per raised hand would drown a screen reader).
  var BAR_MAX = 236;
  function updatePicture(table, position) {
    var svg = document.getElementById("counts-chart-" + table.getAttribute("data-counts"));
    if (!svg) { return; }
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    var said = [];
    table.querySelectorAll("tr[data-college]").forEach(function (row) {
      var key = row.getAttribute("data-college");
      var counts = (position.by_college || {})[key] || ZERO;
      var total = (counts["for"] || 0) + (counts.against || 0) + (counts.abstain || 0);
      var group = svg.querySelector('g[data-key="' + key + '"]');
      if (group) {
        var length = total ? Math.round(BAR_MAX * counts["for"] / total * 10) / 10 : 0;
        var bar = group.querySelector("rect[data-bar]"), value = group.querySelector("text[data-value]");
        if (bar) { bar.setAttribute("width", String(length)); }
        if (value) { value.setAttribute("x", String(length + 6)); value.textContent = total ? formatPercent(counts["for"] / total) : "—"; }
      }
      var cells = Array.prototype.map.call(row.querySelectorAll("td"), function (td, n) {
        return (heads[n + 1] || "") + " " + td.textContent.trim();
      });
      said.push(row.querySelector("th").textContent.trim() + ": " + cells.join(", "));
    });
    var desc = svg.querySelector("desc");
    if (desc) { desc.textContent = said.join("; "); }
  }

  var MOVED = "agora-meeting-moved";
  function reload(block) {
    if (leaving) { return; }
    var status = block.querySelector(".live-status");
    if (status) { status.textContent = status.getAttribute("data-reload-text") || ""; }
    try { window.sessionStorage.setItem(MOVED, block.getAttribute("data-meeting") || ""); } catch (e) { /* private mode */ }
    window.location.reload();
  }

  // After a reload caused by the room: say once where the room is now (the page's polite region).
  function arrived(block) {
    var moved = null;
    try { moved = window.sessionStorage.getItem(MOVED); window.sessionStorage.removeItem(MOVED); } catch (e) { return; }
    if (moved && moved === block.getAttribute("data-meeting")) { say(block.getAttribute("data-arrival-text")); }
  }

  function onState(block, state) {
    if (!state || typeof state.attendance !== "number") { return; }
    var follows = block.hasAttribute("data-current");
    if (follows && ((state.current_item || "") !== block.getAttribute("data-current") ||
                    state.status !== block.getAttribute("data-status"))) {
      reload(block);
      return;
    }
    var attendance = document.getElementById("attendance-count");
    if (attendance) { attendance.textContent = formatNumber(state.attendance); }
    var quorum = document.getElementById("quorum");
    if (quorum) {
      var reached = state.attendance >= parseInt(quorum.getAttribute("data-quorum") || "0", 10);
      var text = quorum.getAttribute(reached ? "data-reached" : "data-pending") || "";
      if (reached && quorum.textContent !== text) { say(text); }  // said once, when it is reached
      quorum.textContent = text;
    }
    block.querySelectorAll("table[data-counts]").forEach(function (table) {
      var position = (state.positions || {})[table.getAttribute("data-counts")];
      if (position) { updateTable(table, position); updatePicture(table, position); }
    });
  }

  function init() {
    document.addEventListener("submit", function () { leaving = true; });
    document.querySelectorAll('[data-live-room^="meeting:"]').forEach(function (block) {
      block.addEventListener("agora:meeting_state", function (event) { onState(block, event.detail); });
      arrived(block);
    });
  }

  document.addEventListener("DOMContentLoaded", init);
}());
