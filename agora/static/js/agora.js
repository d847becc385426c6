/* agora: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the same CSRF token as the forms.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // One polite live region for the page. Not noisy: at most one announcement every QUIET_MS; what
  // arrives meanwhile replaces what waits, so a burst of events is said once, with the latest news.
  var QUIET_MS = 4000;
  var lastSaid = 0, waiting = null, timer = null;

  function say() {
    var region = document.getElementById("live-announcer");
    timer = null;
    lastSaid = Date.now();
    if (!region) { return; }
    var text = waiting;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function announce(text) {
    if (!text || !document.getElementById("live-announcer")) { return; }
    waiting = text;
    if (timer === null) { timer = window.setTimeout(say, Math.max(0, lastSaid + QUIET_MS - Date.now())); }
  }

  function setUnread(count) {
    var badge = document.getElementById("unread-count");
    if (!badge) { return; }
    var before = parseInt(badge.getAttribute("data-unread") || "0", 10);
    badge.textContent = String(count);
    badge.setAttribute("data-unread", String(count));
    if (count > before) {
      var region = document.getElementById("live-announcer");
      announce(region ? region.getAttribute("data-new-notification") : "");
    }
  }

  // Features mark elements with data-live-room="kind:id"; each room's events are dispatched
  // as DOM events "agora:<event name>" on those elements, for the feature's own script to use.
  function liveRooms() {
    return Array.prototype.map.call(document.querySelectorAll("[data-live-room]"), function (el) {
      return el.getAttribute("data-live-room");
    });
  }

  function connect() {
    if (typeof window.io !== "function") { return; }
    var rooms = liveRooms();
    if (!document.body.hasAttribute("data-person") && rooms.length === 0) { return; }
    var socket = window.io({ transports: ["websocket", "polling"] });
    window.agoraSocket = socket;
    socket.on("connect", function () {
      rooms.forEach(function (room) { socket.emit("join", { room: room }); });
      document.dispatchEvent(new CustomEvent("agora:connected"));
    });
    socket.on("notification", function (payload) {
      if (payload && typeof payload.unread === "number") { setUnread(payload.unread); }
    });
    socket.onAny(function (name, payload) {
      document.querySelectorAll("[data-live-room]").forEach(function (el) {
        el.dispatchEvent(new CustomEvent("agora:" + name, { detail: payload, bubbles: false }));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", connect);
  window.agora = { announce: announce, csrfToken: csrfToken };
}());
