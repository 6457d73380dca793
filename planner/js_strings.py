"""Strings the browser code shows (placeholder until the front end lands)."""


def js_strings() -> dict[str, str]:
    return {}
