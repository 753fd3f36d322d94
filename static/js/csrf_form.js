// Forms on cached pages (the rating form) carry an empty CSRF field: the page
// is shared by every visitor. On submit, this fetches the visitor's own token,
// fills it in and sends the form as usual. Without JavaScript the server
// answers the failed check with the form again, as typed, with a token.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-csrf-form]") || !window.fetch) {
      return;
    }
    var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
    if (!field || field.value) {
      return;
    }
    event.preventDefault();
    fetch(form.getAttribute("data-csrf-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) { field.value = data.token; })
      .catch(function () { /* the server gives the form back, as typed */ })
      .then(function () { form.submit(); });
  });
})();
