/* A visible grip on each saved row of adminsortable2's sortable inlines, and
   keyboard reordering with it.

   Drag the grip as before, or focus it (Tab) and press ArrowUp / ArrowDown to
   move the row one place, Home / End to move it first or last. The hidden
   order fields are then numbered in page order, as adminsortable2 numbers
   them after a drag, and a polite live region says where the row went.
   Loaded with the article form (ArticleAdmin.Media); no inline script or
   style, so the admin's Content-Security-Policy needs nothing more. */
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const KEYS = { ArrowUp: -1, ArrowDown: 1, Home: -Infinity, End: Infinity };

  function rowsOf(fieldset) {
    const selector = fieldset.querySelector("table tbody") ? "tr.has_original" : ".inline-related.has_original";
    return Array.from(fieldset.querySelectorAll(selector));
  }

  function renumber(fieldset, rows) {
    const reversed = fieldset.classList.contains("reversed");
    rows.forEach(function (row, index) {
      const input = row.querySelector("input._reorder_");
      if (input) input.value = String(reversed ? rows.length - index : index + 1);
    });
  }

  function gripIcon() {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 12 20");
    svg.setAttribute("width", "12");
    svg.setAttribute("height", "20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    for (const y of [3, 10, 17]) {
      for (const x of [3, 9]) {
        const dot = document.createElementNS(SVG, "circle");
        dot.setAttribute("cx", String(x));
        dot.setAttribute("cy", String(y));
        dot.setAttribute("r", "1.8");
        svg.appendChild(dot);
      }
    }
    return svg;
  }

  function describe(fieldset) {
    const rows = rowsOf(fieldset);
    rows.forEach(function (row, index) {
      const grip = row.querySelector(".sort-grip");
      if (grip) {
        grip.setAttribute(
          "aria-label",
          "Move “" + grip.dataset.name + "”, " + (index + 1) + " of " + rows.length +
            ": arrow keys move it up or down, Home and End to first or last"
        );
      }
    });
  }

  function move(fieldset, row, key, status) {
    const rows = rowsOf(fieldset);
    const from = rows.indexOf(row);
    const to = Math.max(0, Math.min(rows.length - 1, from + KEYS[key]));
    if (from < 0 || to === from) return;
    if (to < from) rows[to].before(row);
    else rows[to].after(row);
    const moved = rowsOf(fieldset);
    renumber(fieldset, moved);
    describe(fieldset);
    row.querySelector(".sort-grip").focus();
    status.textContent = "“" + row.querySelector(".sort-grip").dataset.name + "” is now " + (to + 1) + " of " + moved.length + ".";
  }

  function rowName(row, fallback) {
    const label = row.querySelector(".inline_label");
    const text = (label ? label.textContent : row.querySelector("td.original p")?.textContent || "").trim();
    return text.split("\n")[0].trim() || fallback;
  }

  function decorate(fieldset) {
    // Tabular inlines: the grips' column gets a header (read by screen readers only),
    // even before it has a row (an empty header is an axe violation).
    const header = fieldset.querySelector("thead th.original");
    if (header && !header.textContent.trim()) {
      const text = document.createElement("span");
      text.className = "sort-status";
      text.textContent = "Order";
      header.appendChild(text);
    }
    const rows = rowsOf(fieldset);
    if (rows.length === 0) return;
    const status = document.createElement("p");
    status.className = "sort-status";
    status.setAttribute("role", "status");
    fieldset.appendChild(status);
    rows.forEach(function (row, index) {
      const grip = document.createElement("button");
      grip.type = "button";
      grip.className = "sort-grip";
      grip.dataset.name = rowName(row, "Row " + (index + 1));
      grip.title = "Drag, or use the arrow keys, to reorder";
      grip.appendChild(gripIcon());
      grip.addEventListener("click", function (event) {
        event.preventDefault();
      });
      grip.addEventListener("keydown", function (event) {
        if (event.key in KEYS && !event.altKey && !event.ctrlKey && !event.metaKey) {
          event.preventDefault();
          move(fieldset, row, event.key, status);
        }
      });
      const strip = row.querySelector("td.original p");
      if (strip) strip.replaceChildren(grip); // tabular: the strip adminsortable2 drags by
      else row.querySelector("h3").prepend(grip); // stacked: the heading is the drag handle
    });
    describe(fieldset);
  }

  window.addEventListener("load", function () {
    document.querySelectorAll("fieldset.sortable").forEach(decorate);
  });
})();
