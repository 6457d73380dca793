// The browser's copy of one workshop board. Events are applied strictly in seq order with the
// server's ordering rule (positions per zone are 0-based and gapless); optimistic changes (moves,
// new pieces, edits, deletions) are kept apart, as an overlay on the confirmed board, until the
// server settles them.

export const TRAY = "tray";

/** Op types shown at once, before the server answers. */
export const OPTIMISTIC = new Set(["piece.create", "piece.update", "piece.move", "piece.delete"]);

// Pieces made on this device and not yet stored have negative ids (the server's are positive).
let lastTempId = 0;

/** Zone key of a domain id (null or undefined = the tray). */
export function zoneKey(domainId) {
  return domainId === null || domainId === undefined ? TRAY : String(domainId);
}

/** Domain id of a zone key (null for the tray). */
export function zoneDomainId(key) {
  return key === TRAY ? null : Number(key);
}

function clamp(n, lo, hi) {
  const v = Number.isInteger(n) ? n : hi;
  return Math.min(Math.max(v, lo), hi);
}

function newChanges() {
  return { reset: false, meta: false, pieces: new Set(), removed: new Set(), zones: new Set(), events: [] };
}

function hasChanges(c) {
  return c.reset || c.meta || c.pieces.size || c.removed.size || c.zones.size || c.events.length;
}

/**
 * Dispatches "change" with detail {reset, meta, pieces, removed, zones, events}: `pieces` are ids
 * whose fields changed, `removed` ids that are gone, `zones` the zone keys whose order changed.
 */
export class BoardState extends EventTarget {
  constructor() {
    super();
    this.loaded = false;
    this.workshop = null;
    this.domains = [];
    this.groups = [];
    this.partners = [];
    this.participants = [];
    this.seq = 0;
    this.pieces = new Map();
    this._zones = new Map();
    this._buffer = new Map();
    this._pending = [];
    this._overlay = new Map();
    this._overlayPieces = new Map();
    this._pendingIds = new Set();
    this.stale = false; // an event referred to a piece this copy lacks: only a snapshot mends it
    this.me = null; // the viewer ({role, id, group_id}), for what the server would do with our ops
    this.facilitation = facilitationOf({});
    this.clockOffset = 0; // server clock minus this device's clock, in ms
  }

  /** Correct for this device's clock: `server_now` comes with every catch-up and timer event. */
  setServerNow(iso) {
    const at = Date.parse(iso ?? "");
    if (Number.isFinite(at)) this.clockOffset = at - Date.now();
  }

  /** The server's clock now, in ms since the epoch (for the shared timer). */
  serverNow() {
    return Date.now() + this.clockOffset;
  }

  /** Replace everything with a snapshot; pending optimistic moves are re-applied on top. */
  load(snapshot) {
    this.workshop = snapshot.workshop ?? null;
    this.domains = [...(snapshot.domains ?? [])].sort((a, b) => a.position - b.position);
    this.groups = [...(snapshot.groups ?? [])];
    this.partners = [...(snapshot.partners ?? [])];
    this.participants = [...(snapshot.participants ?? [])];
    this.facilitation = facilitationOf(snapshot);
    this.setServerNow(snapshot.server_now);
    this.pieces = new Map();
    this._zones = new Map([[TRAY, []]]);
    for (const d of this.domains) this._zones.set(zoneKey(d.id), []);
    const sorted = [...(snapshot.pieces ?? [])].sort((a, b) => a.position - b.position);
    for (const p of sorted) {
      this.pieces.set(p.id, { ...p });
      this._zone(zoneKey(p.domain_id)).push(p.id);
    }
    for (const key of this._zones.keys()) this._renumber(key);
    this.seq = snapshot.seq ?? 0;
    this.loaded = true;
    this.stale = false;
    for (const s of [...this._buffer.keys()]) if (s <= this.seq) this._buffer.delete(s);
    const changes = newChanges();
    changes.reset = true;
    this._drain(changes);
    this._settle(changes);
    this._emit(changes);
  }

  /** Take one event from the server (live, catch-up or an ack); out-of-order ones wait. */
  receive(event) {
    this.receiveMany([event]);
  }

  receiveMany(events) {
    for (const ev of events) {
      const fresh = !this.loaded || ev?.seq > this.seq;
      if (Number.isInteger(ev?.seq) && fresh && !this._buffer.has(ev.seq)) {
        this._buffer.set(ev.seq, ev);
      }
    }
    if (!this.loaded) return;
    const changes = newChanges();
    this._drain(changes);
    this._settle(changes);
    this._emit(changes);
  }

  /** True while events wait for a missing seq. */
  get hasGap() {
    return this._buffer.size > 0;
  }

  /** Show a move at once; `settle(opId, ack)` confirms or rolls it back. */
  moveOptimistic(opId, pieceId, domainId, position) {
    if (!this.pieces.has(pieceId)) return;
    this.applyOptimistic({ op_id: opId, type: "piece.move", piece_id: pieceId, domain_id: domainId, position });
  }

  /**
   * Show an op (a piece op, see OPTIMISTIC) at once, on top of the confirmed board and of the ops
   * shown before it; `settle(opId, ack)` confirms or rolls it back. False when not shown.
   */
  applyOptimistic(op) {
    if (!OPTIMISTIC.has(op?.type) || this._pending.some((p) => p.opId === op.op_id)) return false;
    const entry = { opId: op.op_id, op, pieceId: op.piece_id ?? null, seq: null };
    if (op.type === "piece.create") {
      lastTempId -= 1;
      entry.pieceId = lastTempId;
    }
    this._pending.push(entry);
    const changes = newChanges();
    this._recomputeOverlay(changes);
    this._emit(changes);
    return true;
  }

  /** Reconcile an optimistic op with its acknowledgement; returns true when it was rolled back. */
  settle(opId, ack) {
    const p = this._pending.find((x) => x.opId === opId);
    if (ack && ack.ok) {
      if (p && Number.isInteger(ack.seq)) p.seq = ack.seq;
      if (ack.event) {
        this.receive(ack.event);
        return false;
      }
      if (p) p.seq = p.seq ?? this.seq;
    } else if (p) {
      this._pending = this._pending.filter((x) => x !== p);
    }
    const changes = newChanges();
    this._settle(changes);
    this._recomputeOverlay(changes);
    this._emit(changes);
    return Boolean(p && !(ack && ack.ok));
  }

  /** True while a change of ours to this piece (or the piece itself, if new) waits for the server. */
  isPending(pieceId) {
    return this._pending.some((p) => p.pieceId === pieceId);
  }

  /**
   * The version the server will have once our pending changes to the piece are applied: what a
   * move or an edit made now must name (each stored move or update adds 1).
   */
  expectedVersion(pieceId) {
    return pieceId > 0 ? this.piece(pieceId)?.version : undefined;
  }

  /** The confirmed board in the snapshot's shape (to keep on the device for a reload offline). */
  toSnapshot() {
    const f = this.facilitation;
    return {
      workshop: this.workshop,
      domains: this.domains,
      groups: this.groups,
      partners: this.partners,
      participants: this.participants,
      pieces: [...this.pieces.values()],
      phases: f.phases,
      timer: f.timer,
      spotlight: f.spotlight,
      voting: f.voting,
      results: f.results,
      inbox: f.inbox,
      seq: this.seq,
    };
  }

  setParticipants(list) {
    this.participants = [...list];
    const changes = newChanges();
    changes.meta = true;
    this._emit(changes);
  }

  addGroup(group) {
    if (!this.groups.some((g) => g.id === group.id)) this.groups.push(group);
    const changes = newChanges();
    changes.meta = true;
    this._emit(changes);
  }

  /** A piece as shown: with our pending edits, or one we made that the server has not stored yet. */
  piece(id) {
    return this._overlayPieces.get(id) ?? this.pieces.get(id);
  }

  /** Ids of every piece shown (confirmed and pending new ones). */
  shownIds() {
    const ids = new Set(this.pieces.keys());
    for (const id of this._overlayPieces.keys()) ids.add(id);
    return ids;
  }

  domain(id) {
    return this.domains.find((d) => d.id === id);
  }

  /** Zone keys in display order: the tray, then the domains by position. */
  zoneKeys() {
    return [TRAY, ...this.domains.map((d) => zoneKey(d.id))];
  }

  /** Piece ids of a zone as shown (optimistic moves included). Do not mutate. */
  zoneIds(key) {
    return this._overlay.get(key) ?? this._zones.get(key) ?? [];
  }

  /** Zone key where a piece is shown. */
  zoneOf(pieceId) {
    for (const [key, ids] of this._overlay) if (ids.includes(pieceId)) return key;
    const p = this.pieces.get(pieceId);
    return p ? zoneKey(p.domain_id) : null;
  }

  _zone(key) {
    let arr = this._zones.get(key);
    if (!arr) {
      arr = [];
      this._zones.set(key, arr);
    }
    return arr;
  }

  _renumber(key) {
    const domainId = zoneDomainId(key);
    this._zone(key).forEach((id, i) => {
      const p = this.pieces.get(id);
      if (p) {
        p.position = i;
        p.domain_id = domainId;
      }
    });
  }

  _removeAt(where, pieceId, changes) {
    let key = zoneKey(where?.domain_id);
    let arr = this._zone(key);
    let idx = where && arr[where.position] === pieceId ? where.position : arr.indexOf(pieceId);
    if (idx < 0) {
      // Not where the server says: our copy drifted; take it from wherever it is.
      for (const [k, ids] of this._zones) {
        idx = ids.indexOf(pieceId);
        if (idx >= 0) {
          key = k;
          arr = ids;
          break;
        }
      }
    }
    if (idx < 0) return;
    arr.splice(idx, 1);
    this._renumber(key);
    changes.zones.add(key);
  }

  _insertAt(key, position, pieceId, changes) {
    const arr = this._zone(key);
    arr.splice(clamp(position, 0, arr.length), 0, pieceId);
    this._renumber(key);
    changes.zones.add(key);
  }

  _apply(ev, changes) {
    const data = ev.data ?? {};
    if ((ev.type === "undo" || ev.type === "revert") && data.apply) {
      // An undo carries its inverse as an ordinary event: apply that, count the undo itself.
      this._apply({ ...ev, type: data.apply.type, data: data.apply.data }, changes);
      changes.events[changes.events.length - 1] = ev;
      return;
    }
    if (ev.type === "piece.create" && !data.piece) {
      // A proposal for the facilitator's inbox: not on the board.
      // The server lists proposals to staff and to the proposing group only; so do we.
      const mine = this.me?.role === "staff" || data.inbox?.group_id === this.me?.group_id;
      if (data.inbox && mine) this.facilitation.inbox.push({ ...data.inbox });
      changes.meta = true;
      changes.events.push(ev);
      return;
    }
    switch (ev.type) {
      case "piece.create": {
        const piece = { ...data.piece };
        if (this.pieces.has(piece.id)) this._removeAt(null, piece.id, changes);
        this.pieces.set(piece.id, piece);
        this._insertAt(zoneKey(piece.domain_id), piece.position, piece.id, changes);
        changes.pieces.add(piece.id);
        break;
      }
      case "piece.move": {
        // A live move is compact (we connect with `compact: true`): only what a move changes.
        const old = this.pieces.get(data.piece.id);
        if (!old && !("title" in data.piece)) {
          this.stale = true; // a piece this copy lacks: out of step, only a snapshot mends it
          break;
        }
        const piece = { ...old, ...data.piece };
        this._removeAt(data.from, piece.id, changes);
        this.pieces.set(piece.id, piece);
        const to = data.to ?? { domain_id: piece.domain_id, position: piece.position };
        this._insertAt(zoneKey(to.domain_id), to.position, piece.id, changes);
        changes.pieces.add(piece.id);
        break;
      }
      case "piece.update": {
        const old = this.pieces.get(data.piece.id);
        if (!old) {
          // Not on the board: a proposal in the inbox (or one we are not shown) stays off it.
          const f = this.facilitation;
          f.inbox = f.inbox.map((p) => (p.id === data.piece.id ? { ...p, ...data.piece } : p));
          changes.meta = true;
          break;
        }
        const piece = { ...keptFields(old), ...data.piece };
        if (old) {
          // An update never moves a piece: keep the placement the ordering rule gave it.
          piece.domain_id = old.domain_id;
          piece.position = old.position;
        }
        this.pieces.set(piece.id, piece);
        changes.pieces.add(piece.id);
        break;
      }
      case "piece.delete": {
        this._removeAt(data.from, data.piece_id, changes);
        this.pieces.delete(data.piece_id);
        this.facilitation.inbox = this.facilitation.inbox.filter((p) => p.id !== data.piece_id);
        changes.removed.add(data.piece_id);
        break;
      }
      default:
        // Settings events (domains, groups, partners, workshop, participants), else another module's.
        this._applySettings(ev.type, data, changes);
        break;
    }
    changes.events.push(ev);
  }

  /** Domains are ordered like pieces: remove at `from`, insert at `to`, positions gapless. */
  _applySettings(type, data, changes) {
    const renumberDomains = () => {
      this.domains.forEach((d, i) => {
        d.position = i;
      });
    };
    switch (type) {
      case "domain.create": {
        const domain = { ...data.domain };
        this.domains = this.domains.filter((d) => d.id !== domain.id);
        this.domains.splice(clamp(domain.position, 0, this.domains.length), 0, domain);
        renumberDomains();
        this._zone(zoneKey(domain.id));
        break;
      }
      case "domain.update":
        this.domains = this.domains.map((d) => (d.id === data.domain.id ? { ...d, ...data.domain } : d));
        break;
      case "domain.move": {
        const idx = this.domains.findIndex((d) => d.id === data.domain.id);
        if (idx < 0) break;
        const [domain] = this.domains.splice(idx, 1);
        this.domains.splice(clamp(data.to, 0, this.domains.length), 0, { ...domain, ...data.domain });
        renumberDomains();
        break;
      }
      case "domain.delete": {
        const key = zoneKey(data.domain_id);
        this.domains = this.domains.filter((d) => d.id !== data.domain_id);
        renumberDomains();
        this._zones.delete(key);
        this._overlay.delete(key);
        // Its pieces go to the end of the tray, in their order (the event carries them).
        for (const piece of data.pieces ?? []) {
          const kept = keptFields(this.pieces.get(piece.id)); // comments, votes: not in the event
          this._removeAt(null, piece.id, changes);
          this.pieces.set(piece.id, { ...kept, ...piece });
          this._insertAt(TRAY, piece.position, piece.id, changes);
          changes.pieces.add(piece.id);
        }
        changes.zones.add(TRAY);
        break;
      }
      case "group.update":
        this.groups = this.groups.map((g) => (g.id === data.group.id ? { ...g, ...data.group } : g));
        for (const p of this.pieces.values()) {
          if (p.group_id === data.group.id) changes.pieces.add(p.id);
          for (const c of p.comments ?? []) {
            // comments name their group as it is now (a snapshot carries the current name)
            if (c.group_id === data.group.id && data.group.name !== undefined) {
              c.group_name = data.group.name;
              changes.pieces.add(p.id);
            }
          }
        }
        break;
      case "group.delete":
        this.groups = this.groups.filter((g) => g.id !== data.group_id);
        for (const id of data.pieces ?? []) {
          const p = this.pieces.get(id);
          if (p) {
            p.group_id = null;
            changes.pieces.add(id);
          }
        }
        break;
      case "partners.set":
        this.partners = [...(data.partners ?? [])];
        break;
      case "workshop.update":
      case "workshop.new_code":
        this.workshop = { ...this.workshop, ...data.workshop };
        break;
      case "participant.remove":
        this.participants = this.participants.filter((p) => p.id !== data.participant_id);
        break;
      default:
        if (!applyFacilitation(this, type, data, changes)) return;
    }
    changes.meta = true;
  }

  _drain(changes) {
    for (const s of [...this._buffer.keys()]) if (s <= this.seq) this._buffer.delete(s);
    while (this._buffer.has(this.seq + 1)) {
      const ev = this._buffer.get(this.seq + 1);
      this._buffer.delete(ev.seq);
      this._apply(ev, changes);
      this.seq = ev.seq;
    }
  }

  _settle(changes) {
    const applied = new Set(changes.events.map((e) => e.op_id));
    const before = this._pending.length;
    // An op on a piece that is gone stays in the outbox (the server will refuse it, and the user
    // is told then) but is no longer shown.
    this._pending = this._pending.filter(
      (p) => !applied.has(p.opId) && !(p.seq !== null && p.seq <= this.seq),
    );
    if (before || this._overlay.size || this._overlayPieces.size) this._recomputeOverlay(changes);
  }

  /** The shown board: the confirmed one with every pending op applied in order, as the server will. */
  _recomputeOverlay(changes) {
    const next = new Map();
    const shown = new Map();
    const gone = new Set();
    const zone = (key) => {
      if (!next.has(key)) next.set(key, [...(this._zones.get(key) ?? [])]);
      return next.get(key);
    };
    const where = (id) => {
      for (const [key, ids] of next) if (ids.includes(id)) return key;
      const piece = shown.get(id) ?? this.pieces.get(id);
      return piece ? zoneKey(piece.domain_id) : null;
    };
    const exists = (key) => key === TRAY || this._zones.has(key);
    const moderated = this.workshop?.moderation && this.me?.role !== "staff";
    for (const p of this._pending) {
      const { op } = p;
      if (op.type === "piece.create") {
        const key = zoneKey(op.domain_id);
        // With moderation on, a participant's new piece goes to the facilitator's inbox instead.
        if (moderated || !exists(key)) continue;
        const dst = zone(key);
        const at = clamp(op.position ?? dst.length, 0, dst.length);
        const piece = { code: "", partners: [], quarters: [], group_id: this.me?.group_id ?? null, ...op.piece };
        shown.set(p.pieceId, { ...piece, id: p.pieceId, domain_id: zoneDomainId(key), position: at, version: 0 });
        dst.splice(at, 0, p.pieceId);
        continue;
      }
      const current = shown.get(p.pieceId) ?? this.pieces.get(p.pieceId);
      if (gone.has(p.pieceId) || !current) continue;
      const from = where(p.pieceId);
      if (op.type === "piece.update") {
        shown.set(p.pieceId, { ...current, ...(op.changes ?? {}), version: current.version + 1 });
        continue;
      }
      const key = zoneKey(op.domain_id);
      if (op.type === "piece.move" && !exists(key)) continue;
      const src = zone(from);
      const idx = src.indexOf(p.pieceId);
      if (idx >= 0) src.splice(idx, 1);
      if (op.type === "piece.delete") {
        gone.add(p.pieceId);
        continue;
      }
      const dst = zone(key);
      const at = clamp(op.position, 0, dst.length);
      dst.splice(at, 0, p.pieceId);
      shown.set(p.pieceId, { ...current, domain_id: zoneDomainId(key), position: at, version: current.version + 1 });
    }
    for (const key of this._overlay.keys()) changes.zones.add(key);
    for (const key of next.keys()) changes.zones.add(key);
    for (const id of this._overlayPieces.keys()) {
      if (id < 0 && !shown.has(id)) changes.removed.add(id);
      else changes.pieces.add(id);
    }
    for (const id of shown.keys()) changes.pieces.add(id);
    // Pieces whose pending state changed (marked "waiting") are repainted too.
    for (const p of this._pending) if (p.pieceId !== null) changes.pieces.add(p.pieceId);
    for (const id of this._pendingIds) changes.pieces.add(id);
    this._pendingIds = new Set(this._pending.map((p) => p.pieceId).filter((id) => id !== null));
    this._overlay = next;
    this._overlayPieces = shown;
  }

  _emit(changes) {
    if (hasChanges(changes)) this.dispatchEvent(new CustomEvent("change", { detail: changes }));
  }
}

// --- Facilitation (phases, timer, locks, spotlight, voting, comments, inbox) ----------------

/** The facilitation parts of a snapshot (see docs/protocol.md, "Facilitation"). */
function facilitationOf(snapshot) {
  return {
    phases: [...(snapshot.phases ?? [])],
    timer: snapshot.timer ?? { state: "stopped", ends_at: null, remaining: null, duration: null, auto_lock: false },
    spotlight: snapshot.spotlight ?? null,
    voting: snapshot.voting ?? null,
    results: snapshot.results ?? null,
    inbox: [...(snapshot.inbox ?? [])],
    rejected: null,
  };
}

/** Fields a piece has in snapshots only (events carry the piece without them): keep them. */
function keptFields(old) {
  if (!old) return {};
  const kept = {};
  for (const name of ["votes", "my_votes", "comments", "comment_count"]) {
    if (name in old) kept[name] = old[name];
  }
  return kept;
}

function touchPiece(state, id, changes, fn) {
  const piece = state.pieces.get(id);
  if (!piece) return;
  fn(piece);
  changes.pieces.add(id);
}

/** Apply a facilitation event to the board copy, as the server did; false for unknown types. */
function applyFacilitation(state, type, data, changes) {
  const f = state.facilitation;
  switch (type) {
    case "phase.set":
    case "moderation.set":
      state.workshop = { ...state.workshop, ...(data.workshop ?? {}) };
      if (type === "moderation.set") state.workshop.moderation = data.moderation;
      return true;
    case "phase.list":
      f.phases = [...(data.phases ?? [])];
      return true;
    case "timer.start":
    case "timer.pause":
    case "timer.resume":
    case "timer.extend":
    case "timer.stop":
      f.timer = { ...data.timer };
      return true;
    case "board.lock":
      if (data.domain_id !== undefined) {
        state.domains = state.domains.map((d) => (d.id === data.domain_id ? { ...d, locked: data.locked } : d));
        changes.zones.add(String(data.domain_id));
      } else if (data.piece_id !== undefined) {
        touchPiece(state, data.piece_id, changes, (p) => {
          p.locked = data.locked;
        });
      } else {
        state.workshop = { ...state.workshop, ...(data.workshop ?? { locked: data.locked }) };
        if (!data.locked) f.timer = { ...f.timer, auto_lock: false };
      }
      return true;
    case "spotlight.set":
      f.spotlight = data.spotlight ?? null;
      return true;
    case "voting.open":
      f.voting = { ...data.voting, used: 0 };
      f.results = null;
      for (const p of state.pieces.values()) {
        p.votes = null;
        p.my_votes = 0;
        changes.pieces.add(p.id);
      }
      return true;
    case "voting.close":
      f.voting = { ...f.voting, ...data.voting };
      return true;
    case "voting.reveal": {
      f.voting = { ...f.voting, ...data.voting };
      f.results = [...(data.results ?? [])];
      const counts = new Map(f.results.map((r) => [r.piece_id, r.votes]));
      for (const p of state.pieces.values()) {
        p.votes = counts.get(p.id) ?? 0;
        changes.pieces.add(p.id);
      }
      return true;
    }
    case "vote.add":
    case "vote.remove":
      if (data.redacted || data.piece_id === undefined) return true;
      touchPiece(state, data.piece_id, changes, (p) => {
        if (data.votes !== undefined) p.votes = data.votes;
        if (data.mine !== undefined && data.voter === undefined) p.my_votes = data.mine;
      });
      if (data.used !== undefined && data.voter === undefined && f.voting) f.voting = { ...f.voting, used: data.used };
      return true;
    case "comment.add":
      touchPiece(state, data.piece_id, changes, (p) => {
        p.comments = [...(p.comments ?? []).filter((c) => c.id !== data.comment.id), { ...data.comment }];
        p.comment_count = data.comment_count;
      });
      return true;
    case "comment.delete":
      touchPiece(state, data.piece_id, changes, (p) => {
        const gone = new Set([data.comment_id]);
        let grew = true;
        while (grew) {
          grew = false;
          for (const c of p.comments ?? []) {
            if (!gone.has(c.id) && gone.has(c.parent_id)) {
              gone.add(c.id);
              grew = true;
            }
          }
        }
        p.comments = (p.comments ?? []).filter((c) => !gone.has(c.id));
        p.comment_count = data.comment_count;
      });
      return true;
    case "inbox.accept":
      f.inbox = f.inbox.filter((p) => p.id !== data.piece.id);
      state._apply({ type: "piece.create", data: { piece: data.piece } }, changes);
      changes.events.pop();
      return true;
    case "inbox.reject":
      f.inbox = f.inbox.filter((p) => p.id !== data.piece_id);
      f.rejected = { ...data };
      return true;
    default:
      return false;
  }
}
