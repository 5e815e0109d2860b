"""徐汇区人工智能产业载体 · Xuhui AI-industry floor space: the planning page (UI only).

Storyboard: state → choices (read from the state) → the map, sent first (a browser's first run of a
session stops there, and the map's report starts the next: ``ui.first_paint``) → sidebar widgets →
headline numbers and the section switcher (placed above the map) → one section: summary, carriers,
data quality, sources, downloads or your data. The page's words, state, caches, tables, errors and import
wizard live in ``ui/``; domain logic in ``geo/``, map layers in ``layers/``.

Every choice is held as a code and shown through its label (``ui.state.coded``), so a language
switch keeps them all. Every part runs inside ``ui.errors.guard``: a failure shows a short bilingual
message with an error id (details in the server log), and the rest of the page stays.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, datetime

import streamlit as st
from streamlit_folium import st_folium

import layers
from geo.crs import metric_crs_for
from geo.data import document_titles
from geo.io import export
from geo.io import figures as figure_export
from geo.present import markdown_text as md
from geo.quality import KINDS
from geo.rollup import MODES, zone_types
from geo.text import Lang, term
from geo.timeline import DEFAULT_SPAN, Figures
from ui import cache, first_paint, scenarios, wizard
from ui.errors import guard
from ui.leaflet_assets import serve as serve_leaflet
from ui.state import YEARS, coded, kept_checkbox, preset_from_url, shown
from ui.tables import carriers_view, column_formats, quality_view, sources_view, tidy_numbers
from ui.words import say

serve_leaflet()  # the map's Leaflet files, served by Streamlit (layers.assets.STREAMLIT_ASSET_URL)
st.set_page_config(page_title="徐汇人工智能载体 · Xuhui AI carriers", page_icon="🗺️", layout="wide")

SECTIONS = ("summary", "timeline", "carriers", "quality", "sources", "scenarios", "downloads", "import")

# --- state --------------------------------------------------------------------------------------
# A link may preset the language, basemap, grouping, mode and section (?lang=en&basemap=none).
preset_from_url(
    st.session_state,
    st.query_params,
    {
        "lang": ("zh", "en"),
        "basemap": layers.BASEMAP_KEYS,
        "by": ("pole", "belt", "status"),
        "mode": MODES,
        "section": SECTIONS,
    },
)
for _key in layers.LAYER_KEYS:
    st.session_state.setdefault(f"layer_{_key}", _key in layers.DEFAULT_LAYERS)
# Uploaded data lives in this session only: never in a shared cache keyed on names, never global.
st.session_state.setdefault("staged", {})  # role -> {"frame", "input"}
st.session_state.setdefault("user_data", None)  # Dataset built from the staged layers, or None
st.session_state.setdefault("import_error", None)  # why the staged layers could not be used
st.session_state.setdefault("tianditu_pasted", "")
st.session_state.setdefault("colour_by_phase", False)

lang: Lang = st.session_state.lang


def t(key: str, **values: object) -> str:
    """The page's text in its language."""
    return say(key, lang, **values)


def tianditu() -> tuple[str | None, list[str]]:
    """The Tianditu token to use (pasted, then environment, then secrets), and why any was refused.

    A malformed token disables the Tianditu basemaps with a message; it never stops the page. The
    token is never logged, exported, or put in the downloaded map.
    """
    candidates = [("page", st.session_state.tianditu_pasted.strip() or None)]
    candidates.append(("env", layers.tianditu_token_from_env(os.environ)))
    with contextlib.suppress(KeyError, FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        candidates.append(("env", str(st.secrets["tianditu_token"]).strip() or None))
    refused: list[str] = []
    for where, token in candidates:
        if token is None:
            continue
        if layers.basemap_problem("tianditu_vec", tianditu_token=token) is None:
            return token, refused
        refused.append(t("token_bad", where=t(f"token_where_{where}")))
    return None, refused


# The data: an upload of this session, else the chosen scenario of the shared workspace, else the bundled data.
chosen = None
if st.session_state.user_data is None:
    with guard("scenario", lang):
        chosen = scenarios.scenario_in_use(lang)
data = st.session_state.user_data or (chosen[1] if chosen else cache.bundled())
data_key = data.provenance.key  # every input's hash and read options: never shared across options


def download_buttons(downloads: list[tuple[str, str, str, Callable[[], bytes]]]) -> None:
    """Download buttons in two columns: (text key, file name, export format, builder run on click)."""
    grid = st.columns(2)
    for position, (text_key, file_name, fmt, build) in enumerate(downloads):
        grid[position % 2].download_button(
            t(text_key),
            data=build,
            file_name=file_name,
            mime=export.EXPORT_FORMATS[fmt].mime,
            on_click="ignore",
            key=f"download_{text_key}",
            width="stretch",
        )


def page_figures() -> Figures | None:
    """The data's tranches, targets and indicators: the scenario's, the bundled tables, or ``None`` for an upload
    (its two columns are its tranches, and it brings no targets)."""
    if chosen is not None:
        return chosen[0].figures
    if data.provenance.origin == "bundled":
        return cache.bundled_figures(data_key, data)
    return None


def page_stamp(as_of: int | None) -> dict[str, str]:
    """The metadata stamp of a download of this page's data and choices."""
    return export.make_stamp(
        input_hashes=data.provenance.input_hashes(),
        by=by,
        mode=mode,
        year=as_of,
        crs=metric_crs_for(data.carriers).to_string(),
        now=datetime.now(UTC),
    )


# --- choices --------------------------------------------------------------------------------------
# Read from the session state before any widget is drawn (each widget's callback writes its code there
# before the run starts), so the map can be computed and sent first: its component is what the browser
# takes longest to load, and everything else on the page is drawn while it loads.
token, token_problems = tianditu()
basemaps = layers.available_basemaps(tianditu_token=token)
basemap_names = {b.key: b.label(lang) for b in basemaps}
if st.session_state.basemap not in basemap_names:
    st.session_state.basemap = "osm"
groupings = [*zone_types(data.zones), "status"]
if st.session_state.by not in groupings:
    st.session_state.by = groupings[0]
if st.session_state.mode not in MODES:
    st.session_state.mode = "declared"
if st.session_state.section not in SECTIONS:
    st.session_state.section = "summary"
by, mode, basemap = st.session_state.by, st.session_state.mode, st.session_state.basemap
year = None if st.session_state.buildout else int(st.session_state.year)
on = [key for key in layers.LAYER_KEYS if st.session_state[f"layer_{key}"]]

headline = st.container()  # title, metrics and the section switcher, filled in once the map has been sent
# The session's first run in a browser sends the map alone (ui.first_paint): its iframe then has the
# browser to itself; the rest of the page follows once the map is drawn.
map_alone = first_paint.map_alone(st.session_state, headers=st.context.headers)

# --- map ----------------------------------------------------------------------------------------
# A downloaded map must not carry the user's Tianditu token: it falls back to OpenStreetMap (same datum).
export_basemap = "osm" if layers.basemap_info(basemap).needs_token else basemap
basis = overlays = None
with guard("map", lang):
    with st.spinner(t("working_map")):
        basis = cache.map_basis(data_key, data)
        # Every overlay is cached once per language and datum; the switches only pick which ones are drawn.
        overlays = cache.map_overlays(
            data_key,
            lang,
            layers.needs_gcj02(basemap),
            mode,
            year,
            layers.LAYER_KEYS,
            True,
            data,
            st.session_state.colour_by_phase,  # colour carriers by their phase in the as-of year
            page_figures(),  # indicators in the popups, tranches for the phases
        )
    parts = layers.build_map(
        overlay_data=overlays,
        basis=basis,
        basemap=basemap,
        tianditu_token=token,
        layers=on,
        lang=lang,
        embed_overlays=False,
        basemap_in_map=False,
        by_phase=st.session_state.colour_by_phase,  # the legend shows the phases' colours then
        phase_year=year,
    )
    if parts.gcj02:
        st.caption(t("gcj_note"))
    if parts.note:
        st.caption(parts.note)
    # The map itself depends on the data only; tiles, the map's words and legend, and the overlays come as
    # feature groups, so switching the language, the basemap or a layer keeps the component (and the view).
    # Drawing tools (vendored Leaflet.draw) only in the scenarios section on the shared workspace; only then
    # does the map send anything back (any other page must not rerun on a pan or zoom).
    drawing = st.session_state.section == "scenarios" and st.session_state.user_data is None
    if drawing:
        parts.map.add_child(layers.offline_draw())
    returned = st_folium(
        parts.map,
        key="map_draw" if drawing else "map",
        height=560,
        use_container_width=True,
        returned_objects=first_paint.returned_objects(
            ["last_active_drawing", "all_drawings"] if drawing else [], alone=map_alone
        ),
        feature_group_to_add=parts.feature_groups,
        layer_control=None,
    )
    if drawing:
        scenarios.remember_drawing(returned, gcj02=parts.gcj02)
    # A browser's first run ends here: the map, drawn alone, reports back and the next run draws the rest.
    if map_alone and not first_paint.note_report(returned, st.session_state):
        first_paint.stop_until_drawn()
st.info(t("accuracy"), icon="📐")

# --- sidebar ------------------------------------------------------------------------------------
with st.sidebar:
    shown("lang")
    st.radio(
        say("language", "zh"),
        ["zh", "en"],
        key="lang",
        horizontal=True,
        format_func={"zh": "中文", "en": "English"}.get,
    )
    coded(
        st.selectbox,
        t("basemap"),
        "basemap",
        list(basemap_names),
        basemap_names.__getitem__,
        lang=lang,
        placeholder=t("choose"),
    )
    for problem in token_problems:
        st.warning(problem)
    if not any(b.needs_token for b in basemaps):
        st.caption(t("tianditu_missing"))
    shown("tianditu_pasted")
    st.text_input(t("token"), key="tianditu_pasted", type="password", help=t("token_help"))
    st.markdown(f"**{t('layers')}**")
    for key in layers.LAYER_KEYS:
        kept_checkbox(layers.layer_label(key, lang), f"layer_{key}", lang=lang)
    shown("colour_by_phase", "buildout", "year")
    st.checkbox(t("by_phase"), key="colour_by_phase", help=t("by_phase_help"))
    coded(st.radio, t("grouping"), "by", groupings, lambda g: term("grouping", g, lang), lang=lang)
    coded(
        st.radio,
        t("mode"),
        "mode",
        list(MODES),
        lambda m: term("mode", m, lang),
        lang=lang,
        help=t("mode_help"),
        disabled=by == "status",
    )
    st.checkbox(t("buildout"), key="buildout")
    st.slider(t("year"), *YEARS, key="year", disabled=st.session_state.buildout, help=t("year_help"))
    if not st.session_state.buildout:
        st.caption(t("year_help"))

# --- headline -----------------------------------------------------------------------------------
table = None
with headline, guard("headline", lang):
    # A scenario of the bundled Xuhui data is still Xuhui's data (its frames are not the seed files).
    bundled_data = data.provenance.origin == "bundled" or (chosen is not None and scenarios.from_bundled_data())
    st.title(t("title" if bundled_data else "title_other"))
    st.caption(t("subtitle" if bundled_data else "subtitle_other"))
    with st.spinner(t("working_rollup")):  # shown only when it takes more than half a second
        table = cache.rollup(data_key, by, mode, year, data, page_figures())
    from geo import present

    metrics = present.district_metrics(table)
    columns = st.columns(4)
    # The total with its qualifier (约 / 不少于), worded as the summary table words it: a bare number reads as exact.
    columns[0].metric(t("m_total"), present.qualified(f"{metrics['total']:,.1f}", metrics["total_qualifier"], lang))
    columns[1].metric(t("m_existing"), f"{metrics['existing']:,.1f}")
    columns[2].metric(t("m_planned"), f"{metrics['planned']:,.1f}")
    columns[3].metric(t("m_unknown"), metrics["unknown"])
    if chosen is not None:
        shown_name = md(scenarios.scenario_label(chosen[0].info.name, lang))  # the base in words, not its code
        st.info(t("scenario_shown", name=shown_name, version=chosen[0].info.version), icon="🧪")
with headline:
    # One section at a time: hidden tabs would still be built, sent and drawn by the browser on every run.
    # The switcher sits above the map, so it is in view without scrolling.
    section = coded(
        st.radio,
        t("section"),
        "section",
        SECTIONS,
        lambda key: t(f"tab_{key}"),
        lang=lang,
        horizontal=True,
        label_visibility="collapsed",
    )

# --- sections ---------------------------------------------------------------------------------------
# The summary's chart is plain HTML (geo.present.chart_html): a Vega chart took the browser about 0.2 s
# more before the map was drawn.
with guard(f"section {section}", lang):
    from geo import present

    if section == "summary" and table is not None:
        summary_view = tidy_numbers(present.summary_table(table, lang))
        st.dataframe(
            summary_view,
            width="stretch",
            hide_index=True,
            column_config=column_formats(summary_view, lang),
            placeholder="—",
        )
        if by == "status":
            st.caption(t("summary_note_status"))
        else:
            st.caption(t("summary_note", zone=term("zone_type", by, lang)))
        st.html(present.chart_html(table, lang))
        shown = page_figures()
        known = None if shown is None else shown.indicators
        if known is not None and len(known):
            indicator_view = cache.group_indicators(data_key, by, mode, lang, data, known)
            st.markdown(f"**{t('indicators_heading')}**")
            st.dataframe(
                indicator_view.drop(columns="group_id").rename(columns={"group": t("indicators_group")}),
                width="stretch",
                hide_index=True,
                placeholder="—",
            )
            st.caption(t("indicators_note"))

    if section == "timeline":
        from ui.timeline import render_timeline

        timeline_rows = render_timeline(data, by=by, mode=mode, lang=lang, figures=page_figures())
        timeline_stamp = {**page_stamp(None), "year": f"{DEFAULT_SPAN[0]}-{DEFAULT_SPAN[1]}"}
        timeline_name = f"timeline_{by}_{mode}_{DEFAULT_SPAN[0]}_{DEFAULT_SPAN[1]}"
        download_buttons(
            [
                (
                    "dl_timeline_csv",
                    f"{timeline_name}.zip",
                    "csvw",
                    lambda: export.summary_csv_zip(timeline_rows, timeline_stamp, name=f"{timeline_name}.csv"),
                ),
                (
                    "dl_timeline_xlsx",
                    f"{timeline_name}.xlsx",
                    "xlsx",
                    lambda: export.summary_xlsx({"timeline": timeline_rows}, timeline_stamp, lang=lang),
                ),
            ]
        )

    if section == "scenarios":
        scenarios.scenario_page(lang, by=by, mode=mode, year=year)

    if section == "carriers":
        carriers_frame = carriers_view(cache.carriers_table(data_key, lang, mode, data))
        st.dataframe(
            carriers_frame,
            width="stretch",
            hide_index=True,
            column_config=column_formats(carriers_frame, lang),
            placeholder="—",
        )

    if section == "quality":
        report = cache.findings(data_key, data)
        if report.empty:
            st.success(t("no_findings"))
        else:
            st.dataframe(quality_view(report, lang, KINDS), width="stretch", hide_index=True, placeholder="—")

    if section == "sources":
        titles = document_titles(cache.documents(), lang)
        st.dataframe(sources_view(data.sources, titles, lang), width="stretch", hide_index=True, placeholder="—")

    if section == "downloads" and table is not None:
        stamp = page_stamp(year)
        # Tranches, targets and indicators: attribute tables in the GeoPackage, sheets in the workbook; the
        # single-table files carry the flat form (their metadata / README says so) and the tables beside them.
        figures = page_figures() or cache.column_figures(data_key, data)
        flat_carriers = figure_export.with_flat_columns(data.carriers, figures)
        flat_stamp = figure_export.flat_stamp(stamp)
        shown_figures = page_figures()  # the summary's figures, as the headline's (None: an upload's two columns)
        all_tables = {
            grouping: cache.rollup(data_key, grouping, mode, year, data, shown_figures)
            for grouping in [*zone_types(data.zones), "status"]
        }
        stem = data.provenance.file_stem()
        suffix = f"{by}_{mode}_{'buildout' if year is None else year}"
        st.caption(t("dl_note"))
        downloads = [
            (
                "dl_summary_csv",
                f"summary_{suffix}.zip",
                "csvw",  # the CSV with its header on line 1, and the stamp beside it (CSV on the Web metadata)
                lambda: export.summary_csv_zip(table, stamp, name=f"summary_{suffix}.csv"),
            ),
            (
                "dl_summary_xlsx",
                f"summary_{suffix}.xlsx",
                "xlsx",
                lambda: export.summary_xlsx({**all_tables, **figure_export.figure_tables(figures)}, stamp, lang=lang),
            ),
            (
                "dl_geojson",
                f"{stem}_carriers_zones.geojson",
                "geojson",
                lambda: export.layers_geojson(flat_carriers, data.zones, flat_stamp),
            ),
            (
                "dl_carriers_geojson",
                f"{stem}_carriers.geojson",
                "geojson",
                lambda: export.layer_geojson(flat_carriers, flat_stamp, layer="carriers"),
            ),
            (
                "dl_zones_geojson",
                f"{stem}_zones.geojson",
                "geojson",
                lambda: export.layer_geojson(data.zones, stamp, layer="zones"),
            ),
            (
                "dl_gpkg",
                f"{stem}_carriers.gpkg",
                "gpkg",
                lambda: figure_export.add_to_geopackage(
                    export.geopackage(data.carriers, data.zones, all_tables, stamp, crs="EPSG:4490"), figures
                ),
            ),
            ("dl_kml", f"{stem}_carriers.kml", "kml", lambda: export.kml(flat_carriers, data.zones, flat_stamp)),
            (
                "dl_shp",
                f"{stem}_carriers_shp.zip",
                "shp",
                lambda: figure_export.add_to_zip(
                    export.shapefile_zip(flat_carriers, data.zones, flat_stamp), figures, stamp
                ),
            ),
            (
                "dl_figures_csv",
                f"{stem}_tranches_targets_indicators.zip",
                "csvw",
                lambda: figure_export.figures_csv_zip(figures, stamp),
            ),
        ]
        if overlays is not None and basis is not None:
            # The builders run when a button is clicked, outside the page's run: they read no session state.
            by_phase = bool(st.session_state.colour_by_phase)
            downloads.append(
                (
                    "dl_html",
                    f"{stem}_carriers_map.html",
                    "html",
                    lambda: layers.standalone_html(
                        layers.build_map(
                            overlay_data=overlays,  # the export basemap shares the shown one's datum
                            basis=basis,
                            basemap=export_basemap,
                            layers=on,
                            lang=lang,
                            embed_overlays=True,
                            by_phase=by_phase,
                            phase_year=year,
                        ).map
                    ),
                )
            )
        download_buttons(downloads)

    if section == "import":
        wizard.import_section(lang)
