// The keyboard and screen-reader alternative to dragging: "Move to…" lists the tray and domains.

import { h, t } from "./page.js";
import { TRAY } from "./state.js";

export class MoveMenu {
  constructor({ dialog, state, onMove }) {
    this.dialog = dialog;
    this.state = state;
    this.onMove = onMove;
    this.opener = null;
    for (const b of dialog.querySelectorAll("[data-move-close]")) {
      b.addEventListener("click", () => dialog.close());
    }
    dialog.addEventListener("close", () => {
      if (this.opener?.isConnected) this.opener.focus();
      this.opener = null;
    });
  }

  open(pieceId, opener) {
    const piece = this.state.piece(pieceId);
    if (!piece) return;
    this.opener = opener;
    const current = this.state.zoneOf(pieceId);
    this.dialog.querySelector("[data-move-piece]").textContent = piece.title;
    const options = this.state.zoneKeys().map((key) => {
      const name = key === TRAY ? t("zone.tray") : this.state.domain(Number(key))?.name;
      const here = key === current;
      const button = h(
        "button",
        { type: "button", class: "move-option", "data-move-zone": key, "aria-current": here ? "true" : null },
        here ? t("move.current", { zone: name }) : name,
      );
      button.addEventListener("click", () => {
        const ids = this.state.zoneIds(key);
        this.dialog.close();
        if (!here) this.onMove(pieceId, key, ids.length, name);
      });
      return h("li", {}, button);
    });
    this.dialog.querySelector("[data-move-options]").replaceChildren(...options);
    this.dialog.showModal();
    (this.dialog.querySelector(".move-option:not([aria-current])") ?? this.dialog.querySelector("button"))?.focus();
  }
}
