"""The headline's total carries the qualifier the summary table gives the district total (约 / 不少于; about / at
least), in the page's language, worded as the table words it, and nothing when the total is exact.

Before, the headline showed a bare number (``755.0``) that a planner reads as exact, while the summary table said
约 (about) beside the same total.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import headline_figure
from streamlit.testing.v1 import AppTest

from geo.present import district_metrics, label, qualified, qualifier_words
from geo.rollup import TOTAL
from geo.workspace import Change, Who, create_workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A workspace whose scenario ``s`` makes 漕河泾's built figure "at least" (the bundled data says "about"): every
    qualified figure of the district is then "at least", and so is its total."""
    path = tmp_path / "workspace.gpkg"
    monkeypatch.setenv("XUHUI_WORKSPACE", str(path))
    store = create_workspace(path, who=Who("lead"))
    store.new_scenario("s", who=Who("lead"))
    store.save("s", [Change("tranche", "caohejing_built", {"qualifier": "at_least"})], who=Who("lead"), reason="test")
    return store


def _district_row(at: AppTest, lang: str) -> pd.Series:
    """The summary table's district total row, as the page shows it."""
    table = next(d.value for d in at.dataframe if label("total_qualifier", lang) in d.value.columns)
    return table.iloc[-1]  # the district total comes last (geo.rollup)


def _headline(at: AppTest) -> tuple[str, float]:
    return headline_figure(at.metric[0].value)


@pytest.mark.parametrize(("lang", "word"), [("zh", "不少于"), ("en", "at least")])
def test_an_at_least_district_total_says_so_in_the_headline(workspace, lang, word) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["basemap"] = "none"
    at.run()
    at.radio(key="section@zh").set_value("scenarios").run()
    at.selectbox(key="scenario@zh").select("s").run()
    at.radio(key="section@zh").set_value("summary").run()
    if lang == "en":
        at.radio(key="lang").set_value("en").run()
    assert not at.exception
    shown_word, shown_total = _headline(at)
    assert at.metric[0].value.startswith(f"{word} ")
    row = _district_row(at, lang)
    assert (shown_word, shown_total) == (row[label("total_qualifier", lang)], pytest.approx(row[label("total", lang)]))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_bundled_headline_words_its_total_as_the_summary_table_does(lang) -> None:
    """The bundled data's district total is "about" (漕河泾's figure is approximate): 约 / about, as in the table."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["basemap"] = "none"
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    row = _district_row(at, lang)
    assert row[label("total_qualifier", lang)] == qualifier_words(["about"], lang)[0]
    assert _headline(at) == (row[label("total_qualifier", lang)], pytest.approx(row[label("total", lang)]))
    for column in (1, 2):  # existing and planned: the table carries no qualifier for them, nor does the headline
        assert headline_figure(at.metric[column].value)[0] == ""


def test_district_metrics_carry_the_totals_qualifier() -> None:
    table = pd.DataFrame(
        {
            "group_id": ["pole_a", TOTAL],
            "existing_m2": [10_000, 10_000],
            "planned_m2": [20_000, 20_000],
            "total_m2": [30_000, 30_000],
            "unknown_count": [0, 1],
            "member_count": [1, 2],
            "land_m2": [float("nan"), float("nan")],
            "total_qualifier": ["exact", "at_least"],
        }
    )
    metrics = district_metrics(table)
    assert (metrics["total"], metrics["total_qualifier"]) == (3.0, "at_least")
    assert qualified("3.0", metrics["total_qualifier"], "zh") == "不少于 3.0"
    assert qualified("3.0", metrics["total_qualifier"], "en") == "at least 3.0"
    assert district_metrics(table.drop(columns="total_qualifier"))["total_qualifier"] == "exact"
    assert qualified("3.0", "exact", "zh") == "3.0"
