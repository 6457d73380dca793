// Tells screen-reader users (politely, throttled) what others change on the board:
// "Grupa 3 moved “Wspólny bilet” to Mobilność."

import { announce, t } from "./page.js";
import { TRAY, zoneKey } from "./state.js";

const QUIET_MS = 4000;

export class RemoteAnnouncer {
  constructor({ state, me }) {
    this.state = state;
    this.me = me;
    this.queue = [];
    this.timer = null;
    this.lastAt = Number.NEGATIVE_INFINITY;
  }

  /** Call with a state change's detail; own events are announced by whoever made them. */
  take(detail) {
    if (detail.reset) return;
    for (const ev of detail.events) {
      const mine = ev.actor && ev.actor.id === this.me.id && ev.actor.role === this.me.role;
      if (mine) continue;
      const message = this._describe(ev);
      if (message) this.queue.push(message);
    }
    if (this.queue.length) this._schedule();
  }

  _who(actor) {
    const group = this.state.groups.find((g) => g.id === actor?.group_id);
    if (group) return group.name;
    return actor?.role === "staff" ? t("announce.facilitator") : (actor?.name ?? "");
  }

  _zoneName(domainId) {
    const key = zoneKey(domainId);
    return key === TRAY ? t("zone.tray") : (this.state.domain(domainId)?.name ?? "");
  }

  _describe(ev) {
    const data = ev.data ?? {};
    const who = this._who(ev.actor);
    if (ev.type === "piece.move" && data.from?.domain_id !== data.to?.domain_id) {
      // a live move is compact: its title comes from the board, which has applied it
      const title = this.state.piece(data.piece?.id)?.title ?? data.piece?.title ?? "";
      return t("announce.moved", { who, title, zone: this._zoneName(data.to?.domain_id) });
    }
    if (ev.type === "piece.create") return t("announce.created", { who, title: data.piece?.title ?? "" });
    return null;
  }

  _schedule() {
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + QUIET_MS - performance.now());
    this.timer = window.setTimeout(() => this._flush(), wait);
  }

  _flush() {
    this.timer = null;
    const messages = this.queue;
    this.queue = [];
    if (!messages.length) return;
    this.lastAt = performance.now();
    announce(messages.length === 1 ? messages[0] : t("announce.many", { count: messages.length, last: messages.at(-1) }));
  }
}
