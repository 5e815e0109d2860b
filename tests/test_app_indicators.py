"""The page shows indicators where a source reports them: carrier popups and the summary's small table."""

from __future__ import annotations

import pytest
from test_app import all_text, fresh_caches, map_payload, run_app

__all__ = ["fresh_caches"]  # the autouse fixture: every test starts with empty caches


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", ("每平方米产值", "不少于1 万元/㎡（年份未知）")), ("en", ("output per m²", "at least 1 × 10,000 yuan/m²"))],
)
def test_the_ai_towers_popup_shows_its_output_per_m2(lang: str, words: tuple[str, str]) -> None:
    text = all_text(map_payload(run_app(lang=lang, basemap="none")))
    for word in words:
        assert word in text or word.replace("²", "&#178;") in text


@pytest.mark.parametrize(
    ("lang", "district", "firms", "output"),
    [
        ("zh", "全区", "不少于1,500 家（2025 年）", "705 亿元（2022 年）"),
        ("en", "district", "at least 1,500 firms (2025)", "705 × 100 million yuan (2022)"),
    ],
)
def test_the_summary_lists_the_districts_indicators_and_leaves_unknown_groups_empty(
    lang: str, district: str, firms: str, output: str
) -> None:
    at = run_app(lang=lang)
    assert len(at.dataframe) == 2  # the summary, then the indicators
    table = at.dataframe[1].value
    scope = table.columns[0]
    rows = table.set_index(scope)
    firms_column = "企业数" if lang == "zh" else "firms"
    output_column = "产业规模（产值）" if lang == "zh" else "output"
    assert rows.at[district, firms_column] == firms
    assert rows.at[district, output_column] == output
    groups = rows.drop(index=district)
    assert len(groups) == 2  # the two poles
    assert groups[firms_column].isna().all()  # no pole reports firms, nor all of its carriers: unknown, never 0
    assert "firms" not in " ".join(map(str, table.columns)) or lang == "en"  # no English word on the Chinese page


def test_the_map_colours_carriers_by_phase_in_the_as_of_year_when_asked() -> None:
    at = run_app(lang="en", basemap="none", buildout=False, year=2019)
    assert "phase in 2019" not in all_text(map_payload(at))  # by status unless asked
    at.sidebar.checkbox(key="colour_by_phase").check().run()
    assert not at.exception
    text = all_text(map_payload(at))
    assert "phase in 2019: built" in text
    assert "phase in 2019: planned" in text or "phase in 2019: under construction" in text
