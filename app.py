"""徐汇区人工智能产业载体 · Xuhui AI-industry floor space: the planning page (UI only).

Storyboard: state → choices (read from the state) → the map, sent first → sidebar widgets → headline
numbers (placed above the map) → one section: summary, carriers, data quality, sources, downloads or
your data. Cached roll-ups on plain values; domain logic lives in ``geo/``, map layers in ``layers/``.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import layers
from geo import present
from geo.crs import metric_crs_for
from geo.data import Dataset, load_dataset, with_layers
from geo.io import export, reader
from geo.present import markdown_text as md
from geo.quality import KINDS, check_quality
from geo.rollup import MODES, summarize, zone_types
from geo.schema import CARRIER_FIELDS, ZONE_FIELDS, DataError
from ui.leaflet_assets import serve as serve_leaflet

serve_leaflet()  # the map's Leaflet files, served by Streamlit (layers.assets.STREAMLIT_ASSET_URL)
st.set_page_config(page_title="徐汇人工智能载体 · Xuhui AI carriers", page_icon="🗺️", layout="wide")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("徐汇区人工智能产业载体", "Xuhui AI-industry floor space"),
    "subtitle": (
        "“两极两带”空间布局下的载体面积：按增长极、发展带、状态和年份汇总",
        "Carrier floor space in the “two poles, two belts” layout, summed by pole, belt, status and year",
    ),
    "accuracy": (
        (
            "边界为示意，并非官方界线：每个要素的 geometry_accuracy_m 给出其可能偏差（米）。面积数字来自所引文件，"
            "空值表示未知（不按零计）。"
        ),
        (
            "Outlines are approximate, not official boundaries: each feature's geometry_accuracy_m says how far it "
            "may be off (metres). Figures come from the cited documents; empty means unknown (never counted as zero)."
        ),
    ),
    "language": ("语言 Language", "Language 语言"),
    "basemap": ("底图", "Basemap"),
    "layers": ("图层", "Layers"),
    "grouping": ("汇总方式", "Group by"),
    "mode": ("归属方式", "Membership"),
    "mode_help": (
        "申报：按规划 zone_ids；最大重叠：落在重叠面积最大的分区；按面积：按边界在各分区内的面积比例拆分",
        (
            "declared: the plan's zone_ids; largest: the zone with the largest overlap; area: split by the share "
            "of the outline in each zone"
        ),
    ),
    "buildout": ("按建成后（全部规划）", "At build-out (all planned)"),
    "year": ("截至年份", "As of year"),
    "tianditu_missing": (
        "天地图需要令牌：设置环境变量 TIANDITU_TOKEN 或 Streamlit secrets 中的 tianditu_token。",
        "Tianditu needs a token: set the TIANDITU_TOKEN environment variable or tianditu_token in Streamlit secrets.",
    ),
    "gcj_note": (
        "高德底图使用 GCJ-02 坐标：图上叠加层已偏移显示；数据、汇总与导出仍为 WGS-84。",
        "AMap tiles are in GCJ-02: the overlays are shifted for display only; data, sums and exports stay WGS-84.",
    ),
    "m_total": ("合计 (万㎡)", "Total (10k m²)"),
    "m_existing": ("现有 (万㎡)", "Existing (10k m²)"),
    "m_planned": ("规划新增 (万㎡)", "Planned (10k m²)"),
    "m_unknown": ("面积未知的载体", "Carriers with unknown figures"),
    "section": ("内容", "Section"),
    "tab_summary": ("汇总", "Summary"),
    "tab_carriers": ("载体", "Carriers"),
    "tab_quality": ("数据质量", "Data quality"),
    "tab_sources": ("来源", "Sources"),
    "tab_downloads": ("下载", "Downloads"),
    "summary_note": (
        "各分组加“不属于任何分区”一行恰好等于全区合计；嵌套载体（如西岸智塔）不重复计入。",
        (
            "The groups plus the “outside” row add up exactly to the district total; nested carriers (such as "
            "AI Tower) never count twice."
        ),
    ),
    "no_findings": ("没有数据质量问题。", "No data-quality findings."),
    "dl_summary_csv": ("汇总表 CSV", "Summary CSV"),
    "dl_summary_xlsx": ("汇总表 Excel（各汇总方式）", "Summary Excel (every grouping)"),
    "dl_geojson": ("载体与分区 GeoJSON", "Carriers + zones GeoJSON"),
    "dl_gpkg": ("GeoPackage (CGCS2000)", "GeoPackage (CGCS2000)"),
    "dl_kml": ("KML (WGS-84)", "KML (WGS-84)"),
    "dl_shp": ("Shapefile 压缩包 (GBK)", "Shapefile zip (GBK)"),
    "dl_html": ("地图 HTML（可离线打开）", "Map as HTML (works offline)"),
    "dl_note": (
        "每个导出文件都带有元数据：输入文件哈希、归属方式、年份、坐标系、工具版本和时间。",
        "Every export carries a metadata stamp: input hashes, membership mode, year, CRS, tool version and time.",
    ),
    "status": ("状态", "Status"),
    "tab_import": ("导入数据", "Your data"),
    "import_help": (
        (
            "上传本区或其他区的载体或分区：GeoJSON、GeoPackage、Shapefile 压缩包、KML/KMZ、"
            "GeoParquet，或含 WKT / 经纬度列的 CSV、XLSX。文件只在本次会话中使用，其他用户看不到。"
        ),
        (
            "Upload carriers or zones (this district's or another's): GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, "
            "GeoParquet, or CSV/XLSX with WKT or longitude/latitude columns. Files stay in this session; no other "
            "user sees them."
        ),
    ),
    "role": ("文件内容", "The file holds"),
    "role_carriers": ("载体", "carriers"),
    "role_zones": ("分区", "zones"),
    "upload": ("选择文件", "Choose a file"),
    "layer": ("图层", "Layer"),
    "file_info": (
        "{fmt}：{features} 个要素，约 {vertices} 个顶点；声明的坐标系：{crs}",
        "{fmt}: {features} features, about {vertices} vertices; declared CRS: {crs}",
    ),
    "encoding": ("文字编码", "Text encoding"),
    "encoding_found": ("检测到的编码：{encoding}（依据：{source}）", "Detected encoding: {encoding} (from {source})"),
    "preview": ("前几行预览", "First rows"),
    "crs_choice": ("坐标实际所在的坐标系", "The coordinate system the numbers are really in"),
    "swap": ("文件中纬度在前（交换经纬度）", "Latitude comes first in the file (swap axes)"),
    "mapping": ("字段对应：数据标准字段 ← 文件中的列", "Column mapping: contract field ← file column"),
    "not_mapped": ("（无）", "(none)"),
    "read": ("读取并检查", "Read and check"),
    "how": ("使用方式", "Use it to"),
    "how_replace": ("替换内置数据", "replace the bundled data"),
    "how_add": ("加入内置数据", "add to the bundled data"),
    "apply": ("在本次会话中使用", "Use in this session"),
    "reset": ("恢复内置徐汇数据", "Back to the bundled Xuhui data"),
    "staged": ("已读取，待使用：{items}", "Read, ready to use: {items}"),
    "using_user": ("当前使用上传的数据：{items}", "Using uploaded data: {items}"),
    "report": (
        "读取报告（删除、修复、拒绝或转换的每一行）",
        "Read report (every dropped, repaired, rejected or converted row)",
    ),
    "rejected": ("下载被拒绝的行 (CSV)", "Download the rejected rows (CSV)"),
    "problems": ("数据不符合标准，未使用：", "The data breaks the contract and was not used:"),
    "working_rollup": ("正在汇总…", "Rolling up…"),
    "working_map": ("正在准备地图…", "Preparing the map…"),
    "working_read": ("正在读取文件…", "Reading the file…"),
}
MODE_NAMES: dict[str, tuple[str, str]] = {
    "declared": ("申报", "declared"),
    "largest": ("最大重叠", "largest overlap"),
    "area": ("按面积拆分", "split by area"),
}
GROUP_NAMES: dict[str, tuple[str, str]] = {
    "pole": ("增长极", "poles"),
    "belt": ("发展带", "belts"),
    "status": ("状态", "status"),
}
SEVERITY_NAMES: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"),
    "warning": ("注意", "warning"),
    "info": ("说明", "info"),
}
YEARS = (2015, 2035)
SECTIONS = ("summary", "carriers", "quality", "sources", "downloads", "import")

# --- state --------------------------------------------------------------------------------------
# A link may preset the language, basemap, grouping and mode (?lang=en&basemap=none): only known values.
_ALLOWED = {
    "lang": ("zh", "en"),
    "basemap": layers.BASEMAP_KEYS,
    "by": ("pole", "belt", "status"),
    "mode": MODES,
    "section": SECTIONS,
}
for _key, _allowed in _ALLOWED.items():
    if _key not in st.session_state and st.query_params.get(_key) in _allowed:
        st.session_state[_key] = st.query_params[_key]
st.session_state.setdefault("lang", "zh")
st.session_state.setdefault("basemap", "osm")
st.session_state.setdefault("by", "pole")
st.session_state.setdefault("mode", "declared")
st.session_state.setdefault("buildout", True)
st.session_state.setdefault("year", 2025)
st.session_state.setdefault("section", "summary")
for _key in layers.LAYER_KEYS:
    st.session_state.setdefault(f"layer_{_key}", _key in layers.DEFAULT_LAYERS)
# Uploaded data lives in this session only: never in a shared cache keyed on names, never global.
st.session_state.setdefault("staged", {})  # role -> {"frame", "digest", "name"}
st.session_state.setdefault("user_data", None)  # Dataset built from the staged layers, or None
st.session_state.setdefault("import_error", None)  # why the staged layers could not be used


def pick(names: tuple[str, str]) -> str:
    """The name in the page's language (read once per run, so widgets' format functions stay pure)."""
    return names[0 if lang == "zh" else 1]


def t(key: str) -> str:
    """UI text in the page's language."""
    return pick(TEXT[key])


# --- data (cached on plain values; each call returns its own copy) --------------------------------
@st.cache_data(show_spinner=False)
def bundled() -> Dataset:
    return load_dataset()


@st.cache_data(show_spinner=False, max_entries=128)
def rollup(data_key: str, by: str, mode: str, year: int | None, _data: Dataset):  # noqa: ANN201
    return summarize(_data.carriers, _data.zones, by=by, mode=mode, year=year)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=32)
def carriers_view(data_key: str, lang: str, mode: str, _data: Dataset):  # noqa: ANN201
    return present.carriers_table(_data.carriers, _data.zones, lang, mode=mode)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, max_entries=32)
def findings(data_key: str, _data: Dataset):  # noqa: ANN201
    return check_quality(_data.carriers, _data.zones, _data.sources)


@st.cache_data(show_spinner=False, max_entries=8)
def map_basis(data_key: str, _data: Dataset) -> layers.MapBasis:
    """The map's extent, legend contents and view (full / light / grid): the data's, nothing else."""
    return layers.map_basis(_data.carriers, _data.zones, context=_data.context)


@st.cache_data(show_spinner=False, max_entries=32)
def map_overlays(  # noqa: ANN201, PLR0917 - plain values are the cache key
    data_key: str,
    lang: str,
    gcj02: bool,
    mode: str,
    year: int | None,
    keys: tuple[str, ...],
    popups: bool,
    _data: Dataset,
):
    """The overlays as plain data (display geometry, escaped tooltips); Folium objects are built per run."""
    summary = {zone_type: rollup(data_key, zone_type, mode, year, _data) for zone_type in zone_types(_data.zones)}
    return layers.overlay_data(
        _data.carriers,
        _data.zones,
        context=_data.context,
        summary=summary,
        sources=_data.sources,
        layers=keys,
        lang=lang,
        gcj02=gcj02,
        popups=popups,
    )


def one_decimal(frame: pd.DataFrame) -> dict[str, st.column_config.NumberColumn]:
    """万㎡ columns shown with one decimal (formatted by the browser, at no cost to the server).

    The tables pass ``placeholder="—"`` too: an empty figure (unknown, or no declared figure for the
    outside and total rows) reads as a dash, not as Streamlit's default "None".
    """
    return {c: st.column_config.NumberColumn(format="%.1f") for c in frame.columns if frame[c].dtype.kind == "f"}


def tianditu_token() -> str | None:
    token = layers.tianditu_token_from_env(os.environ)
    if token:
        return token
    try:
        return str(st.secrets["tianditu_token"]) or None
    except (KeyError, FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


@st.cache_data(show_spinner=False, max_entries=16)
def inspect_upload(digest: str, name: str, encoding: str | None, geometry: str | None, _raw: bytes):  # noqa: ANN201
    """Cached on the content's hash (not its name), so one user's file never answers for another's."""
    return reader.inspect(_raw, name, encoding=encoding, geometry=geometry)


def error_text(exc: Exception) -> str:
    """A reader or validation error in the page's language, safe to show as Markdown."""
    if isinstance(exc, reader.ReadError):
        head = exc.message_zh if lang == "zh" else exc.message_en
        lines = [md(head), *(f"- {md(p.render(lang))}" for p in exc.problems)]
        if exc.choices:
            lines.append(md(("可选：" if lang == "zh" else "choices: ") + ", ".join(exc.choices)))
        return "\n".join(lines)
    if isinstance(exc, DataError):
        return md(exc.report(lang=lang))
    return md(str(exc))


def apply_staged() -> None:
    """Build this session's dataset from the staged layers (button callback)."""
    staged = st.session_state.staged
    how = st.session_state.get("import_how", "replace")
    try:
        st.session_state.user_data = with_layers(
            bundled(),
            how=how,
            carriers=staged["carriers"]["frame"] if "carriers" in staged else None,
            zones=staged["zones"]["frame"] if "zones" in staged else None,
            hashes={role: item["digest"] for role, item in staged.items()},
        )
        st.session_state.import_error = None
    except DataError as exc:
        st.session_state.import_error = error_text(exc)


def reset_data() -> None:
    st.session_state.user_data = None
    st.session_state.staged = {}
    st.session_state.import_error = None


data = st.session_state.user_data or bundled()
data_key = ";".join(f"{k}={v}" for k, v in sorted(data.hashes.items()))

# --- choices --------------------------------------------------------------------------------------
# Read from the session state before any widget is drawn (each widget writes its value there before the
# run starts), so the map can be computed and sent first: its component is what the browser takes
# longest to load, and everything else on the page is drawn while it loads.
lang = st.session_state.lang
token = tianditu_token()  # environment or secrets, read once per run
basemaps = layers.available_basemaps(tianditu_token=token)
basemap_names = {b.key: b.label(lang) for b in basemaps}
if st.session_state.basemap not in basemap_names:
    st.session_state.basemap = "osm"
groupings = [*zone_types(data.zones), "status"]
if st.session_state.by not in groupings:
    st.session_state.by = groupings[0]
by, mode = st.session_state.by, st.session_state.mode
year = None if st.session_state.buildout else int(st.session_state.year)
on = [key for key in layers.LAYER_KEYS if st.session_state[f"layer_{key}"]]
basemap = st.session_state.basemap

headline = st.container()  # title and metrics, filled in below once the map has been sent

# --- map ----------------------------------------------------------------------------------------
# A downloaded map must not carry the user's Tianditu token: it falls back to OpenStreetMap (same datum).
export_basemap = "osm" if layers.basemap_info(basemap).needs_token else basemap
with st.spinner(t("working_map")):
    basis = map_basis(data_key, data)
    # Every overlay is cached once per language and datum; the switches only pick which ones are drawn.
    overlays = map_overlays(data_key, lang, layers.needs_gcj02(basemap), mode, year, layers.LAYER_KEYS, True, data)
parts = layers.build_map(
    overlay_data=overlays,
    basis=basis,
    basemap=basemap,
    tianditu_token=token,
    layers=on,
    lang=lang,
    embed_overlays=False,
    basemap_in_map=False,
)
if parts.gcj02:
    st.caption(t("gcj_note"))
if parts.note:
    st.caption(parts.note)
# The map itself depends on the data and language only; tiles and overlays come as feature groups,
# so switching the basemap or a layer keeps the component (and the user's view).
st_folium(
    parts.map,
    key="map",
    height=560,
    use_container_width=True,
    returned_objects=[],
    feature_group_to_add=parts.feature_groups,
    layer_control=None,
)
st.info(t("accuracy"), icon="📐")

# --- sidebar ------------------------------------------------------------------------------------
with st.sidebar:
    st.radio(
        TEXT["language"][0],
        ["zh", "en"],
        key="lang",
        horizontal=True,
        format_func={"zh": "中文", "en": "English"}.__getitem__,
    )
    st.selectbox(t("basemap"), list(basemap_names), key="basemap", format_func=basemap_names.__getitem__)
    if not any(b.key.startswith("tianditu") for b in basemaps):
        st.caption(t("tianditu_missing"))
    st.markdown(f"**{t('layers')}**")
    for key in layers.LAYER_KEYS:
        st.checkbox(layers.layer_label(key, lang), key=f"layer_{key}")
    st.radio(t("grouping"), groupings, key="by", format_func=lambda g: pick(GROUP_NAMES.get(g, (g, g))))
    st.radio(
        t("mode"),
        list(MODES),
        key="mode",
        format_func=lambda m: pick(MODE_NAMES[m]),
        help=t("mode_help"),
        disabled=by == "status",
    )
    st.checkbox(t("buildout"), key="buildout")
    st.slider(t("year"), *YEARS, key="year", disabled=st.session_state.buildout)

# --- headline -----------------------------------------------------------------------------------
with st.spinner(t("working_rollup")):  # shown only when it takes more than half a second
    table = rollup(data_key, by, mode, year, data)
    zone_tables = {zone_type: rollup(data_key, zone_type, mode, year, data) for zone_type in zone_types(data.zones)}
with headline:
    st.title(t("title"))
    st.caption(t("subtitle"))
    metrics = present.district_metrics(table)
    columns = st.columns(4)
    columns[0].metric(t("m_total"), f"{metrics['total']:,.1f}")
    columns[1].metric(t("m_existing"), f"{metrics['existing']:,.1f}")
    columns[2].metric(t("m_planned"), f"{metrics['planned']:,.1f}")
    columns[3].metric(t("m_unknown"), metrics["unknown"])

# --- sections ---------------------------------------------------------------------------------------
# One section at a time: hidden tabs would still be built, sent and drawn by the browser on every run, and
# drawing their tables and chart delayed the map by most of a second. The summary's chart is plain HTML
# (geo.present.chart_html): a Vega chart took the browser about 0.2 s more before the map was drawn.
section = st.radio(
    t("section"),
    SECTIONS,
    key="section",
    horizontal=True,
    label_visibility="collapsed",
    format_func=lambda key: t(f"tab_{key}"),
)
if section == "summary":
    summary_view = present.summary_table(table, lang)
    st.dataframe(
        summary_view, width="stretch", hide_index=True, column_config=one_decimal(summary_view), placeholder="—"
    )
    st.caption(t("summary_note"))
    st.html(present.chart_html(table, lang))

if section == "carriers":
    carriers_frame = carriers_view(data_key, lang, mode, data)
    st.dataframe(
        carriers_frame, width="stretch", hide_index=True, column_config=one_decimal(carriers_frame), placeholder="—"
    )

if section == "quality":
    report = findings(data_key, data)
    if report.empty:
        st.success(t("no_findings"))
    else:
        shown = report.assign(
            kind=[pick(KINDS[k]) for k in report["kind"]],
            severity=[pick(SEVERITY_NAMES[s]) for s in report["severity"]],
        )
        message = "message_zh" if lang == "zh" else "message_en"
        st.dataframe(shown[["severity", "kind", "subject", message]], width="stretch", hide_index=True)

if section == "sources":
    st.dataframe(data.sources, width="stretch", hide_index=True)

if section == "downloads":
    stamp = export.make_stamp(
        input_hashes=data.hashes,
        by=by,
        mode=mode,
        year=year,
        crs=metric_crs_for(data.carriers).to_string(),
        now=datetime.now(UTC),
    )
    all_tables = {**zone_tables, "status": rollup(data_key, "status", mode, year, data)}
    suffix = f"{by}_{mode}_{'buildout' if year is None else year}"
    st.caption(t("dl_note"))
    downloads = [
        ("dl_summary_csv", f"summary_{suffix}.csv", "csv", lambda: export.summary_csv(table, stamp)),
        (
            "dl_summary_xlsx",
            f"summary_{suffix}.xlsx",
            "xlsx",
            lambda: export.summary_xlsx(all_tables, stamp, lang=lang),
        ),
        (
            "dl_geojson",
            "xuhui_carriers_zones.geojson",
            "geojson",
            lambda: export.layers_geojson(data.carriers, data.zones, stamp),
        ),
        (
            "dl_gpkg",
            "xuhui_carriers.gpkg",
            "gpkg",
            lambda: export.geopackage(data.carriers, data.zones, all_tables, stamp, crs="EPSG:4490"),
        ),
        ("dl_kml", "xuhui_carriers.kml", "kml", lambda: export.kml(data.carriers, data.zones, stamp)),
        ("dl_shp", "xuhui_carriers_shp.zip", "shp", lambda: export.shapefile_zip(data.carriers, data.zones, stamp)),
        (
            "dl_html",
            "xuhui_carriers_map.html",
            "html",
            lambda: layers.standalone_html(
                layers.build_map(
                    overlay_data=overlays,  # the export basemap shares the shown one's datum
                    basis=basis,
                    basemap=export_basemap,
                    layers=on,
                    lang=lang,
                    embed_overlays=True,
                ).map
            ),
        ),
    ]
    grid = st.columns(2)
    for position, (text_key, file_name, fmt, build) in enumerate(downloads):
        grid[position % 2].download_button(
            t(text_key),
            data=build,
            file_name=file_name,
            mime=export.EXPORT_FORMATS[fmt].mime,
            on_click="ignore",
            key=f"download_{fmt}",
            width="stretch",
        )

if section == "import":
    st.caption(t("import_help"))
    if st.session_state.user_data is not None:
        st.info(t("using_user").format(items=md(", ".join(i["name"] for i in st.session_state.staged.values()))))
        st.button(t("reset"), on_click=reset_data, key="reset_data")
    if st.session_state.import_error is not None:
        st.error(st.session_state.import_error)
    role = st.radio(
        t("role"), ["carriers", "zones"], key="upload_role", horizontal=True, format_func=lambda r: t(f"role_{r}")
    )
    uploaded = st.file_uploader(
        t("upload"), key="upload_file", type=["geojson", "json", "gpkg", "zip", "kml", "kmz", "parquet", "csv", "xlsx"]
    )
    if uploaded is not None:
        raw = uploaded.getvalue()
        digest = hashlib.sha256(raw).hexdigest()
        encoding = st.session_state.get("upload_encoding") or None
        try:
            with st.spinner(t("working_read")):
                info = inspect_upload(digest, uploaded.name, encoding, None, raw)
        except reader.ReadError as exc:
            st.error(error_text(exc))
            info = None
        if info is not None:
            names = [layer.name for layer in info.layers]
            chosen = st.selectbox(t("layer"), names, key="upload_layer") if len(names) > 1 else names[0]
            layer = info.layer(chosen if chosen in names else names[0])
            if layer.error is not None:
                st.error(error_text(layer.error))
            else:
                st.caption(
                    md(
                        t("file_info").format(
                            fmt=info.format,
                            features=layer.features,
                            vertices=layer.vertices or "?",
                            crs=layer.declared_crs or "—",
                        )
                    )
                )
                for note in [*info.notes, *layer.notes]:
                    st.caption(md(note.zh if lang == "zh" else note.en))
                if layer.encoding is not None:
                    st.caption(
                        md(
                            t("encoding_found").format(
                                encoding=layer.encoding.encoding or "?", source=layer.encoding.source
                            )
                        )
                    )
                    if layer.encoding.problem is not None:
                        st.warning(md(layer.encoding.problem.zh if lang == "zh" else layer.encoding.problem.en))
                    st.selectbox(t("encoding"), ["", *reader.ENCODING_CHOICES], key="upload_encoding")
                st.markdown(f"**{t('preview')}**")
                st.dataframe(layer.preview, hide_index=True)
                crs = swap = None
                if layer.needs_crs:
                    for issue in layer.crs_issues:
                        st.warning(md(issue.zh if lang == "zh" else issue.en))
                    codes = [c.code for c in layer.crs_choices]
                    labels = {c.code: (c.label_zh if lang == "zh" else c.label_en) for c in layer.crs_choices}
                    crs = st.selectbox(
                        t("crs_choice"),
                        codes,
                        key="upload_crs",
                        format_func=labels.__getitem__,
                        index=codes.index(layer.suggested_crs) if layer.suggested_crs in codes else 0,
                    )
                    swap = st.checkbox(t("swap"), value=layer.swap_suggested, key="upload_swap")
                st.markdown(f"**{t('mapping')}**")
                fields = CARRIER_FIELDS if role == "carriers" else ZONE_FIELDS
                guess = {field: column for column, field in reader.suggest_mapping(layer.columns, role).items()}
                mapping: dict[str, str] = {}
                grid = st.columns(3)
                for position, field in enumerate(fields):
                    options = ["", *layer.columns]
                    default = guess.get(field.name, field.name if field.name in layer.columns else "")
                    column = grid[position % 3].selectbox(
                        field.name,
                        options,
                        index=options.index(default),
                        key=f"map_{role}_{field.name}",
                        format_func=lambda c: c or t("not_mapped"),
                    )
                    if column and column != field.name:
                        mapping[column] = field.name
                if st.button(t("read"), key="read_upload", type="primary"):
                    try:
                        with st.spinner(t("working_read")):
                            result = reader.read(
                                raw,
                                uploaded.name,
                                layer=layer.name,
                                encoding=encoding,
                                crs=crs,
                                swap_xy=swap,
                                columns=mapping or None,
                                role=role,
                            )
                    except reader.ReadError as exc:
                        st.error(error_text(exc))
                        result = None
                    if result is not None:
                        st.caption(md(result.crs_note.zh if lang == "zh" else result.crs_note.en))
                        if result.report:
                            st.markdown(f"**{t('report')}**")
                            st.dataframe(result.report_frame(), hide_index=True)
                        if len(result.rejected):
                            st.download_button(
                                t("rejected"),
                                data=result.rejected_csv(),
                                on_click="ignore",
                                file_name="rejected_rows.csv",
                                mime="text/csv",
                                key="rejected",
                            )
                        if result.problems:
                            listed = "\n".join(f"- {md(problem.render(lang))}" for problem in result.problems)
                            st.error(t("problems") + "\n" + listed)
                        else:
                            st.session_state.staged[role] = {
                                "frame": result.frame,
                                "digest": digest,
                                "name": f"{uploaded.name} ({t('role_' + role)})",
                            }
    if st.session_state.staged:
        st.caption(t("staged").format(items=md(", ".join(i["name"] for i in st.session_state.staged.values()))))
        st.radio(t("how"), ["replace", "add"], key="import_how", horizontal=True, format_func=lambda h: t(f"how_{h}"))
        st.button(t("apply"), on_click=apply_staged, key="apply_upload", type="primary")
