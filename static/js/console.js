// Entry point of the facilitator console (/console/<id>): join code, groups, participants,
// and the board itself (the same view as the tablet, used with a mouse).

import { BoardView } from "./boardview.js";
import { showConnection } from "./connstatus.js";
import { mountFacilitation } from "./facilitation.js";
import { clearErrors, errorOf, sendJSON, showErrors } from "./forms.js";
import { announce, h, pageData, t } from "./page.js";
import { Settings } from "./settings.js";
import { Connection } from "./socket.js";
import { BoardState } from "./state.js";

const data = pageData();
const state = new BoardState();
const conn = new Connection(state, data.workshop_id, { me: data.me });
const peopleList = document.querySelector("[data-participants]");
const groupForm = document.getElementById("add-group-form");
const settings = new Settings({ state, conn, data });

function renderGroups() {
  settings.renderGroups();
}

function renderParticipants() {
  const groups = new Map(state.groups.map((g) => [g.id, g.name]));
  const people = [...state.participants].sort(
    (a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name),
  );
  peopleList.replaceChildren(
    ...people.map((p) =>
      h(
        "li",
        { class: `person ${p.online ? "is-online" : "is-offline"}`, "data-participant-id": p.id },
        h("span", { class: "person-name" }, p.name),
        " ",
        h("span", { class: "person-group" }, groups.get(p.group_id) ?? (p.role === "staff" ? t("console.staff") : "")),
        " ",
        h("span", { class: "person-state" }, p.online ? t("console.online") : t("console.offline")),
        p.role === "staff" ? null : removeButton(p),
      ),
    ),
  );
  if (!people.length) peopleList.append(h("li", { class: "muted" }, t("console.no_participants")));
  document.querySelector("[data-online-count]").textContent = String(
    people.filter((p) => p.online).length,
  );
}

function removeButton(person) {
  const button = h(
    "button",
    { type: "button", class: "button small danger", "aria-label": t("settings.remove_person", { name: person.name }) },
    t("settings.remove"),
  );
  button.addEventListener("click", () => settings.removeParticipant(person));
  return button;
}

state.addEventListener("change", (e) => {
  if (e.detail.reset || e.detail.meta) {
    renderGroups();
    renderParticipants();
  }
});

groupForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(groupForm);
  const name = groupForm.elements.name.value.trim();
  if (!name) {
    showErrors(groupForm, { fields: { name: [t("console.group_name_required")] } });
    return;
  }
  const body = { name, color: groupForm.elements.color.value };
  const result = await sendJSON(`/api/workshops/${data.workshop_id}/groups`, body);
  if (result.status === 201 && result.data?.group) {
    state.addGroup(result.data.group);
    groupForm.elements.name.value = "";
    announce(t("console.group_added", { name: result.data.group.name }));
  } else {
    showErrors(groupForm, errorOf(result, t("error.network")), t("error.generic"));
  }
});

document.querySelector("[data-copy-join]")?.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(data.join_url);
    announce(t("console.copied"));
  } catch {
    announce(t("console.copy_failed"));
  }
});

settings.start();
showConnection(conn, document.getElementById("conn-status"), "/");
mountFacilitation({ state, conn, me: data.me, view: "console" });
new BoardView({
  root: document.getElementById("main"),
  state,
  conn,
  me: data.me,
  headingLevel: "h3",
}).start();
conn.start();
