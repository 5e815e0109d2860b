"""The legend of a map coloured by phase: the phases' colours with their words, in place of the statuses, escaped,
in the map's words group (so a switch redraws it with the map kept); and on the page (AppTest)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import layers
from geo.data import load_dataset
from geo.text import term
from geo.timeline import phase_by_carrier
from layers import styles
from layers.legend import build_legend

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PHASE_WORDS = {
    "zh": ("已建成", "在建", "规划", "阶段未知"),
    "en": ("built", "under construction", "planned", "phase unknown"),
}
COLOURS = ("#2b6cb0", "#dd8a2e", "#a0aec0", "#6b7280")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_legend_by_phase_shows_each_phase_colour_and_word_not_the_statuses(lang: str) -> None:
    html = build_legend(lang=lang, by_phase=True, phase_year=2024).html
    for word, colour in zip(PHASE_WORDS[lang], COLOURS, strict=True):
        assert f"background:{colour}" in html
        assert f'{colour};vertical-align:middle;margin-right:6px"></span>{word}</div>' in html
    assert ("截至2024年的阶段" if lang == "zh" else "phase in 2024") in html
    by_status = build_legend(lang=lang).html
    for status in ("existing", "under_construction", "planned"):  # the statuses' fills are gone
        fill = styles.CARRIER_STYLES[status]["fillColor"]
        assert f"background:{fill}" in by_status
        assert f"background:{fill}" not in html
    assert PHASE_WORDS[lang][3] not in by_status
    if lang == "en":
        assert term("status", "existing", "en") not in html  # "existing" is a status word, not a phase


def test_the_legend_at_build_out_names_it() -> None:
    assert "建成后的阶段" in build_legend(lang="zh", by_phase=True, phase_year=None).html
    assert "phase at build-out" in build_legend(lang="en", by_phase=True).html


def test_the_phase_words_reach_the_legend_escaped(monkeypatch) -> None:
    hostile = styles.Text("<img src=x onerror=alert(1)>", "<script>x</script>")
    monkeypatch.setattr("layers.legend.PHASE_COLOURS", {**styles.PHASE_COLOURS, "built": (hostile, "#2b6cb0")})
    zh, en = (build_legend(lang=lang, by_phase=True).html for lang in ("zh", "en"))
    assert "<img" not in zh
    assert "&lt;img src=x onerror=alert(1)&gt;" in zh
    assert "<script" not in en
    assert "&lt;script&gt;x&lt;/script&gt;" in en


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_sends_the_phase_legend_in_its_words_group(lang: str) -> None:
    data = load_dataset()
    phases = phase_by_carrier(data.carriers, 2024).to_dict()
    overlays = layers.overlay_data(
        data.carriers, data.zones, context=data.context, lang=lang, phases=phases, phase_year=2024
    )
    parts = layers.build_map(
        overlay_data=overlays,
        basis=layers.map_basis(data.carriers, data.zones, context=data.context),
        lang=lang,
        embed_overlays=False,
        by_phase=True,
        phase_year=2024,
    )
    (legend,) = [c for c in parts.words._children.values() if isinstance(c, layers.Legend)]
    assert parts.words in parts.feature_groups  # sent with the groups: a switch redraws it, the map stays
    for word, colour in zip(PHASE_WORDS[lang], COLOURS, strict=True):
        assert f'{colour};vertical-align:middle;margin-right:6px"></span>{word}</div>' in legend.html
    plain = layers.build_map(
        overlay_data=layers.overlay_data(data.carriers, data.zones, context=data.context, lang=lang),
        basis=layers.map_basis(data.carriers, data.zones, context=data.context),
        lang=lang,
        embed_overlays=False,
    )
    (plain_legend,) = [c for c in plain.words._children.values() if isinstance(c, layers.Legend)]
    assert PHASE_WORDS[lang][3] not in plain_legend.html


@pytest.mark.usefixtures("fresh_caches")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_shows_the_phase_legend_when_colouring_by_phase(lang: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    unknown = json.dumps(PHASE_WORDS[lang][3])[1:-1]

    def payload() -> str:
        found = []

        def walk(node: object) -> None:
            proto = getattr(node, "proto", None)
            if proto is not None and proto.DESCRIPTOR.name == "ComponentInstance":
                found.append(proto.json_args)
            children = getattr(node, "children", None)
            if isinstance(children, dict):
                for child in children.values():
                    walk(child)

        walk(at._tree)
        return found[0]

    assert unknown not in payload()
    at.sidebar.checkbox(key="colour_by_phase").check().run()
    assert not at.exception
    assert unknown in payload() or json.dumps(unknown)[1:-1] in payload()
