// Lamina console: progressive enhancement only; every page works without this file.
// JSON editors say at once whether their text parses, then (for policy editors) what the policy
// validator finds, fetched from /console/validate with the form's CSRF token.
"use strict";

function findingsList(editor) {
  let list = editor.parentElement.querySelector("ul.live-findings");
  if (!list) {
    list = document.createElement("ul");
    list.className = "findings live-findings";
    list.setAttribute("aria-live", "polite");
    list.setAttribute("aria-label", "Policy validation findings");
    editor.parentElement.querySelector(".json-status").after(list);
  }
  return list;
}

function showFindings(editor, answer) {
  const list = findingsList(editor);
  list.replaceChildren();
  const items = answer.denied ? [{ type: "DENIED", code: "", message: answer.denied, location: "" }] : answer.findings;
  for (const finding of items) {
    const item = document.createElement("li");
    item.className = "finding " + finding.type.toLowerCase();
    const kind = document.createElement("strong");
    kind.textContent = finding.type;
    item.append(kind, " " + (finding.code ? finding.code + ": " : "") + finding.message +
                (finding.location ? " (" + finding.location + ")" : ""));
    list.append(item);
  }
}

function validateLater(editor) {
  clearTimeout(editor.validateTimer);
  editor.validateTimer = setTimeout(async () => {
    const form = editor.form;
    const body = new URLSearchParams({ csrf: form.elements.csrf.value, kind: editor.dataset.validate,
                                       document: editor.value });
    try {
      const answer = await fetch(form.action.replace(/\/console\/.*$/, "/console/validate"),
                                 { method: "POST", body, credentials: "same-origin" });
      showFindings(editor, await answer.json());
    } catch (error) {
      // the findings come with the form's answer instead
    }
  }, 400);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const editor of document.querySelectorAll("textarea[data-json-editor]")) {
    const status = editor.parentElement.querySelector(".json-status");
    const check = () => {
      if (!editor.value.trim()) { editor.classList.remove("invalid"); if (status) status.textContent = ""; return; }
      try {
        JSON.parse(editor.value);
        editor.classList.remove("invalid");
        if (status) { status.textContent = "Valid JSON"; status.classList.remove("bad"); }
        if (editor.dataset.validate) validateLater(editor);
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
