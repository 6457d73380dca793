"""The workshop report: who took part (by group), what happened per phase, the vote, the timeline.

Read from the snapshot and the event log; participants appear only by their group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date, format_datetime, get_timezone
from flask_babel import force_locale

from planner.board import phases, snapshot
from planner.board.phases import DEFAULT_PHASE
from planner.extensions import db
from planner.models import Event, Participant, Workshop

_COUNTED = {"piece.create": "created", "piece.move": "moved", "vote.add": "voted"}
_TIMELINE = {
    "phase.set",
    "timer.start",
    "timer.stop",
    "board.lock",
    "voting.open",
    "voting.close",
    "voting.reveal",
    "spotlight.set",
    "phase.list",
    "moderation.set",
}


def build_report(workshop: Workshop) -> dict[str, Any]:
    """The report as JSON-ready data (the full, staff view of the board)."""
    board = snapshot(workshop, online=set())
    groups = {g["id"]: g["name"] for g in board["groups"]}
    people = Counter(
        db.session.scalars(
            sa.select(Participant.group_id).where(Participant.workshop_id == workshop.id)
        )
    )
    events = db.session.scalars(
        sa.select(Event).where(Event.workshop_id == workshop.id).order_by(Event.seq)
    )
    phase = DEFAULT_PHASE  # every workshop starts in it
    per_phase: dict[str, Counter] = {}
    created_by_group: Counter = Counter()
    timeline: list[dict[str, Any]] = []
    for event in events:
        if event.type == "phase.set":
            phase = event.data["phase"]
        kind = event.type
        if kind in ("undo", "revert"):
            kind = (event.data.get("apply") or {}).get("type", kind)
        if kind in _COUNTED:
            per_phase.setdefault(phase, Counter())[_COUNTED[kind]] += 1
        if event.type == "piece.create" and event.actor.get("role") != "staff":
            created_by_group[event.actor.get("group_id")] += 1
        if event.type in _TIMELINE:
            timeline.append(
                {
                    "seq": event.seq,
                    "at": event.at.isoformat(),
                    "type": event.type,
                    "data": event.data,
                }
            )
    titles = {p["id"]: (p["code"], p["title"]) for p in board["pieces"]}
    results = [
        {
            "piece_id": r["piece_id"],
            "code": titles.get(r["piece_id"], ("", ""))[0],
            "title": titles.get(r["piece_id"], ("", ""))[1],
            "votes": r["votes"],
        }
        for r in board["results"] or []
    ]
    return {
        "workshop": {
            k: board["workshop"].get(k) for k in ("id", "title", "year", "phase", "created_at")
        },
        "groups": [
            {
                "id": gid,
                "name": name,
                "participants": people.get(gid, 0),
                "created": created_by_group.get(gid, 0),
            }
            for gid, name in groups.items()
        ],
        "gminas": [p["name"] for p in board["partners"]],
        "involved": _involved(board),
        "per_phase": {
            key: {name: counts.get(name, 0) for name in ("created", "moved", "voted")}
            for key, counts in per_phase.items()
        },
        "voting": board["voting"],
        "results": results,
        "timeline": timeline,
    }


def _involved(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Gminas and bodies named as lead or partner of a piece on the board, with how often."""
    lead: Counter = Counter()
    partner: Counter = Counter()
    for piece in board["pieces"]:
        if piece.get("lead"):
            lead[piece["lead"]] += 1
        for name in set(piece.get("partners") or []):
            partner[name] += 1
    listed = [p["name"] for p in board["partners"]]
    others = sorted((set(lead) | set(partner)) - set(listed), key=str.casefold)
    return [
        {"name": name, "lead": lead[name], "partner": partner[name]}
        for name in [*listed, *others]
        if lead[name] or partner[name]
    ]


# --- the report as a document (DOCX and the HTML print view) ---------------------------------

REPORT_HEADINGS: dict[str, dict[str, str]] = {
    "pl": {
        "title": "Raport z warsztatu",
        "subtitle": "{title} — Roczny Program Prac na rok {year}",
        "date": "Data warsztatu: {date}",
        "privacy": "Uczestnicy są wymienieni wyłącznie według grup (stołów); raport nie zawiera "
        "imion ani nazwisk.",
        "participation": "1. Uczestnicy",
        "groups": "Grupy (stoły)",
        "group": "Grupa",
        "people": "Liczba uczestników",
        "created_by_group": "Zgłoszone elementy",
        "no_groups": "Nie utworzono grup.",
        "gminas": "Gminy i podmioty na liście partnerów",
        "no_gminas": "Lista partnerów jest pusta.",
        "involved": "Gminy i podmioty w działaniach na planszy",
        "body": "Gmina / podmiot",
        "as_lead": "Jako lider",
        "as_partner": "Jako partner",
        "nobody_involved": "Żadne działanie nie ma jeszcze lidera ani partnerów.",
        "phases": "2. Przebieg według faz",
        "phase": "Faza",
        "created": "Utworzone elementy",
        "moved": "Przesunięcia",
        "voted": "Oddane głosy",
        "total": "Razem",
        "no_activity": "Na planszy nie było jeszcze zmian.",
        "voting": "3. Wyniki głosowania",
        "voting_round": "Runda {round}: {votes} głosów na {per}; {state}.",
        "per.participant": "uczestnika",
        "per.group": "grupę",
        "state.revealed": "wyniki pokazane",
        "state.open": "głosowanie trwa",
        "state.closed": "głosowanie zamknięte, wyniki niepokazane",
        "no_voting": "Nie przeprowadzono głosowania.",
        "no_results": "Wyniki nie zostały jeszcze pokazane.",
        "rank": "Miejsce",
        "code": "Kod",
        "action": "Nazwa działania",
        "votes": "Głosy",
        "timeline": "4. Przebieg sesji",
        "time": "Czas",
        "what": "Co się stało",
        "no_timeline": "Prowadzący nie zmieniał faz ani ustawień sesji.",
        "t.phase.set": "Faza: {phase}",
        "t.phase.list": "Zmieniono listę faz",
        "t.timer.start": "Minutnik uruchomiony na {minutes} min",
        "t.timer.stop": "Minutnik zatrzymany",
        "t.lock.board": "Plansza zablokowana",
        "t.unlock.board": "Plansza odblokowana",
        "t.lock.domain": "Zablokowano dziedzinę „{name}”",
        "t.unlock.domain": "Odblokowano dziedzinę „{name}”",
        "t.lock.piece": "Zablokowano element {name}",
        "t.unlock.piece": "Odblokowano element {name}",
        "t.voting.open": "Głosowanie otwarte (runda {round}, {votes} głosów)",
        "t.voting.close": "Głosowanie zamknięte",
        "t.voting.reveal": "Wyniki głosowania pokazane",
        "t.spotlight.piece": "Wyróżniono element {name}",
        "t.spotlight.domain": "Wyróżniono dziedzinę „{name}”",
        "t.spotlight.clear": "Wyróżnienie usunięte",
        "t.moderation.on": "Nowe elementy trafiają do skrzynki prowadzącego",
        "t.moderation.off": "Nowe elementy trafiają od razu na planszę",
    },
    "en": {
        "title": "Workshop report",
        "subtitle": "{title} — Annual Programme of Work for {year}",
        "date": "Date of the workshop: {date}",
        "privacy": "Participants are listed by their group (table) only; the report holds no "
        "personal names.",
        "participation": "1. Participants",
        "groups": "Groups (tables)",
        "group": "Group",
        "people": "Participants",
        "created_by_group": "Pieces proposed",
        "no_groups": "No groups were made.",
        "gminas": "Gminas and bodies on the partner list",
        "no_gminas": "The partner list is empty.",
        "involved": "Gminas and bodies in the actions on the board",
        "body": "Gmina / body",
        "as_lead": "As the lead",
        "as_partner": "As a partner",
        "nobody_involved": "No action has a lead or partners yet.",
        "phases": "2. Activity per phase",
        "phase": "Phase",
        "created": "Pieces created",
        "moved": "Moves",
        "voted": "Votes cast",
        "total": "Total",
        "no_activity": "Nothing has changed on the board yet.",
        "voting": "3. Voting results",
        "voting_round": "Round {round}: {votes} votes per {per}; {state}.",
        "per.participant": "participant",
        "per.group": "group",
        "state.revealed": "results shown",
        "state.open": "voting is open",
        "state.closed": "voting closed, results not shown",
        "no_voting": "There was no vote.",
        "no_results": "The results have not been shown yet.",
        "rank": "Rank",
        "code": "Code",
        "action": "Title of the action",
        "votes": "Votes",
        "timeline": "4. Timeline of the session",
        "time": "Time",
        "what": "What happened",
        "no_timeline": "The facilitator changed no phase or setting of the session.",
        "t.phase.set": "Phase: {phase}",
        "t.phase.list": "The list of phases was changed",
        "t.timer.start": "Timer started for {minutes} min",
        "t.timer.stop": "Timer stopped",
        "t.lock.board": "Board locked",
        "t.unlock.board": "Board unlocked",
        "t.lock.domain": "Domain “{name}” locked",
        "t.unlock.domain": "Domain “{name}” unlocked",
        "t.lock.piece": "Piece {name} locked",
        "t.unlock.piece": "Piece {name} unlocked",
        "t.voting.open": "Voting opened (round {round}, {votes} votes)",
        "t.voting.close": "Voting closed",
        "t.voting.reveal": "Voting results shown",
        "t.spotlight.piece": "Spotlight on piece {name}",
        "t.spotlight.domain": "Spotlight on domain “{name}”",
        "t.spotlight.clear": "Spotlight cleared",
        "t.moderation.on": "New pieces go to the facilitator's inbox",
        "t.moderation.off": "New pieces go straight onto the board",
    },
}
_ZONE = "Europe/Warsaw"


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    widths: list[int]
    total: list[str] | None = None  # a closing row (a table footer in HTML)


@dataclass
class Section:
    heading: str
    level: int = 1
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass
class ReportDocument:
    """The report ready to render: headings and tables in one language, no personal names."""

    lang: str
    title: str
    subtitle: str
    lines: list[str]
    sections: list[Section]


def _locale(lang: str) -> str:
    return "pl_PL" if lang == "pl" else "en_GB"


def _when(iso: str, lang: str) -> str:
    moment = datetime.fromisoformat(iso)
    return format_datetime(
        moment, "short", tzinfo=get_timezone(_ZONE), locale=_locale(lang)
    ).replace("\u202f", " ")


def _happened(event: dict[str, Any], h: dict[str, str], names: dict[str, Any]) -> str:
    kind, data = event["type"], event["data"] or {}
    if kind == "phase.set":
        return h["t.phase.set"].format(phase=names["phase"](data.get("phase")))
    if kind == "timer.start":
        seconds = (data.get("timer") or {}).get("duration") or 0
        return h["t.timer.start"].format(minutes=f"{seconds / 60:g}")
    if kind == "board.lock":
        state = "lock" if data.get("locked") else "unlock"
        if data.get("domain_id") is not None:
            name = names["domain"](data["domain_id"])
            return h[f"t.{state}.domain"].format(name=name)
        if data.get("piece_id") is not None:
            return h[f"t.{state}.piece"].format(name=names["piece"](data["piece_id"]))
        return h[f"t.{state}.board"]
    if kind == "voting.open":
        voting = data.get("voting") or {}
        return h["t.voting.open"].format(round=voting.get("round"), votes=voting.get("votes"))
    if kind == "spotlight.set":
        spot = data.get("spotlight") or {}
        if spot.get("piece_id") is not None:
            return h["t.spotlight.piece"].format(name=names["piece"](spot["piece_id"]))
        if spot.get("domain_id") is not None:
            return h["t.spotlight.domain"].format(name=names["domain"](spot["domain_id"]))
        return h["t.spotlight.clear"]
    if kind == "moderation.set":
        return h["t.moderation.on" if data.get("moderation") else "t.moderation.off"]
    return h.get(f"t.{kind}", kind)


def report_document(workshop: Workshop, lang: str = "pl") -> ReportDocument:
    """The report of `build_report` laid out as a document in Polish or English."""
    report = build_report(workshop)
    h = REPORT_HEADINGS[lang]
    board = snapshot(workshop, online=set())
    with force_locale(lang):
        phase_names = {p["key"]: p["name"] for p in phases.described(workshop)}
        for key in report["per_phase"]:
            phase_names.setdefault(key, phases.phase_name(key))
    domains = {d["id"]: d["name"] for d in board["domains"]}
    pieces = {p["id"]: p for p in board["pieces"]}

    def piece_name(piece_id: int) -> str:
        piece = pieces.get(piece_id)
        return f"{piece['code']} „{piece['title']}”" if piece else f"#{piece_id}"

    names = {
        "phase": lambda key: phase_names.get(key, key),
        "domain": lambda ident: domains.get(ident, f"#{ident}"),
        "piece": piece_name,
    }
    w = report["workshop"]
    lines = []
    if w.get("created_at"):
        day = datetime.fromisoformat(w["created_at"]).date()
        lines.append(h["date"].format(date=format_date(day, "long", locale=_locale(lang))))
    lines.append(h["privacy"])

    sections = [Section(h["participation"])]
    groups = [[g["name"], str(g["participants"]), str(g["created"])] for g in report["groups"]]
    sections.append(
        Section(
            h["groups"],
            2,
            [] if groups else [h["no_groups"]],
            Table(
                h["groups"],
                [h["group"], h["people"], h["created_by_group"]],
                groups,
                [5, 2, 2],
                [h["total"], *(str(sum(int(r[i]) for r in groups)) for i in (1, 2))],
            )
            if groups
            else None,
        )
    )
    sections.append(Section(h["gminas"], 2, [", ".join(report["gminas"]) or h["no_gminas"]]))
    involved = [[b["name"], str(b["lead"]), str(b["partner"])] for b in report["involved"]]
    sections.append(
        Section(
            h["involved"],
            2,
            [] if involved else [h["nobody_involved"]],
            Table(h["involved"], [h["body"], h["as_lead"], h["as_partner"]], involved, [5, 2, 2])
            if involved
            else None,
        )
    )
    order = [p for p in phase_names if p in report["per_phase"]]
    rows = [
        [names["phase"](key), *(str(report["per_phase"][key][c]) for c in _COUNTS)] for key in order
    ]
    totals = [str(sum(report["per_phase"][k][c] for k in order)) for c in _COUNTS]
    sections.append(
        Section(
            h["phases"],
            1,
            [] if rows else [h["no_activity"]],
            Table(
                h["phases"],
                [h["phase"], h["created"], h["moved"], h["voted"]],
                rows,
                [4, 2, 2, 2],
                [h["total"], *totals],
            )
            if rows
            else None,
        )
    )
    voting = report["voting"]
    paragraphs: list[str] = []
    table = None
    if not voting:
        paragraphs.append(h["no_voting"])
    else:
        state = "revealed" if voting.get("revealed") else "open" if voting.get("open") else "closed"
        paragraphs.append(
            h["voting_round"].format(
                round=voting.get("round"),
                votes=voting.get("votes"),
                per=h[f"per.{voting.get('per', 'participant')}"],
                state=h[f"state.{state}"],
            )
        )
        if report["results"] and voting.get("revealed"):
            table = Table(
                h["voting"],
                [h["rank"], h["code"], h["action"], h["votes"]],
                [
                    [str(n), r["code"], r["title"], str(r["votes"])]
                    for n, r in enumerate(report["results"], start=1)
                ],
                [1, 2, 6, 1],
            )
        else:
            paragraphs.append(h["no_results"])
    sections.append(Section(h["voting"], 1, paragraphs, table))
    timeline = [[_when(e["at"], lang), _happened(e, h, names)] for e in report["timeline"]]
    sections.append(
        Section(
            h["timeline"],
            1,
            [] if timeline else [h["no_timeline"]],
            Table(h["timeline"], [h["time"], h["what"]], timeline, [2, 6]) if timeline else None,
        )
    )
    return ReportDocument(
        lang=lang,
        title=h["title"],
        subtitle=h["subtitle"].format(title=w["title"], year=w["year"]),
        lines=lines,
        sections=sections,
    )


_COUNTS = ("created", "moved", "voted")
