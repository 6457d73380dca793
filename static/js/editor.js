// The piece editor: a modal dialog showing every field of an action; saves only what changed.

import { clearErrors, showErrors } from "./forms.js";
import { formatMoney, formatNumber, parseMoney } from "./format.js";
import { announce, h, t } from "./page.js";

const TEXT_FIELDS = ["title", "description", "objective", "lead", "funding", "result", "indicator"];

function textValue(v) {
  const s = typeof v === "string" ? v.trim() : "";
  return s === "" ? null : s;
}

/** The comparable, wire-ready form of a piece's editable fields. */
function normalise(p) {
  const out = {};
  for (const f of TEXT_FIELDS) out[f] = textValue(p[f]);
  out.partners = [...(p.partners ?? [])];
  out.quarters = [...(p.quarters ?? [])].sort();
  out.cost_pln = p.cost_pln === null || p.cost_pln === undefined ? null : Number(p.cost_pln);
  out.status = p.status ?? null;
  return out;
}

export function canChange(me, piece) {
  return me.role === "staff" || (piece.group_id !== null && piece.group_id === me.group_id);
}

export class PieceEditor {
  constructor({ dialog, state, conn, me }) {
    this.dialog = dialog;
    this.form = dialog.querySelector("form");
    this.state = state;
    this.conn = conn;
    this.me = me;
    this.pieceId = null;
    this.partners = [];
    this.form.addEventListener("submit", (e) => this._save(e));
    dialog.querySelector("[data-pe-delete]").addEventListener("click", () => this._delete());
    for (const b of dialog.querySelectorAll("[data-pe-close]")) {
      b.addEventListener("click", () => this.close());
    }
    dialog.addEventListener("close", () => this._closed());
    this.partnerInput = dialog.querySelector("[data-pe-partner-input]");
    dialog.querySelector("[data-pe-partner-add]").addEventListener("click", () => this._addPartner());
    this.partnerInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        this._addPartner();
      }
    });
    state.addEventListener("change", (e) => this._onChange(e.detail));
    this.lang = document.documentElement.lang || "pl";
    this.form.elements.cost_pln.addEventListener("input", () => this._showCost());
  }

  /** Under the cost field: the amount as it will be read ("12 500 zł"), or how to type it. */
  _showCost() {
    const value = parseMoney(this.form.elements.cost_pln.value);
    const out = this.dialog.querySelector("[data-pe-cost-shown]");
    out.textContent = value === null ? "" : Number.isNaN(value) ? t("editor.cost_invalid") : formatMoney(value, this.lang);
  }

  /** Fill the partner suggestions (datalist shared by "lead" and "partners"). */
  setPartnerOptions(partners) {
    const list = this.dialog.querySelector("#partner-options");
    list.replaceChildren(...partners.map((p) => h("option", { value: p.name })));
  }

  open(pieceId, opener = null) {
    const piece = this.state.piece(pieceId);
    if (!piece) return;
    this.pieceId = pieceId;
    this.opener = opener;
    this.readOnly = !canChange(this.me, piece);
    this._fill(piece);
    clearErrors(this.form);
    this.dialog.querySelector("[data-pe-fields]").disabled = this.readOnly;
    // The server lets only facilitators set the status; others see it.
    this.form.elements.status.disabled = this.me.role !== "staff";
    this.dialog.querySelector("[data-pe-readonly]").hidden = !this.readOnly;
    this.dialog.querySelector("[data-pe-save]").hidden = this.readOnly;
    this.dialog.querySelector("[data-pe-delete]").hidden = this.readOnly;
    this.dialog.querySelector("[data-pe-stale]").hidden = true;
    if (!this.dialog.open) this.dialog.showModal();
    const focus = this.readOnly ? this.dialog.querySelector("[data-pe-close]") : this.form.elements.title;
    focus.focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  get isOpen() {
    return this.dialog.open;
  }

  _closed() {
    const opener = this.opener;
    this.pieceId = null;
    this.opener = null;
    if (opener?.isConnected) opener.focus();
  }

  _fill(piece) {
    this.base = normalise(piece);
    this.version = piece.version;
    const els = this.form.elements;
    for (const f of TEXT_FIELDS) els[f].value = piece[f] ?? "";
    els.cost_pln.value =
      piece.cost_pln === null || piece.cost_pln === undefined ? "" : formatNumber(piece.cost_pln, this.lang);
    this._showCost();
    els.status.value = piece.status ?? "proposed";
    for (const box of this.form.querySelectorAll('input[name="quarters"]')) {
      box.checked = (piece.quarters ?? []).includes(Number(box.value));
    }
    this.partners = [...(piece.partners ?? [])];
    this._renderPartners();
    this.dialog.querySelector("[data-pe-code]").textContent = piece.code ?? "";
  }

  _collect() {
    const els = this.form.elements;
    const out = {};
    for (const f of TEXT_FIELDS) out[f] = textValue(els[f].value);
    out.partners = [...this.partners];
    out.quarters = [...this.form.querySelectorAll('input[name="quarters"]:checked')]
      .map((b) => Number(b.value))
      .sort();
    out.cost_pln = parseMoney(els.cost_pln.value);
    out.status = els.status.value;
    return out;
  }

  _changes() {
    const now = this._collect();
    const changes = {};
    for (const [f, v] of Object.entries(now)) {
      if (JSON.stringify(v) !== JSON.stringify(this.base[f])) changes[f] = v;
    }
    return changes;
  }

  async _save(event) {
    event.preventDefault();
    if (this.readOnly || this.pieceId === null) return;
    const changes = this._changes();
    const local = {};
    if ("title" in changes && !changes.title) local.title = [t("editor.title_required")];
    if (Number.isNaN(parseMoney(this.form.elements.cost_pln.value))) {
      local.cost_pln = [t("editor.cost_invalid")];
    }
    if (Object.keys(local).length) {
      showErrors(this.form, { message: t("editor.check_fields"), fields: local });
      return;
    }
    if (!Object.keys(changes).length) {
      this.close();
      return;
    }
    const fields = { piece_id: this.pieceId, changes, version: this.version };
    if (!this.conn.connected) {
      // Offline: shown at once and kept on this tablet until the connection is back.
      this.conn.op("piece.update", fields);
      announce(t("editor.queued"));
      this.close();
      return;
    }
    const save = this.dialog.querySelector("[data-pe-save]");
    save.disabled = true;
    const ack = await this.conn.op("piece.update", fields);
    save.disabled = false;
    if (ack.ok) {
      announce(t("editor.saved"));
      this.close();
    } else {
      showErrors(this.form, ack.error, t("error.generic"));
    }
  }

  async _delete() {
    const piece = this.state.piece(this.pieceId);
    if (!piece || this.readOnly) return;
    if (!window.confirm(t("editor.confirm_delete", { title: piece.title }))) return;
    if (!this.conn.connected) {
      this.conn.op("piece.delete", { piece_id: piece.id });
      announce(t("editor.queued"));
      this.close();
      return;
    }
    const ack = await this.conn.op("piece.delete", { piece_id: piece.id });
    if (ack.ok) {
      announce(t("editor.deleted", { title: piece.title }));
      this.close();
    } else {
      showErrors(this.form, ack.error, t("error.generic"));
    }
  }

  _addPartner() {
    const name = this.partnerInput.value.trim();
    if (name && !this.partners.includes(name)) {
      this.partners.push(name);
      this._renderPartners();
    }
    this.partnerInput.value = "";
    this.partnerInput.focus();
  }

  _renderPartners() {
    const list = this.dialog.querySelector("[data-pe-partners]");
    list.replaceChildren(
      ...this.partners.map((name) => {
        const remove = h("button", {
          type: "button",
          class: "chip-remove",
          "aria-label": t("editor.remove_partner", { name }),
        });
        remove.addEventListener("click", () => {
          this.partners = this.partners.filter((p) => p !== name);
          this._renderPartners();
          this.partnerInput.focus();
        });
        return h("li", { class: "chip" }, h("span", {}, name), remove);
      }),
    );
  }

  _onChange(detail) {
    if (this.pieceId === null || !this.dialog.open) return;
    if (detail.removed.has(this.pieceId)) {
      announce(t("editor.removed_elsewhere"));
      this.close();
      return;
    }
    if (!detail.pieces.has(this.pieceId) && !detail.reset) return;
    const piece = this.state.piece(this.pieceId);
    if (!piece || piece.version === this.version) return;
    if (JSON.stringify(normalise(piece)) === JSON.stringify(this.base)) {
      // Moved, not edited: the fields on screen are still the latest.
      this.version = piece.version;
      return;
    }
    if (Object.keys(this._changes()).length === 0) {
      // Nothing typed yet: just show the newer values.
      this._fill(piece);
    } else {
      this.dialog.querySelector("[data-pe-stale]").hidden = false;
    }
  }
}
