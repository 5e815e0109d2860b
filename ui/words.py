"""The page's words: every label, note and message as a :class:`geo.text.Text` (中文 and English).

Codes (``declared``, ``belt``, ``park``…) never reach the page as labels: their words come from
:mod:`geo.text` (one vocabulary for the whole project); the words only the page uses are here.

>>> say("tab_summary", "en")
'Summary'
"""

from __future__ import annotations

from collections.abc import Mapping

from geo.text import Lang, Text

__all__ = ["ACTIONS", "ENCODING_SOURCES", "TABLE_HEADERS", "TEXT", "bilingual", "encoding_source", "say"]

TEXT: Mapping[str, Text] = {
    "title": Text("徐汇区人工智能产业载体", "Xuhui AI-industry floor space"),
    "title_other": Text("人工智能产业载体", "AI-industry floor space"),
    "subtitle": Text(
        "“两极两带”空间布局下的载体面积：按增长极、发展带、状态和年份汇总",
        "Carrier floor space in the “two poles, two belts” layout, summed by pole, belt, status and year",
    ),
    "subtitle_other": Text(
        "上传数据中的载体面积：按分区、状态和年份汇总",
        "Carrier floor space of the uploaded data, summed by zone, status and year",
    ),
    "accuracy": Text(
        "边界为示意，并非官方界线：每个载体的“边界精度（米）”给出其可能偏差。面积数字来自所引文件，"
        "空值表示未知（不按零计）。",
        "Outlines are approximate, not official boundaries: each carrier's “outline accuracy (m)” says how far it "
        "may be off. Figures come from the cited documents; empty means unknown (never counted as zero).",
    ),
    "language": Text("语言 Language", "Language 语言"),
    "basemap": Text("底图", "Basemap"),
    "layers": Text("图层", "Layers"),
    "grouping": Text("汇总方式", "Group by"),
    "mode": Text("归属方式", "Membership"),
    "mode_help": Text(
        "按规划归属：按规划文件中载体所属的片区；最大重叠：归入与载体重叠面积最大的片区；"
        "按面积拆分：按载体边界落在各片区内的面积比例拆分",
        "declared: the zones the plan assigns each carrier to; largest overlap: the zone that overlaps the "
        "carrier most; split by area: split by the share of the outline in each zone",
    ),
    "buildout": Text("按建成后（全部规划）", "At build-out (all planned)"),
    "year": Text("截至年份", "As of year"),
    "year_help": Text(
        "截至所选年份：现有面积在启用年份不晚于该年（或启用年份未知）时计入；规划新增面积只在规划年份不晚于该年时计入，"
        "规划年份未知的规划新增面积不计入合计，而计为“面积未知”。",
        "As of the chosen year: existing floor area counts when the carrier opened by then (or its opening year is "
        "unknown); planned floor area counts only when its planned year is no later; planned floor area with an "
        "unknown year is left out of the sums and counted as unknown.",
    ),
    "tianditu_missing": Text(
        "天地图需要令牌：在下方粘贴（仅本次会话使用），或设置环境变量 TIANDITU_TOKEN。",
        "Tianditu needs a token: paste one below (used in this session only), or set TIANDITU_TOKEN.",
    ),
    "token": Text("天地图令牌（仅本次会话）", "Tianditu token (this session only)"),
    "token_help": Text(
        "天地图控制台中的“浏览器端”密钥：只保存在本次会话中，不写入日志、导出文件或下载的地图。",
        "The browser-type (浏览器端) key from the Tianditu console: kept in this session only, never logged, "
        "exported or put in the downloaded map.",
    ),
    "token_bad": Text(
        "{where}的天地图令牌格式不正确（应为 8–128 位字母和数字），天地图底图已停用。"
        "请从天地图控制台复制“浏览器端”密钥。",
        "The Tianditu token {where} is malformed (it should be 8–128 letters and digits), so the Tianditu basemaps "
        "are off. Copy the browser-type (浏览器端) key from the Tianditu console.",
    ),
    "token_where_env": Text("环境变量 TIANDITU_TOKEN 中", "in TIANDITU_TOKEN"),
    "token_where_page": Text("粘贴", "you pasted"),
    "gcj_note": Text(
        "高德底图使用 GCJ-02 坐标：图上叠加层已偏移显示；数据、汇总与导出仍为 WGS-84。",
        "AMap tiles are in GCJ-02: the overlays are shifted for display only; data, sums and exports stay WGS-84.",
    ),
    "m_total": Text("合计 (万㎡)", "Total (10k m²)"),
    "m_existing": Text("现有 (万㎡)", "Existing (10k m²)"),
    "m_planned": Text("规划新增 (万㎡)", "Planned (10k m²)"),
    "m_unknown": Text("面积未知的载体", "Carriers with unknown figures"),
    "section": Text("内容", "Section"),
    "tab_summary": Text("汇总", "Summary"),
    "tab_timeline": Text("逐年与目标", "Through time"),
    "tab_carriers": Text("载体", "Carriers"),
    "tab_quality": Text("数据质量", "Data quality"),
    "tab_sources": Text("来源", "Sources"),
    "tab_scenarios": Text("方案与修改记录", "Scenarios and history"),
    "tab_downloads": Text("下载", "Downloads"),
    "scenario_shown": Text(
        "当前显示方案“{name}”（第 {version} 版）：地图、汇总、逐年图表与下载均为该方案的数据。",
        "Showing scenario “{name}” (version {version}): the map, sums, timeline and downloads are its data.",
    ),
    "tab_import": Text("导入数据", "Your data"),
    "summary_note": Text(
        "各分组加“不属于任何{zone}”一行恰好等于全区合计；嵌套载体（如西岸智塔）不重复计入。",
        "The groups plus the “outside every {zone}” row add up exactly to the district total; nested carriers "
        "(such as AI Tower) never count twice.",
    ),
    "summary_note_status": Text(
        "每个载体按其状态计入一行，各状态行相加恰好等于全区合计；嵌套载体不重复计入。",
        "Each carrier counts in the row of its status; the status rows add up exactly to the district total; "
        "nested carriers never count twice.",
    ),
    "no_findings": Text("没有数据质量问题。", "No data-quality findings."),
    "dl_summary_csv": Text("汇总表 CSV（含元数据说明）", "Summary CSV (with its metadata file)"),
    "dl_summary_xlsx": Text("汇总表 Excel（各汇总方式）", "Summary Excel (every grouping)"),
    "dl_geojson": Text("载体与片区 GeoJSON（同一文件）", "Carriers + zones GeoJSON (one file)"),
    "dl_carriers_geojson": Text("载体 GeoJSON（可再次导入）", "Carriers GeoJSON (to upload again)"),
    "dl_zones_geojson": Text("片区 GeoJSON（可再次导入）", "Zones GeoJSON (to upload again)"),
    "dl_gpkg": Text("GeoPackage (CGCS2000)", "GeoPackage (CGCS2000)"),
    "dl_kml": Text("KML (WGS-84)", "KML (WGS-84)"),
    "dl_shp": Text("Shapefile 压缩包 (GBK)", "Shapefile zip (GBK)"),
    "dl_html": Text("地图 HTML（可离线打开）", "Map as HTML (works offline)"),
    "by_phase": Text("载体按阶段着色", "Colour carriers by phase"),
    "by_phase_help": Text(
        "按截至所选年份的阶段着色：蓝＝已建成，橙＝在建，浅灰＝规划，深灰虚线＝阶段未知；按建成后时为各载体已知的最高阶段。",
        "Coloured by phase as of the chosen year: blue = built, orange = under construction, light grey = planned, "
        "dark grey dashed = phase unknown; at build-out, each carrier's most advanced known phase.",
    ),
    "indicators_heading": Text("其他指标（来源已报告者）", "Other indicators (where a source reports them)"),
    "indicators_group": Text("范围", "scope"),
    "indicators_note": Text(
        "片区自身无数值时由其载体得出：企业数、产值等可加指标相加，每平方米产值等派生指标按合计重算，从不相加；"
        "任一成员未知则为“—”（不按零计）。各指标取最近年份的数值。",
        "Where a zone has no value of its own, it comes from its carriers: additive indicators (firms, output) "
        "are summed, derived ones (output per m²) recomputed from the sums, never added; any member unknown "
        "gives “—” (never zero). Each indicator shows its latest value.",
    ),
    "dl_figures_csv": Text(
        "分期、目标与指标 CSV（含元数据说明）", "Tranches, targets and indicators CSV (with their metadata files)"
    ),
    "dl_timeline_csv": Text("逐年表 CSV（含元数据说明）", "Timeline CSV (with its metadata file)"),
    "dl_timeline_xlsx": Text("逐年表 Excel", "Timeline Excel"),
    "dl_note": Text(
        "每个导出文件都带有元数据：输入文件哈希、归属方式、年份、坐标系、工具版本和时间。",
        "Every export carries a metadata stamp: input hashes, membership mode, year, CRS, tool version and time.",
    ),
    "import_help": Text(
        "上传本区或其他区的载体或分区：GeoJSON、GeoPackage、Shapefile 压缩包、KML/KMZ、"
        "GeoParquet，或含 WKT / 经纬度列的 CSV、XLSX。文件只在本次会话中使用，其他用户看不到。",
        "Upload carriers or zones (this district's or another's): GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, "
        "GeoParquet, or CSV/XLSX with WKT or longitude/latitude columns. Files stay in this session; no other "
        "user sees them.",
    ),
    "role": Text("文件内容", "The file holds"),
    "upload": Text("选择文件", "Choose a file"),
    "upload_button": Text("上传", "Upload"),
    "upload_limit": Text(
        "单个文件不超过 {mb} MB（GeoPackage、GeoParquet 不超过 {big} MB）",
        "up to {mb} MB per file (GeoPackage, GeoParquet: {big} MB)",
    ),
    "layer": Text("图层", "Layer"),
    "file_info": Text(
        "{fmt}：{features} 个要素，约 {vertices} 个顶点；声明的坐标系：{crs}",
        "{fmt}: {features} features, about {vertices} vertices; declared CRS: {crs}",
    ),
    "encoding": Text("文字编码", "Text encoding"),
    "encoding_auto": Text("自动（按检测结果）", "automatic (as detected)"),
    "encoding_found": Text(
        "检测到的编码：{encoding}（依据：{source}）", "Detected encoding: {encoding} (from {source})"
    ),
    "preview": Text("前几行预览", "First rows"),
    "crs_choice": Text("坐标实际所在的坐标系", "The coordinate system the numbers are really in"),
    "swap": Text("文件中纬度在前（交换经纬度）", "Latitude comes first in the file (swap axes)"),
    "mapping": Text("字段对应：数据标准字段 ← 文件中的列", "Column mapping: contract field ← file column"),
    "not_mapped": Text("（不使用）", "(not used)"),
    "choose": Text("请选择…", "Choose…"),
    "read": Text("读取并检查", "Read and check"),
    "how": Text("使用方式", "Use it to"),
    "how_replace": Text("替换内置数据", "replace the bundled data"),
    "how_add": Text("加入内置数据", "add to the bundled data"),
    "apply": Text("在本次会话中使用", "Use in this session"),
    "reset": Text("恢复内置徐汇数据", "Back to the bundled Xuhui data"),
    "staged": Text("已读取，待使用：{items}", "Read, ready to use: {items}"),
    "using_user": Text("当前使用上传的数据：{items}", "Using uploaded data: {items}"),
    "report": Text(
        "读取报告（删除、修复、拒绝或转换的每一行）",
        "Read report (every dropped, repaired, rejected or converted row)",
    ),
    "rejected": Text("下载被拒绝的行 CSV（含元数据说明）", "Download the rejected rows CSV (with its metadata file)"),
    "problems": Text("数据不符合标准，未使用：", "The data breaks the contract and was not used:"),
    "choices": Text("可选：", "choices: "),
    "working_rollup": Text("正在汇总…", "Rolling up…"),
    "working_map": Text("正在准备地图…", "Preparing the map…"),
    "working_read": Text("正在读取文件…", "Reading the file…"),
    "error_unexpected": Text(
        "这一部分未能显示（错误编号 {error_id}）。页面其余部分和您的选择都还在：请换个选项或刷新后重试；"
        "如仍出现，请把错误编号告诉管理员。",
        "This part could not be shown (error id {error_id}). The rest of the page and your choices are kept: "
        "change an option or reload and try again; if it happens again, give the error id to your administrator.",
    ),
    "read_unexpected": Text(
        "无法读取此文件（错误编号 {error_id}）：{why}服务器仍在正常运行。"
        "请检查文件，或换一种格式（如 GeoPackage、GeoJSON）导出后再上传。",
        "This file could not be read (error id {error_id}): {why}The server is still running. Check the file, or "
        "export it in another format (such as GeoPackage or GeoJSON) and upload it again.",
    ),
    "why_encoding": Text("文件声明的文字编码无法使用。", "its text encoding cannot be used. "),
    "why_memory": Text("文件解压或解码后过大。", "it grows too large once decompressed or decoded. "),
    "why_os": Text("读取时出现输入输出错误。", "reading it failed with an input/output error. "),
    "why_other": Text("读取过程意外中止。", "the reader stopped unexpectedly. "),
}

#: Column headers of the tables the page shows, by the table's own column name.
TABLE_HEADERS: Mapping[str, Text] = {
    # data quality findings
    "severity": Text("级别", "Severity"),
    "kind": Text("类型", "Kind"),
    "subject": Text("对象编号", "Subject id"),
    "message": Text("说明", "Message"),
    # sources
    "id": Text("编号", "ID"),
    "document": Text("文件", "Document"),
    "line": Text("行号", "Line"),
    "quote": Text("原文摘录", "Quote"),
    "value": Text("数值", "Value"),
    "unit": Text("单位", "Unit"),
    "note": Text("备注", "Note"),
    "field": Text("对应字段", "Field"),
    # the read report
    "row": Text("行", "Row"),
    "action": Text("处理", "Action"),
    "reason": Text("原因", "Reason"),
}

#: What the reader did to a row, as a planner says it.
ACTIONS: Mapping[str, Text] = {
    "dropped": Text("删除", "dropped"),
    "rejected": Text("拒绝", "rejected"),
    "repaired": Text("修复", "repaired"),
    "changed": Text("修改", "changed"),
    "converted": Text("转换", "converted"),
    "note": Text("说明", "note"),
}

#: Where a detected text encoding came from (``EncodingInfo.source``).
ENCODING_SOURCES: Mapping[str, Text] = {
    "cpg": Text("随附的 .cpg 文件", "the accompanying .cpg file"),
    "dbf-language-byte": Text("DBF 文件头中的语言标记", "the language byte in the DBF header"),
    "detected-utf-8": Text("内容为有效的 UTF-8", "the content is valid UTF-8"),
    "fallback-gb18030": Text("不是 UTF-8，按中文 GB18030 读取", "not UTF-8, so read as Chinese GB18030"),
    "xml-declaration": Text("XML 声明", "the XML declaration"),
    "user": Text("您的选择", "your choice"),
    "bom": Text("文件开头的字节顺序标记", "the byte-order mark at the start"),
    "default": Text("默认值", "the default"),
}


def bilingual(value: object) -> Text:
    """Any of the project's two-language shapes as a :class:`Text`.

    Accepts a ``Text``, anything with ``zh`` and ``en`` attributes (the reader's notes), a
    ``(zh, en)`` tuple, or plain text (the same in both languages).

    >>> bilingual(("状态", "status")).in_("en")
    'status'
    """
    if isinstance(value, Text):
        return value
    zh, en = getattr(value, "zh", None), getattr(value, "en", None)
    if isinstance(zh, str) and isinstance(en, str):
        return Text(zh, en)
    if isinstance(value, tuple) and len(value) == 2:
        return Text(str(value[0]), str(value[1]))
    return Text(str(value), str(value))


def say(key: str, lang: Lang, **values: object) -> str:
    """The page's text ``key`` in ``lang``, with ``{name}`` placeholders filled in."""
    text = TEXT[key]
    return (text.format(**values) if values else text).in_(lang)


def encoding_source(source: str, lang: Lang) -> str:
    """Where an encoding was detected, in words (never a code such as ``detected-utf-8``)."""
    text = ENCODING_SOURCES.get(source)
    if text is not None:
        return text.in_(lang)
    return "文件" if lang == "zh" else "the file"
