// gawah: the only script of our own. No inline scripts anywhere (CSP script-src 'self').
// It hands the session's CSRF token (from <meta name="csrf-token">) to every HTMX request.
(function () {
  "use strict";
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = token();
  });
  // After an HTMX swap, move keyboard focus to the first alert so screen readers announce it.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var alert = evt.detail.target.querySelector('[role="alert"]');
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  });
})();
