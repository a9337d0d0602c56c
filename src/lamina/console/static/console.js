// Lamina console: progressive enhancement only; every page works without this file.
// JSON editors say at once whether their text parses (the server's findings come on submit).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const editor of document.querySelectorAll("textarea[data-json-editor]")) {
    const status = editor.parentElement.querySelector(".json-status");
    const check = () => {
      if (!editor.value.trim()) { editor.classList.remove("invalid"); if (status) status.textContent = ""; return; }
      try {
        JSON.parse(editor.value);
        editor.classList.remove("invalid");
        if (status) { status.textContent = "Valid JSON"; status.classList.remove("bad"); }
      } catch (error) {
        editor.classList.add("invalid");
        if (status) { status.textContent = "Invalid JSON: " + error.message; status.classList.add("bad"); }
      }
    };
    editor.addEventListener("input", check);
    editor.addEventListener("keydown", (event) => {  // Tab indents; Escape then Tab leaves the editor
      if (event.key === "Tab" && !event.shiftKey && !editor.dataset.escaped) {
        event.preventDefault();
        editor.setRangeText("  ", editor.selectionStart, editor.selectionEnd, "end");
      }
      editor.dataset.escaped = event.key === "Escape" ? "1" : "";
    });
    check();
  }
  for (const log of document.querySelectorAll("pre.log")) { log.scrollTop = log.scrollHeight; }
});
