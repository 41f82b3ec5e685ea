/*
 * exportctl portal behaviour. Every page works without it; this only improves on the HTML.
 * Loaded as a file because the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";

  var SAFE_METHODS = ["GET", "HEAD", "OPTIONS", "TRACE"];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  // htmx sends no CSRF token by itself; Django refuses an unsafe request without one. The token
  // goes only to our own origin so that it never leaks to another site.
  document.addEventListener("htmx:config:request", function (event) {
    var request = event.detail && event.detail.ctx && event.detail.ctx.request;
    if (!request) {
      return;
    }
    var method = String(request.method || "GET").toUpperCase();
    if (SAFE_METHODS.indexOf(method) !== -1 || !sameOrigin(request.action || "")) {
      return;
    }
    var token = csrfToken();
    if (token) {
      request.headers = request.headers || {};
      request.headers["X-CSRFToken"] = token;
    }
  });

  // GOV.UK pattern: after a failed submission, move focus to the error summary so that screen
  // reader users hear what went wrong first; its links then move focus to the field.
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  function linkSummaryToFields(root) {
    var links = (root || document).querySelectorAll("[data-error-summary] a[href^='#']");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) {
          return;
        }
        event.preventDefault();
        var label = document.querySelector("label[for='" + target.id + "']");
        (label || target).scrollIntoView();
        target.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary(document);
    linkSummaryToFields(document);
  });
})();
