"""The map-first rule of the page (ui.first_paint): when a run sends the map alone, and what ends it.

The browser side (the map drawn alone, its report, the timer) is in test_browser_first_paint.py.
"""

from __future__ import annotations

import doctest
import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import first_paint
from ui.first_paint import DRAWN_KEY, REPORT, map_alone, note_report, returned_objects, wait_seconds

APP = str(Path(__file__).resolve().parent.parent / "app.py")
BROWSER = {"Host": "127.0.0.1:8501", "User-Agent": "Mozilla/5.0"}


def test_the_examples_hold() -> None:
    result = doctest.testmod(first_paint, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted
    assert not result.failed


def test_only_a_browsers_first_runs_send_the_map_alone() -> None:
    assert map_alone({}, headers=BROWSER)
    assert map_alone({DRAWN_KEY: False}, headers=BROWSER)
    assert not map_alone({DRAWN_KEY: True}, headers=BROWSER)  # drawn once: every later run is whole
    assert not map_alone({}, headers={})  # no browser (AppTest): nothing would report, so no waiting


def test_the_report_is_asked_for_only_while_the_map_is_alone() -> None:
    drawing = ["last_active_drawing", "all_drawings"]
    assert returned_objects(drawing, alone=True) == [*drawing, REPORT]
    assert returned_objects(drawing, alone=False) == drawing
    assert returned_objects([], alone=False) == []  # no value back, so no rerun on a pan or zoom
    assert returned_objects([REPORT], alone=True) == [REPORT]


@pytest.mark.parametrize("returned", [None, {}, {REPORT: None}, [], "selected_layers"])
def test_python_defaults_are_not_a_report(returned: object) -> None:
    state: dict[str, object] = {}
    assert not note_report(returned, state)
    assert DRAWN_KEY not in state


def test_the_browsers_value_is_a_report_and_it_is_kept() -> None:
    state: dict[str, object] = {}
    assert note_report({REPORT: [], "all_drawings": None}, state)
    assert note_report({}, state)  # a later run without the value: still drawn
    assert state == {DRAWN_KEY: True}


@pytest.mark.parametrize(("value", "expected"), [("2", 2.0), ("0", 4.0), ("-1", 4.0), ("nan", 4.0), ("inf", 4.0)])
def test_the_wait_is_positive_and_finite(value: str, expected: float) -> None:
    assert wait_seconds({first_paint.WAIT_ENV: value}) == expected
    assert wait_seconds({}) == 4.0


def test_without_a_browser_the_first_run_draws_the_whole_page() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert [radio.label for radio in at.sidebar.radio][:1] == ["语言 Language"]
    assert len(at.dataframe) >= 1  # the summary section
    assert DRAWN_KEY not in at.session_state  # nothing waited for a report
