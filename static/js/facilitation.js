// Facilitation on every board page: phase, shared timer, locks, spotlight, dot voting, undo,
// comments; on the console the facilitator's controls, the inbox and the activity feed; on the
// projector the large timer, the spotlight zoom and the ranking. Everything is driven by the
// board state (events applied in seq order); the server enforces every rule.

import { announce, h, t } from "./page.js";

const TICK_MS = 250;

function loadStyles() {
  if (document.querySelector("link[data-facilitation-css]")) return;
  const link = h("link", {
    rel: "stylesheet",
    href: new URL("../css/facilitation.css", import.meta.url).href,
    "data-facilitation-css": "",
  });
  document.head.append(link);
}

/** Seconds left on the shared timer, by the server's clock (null when stopped). */
export function remainingSeconds(timer, serverNow) {
  if (!timer || timer.state === "stopped") return null;
  if (timer.state === "paused") return Math.max(0, timer.remaining ?? 0);
  return Math.max(0, (Date.parse(timer.ends_at) - serverNow) / 1000);
}

export function formatClock(seconds) {
  const s = Math.ceil(seconds);
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function phaseName(state) {
  const key = state.workshop?.phase;
  return state.facilitation.phases.find((p) => p.key === key)?.name ?? key ?? "";
}

function boardLocked(state) {
  const timer = state.facilitation.timer;
  const expired = timer?.auto_lock && timer.state === "running" && remainingSeconds(timer, state.serverNow()) <= 0;
  return Boolean(state.workshop?.locked || expired);
}

function button(label, onClick, attrs = {}) {
  const el = h("button", { type: "button", class: "button", ...attrs }, label);
  el.addEventListener("click", onClick);
  return el;
}

class Facilitation {
  constructor({ state, conn, me, view, root }) {
    this.state = state;
    this.conn = conn;
    this.me = me ?? {};
    this.view = view;
    this.isStaff = this.me.role === "staff";
    this.follow = false;
    this.sound = false;
    this.rang = false;
    this.bar = h("section", { class: `facil-bar facil-${view}`, "data-facilitation": view, "aria-label": t("facil.region") });
    root.prepend(this.bar);
    this.phaseEl = h("span", { class: "facil-phase", "data-phase": "" });
    this.timerEl = h("span", { class: "facil-timer", role: "timer", "data-timer": "", "aria-live": "off" });
    this.lockEl = h("span", { class: "facil-lock", "data-lock-state": "" });
    this.spotEl = h("p", { class: "facil-spotlight", "data-spotlight-banner": "", hidden: true });
    this.voteEl = h("div", { class: "facil-voting", "data-voting": "" });
    this.rankEl = h("ol", { class: "facil-ranking", "data-ranking": "", hidden: true });
    const status = h("div", { class: "facil-status" }, this.phaseEl, this.timerEl, this.lockEl);
    this.bar.append(status, this.spotEl, this.voteEl, this.rankEl);
    if (view !== "screen") this._mountActions();
    if (view === "screen") this._mountScreenOptions(status);
    if (this.isStaff && view === "console") this._mountConsole();
  }

  start() {
    this.state.addEventListener("change", (e) => this.render(e.detail));
    window.setInterval(() => this.tick(), TICK_MS);
    this.render({ reset: true, events: [] });
  }

  _op(type, fields = {}) {
    return this.conn.op(type, fields).then((ack) => {
      if (!ack.ok) announce(ack.error?.message ?? t("error.generic"));
      return ack;
    });
  }

  // --- status: phase, timer, lock, spotlight -------------------------------------------------

  tick() {
    const seconds = remainingSeconds(this.state.facilitation.timer, this.state.serverNow());
    this.timerEl.hidden = seconds === null;
    if (seconds === null) {
      this.rang = false;
      delete this.timerEl.dataset.remaining;
      return;
    }
    this.timerEl.dataset.remaining = seconds.toFixed(1);
    this.timerEl.textContent = formatClock(seconds);
    this.timerEl.dataset.timerState = this.state.facilitation.timer.state;
    const up = seconds <= 0;
    this.timerEl.classList.toggle("is-up", up);
    if (up && !this.rang) {
      this.rang = true;
      announce(t("facil.time_up"));
      if (this.sound) this._beep();
    } else if (!up) {
      this.rang = false;
    }
    this._renderLock();
  }

  _beep() {
    try {
      const audio = new AudioContext();
      const tone = audio.createOscillator();
      tone.connect(audio.destination);
      tone.frequency.value = 880;
      tone.start();
      tone.stop(audio.currentTime + 0.6);
    } catch {
      // No sound on this device: the visual signal stays.
    }
  }

  _renderLock() {
    const locked = boardLocked(this.state);
    this.lockEl.textContent = locked ? t("facil.locked") : "";
    this.lockEl.dataset.lockState = locked ? "locked" : "open";
    document.body.classList.toggle("board-locked", locked);
  }

  render(detail) {
    const f = this.state.facilitation;
    this.phaseEl.textContent = t("facil.phase", { phase: phaseName(this.state) });
    this.phaseEl.dataset.phase = this.state.workshop?.phase ?? "";
    this.tick();
    for (const d of this.state.domains) {
      document.querySelector(`[data-zone="${d.id}"]`)?.classList.toggle("zone-locked", Boolean(d.locked));
    }
    this._renderPieceLocks(detail);
    this._renderSpotlight();
    this._renderVoting();
    this._renderRanking();
    if (this.view !== "screen") this._renderComments();
    if (this.console) this._renderConsole(detail);
    const rejected = f.rejected;
    if (rejected && rejected.piece?.group_id === this.me.group_id && rejected !== this._toldRejected) {
      this._toldRejected = rejected;
      announce(t("facil.returned", { title: rejected.piece.title, reason: rejected.reason ?? "" }));
    }
  }

  /** Mark locked pieces: a pass over the page only when the set of locked pieces changed or the
   * board was rebuilt (zones keep a piece's element, and its mark, across moves and edits). On a
   * 2 000-piece board that pass on every event was most of a remote move's time (~12 ms). */
  _renderPieceLocks(detail) {
    const locked = new Set();
    for (const p of this.state.pieces.values()) if (p.locked) locked.add(String(p.id));
    const key = [...locked].sort().join(",");
    if (!detail?.reset && key === this._lockedKey) return;
    this._lockedKey = key;
    // One pass over the page (a query per piece was O(pieces × DOM): ~0.5 s per event at 2 000).
    const seen = new Set();
    for (const el of document.querySelectorAll("[data-piece-id]")) {
      if (seen.has(el.dataset.pieceId)) continue;
      seen.add(el.dataset.pieceId);
      el.classList.toggle("piece-locked", locked.has(el.dataset.pieceId));
    }
  }

  _spotlightTarget() {
    const spot = this.state.facilitation.spotlight;
    if (!spot) return null;
    if (spot.piece_id) {
      const piece = this.state.piece(spot.piece_id);
      return piece && { el: document.querySelector(`[data-piece-id="${piece.id}"]`), name: piece.title };
    }
    const domain = this.state.domain(spot.domain_id);
    return domain && { el: document.querySelector(`[data-zone="${domain.id}"]`), name: domain.name };
  }

  _renderSpotlight() {
    for (const el of document.querySelectorAll(".is-spotlit")) el.classList.remove("is-spotlit");
    const target = this._spotlightTarget();
    const key = JSON.stringify(this.state.facilitation.spotlight);
    document.body.classList.toggle("has-spotlight", Boolean(target));
    this.spotEl.hidden = !target;
    if (!target) {
      this._spotKey = null;
      return;
    }
    this.spotEl.textContent = t("facil.spotlight", { name: target.name });
    target.el?.classList.add("is-spotlit");
    if (key !== this._spotKey && target.el && (this.view === "screen" || this.follow)) {
      target.el.scrollIntoView({ block: "center", behavior: "smooth" });
    }
    this._spotKey = key;
  }

  // --- voting ---------------------------------------------------------------------------------

  _votable() {
    const voting = this.state.facilitation.voting;
    const pieces = [...this.state.pieces.values()].filter(
      (p) => voting?.domain_id === null || voting?.domain_id === undefined || p.domain_id === voting.domain_id,
    );
    return pieces.sort((a, b) => a.title.localeCompare(b.title));
  }

  _renderVoting() {
    const voting = this.state.facilitation.voting;
    this.voteEl.replaceChildren();
    if (!voting?.open) return;
    const left = voting.votes - (voting.used ?? 0);
    if (this.view === "screen" || this.isStaff) {
      this.voteEl.append(h("p", { class: "facil-note" }, t("facil.voting_open", { votes: voting.votes })));
      return;
    }
    this.voteEl.append(h("p", { class: "facil-note", "data-votes-left": left }, t("facil.votes_left", { left, votes: voting.votes })));
    const list = h("ul", { class: "facil-vote-list" });
    for (const p of this._votable()) {
      const mine = p.my_votes ?? 0;
      list.append(
        h(
          "li",
          { "data-vote-piece": p.id },
          h("span", { class: "facil-vote-title" }, p.title),
          " ",
          h("span", { class: "facil-vote-mine", "data-my-votes": mine }, t("facil.my_votes", { count: mine })),
          " ",
          button("+", () => this._op("vote.add", { piece_id: p.id }), {
            "aria-label": t("facil.vote_add", { title: p.title }),
            "data-vote-add": p.id,
            disabled: left <= 0 ? true : null,
          }),
          button("−", () => this._op("vote.remove", { piece_id: p.id }), {
            "aria-label": t("facil.vote_remove", { title: p.title }),
            "data-vote-remove": p.id,
            disabled: mine <= 0 ? true : null,
          }),
        ),
      );
    }
    this.voteEl.append(list);
  }

  _renderRanking() {
    const results = this.state.facilitation.results;
    const show = Boolean(results && this.state.facilitation.voting?.revealed);
    this.rankEl.hidden = !show;
    if (!show) return;
    this.rankEl.replaceChildren(
      ...results.slice(0, 10).map((r) =>
        h("li", { "data-rank-piece": r.piece_id }, `${this.state.piece(r.piece_id)?.title ?? "?"} — ${t("facil.votes", { count: r.votes })}`),
      ),
    );
  }

  // --- undo and comments (tablet and console) -------------------------------------------------

  _mountActions() {
    const undo = button(t("facil.undo"), async () => {
      const ack = await this._op("undo");
      if (ack.ok) announce(t("facil.undone"));
    }, { "data-undo": "" });
    const follow = h("input", { type: "checkbox", id: "facil-follow" });
    follow.addEventListener("change", () => {
      this.follow = follow.checked;
      this._spotKey = null;
      this._renderSpotlight();
    });
    const followLabel = h("label", { class: "facil-follow" }, follow, " ", t("facil.follow"));
    this.commentsEl = h("details", { class: "facil-comments", "data-comments": "" });
    this.commentPiece = h("select", { "aria-label": t("facil.comment_piece") });
    this.commentPiece.addEventListener("change", () => this._renderComments());
    this.commentList = h("ul", { class: "facil-comment-list" });
    const text = h("textarea", { rows: "2", maxlength: "2000", "aria-label": t("facil.comment_text") });
    const form = h("form", { class: "facil-comment-form" }, text, h("button", { type: "submit", class: "button" }, t("facil.comment_add")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const pieceId = Number(this.commentPiece.value);
      if (!pieceId || !text.value.trim()) return;
      const ack = await this._op("comment.add", { piece_id: pieceId, text: text.value });
      if (ack.ok) text.value = "";
    });
    this.commentsEl.append(h("summary", {}, t("facil.comments")), this.commentPiece, this.commentList, form);
    this.bar.append(h("div", { class: "facil-actions" }, undo, followLabel), this.commentsEl);
  }

  _renderComments() {
    if (!this.commentPiece) return;
    const chosen = this.commentPiece.value;
    // Rebuild (and sort) the options only when a piece's title or comment count changed, or
    // pieces came or went: not on every move.
    let signature = "";
    for (const p of this.state.pieces.values()) signature += `${p.id}\u0000${p.title}\u0000${p.comment_count ?? 0}\u0001`;
    if (signature !== this._commentSignature) {
      this._commentSignature = signature;
      const pieces = [...this.state.pieces.values()].sort((a, b) => a.title.localeCompare(b.title));
      this.commentPiece.replaceChildren(
        ...pieces.map((p) => h("option", { value: p.id }, `${p.title} (${p.comment_count ?? 0})`)),
      );
      if (chosen) this.commentPiece.value = chosen;
    }
    const piece = this.state.piece(Number(this.commentPiece.value));
    const groups = new Map(this.state.groups.map((g) => [g.id, g.name]));
    this.commentList.replaceChildren(
      ...(piece?.comments ?? []).map((c) =>
        h(
          "li",
          { class: c.parent_id ? "is-reply" : "", "data-comment-id": c.id },
          h("strong", {}, c.role === "staff" ? t("console.staff") : (groups.get(c.group_id) ?? c.group_name ?? "")),
          ": ",
          c.text,
        ),
      ),
    );
  }

  // --- the projector --------------------------------------------------------------------------

  _mountScreenOptions(status) {
    const sound = h("input", { type: "checkbox", id: "facil-sound" });
    sound.addEventListener("change", () => {
      this.sound = sound.checked;
    });
    status.append(h("label", { class: "facil-sound" }, sound, " ", t("facil.sound")));
  }

  // --- the console ----------------------------------------------------------------------------

  _mountConsole() {
    const phase = h("select", { "aria-label": t("facil.phase_choose"), "data-phase-select": "" });
    phase.addEventListener("change", () => this._op("phase.set", { phase: phase.value }));
    const minutes = h("input", { type: "number", min: "1", max: "480", value: "10", "aria-label": t("facil.minutes"), class: "facil-minutes" });
    const autoLock = h("input", { type: "checkbox", id: "facil-autolock" });
    const timer = h(
      "div",
      { class: "facil-row" },
      button(t("facil.timer_start"), () => this._op("timer.start", { minutes: Number(minutes.value) || 1, auto_lock: autoLock.checked }), { "data-timer-start": "" }),
      minutes,
      h("label", {}, autoLock, " ", t("facil.auto_lock")),
      button(t("facil.timer_pause"), () => this._op("timer.pause")),
      button(t("facil.timer_resume"), () => this._op("timer.resume")),
      button(t("facil.timer_extend"), () => this._op("timer.extend", { minutes: 1 })),
      button(t("facil.timer_stop"), () => this._op("timer.stop")),
    );
    this.lockButton = button("", () => this._op("board.lock", { locked: !this.state.workshop?.locked }), { "data-lock-toggle": "" });
    this.moderation = h("input", { type: "checkbox", id: "facil-moderation" });
    this.moderation.addEventListener("change", () => this._op("moderation.set", { moderation: this.moderation.checked }));
    const votes = h("input", { type: "number", min: "1", max: "100", value: "3", "aria-label": t("facil.votes_each"), class: "facil-minutes" });
    const per = h("select", { "aria-label": t("facil.per") }, h("option", { value: "participant" }, t("facil.per_participant")), h("option", { value: "group" }, t("facil.per_group")));
    const voting = h(
      "div",
      { class: "facil-row" },
      button(t("facil.voting_start"), () => this._op("voting.open", { votes: Number(votes.value) || 1, per: per.value }), { "data-voting-open": "" }),
      votes,
      per,
      button(t("facil.voting_close"), () => this._op("voting.close")),
      button(t("facil.voting_reveal"), () => this._op("voting.reveal"), { "data-voting-reveal": "" }),
    );
    this.inboxEl = h("ul", { class: "facil-inbox", "data-inbox": "" });
    this.feedEl = h("ol", { class: "facil-feed", "data-feed": "" });
    const panel = h(
      "section",
      { class: "facil-console", "aria-label": t("facil.controls") },
      h("h2", {}, t("facil.controls")),
      h("div", { class: "facil-row" }, phase, this.lockButton, h("label", {}, this.moderation, " ", t("facil.moderation")), button(t("facil.spotlight_clear"), () => this._op("spotlight.set", {}), { "data-spotlight-clear": "" })),
      this._mountTargets(),
      this._mountPhaseEditor(),
      timer,
      voting,
      h("h3", {}, t("facil.inbox")),
      this.inboxEl,
      h("h3", {}, t("facil.feed")),
      this.feedEl,
    );
    this.bar.append(panel);
    this.console = { phase };
  }

  // A domain or a piece: lock, unlock, spotlight (board.lock / spotlight.set with an id).
  _mountTargets() {
    const row = (kind) => {
      const select = h("select", { id: `facil-${kind}-target`, "data-target-select": kind });
      select.addEventListener("change", () => this._renderTargets());
      const lock = button("", () => {
        const id = Number(select.value);
        const item = kind === "domain" ? this.state.domain(id) : this.state.piece(id);
        if (item) this._op("board.lock", { locked: !item.locked, [`${kind}_id`]: id });
      }, { "data-target-lock": kind });
      const spot = button(t(`facil.spotlight_${kind}`), () => {
        const id = Number(select.value);
        if (id) this._op("spotlight.set", { [`${kind}_id`]: id });
      }, { "data-target-spotlight": kind });
      const wrap = h(
        "div",
        { class: "facil-row", role: "group", "aria-labelledby": `facil-${kind}-label` },
        h("label", { for: `facil-${kind}-target`, id: `facil-${kind}-label` }, t(`facil.${kind}_target`)),
        select,
        lock,
        spot,
      );
      return { wrap, select, lock };
    };
    this.targets = { domain: row("domain"), piece: row("piece") };
    return h("div", { class: "facil-targets" }, this.targets.domain.wrap, this.targets.piece.wrap);
  }

  _renderTargets() {
    const fill = (select, items, label) => {
      const chosen = select.value;
      select.replaceChildren(...items.map((x) => h("option", { value: x.id }, label(x))));
      if (chosen && items.some((x) => String(x.id) === chosen)) select.value = chosen;
    };
    const { domain, piece } = this.targets;
    fill(domain.select, this.state.domains, (d) => (d.locked ? t("facil.locked_item", { name: d.name }) : d.name));
    const pieces = [...this.state.pieces.values()].sort((a, b) => (a.code ?? "").localeCompare(b.code ?? ""));
    fill(piece.select, pieces, (p) => {
      const name = `${p.code ?? ""} ${p.title}`.trim();
      return p.locked ? t("facil.locked_item", { name }) : name;
    });
    for (const [kind, item] of [
      ["domain", this.state.domain(Number(domain.select.value))],
      ["piece", this.state.piece(Number(piece.select.value))],
    ]) {
      const { lock } = this.targets[kind];
      lock.textContent = item?.locked ? t(`facil.unlock_${kind}`) : t(`facil.lock_${kind}`);
      lock.disabled = !item;
      lock.setAttribute("aria-pressed", item?.locked ? "true" : "false");
    }
  }

  // The workshop's phase list (phase.list): key, name and participants' rights of each phase.
  _mountPhaseEditor() {
    this.phaseRows = h("ol", { class: "facil-phase-rows", "data-phase-rows": "" });
    const add = button(t("facil.phase_add"), () => {
      this.phaseRows.append(this._phaseRow({ key: "", name: "", rights: [] }, this.phaseRows.children.length));
      this.phaseRows.lastElementChild?.querySelector("input")?.focus();
    }, { "data-phase-add": "" });
    const save = button(t("facil.phases_save"), async () => {
      const phases = [...this.phaseRows.children].map((li) => {
        const entry = {
          key: li.querySelector("[data-phase-key]").value.trim(),
          rights: [...li.querySelectorAll("[data-phase-right]:checked")].map((c) => c.value),
        };
        const name = li.querySelector("[data-phase-name]").value.trim();
        if (name) entry.name = name;
        return entry;
      });
      const ack = await this._op("phase.list", { phases });
      if (ack.ok) {
        announce(t("facil.phases_saved"));
        this._fillPhaseEditor();
      }
    }, { class: "button primary", "data-phase-save": "" });
    this.phaseEditor = h(
      "details",
      { class: "facil-phase-editor", "data-phase-editor": "" },
      h("summary", {}, t("facil.phases_edit")),
      h("p", { class: "hint" }, t("facil.phases_hint")),
      this.phaseRows,
      h("div", { class: "facil-row" }, add, save),
    );
    this.phaseEditor.addEventListener("toggle", () => {
      if (this.phaseEditor.open) this._fillPhaseEditor();
    });
    return this.phaseEditor;
  }

  _fillPhaseEditor() {
    this.phaseRows.replaceChildren(...this.state.facilitation.phases.map((p, i) => this._phaseRow(p, i)));
  }

  _phaseRow(phase, index) {
    const n = index + 1;
    const id = `facil-phase-${n}-${Math.random().toString(36).slice(2, 8)}`;
    const rights = ["create", "edit", "move", "vote", "comment"].map((right) =>
      h(
        "label",
        { class: "facil-right" },
        h("input", { type: "checkbox", value: right, "data-phase-right": right, checked: (phase.rights ?? []).includes(right) ? true : null }),
        " ",
        t(`facil.right.${right}`),
      ),
    );
    const li = h(
      "li",
      { "data-phase-row": phase.key ?? "" },
      h(
        "fieldset",
        { class: "facil-phase-row" },
        h("legend", {}, t("facil.phase_n", { n })),
        h("label", { for: `${id}-key` }, t("facil.phase_key")),
        h("input", { id: `${id}-key`, value: phase.key ?? "", maxlength: "32", pattern: "[a-z0-9_\\-]+", required: true, "data-phase-key": "", class: "facil-phase-key" }),
        h("label", { for: `${id}-name` }, t("facil.phase_name")),
        h("input", { id: `${id}-name`, value: phase.name ?? "", maxlength: "80", "data-phase-name": "" }),
        h("span", { class: "facil-rights", role: "group", "aria-label": t("facil.phase_rights") }, ...rights),
        button(t("facil.phase_remove"), () => {
          const next = li.nextElementSibling ?? li.previousElementSibling;
          li.remove();
          (next?.querySelector("input") ?? this.phaseEditor.querySelector("summary")).focus();
        }, { "aria-label": t("facil.phase_remove_n", { n }), "data-phase-remove": "" }),
      ),
    );
    return li;
  }

  _renderConsole(detail) {
    this._renderTargets();
    const phase = this.console.phase;
    const current = this.state.workshop?.phase;
    phase.replaceChildren(...this.state.facilitation.phases.map((p) => h("option", { value: p.key, selected: p.key === current ? true : null }, p.name)));
    phase.value = current ?? "";
    this.lockButton.textContent = this.state.workshop?.locked ? t("facil.unlock") : t("facil.lock");
    this.moderation.checked = Boolean(this.state.workshop?.moderation);
    this.inboxEl.replaceChildren(
      ...this.state.facilitation.inbox.map((p) =>
        h(
          "li",
          { "data-inbox-piece": p.id },
          p.title,
          " ",
          button(t("facil.accept"), () => this._op("inbox.accept", { piece_id: p.id })),
          button(t("facil.reject"), () => {
            const reason = window.prompt(t("facil.reject_reason")) ?? "";
            this._op("inbox.reject", { piece_id: p.id, reason: reason.slice(0, 500) });
          }),
        ),
      ),
    );
    if (detail.reset || detail.events?.length) this._loadFeed();
  }

  async _loadFeed() {
    const wid = this.state.workshop?.id;
    if (!wid) return;
    let answer;
    try {
      const response = await fetch(`/api/workshops/${wid}/history?limit=30`, { credentials: "same-origin" });
      if (!response.ok) return;
      answer = await response.json();
    } catch {
      return;
    }
    const undoable = new Set(["piece.create", "piece.update", "piece.move", "piece.delete", "comment.add"]);
    this.feedEl.replaceChildren(
      ...answer.events.map((e) => {
        const who = e.actor.role === "staff" ? e.actor.name : (e.actor.group_name ?? e.actor.name ?? "");
        const when = new Date(e.at).toLocaleTimeString();
        const item = h("li", { "data-feed-seq": e.seq }, `${when} · ${who} · ${t(`facil.type.${e.type}`)} `);
        if (undoable.has(e.type)) item.append(button(t("facil.revert"), () => this._op("revert", { seq: e.seq })));
        return item;
      }),
    );
  }
}

/** Mount the facilitation bar of a page: view is "tablet", "console" or "screen". */
export function mountFacilitation({ state, conn, me, view, root = document.getElementById("main") }) {
  loadStyles();
  const facilitation = new Facilitation({ state, conn, me, view, root });
  facilitation.start();
  return facilitation;
}
