// The join page (/join/<code>): a display name and a group, then on to the tablet board.

import { clearErrors, errorOf, sendJSON, showErrors } from "./forms.js";

const form = document.getElementById("join-form");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const name = form.elements.name.value.trim();
  if (!name) {
    showErrors(form, { fields: { name: [form.dataset.msgNameRequired] } });
    return;
  }
  const body = { code: form.dataset.code, name };
  const group = form.elements.group_id?.value;
  if (group) body.group_id = Number(group);
  const submit = form.querySelector('[type="submit"]');
  submit.disabled = true;
  const result = await sendJSON("/api/join", body);
  submit.disabled = false;
  if (result.status === 201 && result.data?.token) {
    try {
      window.localStorage.setItem("planner.token", result.data.token);
    } catch {
      // Private mode may refuse storage; the session cookie still signs this tablet in.
    }
    window.location.assign(`/board/${result.data.workshop_id}`);
    return;
  }
  showErrors(form, errorOf(result, form.dataset.msgNetwork), form.dataset.msgNetwork);
});
