// The coverage matrix of the projector: which gminas lead or partner actions in which domain.

import { h, paint, t } from "./page.js";

function norm(name) {
  return String(name ?? "").trim().toLocaleLowerCase("pl");
}

/** Counts per partner name and domain id: {lead, partner}. */
export function coverage(state) {
  const counts = new Map();
  for (const p of state.pieces.values()) {
    if (p.domain_id === null || p.domain_id === undefined) continue;
    const add = (name, kind) => {
      const key = `${norm(name)}|${p.domain_id}`;
      const c = counts.get(key) ?? { lead: 0, partner: 0 };
      c[kind] += 1;
      counts.set(key, c);
    };
    if (p.lead) add(p.lead, "lead");
    for (const name of new Set(p.partners ?? [])) if (norm(name) !== norm(p.lead)) add(name, "partner");
  }
  return counts;
}

/** Render (or refresh) the matrix into `root`: rows are the partner list, columns the domains. */
export function renderCoverage(root, state) {
  const counts = coverage(state);
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, t("coverage.partner")),
    ...state.domains.map((d) => {
      const th = h("th", { scope: "col", class: "coverage-domain" }, d.name);
      paint(th, d.color);
      return th;
    }),
    h("th", { scope: "col" }, t("coverage.total")),
  );
  let covered = 0;
  const rows = state.partners.map((partner) => {
    let total = 0;
    const cells = state.domains.map((d) => {
      const c = counts.get(`${norm(partner.name)}|${d.id}`) ?? { lead: 0, partner: 0 };
      total += c.lead + c.partner;
      const parts = [];
      if (c.lead) parts.push(t("coverage.lead_count", { count: c.lead }));
      if (c.partner) parts.push(t("coverage.partner_count", { count: c.partner }));
      const td = h(
        "td",
        { class: `coverage-cell ${c.lead ? "is-lead" : c.partner ? "is-partner" : "is-empty"}` },
        parts.length ? parts.join(" · ") : h("span", { class: "visually-hidden" }, t("coverage.none")),
      );
      paint(td, d.color);
      return td;
    });
    if (total) covered += 1;
    return h(
      "tr",
      { class: total ? "is-covered" : "is-missing" },
      h("th", { scope: "row" }, partner.name),
      ...cells,
      h("td", { class: "coverage-total" }, String(total)),
    );
  });
  const table = h(
    "table",
    { class: "coverage-table" },
    h("caption", {}, t("coverage.caption", { covered, total: state.partners.length })),
    h("thead", {}, head),
    h("tbody", {}, rows),
  );
  root.replaceChildren(table);
}
