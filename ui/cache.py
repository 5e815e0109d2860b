"""The page's caches, on plain values: each keyed by the dataset's provenance key and the choices.

``data_key`` is :attr:`geo.data.Provenance.key`: a hash over every input's content *and* the
options it was read with (layer, column mapping, CRS, axis order, encoding, role). Two sessions
that upload the same file with different options never share a cached result; two that upload
the same file the same way do, which is correct and cheap. The ``_data`` argument is not hashed
(Streamlit skips arguments starting with ``_``): ``data_key`` stands for it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import streamlit as st

import layers
from geo import indicators, present
from geo.data import Dataset, document_titles, load_dataset, load_documents
from geo.indicators import carrier_indicator_words
from geo.quality import check_quality
from geo.rollup import MetricOutlines, metric_outlines, zone_types
from geo.timeline import (
    Figures,
    bundled_figure_paths,
    bundled_indicators_path,
    load_figures,
    phase_by_carrier,
    summary_as_of,
)

__all__ = [
    "bundled",
    "bundled_figures",
    "carriers_table",
    "column_figures",
    "documents",
    "findings",
    "group_indicators",
    "map_basis",
    "map_overlays",
    "rollup",
]


@st.cache_data(show_spinner=False)
def bundled() -> Dataset:
    """The bundled Xuhui data (read once per server)."""
    return load_dataset()


@st.cache_data(show_spinner=False)
def bundled_figures(data_key: str, _data: Dataset) -> Figures:
    """The bundled data's tranches, targets and indicators (``seeds/tranches.csv``, ``targets.csv``, …)."""
    tranches, targets = bundled_figure_paths()
    return load_figures(
        _data.carriers, _data.zones, tranches=tranches, targets=targets, indicators=bundled_indicators_path()
    )


@st.cache_data(show_spinner=False, max_entries=8)
def column_figures(data_key: str, _data: Dataset) -> Figures:
    """An upload's figures: its carriers' two columns as tranches, no targets, no indicators."""
    return load_figures(_data.carriers, _data.zones)


@st.cache_data(show_spinner=False)
def documents() -> pd.DataFrame:
    """The cited documents' titles (``seeds/documents.csv``)."""
    return load_documents()


def titled_sources(sources: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The sources table with a ``title`` column: each document as a reader names it in ``lang``
    (title, publisher, date), the file name only for a document the titles table does not know."""
    titles = document_titles(documents(), "zh" if lang == "zh" else "en")
    return sources.assign(title=[titles.get(str(d), str(d)) for d in sources["document"]])


@st.cache_data(show_spinner=False, max_entries=128)
def rollup(
    data_key: str,
    by: str,
    mode: str,
    year: int | None,
    _data: Dataset,
    _figures: Figures | None = None,
    _outlines: MetricOutlines | None = None,
) -> pd.DataFrame:
    """The summary as of ``year`` of the dataset ``data_key`` stands for: :func:`geo.timeline.summary_as_of`,
    the function ``python -m geo summary --year`` calls, on the same figures (``_figures``: the bundled
    tables, a scenario's own; ``None``: an upload's two columns), so the page, the timeline and the command
    line agree in every year. ``_outlines``: the carriers measured once for several groupings."""
    return summary_as_of(  # type: ignore[arg-type]
        _data.carriers, _data.zones, figures=_figures, by=by, mode=mode, year=year, outlines=_outlines
    )


@st.cache_data(show_spinner=False, max_entries=32)
def carriers_table(data_key: str, lang: str, mode: str, _data: Dataset) -> pd.DataFrame:
    """:func:`geo.present.carriers_table` of the dataset ``data_key`` stands for."""
    return present.carriers_table(_data.carriers, _data.zones, lang, mode=mode)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=32)
def findings(data_key: str, _data: Dataset) -> pd.DataFrame:
    """:func:`geo.quality.check_quality` of the dataset ``data_key`` stands for."""
    return check_quality(_data.carriers, _data.zones, _data.sources)


@st.cache_data(show_spinner=False, max_entries=32)
def group_indicators(
    data_key: str, by: str, mode: str, lang: str, _data: Dataset, _indicators: pd.DataFrame | None
) -> pd.DataFrame:
    """:func:`geo.indicators.group_indicators` of the dataset ``data_key`` stands for (and its indicator values)."""
    return indicators.group_indicators(
        _data.carriers, _data.zones, _indicators, by=by, mode=mode, lang="zh" if lang == "zh" else "en"
    )


@st.cache_data(show_spinner=False, max_entries=8)
def map_basis(data_key: str, _data: Dataset) -> layers.MapBasis:
    """The map's extent, legend contents and view (full / light / grid): the data's, nothing else."""
    return layers.map_basis(_data.carriers, _data.zones, context=_data.context)


@st.cache_data(show_spinner=False, max_entries=32)
def map_overlays(  # noqa: PLR0917 - plain values are the cache key
    data_key: str,
    lang: str,
    gcj02: bool,
    mode: str,
    year: int | None,
    keys: tuple[str, ...],
    popups: bool,
    _data: Dataset,
    by_phase: bool = False,
    _figures: Figures | None = None,
) -> dict[str, layers.LayerData]:
    """The overlays as plain data (display geometry, escaped tooltips); Folium objects are built per run.

    ``_figures`` (the tranches and indicators of the data ``data_key`` stands for; ``None``: its two columns)
    put each carrier's reported indicator values in its popup and, with ``by_phase``, colour the carriers
    by their phase in ``year`` (:func:`geo.timeline.phase_by_carrier`) instead of their status.
    """
    sources = titled_sources(_data.sources, lang)  # popups name each document by its title
    words = carrier_indicator_words(None if _figures is None else _figures.indicators, "zh" if lang == "zh" else "en")
    phases = phase_by_carrier(_data.carriers, year, figures=_figures).to_dict() if by_phase else None

    def build(wanted: tuple[str, ...], summary: dict[str, pd.DataFrame] | None) -> dict[str, layers.LayerData]:
        return layers.overlay_data(
            _data.carriers,
            _data.zones,
            context=_data.context,
            summary=summary,
            sources=sources,
            layers=wanted,
            lang=lang,
            gcj02=gcj02,
            popups=popups,
            indicators=words,
            phases=phases,
            phase_year=year,
        )

    if "zones" not in keys:
        return build(keys, None)
    # The zones' popups sum every zone type from one measuring of the carriers (also the summary's, which
    # follows). It runs in a thread while the other layers are built: it is mostly PROJ and numpy, which
    # release the GIL, so on two cores the map is sent sooner.
    with ThreadPoolExecutor(max_workers=1) as pool:
        measuring = pool.submit(metric_outlines, _data.carriers)
        built = build(tuple(key for key in keys if key != "zones"), None)
        outlines = measuring.result()
    summary = {
        zone_type: rollup(data_key, zone_type, mode, year, _data, _figures, outlines)
        for zone_type in zone_types(_data.zones)
    }
    built |= build(("zones",), summary)
    return {key: built[key] for key in keys if key in built}
