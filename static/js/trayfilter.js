// Filters the tray (text, group, lead) so that it stays usable with hundreds of pieces.
// Hidden pieces stay in the list, so drag indexes and positions keep matching the board.

import { h, t } from "./page.js";
import { TRAY } from "./state.js";

const NO_GROUP = "none";

function norm(s) {
  return String(s ?? "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ł/g, "l")
    .toLowerCase();
}

export class TrayFilter {
  constructor({ state, zones }) {
    this.state = state;
    this.zones = zones;
    this.values = { q: "", group: "", lead: "" };
    this.form = null;
  }

  /** (Re)build the filter at the top of the tray section, keeping what was chosen. */
  attach(section) {
    const id = (name) => `tray-filter-${name}`;
    const search = h("input", {
      id: id("q"), type: "search", name: "q", autocomplete: "off", "aria-describedby": id("count"),
    });
    const group = h("select", { id: id("group"), name: "group" });
    const lead = h("select", { id: id("lead"), name: "lead" });
    const count = h("p", { class: "tray-filter-count", id: id("count") });
    this.form = h(
      "form",
      { class: "tray-filter", role: "search", "aria-label": t("filter.label") },
      h("div", { class: "field" }, h("label", { for: id("q") }, t("filter.search")), search),
      h(
        "div",
        { class: "tray-filter-row" },
        h("div", { class: "field" }, h("label", { for: id("group") }, t("filter.group")), group),
        h("div", { class: "field" }, h("label", { for: id("lead") }, t("filter.lead")), lead),
      ),
      count,
    );
    this.form.addEventListener("submit", (e) => e.preventDefault());
    this.form.addEventListener("input", () => this._read());
    this.form.addEventListener("change", () => this._read());
    section.querySelector(".zone-title").after(this.form);
    this._options();
    search.value = this.values.q;
    this.apply();
  }

  /** Refresh the options (groups and partners may have changed) and apply the filter. */
  refresh() {
    if (!this.form) return;
    this._options();
    this.apply();
  }

  _options() {
    const els = this.form.elements;
    const names = new Set(this.state.partners.map((p) => p.name));
    for (const p of this.state.pieces.values()) if (p.lead) names.add(p.lead);
    const sorted = [...names].sort((a, b) => a.localeCompare(b));
    // Rebuilt only when they change: most events (a move) change neither list, and on a board of
    // 2 000 pieces rebuilding them on every event cost more than the move itself.
    const key = JSON.stringify([this.state.groups.map((g) => [g.id, g.name]), sorted]);
    if (key === this._optionsKey) return;
    this._optionsKey = key;
    const groups = [
      h("option", { value: "" }, t("filter.any_group")),
      ...this.state.groups.map((g) => h("option", { value: String(g.id) }, g.name)),
      h("option", { value: NO_GROUP }, t("filter.no_group")),
    ];
    const leads = [
      h("option", { value: "" }, t("filter.any_lead")),
      ...sorted.map((n) => h("option", { value: n }, n)),
    ];
    els.group.replaceChildren(...groups);
    els.lead.replaceChildren(...leads);
    els.group.value = [...els.group.options].some((o) => o.value === this.values.group) ? this.values.group : "";
    els.lead.value = [...els.lead.options].some((o) => o.value === this.values.lead) ? this.values.lead : "";
  }

  _read() {
    const els = this.form.elements;
    this.values = { q: els.q.value, group: els.group.value, lead: els.lead.value };
    this.apply();
  }

  _matches(piece) {
    const { q, group, lead } = this.values;
    if (group === NO_GROUP && piece.group_id !== null) return false;
    if (group && group !== NO_GROUP && String(piece.group_id) !== group) return false;
    if (lead && piece.lead !== lead) return false;
    if (!q.trim()) return true;
    const text = norm([piece.code, piece.title, piece.description, piece.lead, ...(piece.partners ?? [])].join(" "));
    return norm(q).split(/\s+/).filter(Boolean).every((word) => text.includes(word));
  }

  /** Hide the tray's pieces that do not match; say how many are shown. */
  apply() {
    if (!this.form) return;
    const ids = this.state.zoneIds(TRAY);
    const inTray = new Set(ids);
    for (const [id, el] of this.zones.els) if (!inTray.has(id) && el.hidden) el.hidden = false;
    let shown = 0;
    for (const id of ids) {
      const el = this.zones.els.get(id);
      const piece = this.state.piece(id);
      const visible = Boolean(piece) && this._matches(piece);
      if (el) el.hidden = !visible;
      if (visible) shown += 1;
    }
    const active = this.values.q.trim() || this.values.group || this.values.lead;
    this.form.querySelector(".tray-filter-count").textContent = active
      ? t("filter.count", { shown, total: ids.length })
      : "";
  }
}
