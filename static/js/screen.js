// Entry point of the projector page (/screen/<id>): read-only, large, live.

import { showConnection } from "./connstatus.js";
import { h, pageData } from "./page.js";
import { Connection } from "./socket.js";
import { BoardState, TRAY } from "./state.js";
import { ZoneRenderer } from "./zones.js";

const data = pageData();
const state = new BoardState();
const conn = new Connection(state, data.workshop_id);
const boardEl = document.querySelector("[data-board]");

const zones = new ZoneRenderer(state, {
  createPiece: (piece) =>
    h(
      "li",
      { class: "piece", "data-piece-id": piece.id },
      h("span", { class: "piece-code" }),
      h("span", { class: "piece-title" }),
    ),
  updatePiece: (el, piece) => {
    el.children[0].textContent = piece.code ?? "";
    el.children[1].textContent = piece.title;
  },
});

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
});

showConnection(conn, document.getElementById("conn-status"), "/");
conn.start();
