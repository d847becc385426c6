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

  var ZERO = { "for": 0, "against": 0, "abstain": 0 };
  var leaving = false;  // a form is being sent: the page is about to change by itself

  function updateTable(table, position) {
    var total = table.querySelector("tr[data-total]");
    if (total) { setCells(total, position.counts || ZERO); }
    table.querySelectorAll("tr[data-college]").forEach(function (row) {
      setCells(row, (position.by_college || {})[row.getAttribute("data-college")] || ZERO);
    });
  }

  function reload(block) {
    if (leaving) { return; }
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
    var quorum = document.getElementById("quorum");
    if (quorum) {
      var reached = state.attendance >= parseInt(quorum.getAttribute("data-quorum") || "0", 10);
      quorum.textContent = quorum.getAttribute(reached ? "data-reached" : "data-pending") || "";
    }
    block.querySelectorAll("table[data-counts]").forEach(function (table) {
      var position = (state.positions || {})[table.getAttribute("data-counts")];
      if (position) { updateTable(table, position); }
    });
  }

  function init() {
    document.addEventListener("submit", function () { leaving = true; });
    document.querySelectorAll('[data-live-room^="meeting:"]').forEach(function (block) {
      block.addEventListener("agora:meeting_state", function (event) { onState(block, event.detail); });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
}());
