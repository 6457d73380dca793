// The browser's copy of one workshop board. Events are applied strictly in seq order with the
// server's ordering rule (positions per zone are 0-based and gapless); optimistic moves are kept
// apart, as an overlay on the confirmed board, until the server settles them.

export const TRAY = "tray";

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
  }

  /** Replace everything with a snapshot; pending optimistic moves are re-applied on top. */
  load(snapshot) {
    this.workshop = snapshot.workshop ?? null;
    this.domains = [...(snapshot.domains ?? [])].sort((a, b) => a.position - b.position);
    this.groups = [...(snapshot.groups ?? [])];
    this.partners = [...(snapshot.partners ?? [])];
    this.participants = [...(snapshot.participants ?? [])];
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
    this._pending.push({ opId, pieceId, zone: zoneKey(domainId), position, seq: null });
    const changes = newChanges();
    this._recomputeOverlay(changes);
    this._emit(changes);
  }

  /** Reconcile an optimistic op with its acknowledgement. */
  settle(opId, ack) {
    const p = this._pending.find((x) => x.opId === opId);
    if (ack && ack.ok) {
      if (p && Number.isInteger(ack.seq)) p.seq = ack.seq;
      if (ack.event) {
        this.receive(ack.event);
        return;
      }
      if (p) p.seq = p.seq ?? this.seq;
    } else if (p) {
      this._pending = this._pending.filter((x) => x !== p);
    }
    const changes = newChanges();
    this._settle(changes);
    this._recomputeOverlay(changes);
    this._emit(changes);
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

  piece(id) {
    return this.pieces.get(id);
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
        const piece = { ...data.piece };
        this._removeAt(data.from, piece.id, changes);
        this.pieces.set(piece.id, piece);
        const to = data.to ?? { domain_id: piece.domain_id, position: piece.position };
        this._insertAt(zoneKey(to.domain_id), to.position, piece.id, changes);
        changes.pieces.add(piece.id);
        break;
      }
      case "piece.update": {
        const old = this.pieces.get(data.piece.id);
        const piece = { ...data.piece };
        if (old) {
          // An update never moves a piece: keep the placement the ordering rule gave it.
          piece.domain_id = old.domain_id;
          piece.position = old.position;
        }
        this.pieces.set(piece.id, piece);
        if (!old) this._insertAt(zoneKey(piece.domain_id), piece.position, piece.id, changes);
        changes.pieces.add(piece.id);
        break;
      }
      case "piece.delete": {
        this._removeAt(data.from, data.piece_id, changes);
        this.pieces.delete(data.piece_id);
        changes.removed.add(data.piece_id);
        break;
      }
      default:
        // Other event types (phase, timer, votes…) are for other modules; the seq still counts.
        break;
    }
    changes.events.push(ev);
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
    this._pending = this._pending.filter(
      (p) => !applied.has(p.opId) && !(p.seq !== null && p.seq <= this.seq) && this.pieces.has(p.pieceId),
    );
    if (before || this._overlay.size) this._recomputeOverlay(changes);
  }

  _recomputeOverlay(changes) {
    const next = new Map();
    for (const p of this._pending) {
      let from = null;
      for (const [key, ids] of next) if (ids.includes(p.pieceId)) from = key;
      if (from === null) from = zoneKey(this.pieces.get(p.pieceId)?.domain_id);
      if (!next.has(from)) next.set(from, [...(this._zones.get(from) ?? [])]);
      const src = next.get(from);
      const idx = src.indexOf(p.pieceId);
      if (idx >= 0) src.splice(idx, 1);
      if (!next.has(p.zone)) next.set(p.zone, [...(this._zones.get(p.zone) ?? [])]);
      const dst = next.get(p.zone);
      dst.splice(clamp(p.position, 0, dst.length), 0, p.pieceId);
    }
    for (const key of this._overlay.keys()) changes.zones.add(key);
    for (const key of next.keys()) changes.zones.add(key);
    this._overlay = next;
  }

  _emit(changes) {
    if (hasChanges(changes)) this.dispatchEvent(new CustomEvent("change", { detail: changes }));
  }
}
