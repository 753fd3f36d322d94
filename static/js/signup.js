// Newsletter signup in place. Forms on cached pages carry no CSRF token and no
// stamp (the page is the same for every visitor and may be days old): when the
// visitor starts on the form, the visitor's own token and a fresh signed stamp
// are fetched from data-csrf-url. The server takes a stamp as a bot's when the
// form comes back sooner than data-min-fill seconds after it was issued, and
// gives the form back when it is older than data-max-age or used before; so a
// quick visitor's post waits until the stamp is old enough, and a stamp about
// to expire (a tab left open) is fetched anew. The server answers JSON with the
// HTML that replaces the form: the confirmation, or the form again with its
// errors next to the field or with a notice to press Subscribe once more.
// Without JavaScript the form posts normally and the server redirects back.
(function () {
  "use strict";

  var MARGIN = 250; // ms beyond the minimum: the server started counting before the stamp got here
  var received = {}; // stamp -> when this page had it (ms)
  var fetching = new WeakMap(); // form -> the fetch of its token and stamp

  function input(form, name) {
    return form.querySelector('input[name="' + name + '"]');
  }

  function seconds(form, attribute) {
    return parseFloat(form.getAttribute(attribute) || "0") * 1000;
  }

  // Stamps rendered into a page, or into HTML the server sent back, count from now
  // unless this page had them before (a form given back with its errors keeps its stamp).
  function note(root) {
    root.querySelectorAll('form[data-signup] input[name="rendered_at"]').forEach(function (field) {
      if (field.value && !received[field.value]) {
        received[field.value] = Date.now();
      }
    });
  }

  function stampReady(form) {
    var url = form.getAttribute("data-csrf-url");
    var stamp = input(form, "rendered_at");
    if (!url || !stamp) {
      return Promise.resolve();
    }
    var keep = Math.min(60000, seconds(form, "data-max-age") / 10);
    if (stamp.value && Date.now() - received[stamp.value] > seconds(form, "data-max-age") - keep) {
      stamp.value = "";
      fetching.delete(form);
    }
    if (stamp.value) {
      return Promise.resolve();
    }
    if (!fetching.has(form)) {
      var request = fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          input(form, "csrfmiddlewaretoken").value = data.token;
          stamp.value = data.stamp;
          received[data.stamp] = Date.now();
        })
        .catch(function (error) {
          fetching.delete(form);
          throw error;
        });
      fetching.set(form, request);
    }
    return fetching.get(form);
  }

  function oldEnough(form) {
    var stamp = input(form, "rendered_at");
    var since = (stamp && received[stamp.value]) || Date.now();
    var wait = since + seconds(form, "data-min-fill") + MARGIN - Date.now();
    return new Promise(function (done) { window.setTimeout(done, Math.max(0, wait)); });
  }

  function signupForm(target) {
    return target && target.closest ? target.closest("form[data-signup]") : null;
  }

  note(document);

  // The stamp ages while the visitor types.
  document.addEventListener("focusin", function (event) {
    var form = signupForm(event.target);
    if (form && window.fetch) {
      stampReady(form).catch(function () { /* tried again on submit */ });
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-signup]") || !window.fetch) {
      return;
    }
    event.preventDefault();
    var body = form.closest(".signup__body");
    var button = form.querySelector('[type="submit"]');
    if (button) { button.disabled = true; }
    stampReady(form)
      .then(function () { return oldEnough(form); })
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
        note(body);
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
