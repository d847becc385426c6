/* agora: a referral's page says when the referral changed while it was open (the event carries no content:
   everyone in the room may read the referral, but not every part of it). */
(function () {
  "use strict";

  function watch(root) {
    root.addEventListener("agora:ethics_referral_changed", function () {
      var notice = document.getElementById("live-notice");
      if (!notice) { return; }
      notice.hidden = false;
      if (window.agora) { window.agora.announce(notice.textContent); }
    });
  }

  function start() {
    document.querySelectorAll('[data-live-room^="ethics_referral:"]').forEach(watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
