// Helpers shared by every page: page data, translated strings, DOM building, announcements.

let strings = {};

/** The JSON the server put in <script type="application/json" id="page-data">. */
export function pageData() {
  const el = document.getElementById("page-data");
  const data = el ? JSON.parse(el.textContent) : {};
  strings = data.strings ?? {};
  return data;
}

/** A catalog string by key, with {name} placeholders filled in. */
export function t(key, params = {}) {
  const s = strings[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Build an element; children are nodes or strings (set as text, never parsed as HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const MESSAGE_SHOWN_MS = 7000;
let clearTimer = null;

/** Say something in the page's polite live region (also shown for a few seconds). */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  // Clearing first makes screen readers repeat an identical message.
  region.textContent = "";
  window.clearTimeout(clearTimer);
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
  clearTimer = window.setTimeout(() => {
    region.textContent = "";
  }, MESSAGE_SHOWN_MS);
}

/** Text colour (near-black or white) that reads on a given background colour. */
export function inkFor(color) {
  const m = /^#?([0-9a-f]{6})$/i.exec(color ?? "");
  if (!m) return "#111111";
  const n = Number.parseInt(m[1], 16);
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  // Pick whichever of the two inks gives the higher contrast ratio.
  return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? "#111111" : "#ffffff";
}

/** Set a zone's or group's colour through custom properties (never a style attribute in HTML). */
export function paint(el, color, prefix = "--zone") {
  if (!color) return;
  el.style.setProperty(`${prefix}-color`, color);
  el.style.setProperty(`${prefix}-ink`, inkFor(color));
}
