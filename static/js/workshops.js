// The staff list of workshops (/workshops): create one, or log out.

import { clearErrors, errorOf, sendJSON, showErrors } from "./forms.js";

const form = document.getElementById("create-workshop-form");
const logout = document.getElementById("logout-form");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const year = Number(form.elements.year.value);
  const body = {
    title: form.elements.title.value.trim(),
    year: Number.isInteger(year) ? year : form.elements.year.value,
    template: form.elements.template.value,
  };
  const submit = form.querySelector('[type="submit"]');
  submit.disabled = true;
  const result = await sendJSON("/api/workshops", body);
  submit.disabled = false;
  if (result.status === 201 && result.data?.workshop) {
    window.location.assign(`/console/${result.data.workshop.id}`);
    return;
  }
  showErrors(form, errorOf(result, form.dataset.msgNetwork), form.dataset.msgNetwork);
});

logout.addEventListener("submit", async (event) => {
  event.preventDefault();
  await sendJSON("/api/logout", {});
  try {
    window.localStorage.removeItem("planner.token");
  } catch {
    // Nothing stored, nothing to remove.
  }
  window.location.assign("/");
});
