"""No traceback reaches a planner, and a bad Tianditu token never takes the page down.

An unexpected failure in one part of the page shows a short bilingual message with an error id,
keeps the sidebar and the other parts, and logs the details (with the same id) on the server. Any
failure of reading an upload is a message too, never a traceback. A malformed ``TIANDITU_TOKEN``
switches the Tianditu basemaps off with a message; a token pasted on the page is used for this
session only and never logged.
"""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP

import ui.cache
import ui.wizard
from ui.words import say

ROOT = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("fresh_caches")


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def error_id(at: AppTest) -> str:
    texts = " ".join(e.value for e in at.error)
    found = re.search(r"(?:错误编号|error id) ([0-9a-f]{8})", texts)
    assert found, texts
    return found.group(1)


def test_the_committed_config_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] is False


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_failing_section_shows_a_message_with_an_id_and_keeps_the_page(monkeypatch, caplog, lang):
    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail /srv/secret/path")

    monkeypatch.setattr(ui.cache, "check_quality", broken)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    run(at)
    with caplog.at_level(logging.ERROR, logger="xuhui_carriers.page"):
        at.radio(key=f"section@{lang}").set_value("quality")
        run(at)
    shown = " ".join(e.value for e in at.error)
    assert "secret" not in shown
    assert "RuntimeError" not in shown
    assert "Traceback" not in shown
    assert ("错误编号" in shown) if lang == "zh" else ("error id" in shown)
    the_id = error_id(at)
    logged = [r for r in caplog.records if the_id in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert len(at.sidebar.radio) >= 2  # the sidebar is still there
    assert at.metric  # and the headline


def test_a_failing_map_keeps_the_sidebar_and_the_numbers(monkeypatch):
    import layers  # noqa: PLC0415

    def broken(**_kwargs):
        raise ValueError("no map today")

    monkeypatch.setattr(layers, "build_map", broken)
    at = run(AppTest.from_file(APP, default_timeout=120))
    assert error_id(at)
    assert at.sidebar.checkbox  # layer switches still there
    assert len(at.dataframe) == 2  # the summary (and its indicators) still shown


@pytest.mark.parametrize(
    ("failure", "why"),
    [
        (LookupError("unknown encoding: rot13"), "why_encoding"),
        (MemoryError(), "why_memory"),
        (OSError("disk"), "why_os"),
        (RuntimeError("worker crashed"), "why_other"),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_any_failure_of_reading_an_upload_is_a_message(monkeypatch, caplog, failure, why, lang):
    def broken(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(ui.wizard.reader, "inspect", broken)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["section"] = "import"
    run(at)
    with caplog.at_level(logging.ERROR, logger="xuhui_carriers.page"):
        at.file_uploader(key="upload_file").set_value(("x.geojson", b"{}", "application/json"))
        run(at)
    message = " ".join(e.value for e in at.error)
    assert say(why, lang).strip().rstrip(".。").replace(".", "\\.")[:6] in message
    assert str(failure) not in message or not str(failure)
    assert any(error_id(at) in r.getMessage() for r in caplog.records)


def test_a_malformed_token_in_the_environment_disables_tianditu_with_a_message(monkeypatch):
    monkeypatch.setenv("TIANDITU_TOKEN", "not a token; <script>")
    at = run(AppTest.from_file(APP, default_timeout=120))
    assert any(say("token_where_env", "zh") in w.value for w in at.sidebar.warning)
    basemaps = at.sidebar.selectbox(key="basemap@zh").options
    assert not any("天地图" in b for b in basemaps)
    assert at.title  # the page is there


def test_a_pasted_token_offers_tianditu_for_this_session_and_is_never_logged(monkeypatch, caplog):
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    token = "abcdef0123456789abcdef0123456789"  # noqa: S105 - a made-up key
    with caplog.at_level(logging.DEBUG):
        at = run(AppTest.from_file(APP, default_timeout=120))
        at.sidebar.text_input(key="tianditu_pasted").input(token)
        run(at)
        assert at.sidebar.text_input(key="tianditu_pasted").proto.type == 1  # PASSWORD: masked
        assert any("天地图" in b for b in at.sidebar.selectbox(key="basemap@zh").options)
        at.sidebar.selectbox(key="basemap@zh").set_value("tianditu_vec")
        run(at)
        assert at.session_state["basemap"] == "tianditu_vec"
        other = run(AppTest.from_file(APP, default_timeout=120))  # another session has no Tianditu
        assert not any("天地图" in b for b in other.sidebar.selectbox(key="basemap@zh").options)
    assert all(token not in r.getMessage() for r in caplog.records)


def test_a_malformed_pasted_token_is_refused_with_a_message(monkeypatch):
    monkeypatch.delenv("TIANDITU_TOKEN", raising=False)
    at = run(AppTest.from_file(APP, default_timeout=120))
    at.sidebar.text_input(key="tianditu_pasted").input("bad token!")
    run(at)
    assert any(say("token_where_page", "zh") in w.value for w in at.sidebar.warning)
    assert not at.error


def test_a_failure_while_using_the_staged_data_is_a_message_with_an_id(monkeypatch, caplog):
    """ "Use in this session" runs as a callback, outside the page's guards: it must not leak a traceback."""
    from test_app_upload import other_district, upload  # noqa: PLC0415

    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail")

    _carrier_bytes, zone_bytes = other_district()
    at = run(AppTest.from_file(APP, default_timeout=120))
    upload(at, "zones", "zones.geojson", zone_bytes)
    monkeypatch.setattr(ui.wizard, "with_layers", broken)
    with caplog.at_level(logging.ERROR, logger="xuhui_carriers.page"):
        at.button(key="apply_upload").click()
        run(at)
    assert "internal detail" not in " ".join(e.value for e in at.error)
    assert any(error_id(at) in r.getMessage() for r in caplog.records)
    at.session_state["lang"] = "en"  # the message follows the language, with the same id
    the_id = error_id(at)
    run(at)
    assert error_id(at) == the_id
