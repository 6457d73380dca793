// The start page (/): join a workshop with its code, or log in as staff.

import { clearErrors, errorOf, sendJSON, showErrors } from "./forms.js";

const joinForm = document.getElementById("join-code-form");
const loginForm = document.getElementById("login-form");

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearErrors(joinForm);
  // Codes may be typed in lower case, with spaces or dashes; the server reads only letters and digits.
  const code = joinForm.elements.code.value.toUpperCase().replace(/[^0-9A-Z]/g, "");
  if (!code) {
    showErrors(joinForm, { fields: { code: [joinForm.dataset.msgRequired] } });
    return;
  }
  window.location.assign(`/join/${encodeURIComponent(code)}`);
});

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(loginForm);
  const submit = loginForm.querySelector('[type="submit"]');
  submit.disabled = true;
  const result = await sendJSON("/api/login", {
    username: loginForm.elements.username.value.trim(),
    password: loginForm.elements.password.value,
  });
  submit.disabled = false;
  if (result.ok) {
    // Back to the page that sent us here (e.g. the projector view), else the workshop list.
    const next = new URLSearchParams(window.location.search).get("next") ?? "";
    const safe = next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\");
    window.location.assign(safe ? next : "/workshops");
    return;
  }
  showErrors(loginForm, errorOf(result, loginForm.dataset.msgNetwork), loginForm.dataset.msgNetwork);
});
