/* Name each rich-text editor after its field's label.

   django-prose-editor hides the <textarea> the label points at and edits in a
   contenteditable box, which screen readers would announce without a name.
   Loaded with static/admin/css/rich_text.css (articles/admin/richtext.py, RichTextMixin). */
"use strict";
(function () {
  function name(editor) {
    const textarea = editor.querySelector("textarea");
    const box = editor.querySelector(".ProseMirror");
    const label = textarea && textarea.id && document.querySelector('label[for="' + textarea.id + '"]');
    if (!box || !label || box.hasAttribute("aria-labelledby")) return;
    if (!label.id) label.id = textarea.id + "-label";
    box.setAttribute("aria-labelledby", label.id);
  }

  function nameAll() {
    document.querySelectorAll(".prose-editor").forEach(name);
  }

  // Editors start as the page loads, and in each inline row added (after the
  // editor's own formset:added handler has made it).
  window.addEventListener("load", nameAll);
  document.addEventListener("formset:added", function () {
    setTimeout(nameAll);
  });
})();
