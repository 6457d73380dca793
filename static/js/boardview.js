// The interactive board (tablet page, and the console's board): tray and domain zones, drag and
// drop with SortableJS (touch and mouse), "Move to…", adding pieces and the piece editor.

import Sortable from "../vendor/sortablejs/sortable.esm.js";
import { RemoteAnnouncer } from "./announcer.js";
import { canChange, PieceEditor } from "./editor.js";
import { clearErrors, showErrors } from "./forms.js";
import { MoveMenu } from "./movemenu.js";
import { announce, h, paint, t } from "./page.js";
import { newOpId } from "./socket.js";
import { OPTIMISTIC, TRAY, zoneDomainId } from "./state.js";
import { TrayFilter } from "./trayfilter.js";
import { ZoneRenderer } from "./zones.js";

const CLICK_AFTER_DRAG_MS = 400;
const HOLD_EXPIRES_MS = 60000;
const MAX_NOTICES = 5;
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

function quartersText(quarters) {
  const roman = ["I", "II", "III", "IV"];
  return [...(quarters ?? [])].sort().map((q) => roman[q - 1] ?? String(q)).join(", ");
}

export class BoardView {
  /** `root` holds [data-board]; the editor and move dialogs and the add form live inside it. */
  constructor({ root, state, conn, me, headingLevel = "h2" }) {
    this.root = root;
    this.boardEl = root.querySelector("[data-board]");
    this.state = state;
    this.conn = conn;
    this.me = me;
    this.held = new Map();
    this.sortables = [];
    this.domainsSignature = null;
    this.lastDragEnd = Number.NEGATIVE_INFINITY;
    this.zones = new ZoneRenderer(state, {
      createPiece: (piece) => this._createPiece(piece),
      updatePiece: (el, piece) => this._updatePiece(el, piece),
      headingLevel,
    });
    this.editor = new PieceEditor({ dialog: root.querySelector("#piece-editor"), state, conn, me });
    this.moveMenu = new MoveMenu({
      dialog: root.querySelector("#move-dialog"),
      state,
      onMove: (pieceId, key, position, zoneName) => this.move(pieceId, key, position, zoneName),
    });
    this.addForm = root.querySelector("#add-piece-form");
    this.filter = new TrayFilter({ state, zones: this.zones });
    this.announcer = new RemoteAnnouncer({ state, me });
    this.dragVersion = undefined;
    // Changes the server refused stay listed here until dismissed: nothing is dropped silently.
    this.notices = h("ul", { class: "notices", "data-notices": "" });
    this.boardEl.before(this.notices);
  }

  start() {
    this.state.addEventListener("change", (e) => this._onChange(e.detail));
    this.conn.addEventListener("dragging", (e) => this._onDragging(e.detail));
    this.conn.addEventListener("status", (e) => {
      if (e.detail.state !== "online") this._clearHolds();
    });
    this.boardEl.addEventListener("click", (e) => this._onClick(e));
    this.boardEl.addEventListener("keydown", (e) => this._onKey(e));
    this.addForm?.addEventListener("submit", (e) => this._addPiece(e));
    this.conn.addEventListener("settled", (e) => this._onSettled(e.detail));
  }

  /**
   * Move a piece (shown at once) naming the piece's version as seen (at drag start, else now):
   * if someone moved it meanwhile the server refuses, and the piece goes where they put it.
   */
  async move(pieceId, key, position, zoneName = null, version = this.state.expectedVersion(pieceId)) {
    const fields = { piece_id: pieceId, domain_id: zoneDomainId(key), position };
    if (Number.isInteger(version)) fields.version = version;
    const ack = await this.conn.op("piece.move", fields, newOpId());
    if (ack.ok && zoneName) {
      announce(t("move.done", { title: this.state.piece(pieceId)?.title ?? "", zone: zoneName }));
    }
    return ack;
  }

  /** The server answered one of our ops: a refusal is rolled back on screen and explained. */
  _onSettled({ op, ack, rolledBack, live }) {
    // Piece changes were shown at once, so their refusal is news; other ops made on this page
    // are explained by whoever made them, those left from before a reload here.
    if (ack.ok || !(OPTIMISTIC.has(op.type) || rolledBack || !live)) return;
    const title = op.piece?.title ?? this.state.piece(op.piece_id)?.title ?? "";
    const conflict = op.type === "piece.move" && ack.error?.code === "conflict" && "version" in op;
    const message = conflict
      ? t("move.conflict", { title })
      : t(title ? "notice.refused_piece" : "notice.refused", {
          title,
          message: ack.error?.message ?? t("error.generic"),
        });
    this.notify(message, ack.error?.code ?? "error", op.piece_id);
  }

  /** Show a notice that stays until dismissed (and say it to screen readers). */
  notify(message, code = "info", pieceId = null) {
    const close = h("button", { type: "button", class: "notice-close", "aria-label": t("notice.close") }, "×");
    const item = h(
      "li",
      { class: "notice", "data-code": code, "data-piece-id-ref": pieceId ?? null },
      h("span", { class: "notice-text" }, message),
      close,
    );
    close.addEventListener("click", () => item.remove());
    this.notices.prepend(item);
    while (this.notices.children.length > MAX_NOTICES) this.notices.lastElementChild.remove();
    announce(message);
  }

  /** The zone's name as people read it (the tray or the domain's name). */
  zoneName(key) {
    return key === TRAY ? t("zone.tray") : (this.state.domain(zoneDomainId(key))?.name ?? "");
  }

  _onChange(detail) {
    this.announcer.take(detail);
    this._afterChange(detail);
    this.filter.refresh();
  }

  _afterChange(detail) {
    const signature = JSON.stringify(this.state.domains.map((d) => [d.id, d.name, d.color]));
    if (signature !== this.domainsSignature) {
      this.domainsSignature = signature;
      this._build();
      return;
    }
    if (detail.reset) {
      this.zones.renderAll();
      this._fillZoneSelect();
      this.editor.setPartnerOptions(this.state.partners);
      return;
    }
    this.zones.update(detail);
    if (detail.meta) this._dropHoldsOfOffline();
  }

  _build() {
    for (const s of this.sortables) s.destroy();
    this.sortables = [];
    this.zones.lists.clear();
    const tray = this.zones.buildZone(TRAY);
    const domains = h(
      "div",
      { class: "domains" },
      this.state.domains.map((d) => this.zones.buildZone(String(d.id))),
    );
    this.boardEl.replaceChildren(tray, domains);
    this.zones.renderAll();
    this.filter.attach(tray);
    for (const list of this.zones.lists.values()) this.sortables.push(this._sortable(list));
    this._fillZoneSelect();
    this.editor.setPartnerOptions(this.state.partners);
    this.boardEl.setAttribute("aria-busy", "false");
  }

  _sortable(list) {
    return Sortable.create(list, {
      group: "board",
      draggable: ".piece",
      // A piece made offline has no id on the server yet: it can be moved once it is stored.
      filter: ".piece-move, .is-new",
      preventOnFilter: false,
      forceFallback: true,
      fallbackOnBody: true,
      fallbackTolerance: 3,
      // A short press on touch starts a drag; moving the finger sooner scrolls instead.
      delay: 120,
      delayOnTouchOnly: true,
      touchStartThreshold: 6,
      emptyInsertThreshold: 24,
      animation: reducedMotion.matches ? 0 : 120,
      ghostClass: "piece-ghost",
      chosenClass: "sortable-chosen",
      dragClass: "piece-drag",
      onStart: (evt) => {
        this.zones.hold = true;
        this.root.classList.add("is-dragging");
        this.dragCancelled = false;
        document.addEventListener("keydown", this._cancelOnEscape);
        const pieceId = Number(evt.item.dataset.pieceId);
        this.dragVersion = this.state.expectedVersion(pieceId);
        this.conn.drag(pieceId, "start");
      },
      onEnd: (evt) => this._onDrop(evt),
    });
  }

  /** Escape during a drag puts the piece back where it was (SortableJS has no cancel of its own:
   * the drag is ended with a synthetic release and the drop is ignored). */
  _cancelOnEscape = (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    this.dragCancelled = true;
    document.dispatchEvent(new PointerEvent("pointerup", { bubbles: true }));
    document.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
  };

  _onDrop(evt) {
    const pieceId = Number(evt.item.dataset.pieceId);
    document.removeEventListener("keydown", this._cancelOnEscape);
    this.lastDragEnd = performance.now();
    this.root.classList.remove("is-dragging");
    this.conn.drag(pieceId, "end");
    const moved = evt.from !== evt.to || evt.oldIndex !== evt.newIndex;
    let done = null;
    if (this.dragCancelled) {
      this.dragCancelled = false;
      this.dragVersion = undefined;
      this.zones.release();
      this.zones.renderAll(); // undo what the drag did to the DOM: the state never changed
      announce(t("move.cancelled"));
      return null;
    }
    if (moved) {
      const key = evt.to.dataset.zone;
      done = this.move(pieceId, key, evt.newIndex, this.zoneName(key), this.dragVersion);
    }
    this.dragVersion = undefined;
    this.zones.release();
    return done;
  }

  _onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    const button = target?.closest(".piece-main, .piece-move");
    if (!button) return;
    // A pointer release right after a drop is part of the drag, not a tap (keyboard clicks have detail 0).
    if (event.detail > 0 && performance.now() - this.lastDragEnd < CLICK_AFTER_DRAG_MS) return;
    const pieceId = Number(button.closest("[data-piece-id]").dataset.pieceId);
    if (pieceId < 0) {
      announce(t("piece.not_stored"));
      return;
    }
    if (button.classList.contains("piece-move")) this.moveMenu.open(pieceId, button);
    else this.editor.open(pieceId, button);
  }

  /** Keys on a focused piece: arrows go to the next or previous piece, Alt+arrows move it. */
  _onKey(event) {
    const button = event.target instanceof Element ? event.target.closest(".piece-main, .piece-move") : null;
    if (!button || event.ctrlKey || event.metaKey) return;
    const li = button.closest("[data-piece-id]");
    const pieceId = Number(li.dataset.pieceId);
    if (pieceId < 0) return;
    const key = this.state.zoneOf(pieceId);
    const ids = this.state.zoneIds(key);
    const index = ids.indexOf(pieceId);
    const step = { ArrowUp: -1, ArrowDown: 1 }[event.key];
    if (step && event.altKey) {
      event.preventDefault();
      const to = index + step;
      if (to < 0 || to >= ids.length) {
        announce(t(step < 0 ? "move.at_top" : "move.at_bottom"));
        return;
      }
      this.move(pieceId, key, to).then((ack) => {
        if (ack.ok) {
          announce(t("move.position", { title: this.state.piece(pieceId)?.title ?? "", position: to + 1, total: ids.length, zone: this.zoneName(key) }));
        }
      });
      return;
    }
    if (step && !event.altKey && !event.shiftKey) {
      event.preventDefault();
      const visible = ids.filter((id) => !this.zones.els.get(id)?.hidden);
      const next = visible[visible.indexOf(pieceId) + step];
      this.zones.els.get(next)?.querySelector(".piece-main")?.focus();
      return;
    }
    if ((event.key === "m" || event.key === "M") && !event.altKey) {
      event.preventDefault();
      this.moveMenu.open(pieceId, li.querySelector(".piece-move"));
    }
  }

  _createPiece(piece) {
    const main = h(
      "button",
      { type: "button", class: "piece-main", tabindex: "0", "aria-haspopup": "dialog" },
      h("span", { class: "piece-code" }),
      h("span", { class: "piece-title" }),
      h("span", { class: "piece-meta" }),
      h("span", { class: "piece-badges" }),
      h("span", { class: "piece-held", hidden: true }),
      h("span", { class: "piece-pending", hidden: true }),
    );
    const move = h("button", { type: "button", class: "piece-move", "aria-haspopup": "dialog" });
    return h("li", { class: "piece", "data-piece-id": piece.id }, main, move);
  }

  _updatePiece(el, piece) {
    const [main, move] = el.children;
    const [code, title, meta, badges, held, pending] = main.children;
    code.textContent = piece.code ?? "";
    title.textContent = piece.title;
    const group = this.state.groups.find((g) => g.id === piece.group_id);
    meta.textContent = [piece.lead, quartersText(piece.quarters)].filter(Boolean).join(" · ");
    meta.hidden = !meta.textContent;
    this._badges(badges, piece);
    if (group) paint(el, group.color, "--group");
    el.classList.toggle("piece-own", canChange(this.me, piece));
    const holder = this.held.get(piece.id);
    held.hidden = !holder;
    held.textContent = holder ? t("piece.held_by", { name: holder.name }) : "";
    el.classList.toggle("is-held", Boolean(holder));
    // Changed on this tablet, not yet stored by the server (e.g. while offline).
    const waiting = this.state.isPending(piece.id);
    el.classList.toggle("is-pending", waiting);
    el.classList.toggle("is-new", piece.id < 0);
    pending.hidden = !waiting;
    pending.textContent = waiting ? t("piece.pending") : "";
    const label = [piece.code, piece.title, piece.lead, badges.dataset.label, pending.textContent]
      .filter(Boolean)
      .join(" — ");
    main.setAttribute("aria-label", holder ? `${label}. ${held.textContent}` : label);
    move.setAttribute("aria-label", t("piece.move_to", { title: piece.title }));
  }

  /** Votes and comments (from the facilitation features) as small counters; hidden when zero. */
  _badges(el, piece) {
    const votes = Number(piece.votes ?? 0);
    const comments = Number(piece.comment_count ?? 0);
    const parts = [];
    if (votes > 0) parts.push(h("span", { class: "badge badge-votes", "aria-hidden": "true" }, String(votes)));
    if (comments > 0) parts.push(h("span", { class: "badge badge-comments", "aria-hidden": "true" }, String(comments)));
    el.replaceChildren(...parts);
    el.hidden = parts.length === 0;
    const label = [votes > 0 ? t("piece.votes", { count: votes }) : "", comments > 0 ? t("piece.comments", { count: comments }) : ""];
    el.dataset.label = label.filter(Boolean).join(", ");
  }

  _fillZoneSelect() {
    const select = this.addForm?.elements.zone;
    if (!select) return;
    const keep = select.value;
    select.replaceChildren(
      h("option", { value: TRAY }, t("zone.tray")),
      ...this.state.domains.map((d) => h("option", { value: String(d.id) }, d.name)),
    );
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  async _addPiece(event) {
    event.preventDefault();
    const form = this.addForm;
    clearErrors(form);
    const title = form.elements.title.value.trim();
    if (!title) {
      showErrors(form, { message: t("editor.check_fields"), fields: { title: [t("editor.title_required")] } });
      return;
    }
    const piece = { title };
    const description = form.elements.description.value.trim();
    if (description) piece.description = description;
    const fields = { piece };
    const zone = form.elements.zone.value;
    if (zone !== TRAY) fields.domain_id = zoneDomainId(zone);
    const clear = () => {
      form.elements.title.value = "";
      form.elements.description.value = "";
      form.elements.title.focus();
    };
    if (!this.conn.connected) {
      // Offline: shown at once, sent when the connection is back (a refusal then comes as a notice).
      this.conn.op("piece.create", fields);
      clear();
      announce(t("piece.queued", { title }));
      return;
    }
    const submit = form.querySelector('[type="submit"]');
    submit.disabled = true;
    const ack = await this.conn.op("piece.create", fields);
    submit.disabled = false;
    if (ack.ok) {
      clear();
      announce(t("piece.created", { title }));
    } else {
      showErrors(form, ack.error, t("error.generic"));
    }
  }

  _onDragging(detail) {
    const id = detail?.piece_id;
    const who = detail?.participant;
    if (!Number.isInteger(id) || !who) return;
    if (who.id === this.me.id && who.group_id === this.me.group_id) return;
    const old = this.held.get(id);
    if (old) window.clearTimeout(old.timer);
    if (detail.state === "start") {
      // A lost "end" (the holder's tablet went away) must not leave the mark for ever.
      const timer = window.setTimeout(() => this._release(id), HOLD_EXPIRES_MS);
      this.held.set(id, { name: who.name, participantId: who.id, timer });
    } else {
      this.held.delete(id);
    }
    this._repaint(id);
  }

  _release(id) {
    const old = this.held.get(id);
    if (!old) return;
    window.clearTimeout(old.timer);
    this.held.delete(id);
    this._repaint(id);
  }

  _clearHolds() {
    for (const id of [...this.held.keys()]) this._release(id);
  }

  _dropHoldsOfOffline() {
    const gone = new Set(this.state.participants.filter((p) => !p.online).map((p) => p.id));
    for (const [id, hold] of this.held) if (gone.has(hold.participantId)) this._release(id);
  }

  _repaint(id) {
    const el = this.zones.els.get(id);
    const piece = this.state.piece(id);
    if (el && piece) this._updatePiece(el, piece);
  }
}
