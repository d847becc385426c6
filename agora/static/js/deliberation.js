/* agora: live updates of forum threads and proposals. Progressive enhancement only: without this
   file (or without JavaScript) the pages work and show new posts on reload.

   agora.js joins the room named by [data-live-room] and re-dispatches each Socket.IO event as a DOM
   event "agora:<name>" on that element. Events carry ids only; the post or comment itself is fetched
   from the server, rendered for this reader and checked by the page's read rule, then inserted. */
(function () {
  "use strict";

  function fetchFragment(url) {
    if (typeof url !== "string" || url.charAt(0) !== "/" || url.charAt(1) === "/") {
      return Promise.reject(new Error("unexpected fragment url"));
    }
    return window.fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("fragment " + response.status); }
        return response.text();
      });
  }

  function announce(text) {
    if (window.agora && text) { window.agora.announce(text); }
  }

  function onLastPage(list) {
    var page = parseInt(list.getAttribute("data-page") || "1", 10);
    var pages = parseInt(list.getAttribute("data-pages") || "1", 10);
    return page >= pages;
  }

  // --- forum threads -------------------------------------------------------------------------------
  function watchThread(root) {
    var list = root.querySelector("[data-live-list='forum_post']");
    var live = document.getElementById("live-posts");
    root.addEventListener("agora:forum_post", function (event) {
      var detail = event.detail || {};
      if (!list || document.getElementById("post-" + detail.number)) { return; }
      if (!onLastPage(list)) { return; }
      fetchFragment(detail.fragment).then(function (html) {
        if (document.getElementById("post-" + detail.number)) { return; }
        list.insertAdjacentHTML("beforeend", html);
        announce(live ? live.getAttribute("data-new-post") : "");
      }).catch(function () { /* the post shows on the next reload */ });
    });
    root.addEventListener("agora:forum_post_edited", function (event) {
      var detail = event.detail || {};
      var existing = document.getElementById("post-" + detail.number);
      if (!existing) { return; }
      fetchFragment(detail.fragment).then(function (html) {
        existing.outerHTML = html;
      }).catch(function () { /* the edit shows on the next reload */ });
    });
  }

  // --- proposals -----------------------------------------------------------------------------------
  function formatNumber(value) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || "fr").format(value);
    } catch (error) {
      return String(value);
    }
  }

  function watchProposal(root) {
    var list = root.querySelector("[data-live-list='proposal_comment']");
    root.addEventListener("agora:proposal_supports", function (event) {
      var detail = event.detail || {};
      if (typeof detail.supports !== "number") { return; }
      var count = document.getElementById("supports-count");
      if (count) {
        count.textContent = formatNumber(detail.supports);
        count.setAttribute("data-supports", String(detail.supports));
      }
      var progress = document.getElementById("supports-progress");
      if (progress) { progress.value = Math.min(detail.supports, progress.max); }
    });
    root.addEventListener("agora:proposal_comment", function (event) {
      var detail = event.detail || {};
      if (!list || document.getElementById("comment-" + detail.comment)) { return; }
      var target = detail.parent ? document.getElementById("replies-" + detail.parent) : list;
      if (!target) { return; }
      fetchFragment(detail.fragment).then(function (html) {
        if (document.getElementById("comment-" + detail.comment)) { return; }
        target.insertAdjacentHTML("beforeend", html);
        var empty = document.getElementById("no-comments");
        if (empty) { empty.hidden = true; }
      }).catch(function () { /* the comment shows on the next reload */ });
    });
  }

  function start() {
    document.querySelectorAll("[data-live-room]").forEach(function (root) {
      var room = root.getAttribute("data-live-room") || "";
      if (room.indexOf("thread:") === 0) { watchThread(root); }
      if (room.indexOf("proposal:") === 0) { watchProposal(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
