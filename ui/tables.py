"""Tables as the page shows them: headers in the planner's words, figures rounded, unknown as "—".

Every function returns a copy for display; the figures themselves (whole m², from :mod:`geo`)
are never changed. Ids stay available as a column, never as a label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geo.present import label as present_label
from geo.text import Lang, field_label, term
from ui.words import ACTIONS, TABLE_HEADERS, bilingual

__all__ = [
    "carriers_view",
    "column_formats",
    "preview_view",
    "quality_view",
    "read_report_view",
    "sources_view",
    "tidy_numbers",
]

UNKNOWN = "—"


def _header(name: str, lang: Lang) -> str:
    text = TABLE_HEADERS.get(name)
    return name if text is None else text.in_(lang)


def _is_year(column: str, lang: Lang) -> bool:
    return column in (present_label("planned_year", lang), present_label("opened_year", lang)) or "year" in column


def tidy_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every float rounded as shown (one decimal; FAR two) and no negative zero.

    >>> tidy_numbers(pd.DataFrame({"x": [-0.04, 1.26]}))["x"].tolist()
    [0.0, 1.3]
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind == "f":
            decimals = 2 if column in ("容积率", "FAR", "far") else 1
            out[column] = out[column].round(decimals) + 0.0  # -0.0 + 0.0 == 0.0
    return out


def column_formats(frame: pd.DataFrame, lang: Lang) -> dict[str, st.column_config.NumberColumn]:
    """Number formats for ``st.dataframe``: 万㎡ with one decimal, FAR with two, years as whole numbers.

    Pass ``placeholder="—"`` to the table too, so that an unknown figure reads as a dash.
    """
    formats: dict[str, st.column_config.NumberColumn] = {}
    for column in frame.columns:
        kind = frame[column].dtype.kind
        if _is_year(str(column), lang) and kind in "iuf":
            formats[column] = st.column_config.NumberColumn(format="%d")
        elif column in (present_label("far", lang),):
            formats[column] = st.column_config.NumberColumn(format="%.2f")
        elif kind == "f":
            formats[column] = st.column_config.NumberColumn(format="%.1f")
    return formats


def quality_view(report: pd.DataFrame, lang: Lang, kinds: Mapping[str, object]) -> pd.DataFrame:
    """The data-quality findings with words for their severity and kind, and the message in ``lang``."""
    return pd.DataFrame(
        {
            _header("severity", lang): [term("severity", s, lang) for s in report["severity"]],
            _header("kind", lang): [bilingual(kinds[k]).in_(lang) if k in kinds else str(k) for k in report["kind"]],
            _header("message", lang): report[f"message_{lang}"].to_numpy(),
            _header("subject", lang): report["subject"].to_numpy(),
        }
    )


def sources_view(sources: pd.DataFrame, titles: Mapping[str, str], lang: Lang) -> pd.DataFrame:
    """The sources table: the document by its title, the quote, the figure, the field in words, the id last.

    The English working notes (``note``) are shown on the English page only.
    """
    out = pd.DataFrame(
        {
            _header("document", lang): [titles.get(d, d) for d in sources["document"]],
            _header("line", lang): sources["line"].replace("", UNKNOWN).to_numpy(),
            _header("quote", lang): sources["quote"].to_numpy(),
            _header("value", lang): sources["value"].replace("", UNKNOWN).to_numpy(),
            _header("unit", lang): sources["unit"].replace("", UNKNOWN).to_numpy(),
            _header("field", lang): [field_label(f, lang) if f else UNKNOWN for f in sources.get("field", [])]
            if "field" in sources.columns
            else [UNKNOWN] * len(sources),
        }
    )
    if lang == "en" and "note" in sources.columns:
        out[_header("note", lang)] = sources["note"].to_numpy()
    out[_header("id", lang)] = sources["id"].to_numpy()
    return out


def read_report_view(report: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The reader's report (row, id, action, reason) with headers, actions and reasons in ``lang``."""
    rows = report["row"].astype("Int64")
    return pd.DataFrame(
        {
            _header("row", lang): rows.to_numpy(),
            _header("id", lang): report["id"].fillna(UNKNOWN).to_numpy(),
            _header("action", lang): [ACTIONS[a].in_(lang) if a in ACTIONS else str(a) for a in report["action"]],
            _header("reason", lang): report[f"reason_{lang}"].to_numpy(),
        }
    )


def carriers_view(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`geo.present.carriers_table` (planner words already) with numbers tidied for display."""
    return tidy_numbers(frame)


def preview_view(preview: pd.DataFrame) -> pd.DataFrame:
    """An upload's first rows as text, with empty cells shown as "—" (never "None" or "nan")."""
    out = preview.copy()
    for column in out.columns:
        out[column] = [UNKNOWN if _missing(v) else str(v) for v in out[column]]
    return out


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()
