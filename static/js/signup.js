// Signup forms on cached pages carry no CSRF token (the page is shared by every
// visitor). Before the form is sent, fetch this visitor's token and fill it in.
(function () {
  "use strict";
  document.querySelectorAll("form[data-csrf-url]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
      if (!field || field.value) {
        return;
      }
      event.preventDefault();
      fetch(form.getAttribute("data-csrf-url"), { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          field.value = data.token;
          form.submit();
        })
        .catch(function () {
          form.submit(); // the server answers with the form again and keeps the address
        });
    });
  });
})();
