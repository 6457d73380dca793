// Form helpers: JSON requests, and server errors shown next to the fields they concern.

/** POST (or another method) JSON; never throws: a network failure gives status 0. */
export async function sendJSON(url, body, method = "POST") {
  try {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  } catch {
    return { ok: false, status: 0, data: null };
  }
}

/** Flatten marshmallow-style nested field errors ({"piece": {"title": [...]}}) to {title: [...]}. */
export function flattenFieldErrors(fields, out = {}) {
  for (const [name, value] of Object.entries(fields ?? {})) {
    if (Array.isArray(value)) out[name] = [...(out[name] ?? []), ...value.map(String)];
    else if (value && typeof value === "object") flattenFieldErrors(value, out);
    else if (value !== null && value !== undefined) out[name] = [String(value)];
  }
  return out;
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll("[data-error-for], [data-form-error]")) {
    el.textContent = "";
    el.hidden = true;
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * Show an {code, message, fields} error: each field's messages beside the field
 * (`[data-error-for=name]`), the rest in `[data-form-error]`. Focuses the first bad field.
 */
export function showErrors(form, error, fallbackMessage) {
  clearErrors(form);
  const fields = flattenFieldErrors(error?.fields);
  const unplaced = [];
  let first = null;
  for (const [name, messages] of Object.entries(fields)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (!slot) {
      unplaced.push(...messages);
      continue;
    }
    slot.textContent = messages.join(" ");
    slot.hidden = false;
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      first = first ?? input;
    }
  }
  const general = form.querySelector("[data-form-error]");
  if (general) {
    const parts = [];
    if (!first || unplaced.length) parts.push(error?.message || fallbackMessage);
    parts.push(...unplaced);
    const text = parts.filter(Boolean).join(" ");
    general.textContent = text;
    general.hidden = !text;
  }
  (first ?? general)?.focus?.();
}

/** The message for a failed request: the server's, or the form's fallback text. */
export function errorOf(result, fallbackMessage) {
  return result?.data?.error ?? { code: "network", message: fallbackMessage };
}
