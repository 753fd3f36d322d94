// The article form's error summary: shown first, and each link opens the panels
// around its field (a collapsed section of an inline, say) before moving there.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    for (let node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    // A rich-text field hides its textarea: go to the editor shown in its place.
    const shown = target.offsetParent === null
      ? target.closest(".form-row, .inline-related")?.querySelector(".ProseMirror, input, select") || target
      : target;
    shown.scrollIntoView({ block: "center" });
    shown.focus({ preventScroll: true });
    history.replaceState(null, "", link.getAttribute("href"));
  });
});
