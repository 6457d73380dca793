"""Typed errors of the board rules; adapters turn them into the wire error shape."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

HTTP_STATUS = {
    "validation_error": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "locked": 423,
    "rate_limited": 429,
}


class BoardError(Exception):
    """A refused request: nothing was changed."""

    def __init__(self, code: str, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields = fields

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.code]

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}

    @classmethod
    def from_validation(cls, exc: ValidationError, message: str) -> BoardError:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return cls("validation_error", message, messages)
