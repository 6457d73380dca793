// The Socket.IO connection of a board page: feeds the board state, sends ops with acks (from an
// outbox kept in the browser's storage, so nothing made offline is lost), catches up after
// reconnecting and repairs persistent gaps in seq with `sync`.

import { io } from "../vendor/socket.io/socket.io.esm.min.js";

const ACK_TIMEOUT_MS = 10000;
const GAP_GRACE_MS = 1500;
const OFFLINE_AFTER_FAILURES = 3;
const SAVE_BOARD_AFTER_MS = 300;
const RETRY_LIMITED_MS = [1000, 2000, 4000, 8000];

/**
 * Changes not yet answered by the server, in the order they were made, kept in the browser's
 * storage (per workshop and person) so that they survive a reload or a closed tab. An entry is
 * the whole op with its op_id; it leaves only when the server has answered it (stored or refused).
 */
export class Outbox {
  constructor(key) {
    this.key = key;
    this._memory = [];
  }

  get entries() {
    if (!this.key) return this._memory;
    try {
      const list = JSON.parse(window.localStorage.getItem(this.key) ?? "[]");
      return Array.isArray(list) ? list.filter((op) => op && typeof op.op_id === "string") : [];
    } catch {
      return this._memory;
    }
  }

  add(op) {
    this._write([...this.entries.filter((x) => x.op_id !== op.op_id), op]);
  }

  remove(opId) {
    this._write(this.entries.filter((x) => x.op_id !== opId));
  }

  _write(list) {
    this._memory = list;
    if (!this.key) return;
    try {
      if (list.length) window.localStorage.setItem(this.key, JSON.stringify(list));
      else window.localStorage.removeItem(this.key);
    } catch {
      // Storage full or forbidden (private mode): the queue still lives in memory.
    }
  }
}

/** Storage keys of one person on one workshop (the outbox, and the last board seen). */
function storageKeys(workshopId, me) {
  if (!me || me.id === undefined || me.id === null) return { outbox: null, board: null };
  const who = `${workshopId}.${me.role}.${me.id}`;
  return { outbox: `planner.outbox.${who}`, board: `planner.board.${who}` };
}

/** A v4 UUID; crypto.randomUUID exists only in secure contexts (not on plain http over Wi-Fi). */
export function newOpId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Dispatches "status" (detail {state, code?}: connecting | online | reconnecting | offline |
 * refused), "dragging" (detail: the server's dragging payload), "pending" (detail {count}: ops
 * waiting for an answer) and "settled" (detail {op, ack, rolledBack, live}: the server answered
 * an op; `live` is false for an op left in the outbox by an earlier page).
 */
export class Connection extends EventTarget {
  /** `me` ({role, id, group_id}) keeps the outbox and the board on this device across reloads. */
  constructor(state, workshopId, { me = null } = {}) {
    super();
    this.state = state;
    this.workshopId = workshopId;
    this.me = me;
    state.me = me;
    this.status = "connecting";
    this._failures = 0;
    this._gapTimer = null;
    this._saveTimer = null;
    this._resolvers = new Map();
    this._inFlight = null;
    this._retryTimer = null;
    this._limited = 0;
    this._resyncing = false;
    const keys = storageKeys(workshopId, me);
    this.outbox = new Outbox(keys.outbox);
    this._boardKey = keys.board;
  }

  /** Ops sent (or waiting to be sent) without an answer yet. */
  get unacked() {
    return this.outbox.entries.length;
  }

  get connected() {
    return Boolean(this.socket?.connected);
  }

  start() {
    this._restore();
    const socket = io({
      auth: (cb) => cb(this._auth()),
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    socket.on("connect", () => {
      this._failures = 0;
      this._setStatus("online");
      this._pump();
    });
    socket.on("disconnect", (reason) => {
      // An op in flight is sent again after reconnecting (the server answers a repeat once).
      this._inFlight = null;
      this._setStatus(navigator.onLine === false ? "offline" : "reconnecting");
      // The server closed this socket on purpose; ask again (a refusal then says why).
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", (err) => {
      const code = err?.data?.code ?? err?.data?.error?.code ?? err?.message;
      if (code === "unauthorized" || code === "forbidden") {
        this._setStatus("refused", code);
        return;
      }
      this._failures += 1;
      const offline = navigator.onLine === false || this._failures >= OFFLINE_AFTER_FAILURES;
      this._setStatus(offline ? "offline" : "reconnecting");
    });
    socket.on("snapshot", (snapshot) => this.state.load(snapshot));
    socket.on("events", (payload) => {
      this.state.setServerNow(payload?.server_now);
      this.state.receiveMany(payload?.events ?? []);
      this._watchGap();
    });
    socket.on("event", (event) => {
      this.state.receive(event);
      this._watchGap();
    });
    // The server's latest seq, every few seconds: behind it (an event whose broadcast was lost
    // with a crashed process) means asking for what is missing.
    socket.on("head", (payload) => {
      if (this.state.loaded && Number(payload?.seq) > this.state.seq) this.sync();
    });
    socket.on("presence", (payload) => this.state.setParticipants(payload?.participants ?? []));
    socket.on("dragging", (payload) => {
      this.dispatchEvent(new CustomEvent("dragging", { detail: payload }));
    });
    this.state.addEventListener("change", () => {
      if (this.state.stale) this.resync();
      this._watchGap();
      this._saveBoardSoon();
    });
    window.addEventListener("pagehide", () => this._saveBoard());
    window.addEventListener("offline", () => {
      if (!socket.connected) this._setStatus("offline");
    });
    window.addEventListener("online", () => {
      if (!socket.connected && this.status !== "refused") socket.connect();
    });
  }

  /**
   * Send an op; resolves with the server's answer, however long the connection is away (the op
   * waits in the outbox meanwhile, also across a reload — then `settled` reports it).
   */
  op(type, fields, opId = newOpId()) {
    const payload = { op_id: opId, type, ...fields };
    return new Promise((resolve) => {
      this._resolvers.set(opId, resolve);
      this.state.applyOptimistic(payload);
      this.outbox.add(payload);
      this._countChanged();
      this._pump();
    });
  }

  /** Ephemeral: tell the others this piece is being dragged (or no longer). */
  drag(pieceId, state) {
    if (this.socket?.connected) this.socket.emit("drag", { piece_id: pieceId, state });
  }

  /** Ask for what we missed after `seq` (events or a fresh snapshot). */
  sync() {
    if (!this.socket?.connected) return;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("sync", { since: this.state.seq }, (err, answer) => {
      if (err || !answer) return;
      if (answer.snapshot) this.state.load(answer.snapshot);
      else if (answer.events) this.state.receiveMany(answer.events);
      this._watchGap();
    });
  }

  /** Replace this copy of the board with a fresh snapshot (a `since` past the head asks one). */
  resync() {
    if (!this.socket?.connected || this._resyncing) return;
    this._resyncing = true;
    this.socket.timeout(ACK_TIMEOUT_MS).emit("sync", { since: Number.MAX_SAFE_INTEGER }, (err, answer) => {
      this._resyncing = false;
      if (!err && answer?.snapshot) this.state.load(answer.snapshot);
    });
  }

  /** After a reload: show the last board this device saw, with our unanswered changes on top. */
  _restore() {
    if (this._boardKey) {
      try {
        const saved = JSON.parse(window.localStorage.getItem(this._boardKey) ?? "null");
        if (saved && Number.isInteger(saved.seq) && Array.isArray(saved.pieces)) this.state.load(saved);
      } catch {
        // A damaged copy: the server's snapshot replaces it.
      }
    }
    for (const op of this.outbox.entries) this.state.applyOptimistic(op);
    this._countChanged();
  }

  _saveBoardSoon() {
    if (!this._boardKey || this._saveTimer) return;
    this._saveTimer = window.setTimeout(() => this._saveBoard(), SAVE_BOARD_AFTER_MS);
  }

  _saveBoard() {
    window.clearTimeout(this._saveTimer);
    this._saveTimer = null;
    if (!this._boardKey || !this.state.loaded) return;
    try {
      window.localStorage.setItem(this._boardKey, JSON.stringify(this.state.toSnapshot()));
    } catch {
      // Storage full: a reload then waits for the server's snapshot.
    }
  }

  /** Send the oldest unanswered op; one at a time, so the server applies them in our order. */
  _pump() {
    if (this._inFlight || this._retryTimer || !this.socket?.connected) return;
    const op = this.outbox.entries[0];
    if (!op) return;
    this._inFlight = op.op_id;
    // Re-sending the same op_id is safe: the server answers a repeat with the first answer.
    this.socket.timeout(ACK_TIMEOUT_MS).emit("op", op, (err, ack) => {
      if (this._inFlight !== op.op_id) return; // answered already, or the socket was replaced
      this._inFlight = null;
      if (err || !ack) {
        this._pump();
        return;
      }
      if (!ack.ok && ack.error?.code === "rate_limited") {
        // Too many at once (a long queue after a long time offline): wait, then go on.
        const wait = RETRY_LIMITED_MS[Math.min(this._limited, RETRY_LIMITED_MS.length - 1)];
        this._limited += 1;
        this._retryTimer = window.setTimeout(() => {
          this._retryTimer = null;
          this._pump();
        }, wait);
        return;
      }
      this._limited = 0;
      this._finish(op, ack);
      this._pump();
    });
  }

  _finish(op, ack) {
    this.outbox.remove(op.op_id);
    const rolledBack = this.state.settle(op.op_id, ack);
    const resolve = this._resolvers.get(op.op_id);
    this._resolvers.delete(op.op_id);
    this._countChanged();
    this.dispatchEvent(new CustomEvent("settled", { detail: { op, ack, rolledBack, live: Boolean(resolve) } }));
    resolve?.(ack);
  }

  _auth() {
    // compact: live moves without the piece's unchanged fields (less than half the bytes on
    // the room's Wi-Fi); this copy of the board has the rest
    const auth = { workshop_id: this.workshopId, compact: true };
    if (this.state.loaded) auth.since = this.state.seq;
    return auth;
  }

  _watchGap() {
    if (!this.state.hasGap) {
      window.clearTimeout(this._gapTimer);
      this._gapTimer = null;
      return;
    }
    if (this._gapTimer) return;
    this._gapTimer = window.setTimeout(() => {
      this._gapTimer = null;
      if (this.state.hasGap) this.sync();
    }, GAP_GRACE_MS);
  }

  _countChanged() {
    this.dispatchEvent(new CustomEvent("pending", { detail: { count: this.unacked } }));
  }

  _setStatus(status, code = null) {
    if (status === this.status && status !== "refused") return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: { state: status, code } }));
  }
}
