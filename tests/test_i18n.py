"""Every string shown to people has a Polish and an English translation."""

from __future__ import annotations

from planner.i18n import LANGUAGES, extract, read_catalog


def test_every_source_string_is_translated_in_every_catalog():
    source = {message.id for message in extract() if message.id}
    for language in LANGUAGES:
        catalog = read_catalog(language)
        missing = sorted(
            str(msgid)
            for msgid in source
            if not (entry := catalog.get(msgid)) or not entry.string or entry.fuzzy
        )
        assert not missing, f"{language}: {len(missing)} untranslated: {missing[:20]}"


def test_the_ui_speaks_polish_by_default_and_english_on_request(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path)  # no app context kept open: each request picks its own language
    client = app.test_client()
    assert 'lang="pl"' in client.get("/").get_data(as_text=True)
    client.get("/lang/en")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    error = client.post("/api/login", json={"username": "x", "password": "y"}).get_json()
    assert error["error"]["message"] == "Wrong user name or password."
    polish = app.test_client().post("/api/login", json={"username": "x", "password": "y"})
    assert polish.get_json()["error"]["message"] != "Wrong user name or password."
