// Keyboard shortcuts: a accept, r reject (pick a reason, Enter), e edit (Ctrl+Enter saves), j/n next, k/p previous.
"use strict";
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select");
  if (event.key === "Escape" && typing) { event.target.blur(); return; }
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest("#edit-form")) {
    event.preventDefault();
    document.getElementById("save-edit").click();
    return;
  }
  if (event.key === "Enter" && event.target.closest("#reject-form")) {
    event.preventDefault();
    document.getElementById("reject").click();
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const click = (id) => {
    const el = document.getElementById(id);
    if (!el) return false;
    event.preventDefault();
    el.click();
    return true;
  };
  const focus = (id) => { const el = document.getElementById(id); if (el) { event.preventDefault(); el.focus(); } };
  switch (event.key) {
    case "a": click("accept"); break;
    case "r": focus("reason-choice"); break;
    case "e": click("edit-toggle"); break;
    case "j": case "n": click("next") || click("start"); break;
    case "k": case "p": click("prev"); break;
  }
});

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.getElementById("edit-toggle");
  if (!toggle) return;
  toggle.addEventListener("click", () => {
    const form = document.getElementById("edit-form");
    form.hidden = false;
    (form.querySelector('textarea[data-role="assistant"]') || form.querySelector("textarea")).focus();
  });
});
