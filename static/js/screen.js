// Entry point of the projector page (/screen/<id>): read-only, large, live.

import { showConnection } from "./connstatus.js";
import { mountFacilitation } from "./facilitation.js";
import { renderCoverage } from "./coverage.js";
import { h, pageData, t } from "./page.js";
import { Connection } from "./socket.js";
import { BoardState, TRAY, zoneKey } from "./state.js";
import { ZoneRenderer } from "./zones.js";

const data = pageData();
const state = new BoardState();
const conn = new Connection(state, data.workshop_id);
const boardEl = document.querySelector("[data-board]");
const coverageEl = document.querySelector("[data-coverage]");
const progressEl = document.querySelector("[data-progress]");
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

const zones = new ZoneRenderer(state, {
  createPiece: (piece) =>
    h(
      "li",
      { class: "piece", "data-piece-id": piece.id },
      h("span", { class: "piece-code" }),
      h("span", { class: "piece-title" }),
      h("span", { class: "piece-lead" }),
    ),
  updatePiece: (el, piece) => {
    el.children[0].textContent = piece.code ?? "";
    el.children[1].textContent = piece.title;
    el.children[2].textContent = piece.lead ?? "";
  },
});

/** How full each region is (0–1): the picture fills in as pieces land. */
function paintFill() {
  const placed = state.domains.map((d) => state.zoneIds(zoneKey(d.id)).length);
  const total = placed.reduce((a, b) => a + b, 0) + state.zoneIds(TRAY).length;
  const most = Math.max(4, ...placed);
  state.domains.forEach((d, i) => {
    zones.sections.get(zoneKey(d.id))?.style.setProperty("--fill", String(Math.min(1, placed[i] / most)));
    zones.sections.get(zoneKey(d.id))?.classList.toggle("is-empty", placed[i] === 0);
  });
  const inPicture = placed.reduce((a, b) => a + b, 0);
  progressEl.textContent = t("screen.progress", { placed: inPicture, total });
}

/** Let the room see what changed: pieces that just landed in a region flash for a moment. */
function markArrivals(events) {
  if (reducedMotion.matches) return;
  for (const ev of events) {
    const landed =
      (ev.type === "piece.move" && ev.data?.from?.domain_id !== ev.data?.to?.domain_id) ||
      ev.type === "piece.create";
    const piece = ev.data?.piece;
    if (!landed || !piece || piece.domain_id === null) continue;
    const el = zones.els.get(piece.id);
    if (!el) continue;
    el.classList.remove("piece-arrived");
    void el.offsetWidth; // restart the animation when the same piece lands twice
    el.classList.add("piece-arrived");
    el.addEventListener("animationend", () => el.classList.remove("piece-arrived"), { once: true });
  }
}

function showView() {
  const view = window.location.hash === "#coverage" ? "coverage" : "board";
  boardEl.hidden = view !== "board";
  coverageEl.hidden = view !== "coverage";
  for (const a of document.querySelectorAll("[data-view-link]")) {
    a.setAttribute("aria-current", a.dataset.viewLink === view ? "page" : "false");
  }
  if (view === "coverage" && state.loaded) renderCoverage(coverageEl, state);
}

function showCode() {
  const w = state.workshop;
  if (!w?.code) return;
  const code = `${w.code.slice(0, 4)}-${w.code.slice(4)}`;
  const el = document.querySelector("[data-join-code]");
  if (el.textContent === code) return;
  el.textContent = code;
  document.querySelector("[data-join-url]").textContent = new URL(`/join/${w.code}`, window.location.origin).href;
  document.querySelector("img.qr").src = `${data.qr_url}?code=${encodeURIComponent(w.code)}`;
}

window.addEventListener("hashchange", showView);
showView();

let signature = null;
state.addEventListener("change", (e) => {
  const next = JSON.stringify(state.domains.map((d) => [d.id, d.name, d.color]));
  if (next !== signature) {
    signature = next;
    const domains = state.domains.map((d) => zones.buildZone(String(d.id)));
    const tray = zones.buildZone(TRAY);
    boardEl.replaceChildren(...domains, tray);
    zones.renderAll();
    boardEl.setAttribute("aria-busy", "false");
  } else if (e.detail.reset) {
    zones.renderAll();
  } else {
    zones.update(e.detail);
  }
  paintFill();
  markArrivals(e.detail.events);
  showCode();
  if (!coverageEl.hidden) renderCoverage(coverageEl, state);
});

showConnection(conn, document.getElementById("conn-status"), "/");
mountFacilitation({ state, conn, me: data.me, view: "screen" });
conn.start();
