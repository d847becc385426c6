/* Live meeting screens (attendees' phones, the projector, the relay's view): agora.js joins the room
   named by data-live-room and dispatches its events; here "agora:meeting_state" updates the attendance
   and the counts tables, and reloads the attendees' pages when the room moves to another item. */
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

  // Returns false when a table lacks a row for a college that now has a position (the page must reload).
  function updateTable(table, position) {
    var complete = true;
    var total = table.querySelector("tr[data-total]");
    if (total) { setCells(total, position.counts || {}); }
    Object.keys(position.by_college || {}).forEach(function (college) {
      var row = table.querySelector('tr[data-college="' + college + '"]');
      if (row) { setCells(row, position.by_college[college]); } else { complete = false; }
    });
    return complete;
  }

  function reload(block) {
    var status = block.querySelector(".live-status");
    if (status) { status.textContent = status.getAttribute("data-reload-text") || ""; }
    window.location.reload();
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
    var complete = true;
    block.querySelectorAll("table[data-counts]").forEach(function (table) {
      var position = (state.positions || {})[table.getAttribute("data-counts")];
      if (position && !updateTable(table, position)) { complete = false; }
    });
    if (!complete && follows) { reload(block); }
  }

  function init() {
    document.querySelectorAll('[data-live-room^="meeting:"]').forEach(function (block) {
      block.addEventListener("agora:meeting_state", function (event) { onState(block, event.detail); });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
}());
