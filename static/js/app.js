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

// Long pages (#13). The live region floats at the bottom of the window (app.css: .toasts): a button
// puts its message away, shown only while there is one. The "On this page" navigation marks the
// section being read (aria-current="location"). Without this file both still work: the message
// stays, the links still jump.
(function () {
  "use strict";

  var region = document.getElementById("live-region");
  var dismiss = document.querySelector("[data-dismiss-messages]");
  if (region && dismiss) {
    var sync = function () {
      dismiss.hidden = !region.querySelector(".message");
    };
    dismiss.addEventListener("click", function () {
      region.innerHTML = "";
      sync();
      var main = document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    });
    // htmx writes into the region out of band: show the button again for each new message.
    new MutationObserver(sync).observe(region, { childList: true, subtree: true });
    sync();
  }

  var links = Array.prototype.slice.call(document.querySelectorAll('.toc a[href^="#"]'));
  var sections = links.map(function (a) { return document.getElementById(a.hash.slice(1)); });
  if (!links.length) return;
  // The section the member went to (a link, the address's #fragment) stays marked while it is in
  // view, even when the page ends before it reaches the top; their own scrolling drops it.
  var chosen = -1;
  function visible(section) {
    var box = section && section.getBoundingClientRect();
    return !!box && box.top < window.innerHeight && box.bottom > 0;
  }
  function mark(current) {
    links.forEach(function (a, i) {
      if (i === current) a.setAttribute("aria-current", "location");
      else a.removeAttribute("aria-current");
    });
  }
  function update() {
    var current = 0;
    if (chosen >= 0 && visible(sections[chosen])) {
      current = chosen;
    } else {
      chosen = -1;
      var atEnd = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      // Otherwise the last section begun above the upper third of the window (at the page's end,
      // the last one in view).
      sections.forEach(function (section, i) {
        if (!section) return;
        var top = section.getBoundingClientRect().top;
        if (top <= window.innerHeight / 3 || (atEnd && top < window.innerHeight)) current = i;
      });
    }
    mark(current);
  }
  // Marked at once (the jump to it follows the click); kept while in view (`update`).
  function choose(hash) {
    chosen = links.map(function (a) { return a.hash; }).indexOf(hash);
    if (chosen >= 0) mark(chosen);
    else update();
  }
  var pending = false;
  window.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; update(); });
  }, { passive: true });
  ["wheel", "touchstart", "keydown"].forEach(function (type) {
    window.addEventListener(type, function () { chosen = -1; }, { passive: true });
  });
  links.forEach(function (a) {
    a.addEventListener("click", function () { choose(a.hash); });
  });
  window.addEventListener("hashchange", function () { choose(window.location.hash); });
  choose(window.location.hash);
})();
