// The console's settings: workshop title and year, join code, domains, groups, partner list and
// removing participants. Every change is an op; the screens follow from the events.

import { clearErrors, showErrors } from "./forms.js";
import { announce, h, paint, t } from "./page.js";

function fieldErrors(ack) {
  return ack.error ?? { message: t("error.generic") };
}

export class Settings {
  constructor({ state, conn, data }) {
    this.state = state;
    this.conn = conn;
    this.data = data;
    this.domainList = document.querySelector("[data-domains]");
    this.groupList = document.querySelector("[data-groups]");
    this.partnersForm = document.getElementById("partners-form");
    this.partnersShown = null;
  }

  start() {
    document.getElementById("workshop-form").addEventListener("submit", (e) => this._saveWorkshop(e));
    document.getElementById("add-domain-form").addEventListener("submit", (e) => this._addDomain(e));
    this.partnersForm.addEventListener("submit", (e) => this._savePartners(e));
    document.querySelector("[data-new-code]").addEventListener("click", () => this._newCode());
    this.state.addEventListener("change", (e) => {
      if (e.detail.reset || e.detail.meta) this.render();
    });
  }

  render() {
    this._renderDomains();
    this.renderGroups();
    this._renderPartners();
    this._renderWorkshop();
  }

  /** One op with the shared error handling; announces `done` when the server took it. */
  async _op(type, fields, form, done) {
    if (form) clearErrors(form);
    const ack = await this.conn.op(type, fields);
    if (ack.ok) {
      if (done) announce(done);
    } else if (form) {
      showErrors(form, fieldErrors(ack), t("error.generic"));
    } else {
      announce(ack.error?.message ?? t("error.generic"));
    }
    return ack;
  }

  async _saveWorkshop(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const year = Number(form.elements.year.value.trim());
    const changes = { title: form.elements.title.value.trim(), year: Number.isInteger(year) ? year : -1 };
    if (!changes.title) {
      showErrors(form, { fields: { title: [t("settings.title_required")] } });
      return;
    }
    await this._op("workshop.update", { changes }, form, t("settings.saved"));
  }

  _renderWorkshop() {
    const w = this.state.workshop;
    if (!w) return;
    const code = w.code ? `${w.code.slice(0, 4)}-${w.code.slice(4)}` : "";
    for (const el of document.querySelectorAll("[data-join-code]")) el.textContent = code;
    const url = new URL(`/join/${w.code}`, window.location.origin).href;
    for (const a of document.querySelectorAll("[data-join-url]")) {
      a.textContent = url;
      if (a.tagName === "A") a.href = url;
    }
    this.data.join_url = url;
    for (const img of document.querySelectorAll("img.qr")) {
      const src = `${this.data.qr_url}?code=${encodeURIComponent(w.code)}`;
      if (img.getAttribute("src") !== src && this._seenCode && this._seenCode !== w.code) img.src = src;
    }
    this._seenCode = w.code;
  }

  async _newCode() {
    if (!window.confirm(t("settings.confirm_new_code"))) return;
    await this._op("workshop.new_code", {}, null, t("settings.new_code_done"));
  }

  _renderDomains() {
    const domains = this.state.domains;
    const focusedKey = document.activeElement?.closest?.("[data-domain-id]")?.dataset.domainId;
    const focusedRole = document.activeElement?.dataset?.role;
    this.domainList.replaceChildren(
      ...domains.map((d, i) => {
        const nameId = `domain-${d.id}-name`;
        const colorId = `domain-${d.id}-color`;
        const errorId = `domain-${d.id}-error`;
        const name = h("input", { id: nameId, name: "name", value: d.name, maxlength: "120", required: true, "aria-describedby": errorId });
        const color = h("input", { id: colorId, name: "color", type: "color", value: d.color, "aria-describedby": errorId });
        const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
        paint(swatch, d.color, "--group");
        const form = h(
          "form",
          { class: "settings-row", "data-domain-id": d.id, novalidate: true },
          h("div", { class: "field grow" }, h("label", { for: nameId }, t("settings.domain_name", { n: i + 1 })), name),
          h("div", { class: "field" }, h("label", { for: colorId }, t("settings.colour")), color),
          h(
            "div",
            { class: "row-actions" },
            h("button", { type: "submit", class: "button small", "data-role": "save" }, t("settings.save")),
            h("button", { type: "button", class: "button small", "data-role": "up", disabled: i === 0, "aria-label": t("settings.domain_up", { name: d.name }) }, "↑"),
            h("button", { type: "button", class: "button small", "data-role": "down", disabled: i === domains.length - 1, "aria-label": t("settings.domain_down", { name: d.name }) }, "↓"),
            h("button", { type: "button", class: "button small danger", "data-role": "delete", "aria-label": t("settings.domain_delete", { name: d.name }) }, t("settings.delete")),
          ),
          h("p", { class: "form-error", "data-form-error": true, tabindex: "-1", hidden: true }),
          h("p", { class: "field-error", id: errorId, "data-error-for": "name", hidden: true }),
        );
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          const changes = { name: name.value.trim(), color: color.value };
          this._op("domain.update", { domain_id: d.id, changes }, form, t("settings.saved"));
        });
        form.addEventListener("click", (e) => {
          const role = e.target.closest?.("button")?.dataset.role;
          if (role === "up" || role === "down") {
            const position = i + (role === "up" ? -1 : 1);
            this._op("domain.move", { domain_id: d.id, position }, form, t("settings.domain_moved", { name: d.name, position: position + 1 }));
          } else if (role === "delete" && window.confirm(t("settings.confirm_domain_delete", { name: d.name }))) {
            this._op("domain.delete", { domain_id: d.id }, form, t("settings.domain_deleted", { name: d.name }));
          }
        });
        return h("li", {}, form);
      }),
    );
    if (focusedKey && focusedRole) {
      const again = this.domainList.querySelector(`[data-domain-id="${focusedKey}"] [data-role="${focusedRole}"]`);
      (again && !again.disabled ? again : this.domainList.querySelector(`[data-domain-id="${focusedKey}"] input`))?.focus();
    }
  }

  async _addDomain(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = form.elements.name.value.trim();
    if (!name) {
      showErrors(form, { fields: { name: [t("settings.name_required")] } });
      return;
    }
    const ack = await this._op("domain.create", { domain: { name, color: form.elements.color.value } }, form, t("settings.domain_added", { name }));
    if (ack.ok) form.elements.name.value = "";
  }

  renderGroups() {
    const groups = this.state.groups;
    this.groupList.replaceChildren(
      ...groups.map((g) => {
        const nameId = `group-${g.id}-name`;
        const colorId = `group-${g.id}-color`;
        const name = h("input", { id: nameId, name: "name", value: g.name, maxlength: "80", required: true });
        const color = h("input", { id: colorId, name: "color", type: "color", value: g.color });
        const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
        paint(swatch, g.color, "--group");
        const form = h(
          "form",
          { class: "settings-row", "data-group-id": g.id, novalidate: true },
          h("p", { class: "settings-row-name" }, swatch, g.name),
          h("div", { class: "field grow" }, h("label", { for: nameId }, t("settings.group_name")), name),
          h("div", { class: "field" }, h("label", { for: colorId }, t("settings.colour")), color),
          h(
            "div",
            { class: "row-actions" },
            h("button", { type: "submit", class: "button small" }, t("settings.save")),
            h("button", { type: "button", class: "button small danger", "data-role": "delete", "aria-label": t("settings.group_delete", { name: g.name }) }, t("settings.delete")),
          ),
          h("p", { class: "form-error", "data-form-error": true, tabindex: "-1", hidden: true }),
          h("p", { class: "field-error", "data-error-for": "name", hidden: true }),
        );
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          this._op("group.update", { group_id: g.id, changes: { name: name.value.trim(), color: color.value } }, form, t("settings.saved"));
        });
        form.querySelector('[data-role="delete"]').addEventListener("click", () => {
          if (window.confirm(t("settings.confirm_group_delete", { name: g.name }))) {
            this._op("group.delete", { group_id: g.id }, form, t("settings.group_deleted", { name: g.name }));
          }
        });
        return h("li", { class: "group-item" }, form);
      }),
    );
    if (!groups.length) this.groupList.append(h("li", { class: "muted" }, t("console.no_groups")));
  }

  _renderPartners() {
    const text = this.state.partners.map((p) => p.name).join("\n");
    const area = this.partnersForm.elements.partners;
    // Do not overwrite what the facilitator is typing; refresh when it still shows the old list.
    if (this.partnersShown === null || area.value === this.partnersShown) area.value = text;
    this.partnersShown = text;
  }

  async _savePartners(event) {
    event.preventDefault();
    const area = this.partnersForm.elements.partners;
    const names = [...new Set(area.value.split("\n").map((s) => s.trim()).filter(Boolean))];
    const ack = await this._op("partners.set", { partners: names }, this.partnersForm, t("settings.partners_saved", { count: names.length }));
    if (ack.ok) area.value = names.join("\n");
  }

  /** Ask, then remove a participant: their tablet is disconnected and cannot come back. */
  async removeParticipant(person) {
    if (!window.confirm(t("settings.confirm_remove", { name: person.name }))) return;
    await this._op("participant.remove", { participant_id: person.id }, null, t("settings.removed", { name: person.name }));
  }
}
