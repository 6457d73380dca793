"""A board worth exporting: pieces on several domains and in the tray, one made by a group."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Room

SECRET_NAME = "Zofia Tajemnicza"


class Board:
    """The room plus what was put on it, and an HTTP client signed in as staff."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.http = room.app.test_client()
        self.headers = {"Authorization": f"Bearer {room.staff_token}"}
        domains = {d["key"]: d["id"] for d in room.domains}
        self.domains = domains
        zofia = room.participant(SECRET_NAME, group=0)
        self.group_piece = room.create(
            zofia, "Wspólny bilet aglomeracyjny", domain_id=domains["mobilnosc"]
        )
        room.create(
            title="Rowerowa pętla metropolitalna",
            code="MOB-02",
            domain_id=domains["mobilnosc"],
            description="Trasa łącząca gminy.\nDruga linia opisu.",
            lead="Kraków",
            partners=["Wieliczka", "Skawina", "Biuro SMK"],
            quarters=[2, 3],
            cost_pln=1234567.5,
            funding="fundusze UE (FEM 2021–2027)",
            result="Projekt trasy",
            indicator="km trasy: 40",
        )
        room.create(
            title="Otwarte dane gmin",
            code="ZAR-01",
            domain_id=domains["zarzadzanie"],
            lead="Biuro SMK",
            partners=["Kraków"],
            quarters=[1],
            cost_pln=20000,
        )
        # Placed at the front: board order is position order, not creation order.
        room.create(
            title="Portal partycypacji <script>alert(1)</script>",
            code="ZAR-02",
            domain_id=domains["zarzadzanie"],
            position=0,
            objective="Partycypacja społeczna",
            cost_pln=500.25,
            quarters=[1, 2, 3, 4],
        )
        room.create(title='=HYPERLINK("http://evil")', code="NEW-01", description="@SUM(A1)")
        room.create(title="Pomysł w zasobniku", code="NEW-02", lead="+48 Zielonki")

    def get(self, url: str, **kw: Any):
        return self.http.get(url, headers=self.headers, **kw)

    def export(self, fmt: str, lang: str = "pl"):
        response = self.get(f"/api/workshops/{self.room.id}/export/{fmt}?lang={lang}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    def placed(self) -> list[tuple[str, list[str]]]:
        """(domain name, codes in board order) for every domain, as the screen shows them."""
        board = self.room.snapshot()
        by_id = {p["id"]: p for p in board["pieces"]}
        zones = self.room.zones()
        return [
            (d["name"], [by_id[i]["code"] for i in zones.get(d["id"], [])])
            for d in board["domains"]
        ]

    def tray(self) -> list[str]:
        board = self.room.snapshot()
        by_id = {p["id"]: p for p in board["pieces"]}
        return [by_id[i]["code"] for i in self.room.zones().get(None, [])]


@pytest.fixture
def board(room: Room) -> Board:
    return Board(room)
