// Replay on the projector: the board as it was at any seq of the session, without touching the
// live board. The event log comes from GET /api/workshops/<id>/events (pages of up to 5000, with
// `base`, the board before seq 1); a SEPARATE BoardState loads the base and applies the events up
// to the chosen seq exactly as live events are applied. The live state keeps receiving events in
// the background; leaving the replay shows it again.

import { announce, h, t } from "./page.js";
import { BoardState } from "./state.js";

const PAGE = 5000;

export class Replay {
  /**
   * `show(boardState)` draws a replayed state in the board's place; `show(null)` brings the live
   * board back. `bar` is the element that receives the controls.
   */
  constructor({ state, workshopId, lang, bar, boardEl, show }) {
    this.live = state;
    this.workshopId = workshopId;
    this.lang = lang;
    this.bar = bar;
    this.boardEl = boardEl;
    this.show = show;
    this.base = null;
    this.events = []; // events[i] has seq i + 1 (the log is gapless)
    this.replay = null;
    this.open = false;
    this._frame = 0;
    this._refreshing = null;
  }

  mount() {
    this.toggle = h(
      "button",
      { type: "button", class: "button", "aria-expanded": "false", "aria-controls": "replay-panel", "data-replay-toggle": "" },
      t("replay.open"),
    );
    this.toggle.addEventListener("click", () => (this.open ? this.leave() : this.enter()));
    this.range = h("input", {
      type: "range",
      id: "replay-range",
      class: "replay-range",
      min: "0",
      max: "0",
      step: "1",
      value: "0",
      "aria-describedby": "replay-status",
      "data-replay-range": "",
    });
    this.range.addEventListener("input", () => this._schedule());
    this.range.addEventListener("change", () => this._schedule());
    this.status = h("output", { id: "replay-status", class: "replay-status", for: "replay-range", "data-replay-status": "" });
    this.panel = h(
      "div",
      { id: "replay-panel", class: "replay-panel", hidden: true, "data-replay-panel": "" },
      h("label", { for: "replay-range", class: "replay-label" }, t("replay.moment")),
      this.range,
      this.status,
    );
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.leave();
      }
    });
    this.bar.append(this.toggle, this.panel);
    this.live.addEventListener("change", () => {
      if (this.open && this.live.seq > this.events.length) this._refresh();
    });
  }

  async _fetchMore() {
    for (;;) {
      const after = this.events.length;
      const url = `/api/workshops/${this.workshopId}/events?after=${after}&limit=${PAGE}`;
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      if (body.base && !this.base) this.base = body.base;
      // Keep the log gapless even if two fetches overlapped.
      for (const ev of body.events) if (ev.seq === this.events.length + 1) this.events.push(ev);
      if (!body.more || !body.events.length) return;
    }
  }

  _refresh() {
    if (this._refreshing) return this._refreshing;
    this._refreshing = this._fetchMore()
      .catch(() => {})
      .then(() => {
        this._refreshing = null;
        const follow = Number(this.range.value) === Number(this.range.max);
        this.range.max = String(this.events.length);
        if (follow) this.range.value = this.range.max;
        this._describe(Number(this.range.value));
      });
    return this._refreshing;
  }

  async enter() {
    this.toggle.disabled = true;
    try {
      await this._fetchMore();
    } catch {
      this.toggle.disabled = false;
      announce(t("replay.failed"));
      return;
    }
    this.toggle.disabled = false;
    this.open = true;
    this.toggle.textContent = t("replay.close");
    this.toggle.setAttribute("aria-expanded", "true");
    this.panel.hidden = false;
    document.body.classList.add("is-replaying");
    this.range.max = String(this.events.length);
    this.range.value = this.range.max;
    this.replay = null;
    this.seek(this.events.length);
    this.range.focus();
    announce(t("replay.opened"));
  }

  leave() {
    if (!this.open) return;
    this.open = false;
    window.cancelAnimationFrame(this._frame);
    this.replay = null;
    this.panel.hidden = true;
    this.toggle.textContent = t("replay.open");
    this.toggle.setAttribute("aria-expanded", "false");
    document.body.classList.remove("is-replaying");
    delete this.boardEl.dataset.replaySeq;
    this.show(null);
    this.toggle.focus();
    announce(t("replay.closed"));
  }

  _schedule() {
    window.cancelAnimationFrame(this._frame);
    this._frame = window.requestAnimationFrame(() => this.seek(Number(this.range.value)));
  }

  /** Show the board after event `n` (0 = before the first event). */
  seek(n) {
    if (!this.open || !this.base) return;
    const target = Math.max(0, Math.min(n, this.events.length));
    let fresh = false;
    if (!this.replay || target < this.replay.seq) {
      this.replay = new BoardState();
      this.replay.load(structuredClone(this.base));
      fresh = true;
    }
    if (target > this.replay.seq) this.replay.receiveMany(this.events.slice(this.replay.seq, target));
    if (fresh) this.show(this.replay);
    this.boardEl.dataset.replaySeq = String(target);
    this._describe(target);
  }

  _describe(n) {
    const ev = this.events[n - 1];
    const time = ev ? new Date(ev.at).toLocaleTimeString(this.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
    const text = n === 0 ? t("replay.at_start", { total: this.events.length }) : t("replay.at", { seq: n, total: this.events.length, time });
    this.status.textContent = text;
    this.range.setAttribute("aria-valuetext", text);
  }
}

export function mountReplay(options) {
  const replay = new Replay(options);
  replay.mount();
  return replay;
}
