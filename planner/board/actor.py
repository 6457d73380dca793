"""Who is acting: a staff member or a participant of one workshop."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    role: str  # "staff" or "participant"
    id: int
    name: str
    group_id: int | None = None
    workshop_id: int | None = None  # a participant's own workshop; None for staff

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"

    def may_see(self, workshop_id: int) -> bool:
        return self.is_staff or self.workshop_id == workshop_id

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "group_id": self.group_id, "role": self.role}
