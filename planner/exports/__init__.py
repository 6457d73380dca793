"""The draft annual programme, built from board snapshots; every export format renders this.

Exports read the board only through `planner.board.snapshot` (the serialised wire shape), so all
formats agree with each other and with the screen. Participants' names never enter a Programme:
`participants` of the snapshot is not read, and a piece's origin is its group's name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from planner.board import snapshot
from planner.models import Workshop

LANGUAGES = ("pl", "en")
FORMATS = ("docx", "xlsx", "csv", "json", "html")
QUARTERS = ("I", "II", "III", "IV")
ASSOCIATION = "Stowarzyszenie Metropolia Krakowska"

# Formula injection (CWE-1236): a spreadsheet evaluates a text cell that starts with one of these.
# A text that already starts with the apostrophe before one of them gets another, so importing an
# export strips exactly one apostrophe and gives back the original text.
_RISKY = re.compile(r"^'*[=+\-@\t\r]")

# Document headings per language. This is document content chosen per export (?lang=), not UI
# text, so it lives here rather than in the gettext catalog.
HEADINGS: dict[str, dict[str, str]] = {
    "pl": {
        "association": ASSOCIATION,
        "title": "Roczny Program Prac na rok {year} — projekt",
        "workshop": "Warsztat",
        "workshops": "Warsztaty",
        "workshop_line": "{title}, {date}",
        "prepared": "Projekt przygotowany na podstawie warsztatu „#PoukładajMY_razem_Metropolię!”.",
        "toc": "Spis treści",
        "toc_hint": "Aby uaktualnić numery stron, kliknij spis prawym przyciskiem "
        "i wybierz „Aktualizuj pole”.",
        "chapter": "{n}. {name}",
        "chapter_summary": "Liczba działań: {count}; szacunkowy koszt: {cost}.",
        "no_actions": "W tej dziedzinie nie ma działań.",
        "code": "Kod",
        "title_field": "Nazwa działania",
        "description": "Opis, zakres rzeczowy",
        "domain": "Dziedzina współpracy",
        "objective": "Cel / kierunek działań",
        "lead": "Lider (podmiot odpowiedzialny)",
        "partners": "Partnerzy",
        "quarters": "Termin realizacji (kwartały)",
        "cost": "Szacunkowy koszt (zł)",
        "funding": "Źródło finansowania",
        "result": "Oczekiwany rezultat",
        "indicator": "Wskaźnik",
        "votes": "Głosy",
        "status": "Status",
        "origin": "Źródło (grupa)",
        "position": "Kolejność",
        "duplicate": "Powtórzony kod",
        "duplicate_note": "Uwaga: ten kod występuje w więcej niż jednym warsztacie.",
        "duplicates": "Kody występujące w kilku warsztatach",
        "summaries": "Zestawienia",
        "per_domain": "Działania i koszt według dziedzin",
        "actions": "Liczba działań",
        "total": "Razem",
        "matrix": "Zaangażowanie gmin w dziedzinach współpracy",
        "matrix_note": "Liczba działań, w których gmina lub podmiot jest liderem lub partnerem.",
        "body": "Gmina / podmiot",
        "timeline": "Harmonogram kwartalny",
        "timeline_note": "Liczba działań realizowanych w danym kwartale.",
        "timeline_actions": "Harmonogram działań",
        "no_timing": "Bez terminu",
        "appendix": "Załącznik: elementy poza programem",
        "appendix_note": "Elementy pozostawione w zasobniku; nie wchodzą do programu.",
        "nothing_left": "Wszystkie elementy zostały włączone do programu.",
        "sheet_actions": "Działania",
        "sheet_summary": "Zestawienia",
        "sheet_tray": "Poza programem",
        "yes": "tak",
        "none": "—",
        "currency": "zł",
        "status.proposed": "zgłoszone",
        "status.accepted": "przyjęte",
        "status.in_programme": "w programie",
        "status.in_progress": "w realizacji",
        "status.done": "zrealizowane",
    },
    "en": {
        "association": ASSOCIATION,
        "title": "Annual Programme of Work for {year} — draft",
        "workshop": "Workshop",
        "workshops": "Workshops",
        "workshop_line": "{title}, {date}",
        "prepared": "Draft prepared from the workshop “#PoukładajMY_razem_Metropolię!”.",
        "toc": "Contents",
        "toc_hint": "To update the page numbers, right-click the contents and choose "
        "“Update field”.",
        "chapter": "{n}. {name}",
        "chapter_summary": "Actions: {count}; estimated cost: {cost}.",
        "no_actions": "There are no actions in this domain.",
        "code": "Code",
        "title_field": "Title of the action",
        "description": "Description, scope",
        "domain": "Domain of cooperation",
        "objective": "Objective",
        "lead": "Lead (responsible body)",
        "partners": "Partners",
        "quarters": "Timing (quarters)",
        "cost": "Estimated cost (PLN)",
        "funding": "Funding",
        "result": "Expected result",
        "indicator": "Indicator",
        "votes": "Votes",
        "status": "Status",
        "origin": "Origin (group)",
        "position": "Order",
        "duplicate": "Repeated code",
        "duplicate_note": "Note: this code appears in more than one workshop.",
        "duplicates": "Codes found in several workshops",
        "summaries": "Summary tables",
        "per_domain": "Actions and cost per domain",
        "actions": "Actions",
        "total": "Total",
        "matrix": "Involvement of the gminas per domain",
        "matrix_note": "Number of actions in which the gmina or body is the lead or a partner.",
        "body": "Gmina / body",
        "timeline": "Quarter-by-quarter timeline",
        "timeline_note": "Number of actions carried out in each quarter.",
        "timeline_actions": "Timeline of the actions",
        "no_timing": "No timing",
        "appendix": "Appendix: pieces not included",
        "appendix_note": "Pieces left in the tray; they are not part of the programme.",
        "nothing_left": "Every piece was included in the programme.",
        "sheet_actions": "Actions",
        "sheet_summary": "Summary",
        "sheet_tray": "Not included",
        "yes": "yes",
        "none": "—",
        "currency": "PLN",
        "status.proposed": "proposed",
        "status.accepted": "accepted",
        "status.in_programme": "in the programme",
        "status.in_progress": "in progress",
        "status.done": "done",
    },
}

# The columns of the tabular exports, in order: (field, heading key). The import understands
# every one of these headings in both languages, so an exported sheet can be imported back.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "code"),
    ("title", "title_field"),
    ("description", "description"),
    ("domain", "domain"),
    ("objective", "objective"),
    ("lead", "lead"),
    ("partners", "partners"),
    ("quarters", "quarters"),
    ("cost_pln", "cost"),
    ("funding", "funding"),
    ("result", "result"),
    ("indicator", "indicator"),
    ("votes", "votes"),
    ("status", "status"),
    ("origin", "origin"),
)

# Keys of a comment that could name or single out a participant; they never reach an export.
_PERSONAL_KEYS = frozenset(
    {"author", "author_name", "name", "participant", "participant_id", "participant_name"}
)


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a text a spreadsheet would take for a formula."""
    return "'" + text if _RISKY.match(text) else text


def quarters_text(quarters: list[int]) -> str:
    return ", ".join(QUARTERS[q - 1] for q in sorted(quarters))


def money(value: Decimal | None, lang: str, *, unit: bool = True) -> str:
    """Polish (1 234,50 zł) or English (1,234.50 PLN) money formatting."""
    if value is None:
        return HEADINGS[lang]["none"]
    text = format_decimal(value, format="#,##0.00", locale="pl_PL" if lang == "pl" else "en_GB")
    return f"{text}\u00a0{HEADINGS[lang]['currency']}" if unit else text


def integer(value: int, lang: str) -> str:
    return format_decimal(value, format="#,##0", locale="pl_PL" if lang == "pl" else "en_GB")


def public_comment(comment: Any) -> Any:
    """A comment without anything that could name a participant (its group stays)."""
    if not isinstance(comment, dict):
        return comment
    return {k: v for k, v in comment.items() if k not in _PERSONAL_KEYS}


def workshop_snapshot(workshop: Workshop) -> dict[str, Any]:
    """The board as every client sees it, minus the people in it."""
    board = snapshot(workshop, online=set())
    board.pop("participants", None)
    return board


@dataclass
class Action:
    """One piece as a row of the programme."""

    id: int
    code: str
    title: str
    description: str | None
    domain: str | None
    domain_key: str | None
    objective: str | None
    lead: str | None
    partners: list[str]
    quarters: list[int]
    cost: Decimal | None
    funding: str | None
    result: str | None
    indicator: str | None
    votes: int
    status: str
    origin: str | None
    workshop_id: int
    workshop_title: str
    duplicate: bool = False

    def value(self, name: str) -> Any:
        """A column's typed value (domain names, the group's name as origin)."""
        if name == "cost_pln":
            return self.cost
        return getattr(self, name)


@dataclass
class Chapter:
    """A domain with its actions in board order."""

    key: str
    name: str
    color: str
    actions: list[Action] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        return sum((a.cost for a in self.actions if a.cost is not None), Decimal("0.00"))


@dataclass
class Programme:
    """The draft programme of one workshop, or several workshops of one year combined."""

    lang: str
    year: int
    workshops: list[dict[str, Any]]
    chapters: list[Chapter]
    tray: list[Action]
    bodies: list[str]  # the partner list (the gminas), for the involvement matrix
    duplicates: list[str]

    def h(self, key: str, **params: Any) -> str:
        """A document heading in the programme's language."""
        text = HEADINGS[self.lang][key]
        return text.format(**params) if params else text

    @property
    def title(self) -> str:
        return self.h("title", year=self.year)

    @property
    def combined(self) -> bool:
        return len(self.workshops) > 1

    @property
    def actions(self) -> list[Action]:
        return [a for chapter in self.chapters for a in chapter.actions]

    @property
    def total_cost(self) -> Decimal:
        return sum((c.cost for c in self.chapters), Decimal("0.00"))

    def status(self, status: str) -> str:
        return HEADINGS[self.lang].get(f"status.{status}", status)

    def money(self, value: Decimal | None, *, unit: bool = True) -> str:
        return money(value, self.lang, unit=unit)

    def integer(self, value: int) -> str:
        return integer(value, self.lang)

    def workshop_lines(self) -> list[str]:
        return [self.h("workshop_line", title=w["title"], date=w["date"]) for w in self.workshops]

    def cell_text(self, action: Action, name: str) -> str:
        """A column as display text (documents and CSV share it)."""
        value = action.value(name)
        if name == "partners":
            return "; ".join(value)
        if name == "quarters":
            return quarters_text(value)
        if name == "cost_pln":
            return "" if value is None else f"{value:.2f}"
        if name == "votes":
            return str(value)
        return value or ""

    def per_domain(self) -> list[tuple[str, int, Decimal]]:
        return [(c.name, len(c.actions), c.cost) for c in self.chapters]

    def matrix(self) -> list[tuple[str, list[int]]]:
        """Per gmina or body: in how many actions of each domain it is the lead or a partner."""
        counts: dict[str, Counter[int]] = {}
        for index, chapter in enumerate(self.chapters):
            for action in chapter.actions:
                for body in {action.lead, *action.partners} - {None, ""}:
                    counts.setdefault(body, Counter())[index] += 1  # type: ignore[arg-type]
        others = sorted(set(counts) - set(self.bodies), key=str.casefold)
        return [
            (body, [counts.get(body, Counter())[i] for i in range(len(self.chapters))])
            for body in [*self.bodies, *others]
        ]

    def timeline(self) -> list[tuple[str, list[int]]]:
        """Per domain: how many actions run in each quarter, and how many have no timing."""
        rows = []
        for chapter in self.chapters:
            per = [sum(1 for a in chapter.actions if q in a.quarters) for q in (1, 2, 3, 4)]
            per.append(sum(1 for a in chapter.actions if not a.quarters))
            rows.append((chapter.name, per))
        return rows


def _date(value: str | None, lang: str) -> str:
    if not value:
        return ""
    day: date = datetime.fromisoformat(value).date()
    return format_date(day, format="long", locale="pl_PL" if lang == "pl" else "en_GB")


def _action(piece: dict[str, Any], board: dict[str, Any], domains: dict, groups: dict) -> Action:
    domain = domains.get(piece["domain_id"])
    cost = piece.get("cost_pln")
    return Action(
        id=piece["id"],
        code=piece["code"],
        title=piece["title"],
        description=piece.get("description"),
        domain=domain["name"] if domain else None,
        domain_key=domain["key"] if domain else None,
        objective=piece.get("objective"),
        lead=piece.get("lead"),
        partners=list(piece.get("partners") or []),
        quarters=list(piece.get("quarters") or []),
        cost=None if cost is None else Decimal(str(cost)).quantize(Decimal("0.01")),
        funding=piece.get("funding"),
        result=piece.get("result"),
        indicator=piece.get("indicator"),
        votes=int(piece.get("votes") or 0),
        status=piece.get("status") or "proposed",
        origin=groups.get(piece.get("group_id")),
        workshop_id=board["workshop"]["id"],
        workshop_title=board["workshop"]["title"],
    )


def build(boards: list[dict[str, Any]], lang: str = "pl") -> Programme:
    """The programme of one or several snapshots: domains merged by key, in first-seen order."""
    if lang not in LANGUAGES:
        raise ValueError(lang)
    chapters: dict[str, Chapter] = {}
    tray: list[Action] = []
    bodies: list[str] = []
    for board in boards:
        domains = {d["id"]: d for d in board["domains"]}
        groups = {g["id"]: g["name"] for g in board["groups"]}
        for domain in board["domains"]:
            if (domain["key"] or domain["name"]) not in chapters:
                chapter = Chapter(domain["key"], domain["name"], domain["color"])
                chapters[domain["key"] or domain["name"]] = chapter
        for partner in board.get("partners", []):
            if partner["name"] not in bodies:
                bodies.append(partner["name"])
        # The snapshot lists pieces by zone; the domain order of the board decides the chapters.
        order = {d["id"]: d["position"] for d in board["domains"]}
        placed = sorted(
            (p for p in board["pieces"] if p["domain_id"] is not None),
            key=lambda p: (order[p["domain_id"]], p["position"]),
        )
        for piece in placed:
            domain = domains[piece["domain_id"]]
            action = _action(piece, board, domains, groups)
            chapters[domain["key"] or domain["name"]].actions.append(action)
        loose = sorted((p for p in board["pieces"] if p["domain_id"] is None), key=_position)
        tray.extend(_action(p, board, domains, groups) for p in loose)
    programme = Programme(
        lang=lang,
        year=boards[0]["workshop"]["year"],
        workshops=[
            {
                "id": b["workshop"]["id"],
                "title": b["workshop"]["title"],
                "date": _date(b["workshop"].get("created_at"), lang),
            }
            for b in boards
        ],
        chapters=list(chapters.values()),
        tray=tray,
        bodies=bodies,
        duplicates=[],
    )
    if len(boards) > 1:
        seen: dict[str, set[int]] = {}
        for action in programme.actions:
            seen.setdefault(action.code, set()).add(action.workshop_id)
        programme.duplicates = sorted(code for code, where in seen.items() if len(where) > 1)
        repeated = set(programme.duplicates)
        for action in programme.actions:
            action.duplicate = action.code in repeated
    return programme


def _position(piece: dict[str, Any]) -> int:
    return piece["position"]


def for_workshops(workshops: list[Workshop], lang: str = "pl") -> Programme:
    return build([workshop_snapshot(w) for w in workshops], lang)
