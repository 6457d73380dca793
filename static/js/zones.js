// Renders the zones (tray + domains) of a board state and keeps each zone's DOM order equal to
// the state's order, touching only the zones and pieces named in a change.

import { h, paint, t } from "./page.js";
import { TRAY } from "./state.js";

/**
 * `createPiece(piece)` returns a new element (with data-piece-id); `updatePiece(el, piece)`
 * refreshes its content. Both belong to the view using the renderer.
 */
export class ZoneRenderer {
  constructor(state, { createPiece, updatePiece, headingLevel = "h2" }) {
    this.state = state;
    this.createPiece = createPiece;
    this.updatePiece = updatePiece;
    this.headingLevel = headingLevel;
    this.lists = new Map();
    this.counts = new Map();
    this.sections = new Map();
    this.els = new Map();
    this.hold = false;
    this._held = new Set();
    this._refocus = null;
  }

  /** Build a zone's section: heading with count, and the list that holds its pieces. */
  buildZone(key) {
    const domain = key === TRAY ? null : this.state.domain(Number(key));
    const headingId = `zone-h-${key}`;
    const count = h("span", { class: "zone-count" });
    const heading = h(
      this.headingLevel,
      { class: "zone-title", id: headingId },
      h("span", { class: "zone-name" }, domain ? domain.name : t("zone.tray")),
      " ",
      count,
    );
    const list = h("ol", {
      class: "piece-list",
      "data-zone": key,
      "aria-labelledby": headingId,
      "data-empty-label": t("zone.empty"),
    });
    const section = h(
      "section",
      { class: `zone ${domain ? "zone-domain" : "zone-tray"}`, "aria-labelledby": headingId },
      heading,
      list,
    );
    if (domain) {
      section.dataset.domainKey = domain.key ?? "";
      paint(section, domain.color);
    }
    this.lists.set(key, list);
    this.counts.set(key, count);
    this.sections.set(key, section);
    return section;
  }

  /** (Re)build every zone's pieces from the state, e.g. after a snapshot. */
  renderAll() {
    const keep = this.state.shownIds();
    for (const [id, el] of this.els) {
      if (!keep.has(id)) {
        el.remove();
        this.els.delete(id);
      }
    }
    for (const id of keep) this._refresh(id);
    for (const key of this.lists.keys()) this.reconcile(key);
  }

  /** Apply a state change: only the pieces and zones it names are touched. */
  update(detail) {
    for (const id of detail.removed) {
      const el = this.els.get(id);
      if (el?.contains(document.activeElement)) this._focusNear(el);
      el?.remove();
      this.els.delete(id);
    }
    for (const id of detail.pieces) if (this.state.piece(id)) this._refresh(id);
    for (const key of detail.zones) this.reconcile(key);
  }

  /** While `hold` is set (a drag is under way) zone orders wait; `release()` applies them. */
  release() {
    this.hold = false;
    const keys = [...this._held];
    this._held.clear();
    for (const key of keys) this.reconcile(key);
  }

  reconcile(key) {
    const list = this.lists.get(key);
    if (!list) return;
    if (this.hold) {
      this._held.add(key);
      return;
    }
    const ids = this.state.zoneIds(key);
    const kids = list.children;
    // Re-inserting a focused element blurs it: remember the focus and give it back.
    const active = document.activeElement;
    // The elements are kept (keyed by piece id) and only the ones out of place are moved: first
    // drop those no longer in this zone, so that the others need not shift past them.
    const index = new Map();
    ids.forEach((id, i) => index.set(id, i));
    for (let i = kids.length - 1; i >= 0; i -= 1) {
      const kid = kids[i];
      const id = Number(kid.dataset.pieceId);
      if (index.has(id) && this.els.get(id) === kid) continue;
      // A piece moving to another zone keeps the focus once it lands there.
      if (kid.contains(active)) this._refocus = active;
      kid.remove();
    }
    for (let i = 0; i < ids.length; i += 1) {
      const el = this.els.get(ids[i]) ?? this._refresh(ids[i]);
      const kid = kids[i];
      if (kid === el) continue;
      if (kid && kids[i + 1] === el) {
        // The element here belongs further down (a piece moved down the list): move it alone
        // instead of every element between its old and new places.
        const after = this.els.get(ids[index.get(Number(kid.dataset.pieceId)) + 1]);
        list.insertBefore(kid, after?.parentNode === list ? after : null);
      } else {
        list.insertBefore(el, kid ?? null);
      }
    }
    while (kids.length > ids.length) {
      const gone = kids[kids.length - 1];
      if (gone.contains(active)) this._refocus = active;
      gone.remove();
    }
    const lost = document.activeElement === document.body || document.activeElement === null;
    const back = active && active !== document.activeElement && active.isConnected ? active : this._refocus;
    if (lost && back?.isConnected) {
      back.focus({ preventScroll: true });
      this._refocus = null;
    }
    const count = this.counts.get(key);
    if (count && count.dataset.n !== String(ids.length)) {
      count.dataset.n = String(ids.length);
      count.replaceChildren(h("span", { class: "visually-hidden" }, t("zone.count")), String(ids.length));
    }
  }

  /** Before a focused piece leaves, move the focus to a neighbour (or the zone's heading). */
  _focusNear(el) {
    const sibling = [el.nextElementSibling, el.previousElementSibling].find((x) => x && !x.hidden);
    const target = sibling?.querySelector("button") ?? el.closest("section")?.querySelector(".zone-title");
    if (!target) return;
    if (!target.matches("button")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  }

  _refresh(id) {
    const piece = this.state.piece(id);
    let el = this.els.get(id);
    if (!el) {
      el = this.createPiece(piece);
      this.els.set(id, el);
    }
    this.updatePiece(el, piece);
    return el;
  }
}
