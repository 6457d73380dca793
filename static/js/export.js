// The export page (/export/<id>): preview and import a file, combine workshops, restore a
// backup, start next year. Downloads are plain GET forms and work without this script.

import { clearErrors, errorOf, sendJSON, showErrors } from "./forms.js";
import { announce, h, pageData, t } from "./page.js";

const data = pageData();

/** POST a file as multipart; never throws (a network failure gives status 0). */
async function sendFile(url, file) {
  const body = new FormData();
  body.append("file", file);
  try {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body,
    });
    let json = null;
    try {
      json = await response.json();
    } catch {
      json = null;
    }
    return { ok: response.ok, status: response.status, data: json };
  } catch {
    return { ok: false, status: 0, data: null };
  }
}

function table(headers, rows, rowClass) {
  return h(
    "div",
    { class: "preview-wrap", tabindex: "0", role: "region", "aria-label": headers.join(", ") },
    h(
      "table",
      { class: "preview" },
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
      h(
        "tbody",
        {},
        rows.map((cells) => h("tr", { class: rowClass }, cells.map((c) => h("td", {}, c ?? "")))),
      ),
    ),
  );
}

// --- import: check first (dry run), then apply the same file -------------------------------

const importForm = document.getElementById("import-form");
const applyButton = importForm.querySelector("[data-import-apply]");
const importResult = document.getElementById("import-result");
let checkedFile = null;

function showReport(report, applied) {
  importResult.replaceChildren();
  const summary = applied
    ? t("imported", report)
    : report.errors.length
      ? t("preview_errors", { n: report.errors.length })
      : t("preview_ok", report);
  importResult.append(h("p", { class: report.errors.length ? "form-error" : "note" }, summary));
  if (report.ignored_columns?.length) {
    importResult.append(h("p", { class: "hint" }, t("ignored", { columns: report.ignored_columns.join(", ") })));
  }
  if (report.errors.length) {
    const rows = report.errors.map((e) => [String(e.row), e.column, e.message]);
    importResult.append(table([t("row"), t("column"), t("message")], rows, "row-error"));
  } else if (report.preview?.length) {
    const rows = report.preview.map((p) => [
      String(p.row),
      p.code ?? "",
      p.title ?? "",
      t(`action.${p.action}`),
      p.domain ?? "",
    ]);
    importResult.append(table([t("row"), t("code"), t("title"), t("what"), t("domain")], rows));
    if (report.preview_truncated) importResult.append(h("p", { class: "hint" }, t("preview_truncated")));
  }
  announce(summary);
  importResult.focus();
}

importForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(importForm);
  applyButton.disabled = true;
  checkedFile = null;
  const file = importForm.elements.file.files[0];
  if (!file) {
    showErrors(importForm, { message: t("choose_file"), fields: { file: [t("choose_file")] } });
    return;
  }
  announce(t("checking"));
  const result = await sendFile(`${data.import_url}?dry_run=1`, file);
  if (!result.ok) {
    showErrors(importForm, errorOf(result, t("network")), t("network"));
    return;
  }
  showReport(result.data, false);
  if (!result.data.errors.length && (result.data.created || result.data.updated)) {
    checkedFile = file;
    applyButton.disabled = false;
  }
});

importForm.elements.file.addEventListener("change", () => {
  applyButton.disabled = true;
  checkedFile = null;
  importResult.replaceChildren();
});

applyButton.addEventListener("click", async () => {
  if (!checkedFile) return;
  applyButton.disabled = true;
  announce(t("importing"));
  const result = await sendFile(data.import_url, checkedFile);
  checkedFile = null;
  if (result.ok) {
    showReport(result.data, true);
    return;
  }
  const error = errorOf(result, t("network"));
  if (error.fields?.rows) {
    showReport({ errors: error.fields.rows }, false);
  } else {
    showErrors(importForm, error, t("network"));
  }
});

// --- new workshops: next year, restore -------------------------------------------------------

function showCreated(form, workshop) {
  const slot = form.parentElement.querySelector("[data-result]");
  const message = t("created_workshop", { title: workshop.title });
  slot.replaceChildren(
    h("p", { class: "note" }, message, " ", h("a", { href: `/console/${workshop.id}` }, t("open_console"))),
  );
  announce(message);
}

const nextYear = document.getElementById("next-year-form");
nextYear.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(nextYear);
  const body = {};
  const title = nextYear.elements.title.value.trim();
  if (title) body.title = title;
  const year = Number(nextYear.elements.year.value);
  if (nextYear.elements.year.value) body.year = Number.isInteger(year) ? year : nextYear.elements.year.value;
  const result = await sendJSON(data.next_year_url, body);
  if (result.status === 201) showCreated(nextYear, result.data.workshop);
  else showErrors(nextYear, errorOf(result, t("network")), t("network"));
});

const restore = document.getElementById("restore-form");
restore.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(restore);
  const file = restore.elements.file.files[0];
  if (!file) {
    showErrors(restore, { message: t("choose_file"), fields: { file: [t("choose_file")] } });
    return;
  }
  const result = await sendFile(data.restore_url, file);
  if (result.status === 201) showCreated(restore, result.data.workshop);
  else showErrors(restore, errorOf(result, t("network")), t("network"));
});

// --- combining: at least one workshop ---------------------------------------------------------

const combine = document.getElementById("combine-form");
combine.addEventListener("submit", (event) => {
  clearErrors(combine);
  if (!combine.querySelector('input[name="workshops"]:checked')) {
    event.preventDefault();
    showErrors(combine, { message: t("choose_workshops") });
  }
});
