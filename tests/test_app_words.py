"""The planner's words on the page (AppTest): headers, kinds, statuses, zones, fields, encodings, numbers.

No raw code, column name or reader code is a label on the Chinese page (and the mirror for English);
ids stay available as a column of their own. Years are whole numbers, FAR has two decimals, no
figure reads "-0.0", unknown reads "—" (upload previews included). Documents are named by title.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from factories import carriers
from streamlit.testing.v1 import AppTest
from test_app import APP

from geo.data import document_titles, load_dataset, load_documents
from geo.schema import CARRIER_FIELDS
from geo.text import TERMS, field_label
from ui.tables import tidy_numbers
from ui.words import say

RAW = {"park", "tower", "campus", "cluster", "town", "building", "renewal_area", "existing", "under_construction"}


pytestmark = pytest.mark.usefixtures("fresh_caches")


def run(lang: str = "zh", **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def formats(table) -> dict[str, str]:
    config = json.loads(table.proto.columns or "{}")
    return {name: c.get("type_config", {}).get("format", "") for name, c in config.items()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quality_findings_have_words_for_headers_severity_and_kind(lang):
    table = run(lang, section="quality").dataframe[0].value
    assert list(table.columns) == (
        ["级别", "类型", "说明", "对象编号"] if lang == "zh" else ["Severity", "Kind", "Message", "Subject id"]
    )
    severities = {t.in_(lang) for t in TERMS["severity"].values()}
    assert set(table.iloc[:, 0]) <= severities
    assert not {"conflicting_figure", "unknown_figure", "declared_vs_drawn"} & set(table.iloc[:, 1])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sources_name_documents_by_title_and_keep_the_id_as_a_column(lang):
    table = run(lang, section="sources").dataframe[0].value
    document = "文件" if lang == "zh" else "Document"
    titles = document_titles(load_documents(), lang)
    assert set(table[document]) <= set(titles.values())
    assert not table[document].str.endswith(".txt").any()
    assert not table[document].str.startswith("press (").any()
    assert (table["编号" if lang == "zh" else "ID"] == load_dataset().sources["id"].to_numpy()).all()
    assert "备注" not in table.columns  # the English working notes only on the English page
    assert ("Note" in table.columns) == (lang == "en")
    fields = table["对应字段" if lang == "zh" else "Field"]
    assert not fields.isin([f.name for f in CARRIER_FIELDS]).any()
    if lang == "zh":
        assert "现有建筑面积（㎡）" in set(fields)


def test_every_seed_document_has_a_title():
    documents = load_documents()
    assert set(load_dataset().sources["document"]) <= set(documents["document"])
    assert (documents["title_zh"] != "").all()
    assert (documents["title_en"] != "").all()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_carriers_show_kinds_statuses_and_zones_in_words(lang):
    table = run(lang, section="carriers").dataframe[0]
    frame = table.value
    kind, status = ("类型", "状态") if lang == "zh" else ("Kind", "Status")
    assert not set(frame[kind]) & RAW or lang == "en"
    assert set(frame[kind]) <= {t.in_(lang) for t in TERMS["kind"].values()}
    assert set(frame[status]) <= {t.in_(lang) for t in TERMS["status"].values()}
    pole, belt = (TERMS["zone_type"]["pole"].in_(lang), TERMS["zone_type"]["belt"].in_(lang))
    assert {pole, belt} <= set(frame.columns)
    assert not frame[pole].str.contains("pole_").any()  # zone names, not ids
    years = ("规划年份", "启用年份") if lang == "zh" else ("Planned year", "Opened")
    shown = formats(table)
    assert all(shown[y] == "%d" for y in years)  # 2025, never 2025.0
    assert table.proto.placeholder == "—"


def test_far_has_two_decimals_and_no_figure_is_negative_zero():
    table = run("zh").dataframe[0]
    assert formats(table)["容积率"] == "%.2f"
    assert formats(table)["合计 (万㎡)"] == "%.1f"
    values = table.value.select_dtypes("float").to_numpy().ravel()
    values = values[~np.isnan(values)]
    assert not np.signbit(values[values == 0]).any()
    tidy = tidy_numbers(pd.DataFrame({"差额 (万㎡)": [-0.0, -0.04, 1.25]}))
    assert not np.signbit(tidy["差额 (万㎡)"].to_numpy()[:2]).any()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_status_caption_describes_the_status_rows_and_the_year_slider_says_what_unknown_years_do(lang):
    at = run(lang, by="status", buildout=False)
    captions = " ".join(c.value for c in at.caption)
    assert say("summary_note_status", lang) in captions
    assert say("summary_note", lang, zone="x").split("x")[0] not in captions
    assert at.sidebar.slider(key="year").help == say("year_help", lang)
    assert say("year_help", lang) in " ".join(c.value for c in at.sidebar.caption)


def gbk_csv() -> bytes:
    frame = carriers({"id": "t1", "geometry": __import__("factories").rect(0, 0, 100, 100), "name_zh": "新楼"})
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["wkt"] = frame.geometry.to_wkt()
    return table.to_csv(index=False).encode("gbk")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_import_wizard_speaks_the_planners_words(lang):
    at = run(lang, section="import")
    at.file_uploader(key="upload_file").set_value(("towers.csv", gbk_csv(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "fallback-" not in captions
    assert "detected-" not in captions
    assert "GB18030" in captions
    labels = [s.label for s in at.selectbox]
    assert field_label("floor_area_existing_m2", lang) in labels
    if lang == "zh":
        assert not {f.name for f in CARRIER_FIELDS} & set(labels)
    else:  # English words may equal a field's name ("kind"), never a code with underscores
        assert not {f.name for f in CARRIER_FIELDS if "_" in f.name} & set(labels)
    for box in at.selectbox:
        assert box.proto.placeholder == say("choose", lang)  # never Streamlit's "Choose an option"
    preview = at.dataframe[0].value
    cells = {str(v) for v in preview.to_numpy().ravel()}
    assert "—" in cells  # the empty fields of the sample
    assert not cells & {"None", "nan", "<NA>"}
    at.button(key="read_upload").click().run()
    assert not at.exception, [e.value for e in at.exception]
    report = at.dataframe[1].value
    headers = {"zh": ["行", "编号", "处理", "原因"], "en": ["Row", "ID", "Action", "Reason"]}
    assert list(report.columns) == headers[lang]
    assert not set(report.iloc[:, 2]) & {"converted", "note"} or lang == "en"
