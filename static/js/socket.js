// The Socket.IO connection of a board page: feeds the board state, sends ops with acks,
// catches up after reconnecting and repairs persistent gaps in seq with `sync`.

import { io } from "../vendor/socket.io/socket.io.esm.min.js";
import { t } from "./page.js";

const ACK_TIMEOUT_MS = 10000;
const OP_DEADLINE_MS = 60000;
const GAP_GRACE_MS = 1500;
const OFFLINE_AFTER_FAILURES = 3;

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
 * refused) and "dragging" (detail: the server's dragging payload).
 */
export class Connection extends EventTarget {
  constructor(state, workshopId) {
    super();
    this.state = state;
    this.workshopId = workshopId;
    this.status = "connecting";
    this._failures = 0;
    this._waiting = [];
    this._gapTimer = null;
    this.unacked = 0; // ops sent (or waiting to be sent) without an answer yet
  }

  start() {
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
      const waiting = this._waiting;
      this._waiting = [];
      for (const retry of waiting) retry();
    });
    socket.on("disconnect", (reason) => {
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
    this.state.addEventListener("change", () => this._watchGap());
    window.addEventListener("offline", () => {
      if (!socket.connected) this._setStatus("offline");
    });
    window.addEventListener("online", () => {
      if (!socket.connected && this.status !== "refused") socket.connect();
    });
  }

  /** Send an op; resolves with the server's ack, or {ok:false} when it cannot be delivered. */
  op(type, fields, opId = newOpId()) {
    const payload = { op_id: opId, type, ...fields };
    return new Promise((resolve) => {
      let done = false;
      const deadline = Date.now() + OP_DEADLINE_MS;
      this._countUnacked(+1);
      const finish = (ack) => {
        if (done) return;
        done = true;
        this._countUnacked(-1);
        resolve(ack);
      };
      const attempt = () => {
        if (done) return;
        if (Date.now() >= deadline) {
          finish({ ok: false, error: { code: "network", message: t("error.network") } });
          return;
        }
        if (!this.socket.connected) {
          this._waiting.push(attempt);
          return;
        }
        // Re-sending the same op_id is safe: the server answers a repeat with the first answer.
        this.socket.timeout(ACK_TIMEOUT_MS).emit("op", payload, (err, ack) => {
          if (err) attempt();
          else finish(ack ?? { ok: false, error: { code: "network", message: t("error.network") } });
        });
      };
      window.setTimeout(attempt, OP_DEADLINE_MS + 10);
      attempt();
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

  _auth() {
    const auth = { workshop_id: this.workshopId };
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

  /** Dispatches "pending" (detail {count}) whenever the number of unanswered ops changes. */
  _countUnacked(delta) {
    this.unacked = Math.max(0, this.unacked + delta);
    this.dispatchEvent(new CustomEvent("pending", { detail: { count: this.unacked } }));
  }

  _setStatus(status, code = null) {
    if (status === this.status && status !== "refused") return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: { state: status, code } }));
  }
}
