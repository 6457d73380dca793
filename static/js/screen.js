// Entry point of the projector page (/screen/<id>): read-only, large, live.

import { showConnection } from "./connstatus.js";
import { mountFacilitation } from "./facilitation.js";
import { renderCoverage } from "./coverage.js";
import { mountReplay } from "./replay.js";
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

function createPiece(piece) {
  return h(
    "li",
    { class: "piece", "data-piece-id": piece.id },
    h("span", { class: "piece-code" }),
    h("span", { class: "piece-title" }),
    h("span", { class: "piece-lead" }),
  );
}

function updatePiece(el, piece) {
  el.children[0].textContent = piece.code ?? "";
  el.children[1].textContent = piece.title;
  el.children[2].textContent = piece.lead ?? "";
}

/**
 * The projector's picture of one board state, drawn into the board section. The live board and
 * the replay (static/js/replay.js) each have one; only the one shown touches the page.
 */
function makeView(st) {
  const renderer = new ZoneRenderer(st, { createPiece, updatePiece });
  let signature = null;
  return {
    state: st,
    zones: renderer,
    /** Draw from scratch next time (the other view used the board section meanwhile). */
    invalidate() {
      signature = null;
    },
    render(detail) {
      const next = JSON.stringify(st.domains.map((d) => [d.id, d.name, d.color]));
      if (next !== signature) {
        signature = next;
        const domains = st.domains.map((d) => renderer.buildZone(String(d.id)));
        const tray = renderer.buildZone(TRAY);
        boardEl.replaceChildren(...domains, tray);
        renderer.renderAll();
        boardEl.setAttribute("aria-busy", "false");
      } else if (detail.reset) {
        renderer.renderAll();
      } else {
        renderer.update(detail);
      }
      paintFill(this);
    },
  };
}

const live = makeView(state);
const zones = live.zones;
let shown = live;

/** How full each region is (0–1): the picture fills in as pieces land. */
function paintFill(view) {
  const st = view.state;
  const placed = st.domains.map((d) => st.zoneIds(zoneKey(d.id)).length);
  const total = placed.reduce((a, b) => a + b, 0) + st.zoneIds(TRAY).length;
  const most = Math.max(4, ...placed);
  st.domains.forEach((d, i) => {
    view.zones.sections.get(zoneKey(d.id))?.style.setProperty("--fill", String(Math.min(1, placed[i] / most)));
    view.zones.sections.get(zoneKey(d.id))?.classList.toggle("is-empty", placed[i] === 0);
  });
  const inPicture = placed.reduce((a, b) => a + b, 0);
  progressEl.textContent = t("screen.progress", { placed: inPicture, total });
}

/** Show a replayed board (a separate BoardState), or the live board again (null). */
function showReplay(replayState) {
  if (replayState) {
    shown = makeView(replayState);
    replayState.addEventListener("change", (e) => {
      if (shown.state === replayState) shown.render(e.detail);
    });
    shown.render({ reset: true, events: [] });
  } else {
    shown = live;
    live.invalidate();
    if (state.loaded) live.render({ reset: true, events: [] });
  }
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

state.addEventListener("change", (e) => {
  if (shown === live) {
    live.render(e.detail);
    markArrivals(e.detail.events);
  }
  showCode();
  if (!coverageEl.hidden) renderCoverage(coverageEl, state);
});

mountReplay({ state, workshopId: data.workshop_id, lang: data.lang, bar: document.querySelector("[data-replay]"), boardEl, show: showReplay });
showConnection(conn, document.getElementById("conn-status"), "/");
mountFacilitation({ state, conn, me: data.me, view: "screen" });
conn.start();
