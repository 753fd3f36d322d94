/* The article form's live preview, autosave, unsaved-changes guard and "who else is editing" notice.

   The endpoints are in articles/admin/editing.py; the pane is
   templates/admin/articles/article/live_preview.html. The preview is the
   posted, unsaved form rendered by the public template into a sandboxed
   srcdoc frame (no scripts run in it; it inherits this page's CSP). */
"use strict";
(function () {
  const pane = document.querySelector(".live-preview");
  const form = document.getElementById("article_form");
  if (!pane || !form) return;
  const frame = pane.querySelector("iframe");
  const viewport = pane.querySelector(".live-preview__viewport");
  const previewStatus = document.getElementById("live-preview-status");
  const autosaveStatus = document.getElementById("autosave-status");
  const notice = document.getElementById("editing-notice");
  const version = document.getElementById("edit-version");
  const urls = {preview: pane.dataset.previewUrl, autosave: pane.dataset.autosaveUrl, editing: pane.dataset.editingUrl};
  const IGNORED = ["csrfmiddlewaretoken", "_edit_version"];
  let width = 1280;
  let saved = null; // the form's state as last saved (null until the page has settled)
  let previewed = null;
  let timer = null;
  let inflight = false;
  let submitting = false;
  let leaving = false;
  let conflict = pane.dataset.conflict === "1";
  // The add form: its autosave creates the article, then the page goes on as that article's change form.
  let adding = pane.dataset.add === "1";
  let creating = false; // the request that creates the article is under way

  // One request at a time: a preview, an autosave and a heartbeat never overlap.
  let queue = Promise.resolve();
  function serial(task) {
    const run = queue.then(task, task);
    queue = run.catch(function () {});
    return run;
  }

  function data(extra) {
    const body = new FormData(form);
    // Uploads are not previewed or autosaved: the server would have to store them.
    for (const [name, value] of Array.from(body.entries())) {
      if (value instanceof File) body.delete(name);
    }
    for (const [name, value] of Object.entries(extra || {})) body.set(name, value);
    return body;
  }

  function state() {
    const parts = [];
    for (const [name, value] of data().entries()) {
      if (!IGNORED.includes(name)) parts.push(name + "=" + value);
    }
    return parts.join("&");
  }

  function dirty() {
    return saved !== null && state() !== saved;
  }

  // Width toggles: the frame is as wide as the device and scaled down to fit the pane.
  function fit() {
    const scale = Math.min(1, viewport.clientWidth / width);
    frame.style.width = width + "px";
    frame.style.height = Math.ceil(viewport.clientHeight / scale) + "px";
    frame.style.transform = "scale(" + scale + ")";
  }
  pane.querySelectorAll("[data-width]").forEach(function (button) {
    button.addEventListener("click", function () {
      width = Number(button.dataset.width);
      pane.querySelectorAll("[data-width]").forEach(function (other) {
        other.setAttribute("aria-pressed", String(other === button));
      });
      fit();
    });
  });
  window.addEventListener("resize", fit);

  // The page without its scripts (the sandbox would refuse them, loudly), links opening a new tab
  // (the public pages refuse to be framed). DOMParser neither runs nor loads anything.
  function framed(html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("script:not([type='application/ld+json'])").forEach(function (script) {
      script.remove();
    });
    const base = doc.createElement("base");
    base.target = "_blank";
    doc.head.prepend(base);
    return "<!doctype html>" + doc.documentElement.outerHTML;
  }

  async function refresh() {
    const current = state();
    if (current === previewed || inflight || leaving || submitting) return;
    inflight = true;
    previewed = current;
    previewStatus.textContent = "Updating the preview…";
    try {
      const response = await serial(function () {
        return fetch(urls.preview, {method: "POST", body: data(), credentials: "same-origin"});
      });
      if (response.status === 403) throw new Error("you may not change this article");
      if (response.status === 400) throw new Error(((await response.json()).notes || []).join(" "));
      if (!response.ok) throw new Error("the server answered " + response.status);
      const html = await response.text();
      const scrolled = frame.contentWindow ? frame.contentWindow.scrollY : 0;
      frame.addEventListener("load", function () {
        frame.contentWindow.scrollTo(0, scrolled);
      }, {once: true});
      frame.srcdoc = framed(html);
      previewStatus.textContent = "Preview updated at " + new Date().toLocaleTimeString() + ".";
    } catch (error) {
      previewed = null;
      previewStatus.textContent = "The preview is not updated: " + error.message;
    } finally {
      inflight = false;
    }
  }

  // At most one update every 0.7 s while typing; a check each second also sees
  // rows added, removed or dragged, which fire no input event.
  function schedule() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      if (inflight) schedule();
      else refresh();
    }, 700);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  function showNotice(text) {
    if (typeof text !== "string") return;
    notice.textContent = text;
    notice.hidden = !text;
  }

  // The add form's first autosave created the article: what follows saves that article, never a second one.
  function becomeChangeForm(answer) {
    adding = false;
    urls.autosave = answer.urls.autosave;
    urls.editing = answer.urls.editing;
    urls.preview = answer.urls.preview;
    form.action = answer.urls.change;
    history.replaceState(history.state, "", answer.urls.change);
    // The page's own words follow: "Add article" becomes "Change article", as after a reload.
    document.title = document.title.replace(/^Add /, "Change ");
    const heading = document.querySelector("#content > h1");
    if (heading) heading.textContent = heading.textContent.replace(/^Add /, "Change ");
    const crumbs = document.querySelector(".breadcrumbs");
    const last = crumbs && crumbs.lastChild;
    if (last && last.nodeType === Node.TEXT_NODE && form.elements.title) {
      last.textContent = last.textContent.replace(/Add article\s*$/, form.elements.title.value);
    }
  }

  function autosaved(answer, current) {
    showNotice(answer.notice);
    if (answer.saved) {
      const unchanged = state() === current; // nothing typed while the request was under way
      // New rows are saved now: their ids make the next save update them instead of adding copies.
      for (const [prefix, ids] of Object.entries(answer.rows || {})) {
        for (const [index, id] of Object.entries(ids)) {
          const field = form.elements[prefix + "-" + index + "-id"];
          if (field && !field.value) field.value = id;
        }
      }
      if (answer.urls) becomeChangeForm(answer);
      saved = unchanged ? state() : current; // the ids written in are no change of the writer's
      version.value = answer.version;
      autosaveStatus.textContent = answer.message;
    } else if (answer.conflict) {
      conflict = true; // no more autosaves over their version; a manual save asks again
      autosaveStatus.innerHTML = answer.message_html; // built with format_html by the server
    } else {
      autosaveStatus.textContent = answer.message;
    }
  }

  async function autosave(beforeLeaving) {
    if (!urls.autosave || conflict || submitting || !dirty() || (leaving && !beforeLeaving)) return;
    // On pagehide nothing queued runs: the request starts now, unless it would create the article a
    // second time (the first one, under way, carries what was typed until a moment ago).
    if (beforeLeaving === "pagehide" && creating) return;
    // The form is read when the request starts, after the previous one's answer wrote its ids in.
    const send = async function () {
      if (!beforeLeaving && (submitting || !dirty())) return; // saved meanwhile, by the request before
      const current = state();
      const body = data(beforeLeaving ? {_leaving: "1"} : {});
      creating = adding;
      try {
        // keepalive: the request outlives the page when it is sent on pagehide.
        const response = await fetch(urls.autosave, {method: "POST", body: body, credentials: "same-origin", keepalive: Boolean(beforeLeaving)});
        if (response.status === 403) throw new Error("you may not save this article");
        autosaved(await response.json(), current);
      } finally {
        creating = false;
      }
    };
    try {
      await (beforeLeaving === "pagehide" ? send() : serial(send));
    } catch (error) {
      if (!beforeLeaving) autosaveStatus.textContent = "Not autosaved (" + error.message + "): save the form to keep your changes.";
    }
  }

  function heartbeat(leave) {
    if (!urls.editing || (leaving && !leave)) return;
    const body = new FormData();
    body.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    if (leave) {
      body.set("leave", "1");
      navigator.sendBeacon(urls.editing, body);
      return;
    }
    serial(function () { return fetch(urls.editing, {method: "POST", body: body, credentials: "same-origin"}); })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (answer) { showNotice(answer.notice); })
      .catch(function () {});
  }

  // Leaving with unsaved changes asks first: closing the tab, and the admin's own links.
  form.addEventListener("submit", function (event) {
    if (creating && event instanceof SubmitEvent) {
      // The autosave creating the article is under way: saving to the add form now would create a
      // second one. Once it is answered, the form saves that article.
      event.preventDefault();
      const submitter = event.submitter;
      serial(function () {}).then(function () { form.requestSubmit(submitter); });
      return;
    }
    submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || leaving || !dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  });
  function question() {
    if (!adding) return "Leave this page? Your latest changes are not saved yet: they are autosaved as a draft before you go.";
    return "Leave this page? The new article is not saved yet: it is autosaved as a draft before you go, " +
      "if it has a title, slug and author (otherwise what you typed is lost).";
  }
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented || link.target || link.closest(".live-preview")) return;
    const href = link.getAttribute("href");
    if (href.startsWith("#") || href.startsWith("javascript:") || link.classList.contains("related-widget-wrapper-link")) return;
    if (!dirty()) return;
    event.preventDefault();
    if (!window.confirm(question())) return;
    leaving = true;
    // Save what is there before going (the page's own link, so there is time to wait for it).
    // Once the requests already sent are answered: the next page's own should not overlap them.
    const go = function () {
      serial(function () {}).then(function () { window.location.href = link.href; });
    };
    if (!urls.autosave || conflict) return go();
    Promise.race([autosave("leaving"), new Promise(function (resolve) { setTimeout(resolve, 3000); })]).then(go, go);
  });
  window.addEventListener("pagehide", function () {
    if (submitting || leaving) return;
    if (dirty()) autosave("pagehide");
    else heartbeat(true);
  });

  // A new row that an autosave stored already, then removed from the page (Django's inline "×",
  // which drops the row from the form): its id is posted as <prefix>-REMOVED so that the next
  // autosave or save deletes it too (AutosavedRowsFormSet.removed_rows). Before Django's own
  // handler, while the row is still in the page.
  document.addEventListener("click", function (event) {
    const link = event.target.closest(".inline-deletelink");
    const row = link && link.closest(".inline-related, tr.form-row");
    if (!row || !form.contains(row)) return;
    for (const field of row.querySelectorAll("input[type=hidden][name$='-id']")) {
      const match = field.name.match(/^(.+)-\d+-id$/);
      if (!match || !/^\d+$/.test(field.value)) continue;
      const removed = document.createElement("input");
      removed.type = "hidden";
      removed.name = match[1] + "-REMOVED";
      removed.value = field.value;
      form.appendChild(removed);
    }
  }, true);

  window.addEventListener("load", function () {
    // The rich-text editors and the slug prepopulation settle first.
    setTimeout(function () {
      // A form shown again after a refused save holds unsaved input.
      saved = pane.dataset.bound === "1" ? "" : state();
      fit();
      refresh();
      setInterval(function () {
        if (state() !== previewed) schedule();
      }, 1000);
      if (urls.autosave) setInterval(autosave, Number(pane.dataset.autosaveSeconds) * 1000);
      setInterval(heartbeat, Number(pane.dataset.heartbeatSeconds) * 1000);
    }, 300);
  });
})();
