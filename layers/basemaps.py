"""Basemaps: which tiles the map can sit on, and whether the overlays must move to GCJ-02 for them.

- OpenStreetMap and CartoDB Positron: WGS-84 tiles.
- 天地图 Tianditu vector (``vec_w`` + ``cva_w`` labels) and imagery (``img_w`` + ``cia_w``): CGCS2000,
  which matches WGS-84 at map scale; offered only when a token is given. The token comes from the
  caller (see :func:`tianditu_token_from_env`) and is never stored in the repository. It does end up
  in the page, because the browser fetches the tiles with it: use a browser-type (浏览器端) key.
- 高德 AMap vector (``style=8``) and satellite (``style=6``): GCJ-02 tiles, so every overlay is
  shifted WGS-84 → GCJ-02 for display (:func:`layers.display.to_gcj02`).
- ``none``: no tiles and no outside request at all.

A basemap that cannot be drawn (a Tianditu token that is missing or malformed) is never an error for
the page: :func:`available_basemaps` lists it as unusable with the reason, and :func:`build_basemap`
gives a group with no tiles that says why on the map. Tiles that fail to load (a blocked or offline
tile server) make the map say so too, in the page's language (:class:`MapNotice`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.text import Text
from layers._common import WORDS, Lang, LayerInputError, check_lang, escape_text

__all__ = [
    "BASEMAP_KEYS",
    "TIANDITU_TOKEN_ENV",
    "BasemapInfo",
    "MapNotice",
    "available_basemaps",
    "basemap_info",
    "basemap_problem",
    "build_basemap",
    "needs_gcj02",
    "tianditu_token_from_env",
]

TIANDITU_TOKEN_ENV = "TIANDITU_TOKEN"  # noqa: S105 — the variable's name, not a secret


@dataclass(frozen=True)
class BasemapInfo:
    """What the page needs to know about one basemap.

    Attributes
    ----------
    key
        Identifier passed to :func:`build_basemap` / ``build_map``.
    name
        Its name for a selector, in 中文 and English.
    datum
        ``"WGS-84"``, ``"CGCS2000"``, ``"GCJ-02"`` or ``""`` (no tiles).
    needs_token
        True for Tianditu.
    gcj02
        True when overlays must be shifted WGS-84 → GCJ-02 to line up with the tiles.
    problem
        Why it cannot be drawn now (a malformed token), or None when it can.
    """

    key: str
    name: Text
    datum: str
    needs_token: bool = False
    gcj02: bool = False
    problem: Text | None = None

    def label(self, lang: Lang = "zh") -> str:
        """The selector label in ``lang`` (plain text, not escaped), marked unavailable when it has a problem."""
        text = self.name.in_(check_lang(lang))
        if self.problem is not None:
            text += "（不可用）" if lang == "zh" else " (unavailable)"
        return text


_BASEMAPS: tuple[BasemapInfo, ...] = (
    BasemapInfo("osm", Text("OpenStreetMap", "OpenStreetMap"), "WGS-84"),
    BasemapInfo("carto_light", Text("CartoDB 浅色", "CartoDB light (Positron)"), "WGS-84"),
    BasemapInfo("tianditu_vec", Text("天地图 矢量", "Tianditu vector"), "CGCS2000", needs_token=True),
    BasemapInfo("tianditu_img", Text("天地图 影像", "Tianditu imagery"), "CGCS2000", needs_token=True),
    BasemapInfo("amap_vec", Text("高德 矢量（GCJ-02）", "AMap vector (GCJ-02)"), "GCJ-02", gcj02=True),
    BasemapInfo("amap_sat", Text("高德 卫星（GCJ-02）", "AMap satellite (GCJ-02)"), "GCJ-02", gcj02=True),
    BasemapInfo("none", Text("无底图（离线）", "No basemap (offline)"), ""),
)
BASEMAP_KEYS: tuple[str, ...] = tuple(b.key for b in _BASEMAPS)

_OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
_CARTO_ATTR = _OSM_ATTR + ' &copy; <a href="https://carto.com/attributions">CARTO</a>'
_TIANDITU_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a>'
_AMAP_ATTR = '&copy; <a href="https://www.amap.com/">高德地图 AutoNavi</a>'

_TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={token}"
)
_AMAP_VEC_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
_AMAP_SAT_URL = "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}"


def tianditu_token_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The Tianditu token from ``$TIANDITU_TOKEN``, or None when unset or blank.

    Parameters
    ----------
    environ
        Mapping to read instead of ``os.environ`` (for tests). The app may also look in
        ``st.secrets`` and pass the value on; never commit a token.
    """
    value = (os.environ if environ is None else environ).get(TIANDITU_TOKEN_ENV, "")
    value = value.strip()
    return value or None


_TOKEN_MISSING = Text(
    f"天地图需要令牌：请设置环境变量 {TIANDITU_TOKEN_ENV}（或 Streamlit secrets 中的 tianditu_token），"
    "或改选其他底图。",
    f"Tianditu needs a token: set {TIANDITU_TOKEN_ENV} (or tianditu_token in Streamlit secrets), "
    "or choose another basemap.",
)
_TOKEN_MALFORMED = Text(
    "天地图令牌格式不正确（应为 8–128 位字母和数字）：请从天地图控制台复制「浏览器端」密钥，"
    f"设置到 {TIANDITU_TOKEN_ENV}，或改选其他底图。",
    "The Tianditu token is malformed (it should be 8–128 letters and digits): copy the browser (浏览器端) key "
    f"from the Tianditu console into {TIANDITU_TOKEN_ENV}, or choose another basemap.",
)


def _clean_token(token: str | None) -> str | None:
    """The token without surrounding blanks, or None when there is none (never validated here)."""
    if token is None or not str(token).strip():
        return None
    return str(token).strip()


def _check_token(token: str | None) -> str | None:
    token = _clean_token(token)
    if token is not None and not re.fullmatch(r"[A-Za-z0-9]{8,128}", token):
        raise LayerInputError(f"{_TOKEN_MALFORMED.en} · {_TOKEN_MALFORMED.zh}")
    return token


def basemap_problem(key: str, *, tianditu_token: str | None = None) -> Text | None:
    """Why basemap ``key`` cannot be drawn with this token (missing or malformed), or None when it can.

    The token itself never appears in the message.

    >>> basemap_problem("tianditu_vec", tianditu_token="not a token!").en[:32]
    'The Tianditu token is malformed '
    >>> basemap_problem("osm") is None
    True
    """
    if not basemap_info(key).needs_token:
        return None
    token = _clean_token(tianditu_token)
    if token is None:
        return _TOKEN_MISSING
    try:
        _check_token(token)
    except LayerInputError:
        return _TOKEN_MALFORMED
    return None


def available_basemaps(*, tianditu_token: str | None = None) -> tuple[BasemapInfo, ...]:
    """The basemaps the page can offer: Tianditu only when a token is given.

    A malformed token does not raise: both Tianditu basemaps are listed with their ``problem`` (a
    bilingual reason), so the page can say why they cannot be used.

    Parameters
    ----------
    tianditu_token
        The user's Tianditu key, or None.

    Returns
    -------
    tuple of BasemapInfo
        In selector order; ``info.gcj02`` says whether overlays are shifted for it.
    """
    has_token = _clean_token(tianditu_token) is not None
    out = []
    for info in _BASEMAPS:
        if info.needs_token and not has_token:
            continue
        problem = basemap_problem(info.key, tianditu_token=tianditu_token)
        out.append(info if problem is None else replace(info, problem=problem))
    return tuple(out)


def basemap_info(key: str) -> BasemapInfo:
    """The :class:`BasemapInfo` for ``key``; :class:`LayerInputError` for an unknown key."""
    for info in _BASEMAPS:
        if info.key == key:
            return info
    raise LayerInputError(f"basemap={key!r} is not known; choose one of {', '.join(BASEMAP_KEYS)}")


def needs_gcj02(key: str) -> bool:
    """True if overlays must be shifted to GCJ-02 to line up with basemap ``key`` (AMap only)."""
    return basemap_info(key).gcj02


def _tiles(url: str, attr: str, name: str, *, subdomains: str, max_native_zoom: int) -> folium.TileLayer:
    return folium.TileLayer(
        tiles=url,
        attr=attr,
        name=name,
        subdomains=subdomains,
        max_zoom=20,
        max_native_zoom=max_native_zoom,
        overlay=False,
        control=False,
    )


class MapNotice(MacroElement):
    """A short message on the map (a Leaflet control), shown with the basemap it belongs to.

    Added to a basemap's ``FeatureGroup``: with ``always`` it is shown while the group is on the map
    (a basemap that cannot be drawn); otherwise only when that group's tiles fail to load (most of the
    tiles of a view reported ``tileerror``), and hidden again once they load.

    Parameters
    ----------
    text
        The message, plain text (escaped here).
    always
        Show it whenever the group is on the map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (group) {
            var html = {{ this.html|tojson }};
            var control = null;
            function show(map) {
                if (control || !map) { return; }
                control = L.control({position: "bottomleft"});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", "xh-notice leaflet-control");
                    div.setAttribute("role", "status");
                    div.innerHTML = html;
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                control.addTo(map);
            }
            function hide() { if (control) { control.remove(); control = null; } }
            group.on("remove", hide);
            {%- if this.always %}
            group.on("add", function () { show(group._map); });
            if (group._map) { show(group._map); }
            {%- else %}
            group.eachLayer(function (tiles) {
                if (!tiles.on) { return; }
                var failed = 0, loaded = 0;
                tiles.on("loading", function () { failed = 0; loaded = 0; });
                tiles.on("tileerror", function () { failed += 1; });
                tiles.on("tileload", function () { loaded += 1; });
                tiles.on("load", function () {
                    if (failed > 0 && failed >= loaded) { show(tiles._map); } else if (loaded > 0) { hide(); }
                });
            });
            {%- endif %}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str, *, always: bool = False) -> None:
        super().__init__()
        self._name = "MapNotice"
        self.html = escape_text(text)
        self.always = bool(always)


def build_basemap(key: str, *, tianditu_token: str | None = None, lang: Lang = "zh") -> folium.FeatureGroup:
    """A non-overlay ``FeatureGroup`` holding the basemap's tile layer(s) (none for ``"none"``).

    Tiles that fail to load make the map say so (:class:`MapNotice`, in ``lang``), suggesting
    "No basemap (offline)" or another basemap. A Tianditu basemap without a usable token
    (:func:`basemap_problem`) gives a group with no tiles whose notice says why: never an error.

    Parameters
    ----------
    key
        One of :data:`BASEMAP_KEYS`.
    tianditu_token
        Required for ``tianditu_vec`` / ``tianditu_img``.
    lang
        ``"en"`` uses Tianditu's English label layers (``eva``/``eia``); AMap labels stay Chinese; the
        notices are in ``lang``.

    Returns
    -------
    folium.FeatureGroup
        Not shown in a layer control; add it to the map before the overlays.

    Raises
    ------
    LayerInputError
        Unknown key or ``lang``.
    """
    lang = check_lang(lang)
    info = basemap_info(key)
    group = folium.FeatureGroup(name=escape_text(info.label(lang)), overlay=False, control=False)
    problem = basemap_problem(key, tianditu_token=tianditu_token)
    if problem is not None:
        group.add_child(MapNotice(problem.in_(lang), always=True), name="xh_basemap_problem")
        return group
    token = _check_token(tianditu_token) if info.needs_token else None  # usable: basemap_problem said so
    if key == "osm":
        _tiles(
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png", _OSM_ATTR, "osm", subdomains="abc", max_native_zoom=19
        ).add_to(group)
    elif key == "carto_light":
        _tiles(
            "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
            _CARTO_ATTR,
            "carto_light",
            subdomains="abcd",
            max_native_zoom=20,
        ).add_to(group)
    elif key in ("tianditu_vec", "tianditu_img"):
        base, notes = ("vec", "cva") if key == "tianditu_vec" else ("img", "cia")
        if lang == "en":
            notes = "e" + notes[1:]  # eva / eia: English annotation layers
        for layer in (base, notes):
            _tiles(
                _TIANDITU_URL.format(layer=layer, token=token),
                _TIANDITU_ATTR,
                f"tianditu_{layer}",
                subdomains="01234567",
                max_native_zoom=18,
            ).add_to(group)
    elif key == "amap_vec":
        _tiles(_AMAP_VEC_URL, _AMAP_ATTR, "amap_vec", subdomains="1234", max_native_zoom=18).add_to(group)
    elif key == "amap_sat":
        _tiles(_AMAP_SAT_URL, _AMAP_ATTR, "amap_sat", subdomains="1234", max_native_zoom=18).add_to(group)
    if key != "none":
        group.add_child(MapNotice(WORDS["tiles_failed"].in_(lang)), name="xh_tiles_failed")
    return group
