/* IOP Ops: small progressive enhancements. Every page works without this file (and without htmx).
   Loaded from 'self' only (CSP: no inline script). */
(function () {
  "use strict";

  // Tell assistive technology that a region is being refreshed while an htmx request is in flight.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
  });

  // A form that brings its whole page region back (e.g. the request page) replaces the button that
  // was pressed. Unless the new content took focus itself (an error summary does), put focus on the
  // section the form was in, without scrolling, so a keyboard user carries on where they were.
  var sectionOfRequest = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var section = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("section[id]");
    sectionOfRequest = section ? section.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var id = sectionOfRequest;
    sectionOfRequest = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) return;
    var section = document.getElementById(id);
    if (!section) return;
    if (!section.hasAttribute("tabindex")) section.setAttribute("tabindex", "-1");
    section.focus({ preventScroll: true });
  });

  // When the session has ended (idle timeout), an htmx request is redirected to the sign-in page.
  // Go there as a whole page instead of swapping the sign-in form into a results region.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var url = event.detail.xhr && event.detail.xhr.responseURL;
    if (url && new URL(url).pathname.indexOf("/accounts/login/") === 0) {
      event.detail.shouldSwap = false;
      window.location.assign(url);
    }
  });

  // A region that refreshes itself (Today's board: data-poll-seconds) is asked to, by the htmx
  // event it listens for, only while the tab is visible: a hidden tab costs the server nothing, and
  // coming back to the tab refreshes at once when the content is older than its interval.
  var lastPoll = {};
  function pollDue(force) {
    if (document.visibilityState !== "visible" || !window.htmx) return;
    var now = Date.now();
    document.querySelectorAll("[data-poll-seconds][id]").forEach(function (el) {
      var every = parseInt(el.getAttribute("data-poll-seconds"), 10) * 1000;
      if (!lastPoll[el.id]) lastPoll[el.id] = now;
      // Not while the user is on a line of it: the swap would take their keyboard focus away.
      if (el.contains(document.activeElement) && document.activeElement !== el) return;
      if (now - lastPoll[el.id] >= every || (force && now - lastPoll[el.id] >= every / 2)) {
        lastPoll[el.id] = now;
        window.htmx.trigger(el, "iop:poll");
      }
    });
  }
  setInterval(function () { pollDue(false); }, 5000);
  // Only the refresh itself says it is a poll (the server then does not count it as activity);
  // anything else inside the region a user clicks stays activity.
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "iop:poll") event.detail.headers["X-IOP-Poll"] = "1";
  });
  document.addEventListener("visibilitychange", function () { pollDue(true); });
})();
