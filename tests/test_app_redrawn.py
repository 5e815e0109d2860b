"""A widget the browser draws anew shows the kept choice, not its default.

Streamlit sends a widget's value to the browser only in a run that assigned it; otherwise the
browser keeps the value it holds, and a widget it creates anew, holding no value, starts from the
widget's default as the run's element gives it (``element.value`` when ``set_value``, else
``element.default``). On a busy page the browser did create the sidebar's boxes anew without their
values: every layer box showed unchecked, the next click sent them all back unchecked, and the map
went blank (``test_browser_sessions.py`` failed this way under load). These tests read what every run
tells the browser and check that a widget drawn anew from it shows the kept choice, after choices in
either language and after runs that changed nothing of the widget's.
"""

from __future__ import annotations

import corpus
import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP
from test_app_choices import OTHER, ran, switch_language, widget
from test_app_upload import upload

import layers
from ui.words import say

pytestmark = pytest.mark.usefixtures("fresh_caches")


def drawn_anew(element: object) -> object:
    """What a browser that holds no value for ``element`` shows: the run's value if it sent one, else the default."""
    proto = element.proto  # type: ignore[attr-defined]
    if proto.DESCRIPTOR.name == "Checkbox":
        return proto.value if proto.set_value else proto.default
    if proto.DESCRIPTOR.name == "Slider":
        return int((proto.value if proto.set_value else proto.default)[0])
    if proto.DESCRIPTOR.name == "MultiSelect":  # the labels shown
        return list(proto.raw_values) if proto.set_value else [proto.options[i] for i in proto.default]
    # Radios and select boxes: the label shown (the kept code's label is their default when not sent).
    return proto.raw_value if proto.set_value else proto.options[proto.default]


def sidebar_widgets(at: AppTest) -> list[object]:
    side = at.sidebar
    return [*side.checkbox, *side.slider, *side.radio, *side.selectbox]


def shown_value(element: object) -> object:
    """What the widget holds in this session, in the terms ``drawn_anew`` uses."""
    value = element.value  # type: ignore[attr-defined]
    if element.proto.DESCRIPTOR.name in {"Radio", "Selectbox"}:  # type: ignore[attr-defined]
        return element.format_func(value)  # type: ignore[attr-defined]
    return int(value) if element.proto.DESCRIPTOR.name == "Slider" else value  # type: ignore[attr-defined]


def assert_drawn_anew_as_kept(at: AppTest) -> None:
    for element in sidebar_widgets(at):
        assert drawn_anew(element) == shown_value(element), (element.label, element.key)  # type: ignore[attr-defined]


def test_every_sidebar_widget_drawn_anew_shows_its_choice_in_a_run_that_changed_nothing():
    at = ran(AppTest.from_file(APP, default_timeout=120))
    lang = "zh"
    widget(at, "checkbox", layers.layer_label("carriers", lang)).uncheck()
    widget(at, "checkbox", say("by_phase", lang)).check()
    widget(at, "checkbox", say("buildout", lang)).uncheck()
    ran(at)
    widget(at, "slider", say("year", lang)).set_value(2020)
    ran(at)
    # A run that changes none of them (another part of the page): the default-on layers, the
    # build-out box and the year are the ones a browser's default would get wrong.
    widget(at, "radio", say("grouping", lang)).set_value("belt")
    ran(at)
    assert at.session_state["layer_district_boundary"] is True
    assert_drawn_anew_as_kept(at)
    assert drawn_anew(widget(at, "checkbox", layers.layer_label("district_boundary", lang))) is True
    assert drawn_anew(widget(at, "checkbox", layers.layer_label("carriers", lang))) is False
    assert drawn_anew(widget(at, "slider", say("year", lang))) == 2020


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_after_a_language_switch_and_a_click_every_sidebar_widget_drawn_anew_shows_its_choice(lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    ran(at)
    widget(at, "checkbox", layers.layer_label("zones", lang)).uncheck()
    ran(at)
    switch_language(at, OTHER[lang])
    widget(at, "radio", say("mode", OTHER[lang])).set_value("largest")
    ran(at)
    assert_drawn_anew_as_kept(at)
    assert drawn_anew(widget(at, "checkbox", layers.layer_label("zones", OTHER[lang]))) is False
    assert drawn_anew(widget(at, "checkbox", layers.layer_label("carriers", OTHER[lang]))) is True


def test_the_suggested_axis_swap_of_an_upload_drawn_anew_stays_ticked():
    """The swap box starts ticked when the reader suggests it: a browser's default (unticked) would read
    the file with its axes the wrong way round after the next click."""
    at = ran(AppTest.from_file(APP, default_timeout=120))
    upload(at, "carriers", "s.geojson", corpus.build()["swapped-axes"].data)
    box = widget(at, "checkbox", say("swap", "zh"))
    assert box.value is True
    widget(at, "radio", say("grouping", "zh")).set_value("belt")  # a run that leaves the box alone
    ran(at)
    assert drawn_anew(widget(at, "checkbox", say("swap", "zh"))) is True


def _scenario_page() -> None:
    import streamlit as st  # noqa: PLC0415 - AppTest runs this function's body as the page

    from ui.scenarios import scenario_page  # noqa: PLC0415

    scenario_page(st.session_state.get("lang", "zh"), by="belt")


@pytest.mark.usefixtures("workspace")
def test_carriers_chosen_for_removal_drawn_anew_stay_chosen():
    """The removal list holds codes apart from its widget: a browser drawing it anew (no value of its own)
    must show the kept carriers, or the next click would send an empty list and drop them."""
    at = AppTest.from_function(_scenario_page, default_timeout=120)
    ran(at)
    at.text_input(key="scenario_who").input("lin")
    at.selectbox(key="scenario@zh").select("s")
    ran(at)
    removal = next(m for m in at.multiselect if m.key == "scenario_edit:s:remove@zh")
    removal.select("westbund_financial_city")  # no tranche names it: removable as it is
    ran(at)
    at.text_input(key="scenario_who").input("lin ")  # a run that leaves the list alone
    ran(at)
    removal = next(m for m in at.multiselect if m.key == "scenario_edit:s:remove@zh")
    assert len(removal.value) == 1
    assert drawn_anew(removal) == [removal.format_func(code) for code in removal.value]
