// Newsletter signup in place. Forms on cached pages carry no CSRF token (the
// page is shared by every visitor), so the visitor's own token is fetched
// first. The server answers JSON with the HTML that replaces the form: the
// confirmation, or the form again with its errors next to the field.
// Without JavaScript the form posts normally and the server redirects back.
(function () {
  "use strict";

  function ensureToken(form) {
    var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
    var url = form.getAttribute("data-csrf-url");
    if (!field || field.value || !url) {
      return Promise.resolve();
    }
    return fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) { field.value = data.token; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-signup]") || !window.fetch) {
      return;
    }
    event.preventDefault();
    var body = form.closest(".signup__body");
    var button = form.querySelector('[type="submit"]');
    if (button) { button.disabled = true; }
    ensureToken(form)
      .then(function () {
        return fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
      })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        body.innerHTML = data.html;
        var focus = body.querySelector(".is-invalid, [role=status], [role=alert]");
        if (focus) {
          if (!focus.hasAttribute("tabindex") && !focus.matches("input")) { focus.setAttribute("tabindex", "-1"); }
          focus.focus();
        }
      })
      .catch(function () {
        form.submit(); // fall back to the plain POST; the server keeps what was typed
      });
  });
})();
