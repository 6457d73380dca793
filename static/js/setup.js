// First start (/setup/<token>): create the first staff account.

import { clearErrors, errorOf, sendJSON, showErrors } from "./forms.js";

const form = document.getElementById("setup-form");
const MIN_PASSWORD = 10;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const password = form.elements.password.value;
  const fields = {};
  if (password.length < MIN_PASSWORD) fields.password = [form.dataset.msgShort];
  if (password !== form.elements.repeat.value) fields.repeat = [form.dataset.msgMismatch];
  if (Object.keys(fields).length) {
    showErrors(form, { fields });
    return;
  }
  const submit = form.querySelector('[type="submit"]');
  submit.disabled = true;
  const result = await sendJSON("/api/setup", {
    token: form.dataset.token,
    username: form.elements.username.value.trim(),
    password,
  });
  submit.disabled = false;
  if (result.status === 201) {
    window.location.assign("/workshops");
    return;
  }
  showErrors(form, errorOf(result, form.dataset.msgNetwork), form.dataset.msgNetwork);
});
