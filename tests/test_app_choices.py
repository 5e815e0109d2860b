"""Every choice on the page survives a language switch: held as a code, shown through its label.

Streamlit 1.67 sends a radio's or a select box's label back from the browser, not its value; the page
used to read '申报' as a membership mode after a switch to English (``ValueError: unknown membership
mode``) or reset the grouping and section silently. AppTest sends the labels of the current run, so it
cannot reproduce the browser's stale label (``test_browser_choices.py`` does, and failed before the
fix); these tests check the page's own bookkeeping in every order of switches and choices: each
choice is kept under its code, and each widget shows the kept code. Widgets are found by their label,
the way a user finds them.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP

import layers
from ui.words import say

OTHER = {"zh": "en", "en": "zh"}


pytestmark = pytest.mark.usefixtures("fresh_caches")


def ran(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def widget(at: AppTest, kind: str, label: str):
    """The widget of ``kind`` ("radio", "selectbox", "checkbox") labelled ``label``."""
    found = [w for w in getattr(at, kind) if w.label == label]
    assert len(found) == 1, f"one {kind} labelled {label!r}, found {[w.label for w in getattr(at, kind)]}"
    return found[0]


def switch_language(at: AppTest, lang: str) -> AppTest:
    widget(at, "radio", say("language", "zh")).set_value(lang)
    return ran(at)


#: (widget kind, its label's text key, the code to choose, the session key holding the code)
STEPS = [
    ("radio", "grouping", "belt", "by"),
    ("radio", "mode", "largest", "mode"),
    ("selectbox", "basemap", "none", "basemap"),
    ("checkbox", None, False, "layer_carriers"),
    ("checkbox", "buildout", False, "buildout"),
    ("radio", "section", "carriers", "section"),
    ("radio", "section", "quality", "section"),
    ("radio", "section", "sources", "section"),
    ("radio", "section", "downloads", "section"),
    ("radio", "section", "import", "section"),
    ("radio", "grouping", "status", "by"),
]


def _label(text_key: str | None, lang: str) -> str:
    return layers.layer_label("carriers", lang) if text_key is None else say(text_key, lang)


@pytest.mark.parametrize("first", ["zh", "en"])
def test_switching_language_then_choosing_anything_keeps_every_choice(first):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = first
    ran(at)
    lang = OTHER[first]
    switch_language(at, lang)
    chosen: dict[str, object] = {}
    for kind, text_key, code, state_key in STEPS:
        target = widget(at, kind, _label(text_key, lang))
        if kind == "checkbox":
            target.check() if code else target.uncheck()
        else:
            target.set_value(code)
        ran(at)
        chosen[state_key] = code
        for key, value in chosen.items():  # nothing chosen before was lost
            assert at.session_state[key] == value, (kind, text_key, key)
        # and once more in the first language, then back: still every choice
        switch_language(at, first)
        switch_language(at, lang)
        for key, value in chosen.items():
            assert at.session_state[key] == value, ("after switching back and forth", key)
    # what the widgets show is the kept choice, in the page's language
    assert widget(at, "radio", say("grouping", lang)).value == "status"
    assert widget(at, "selectbox", say("basemap", lang)).value == "none"
    assert widget(at, "radio", say("section", lang)).value == "import"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_membership_mode_chosen_before_the_switch_counts_after_it(lang):
    """The reported crash: 发展带 clicked after switching, with a mode chosen in the other language."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    ran(at)
    widget(at, "radio", say("mode", lang)).set_value("area")
    ran(at)
    switch_language(at, OTHER[lang])
    widget(at, "radio", say("grouping", OTHER[lang])).set_value("belt")
    ran(at)
    assert at.session_state["mode"] == "area"
    assert at.session_state["by"] == "belt"
    assert widget(at, "radio", say("mode", OTHER[lang])).value == "area"
