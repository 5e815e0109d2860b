"""Basemaps: which tiles the map can sit on, and whether the overlays must move to GCJ-02 for them.

- OpenStreetMap and CartoDB Positron: WGS-84 tiles.
- 天地图 Tianditu vector (``vec_w`` + ``cva_w`` labels) and imagery (``img_w`` + ``cia_w``): CGCS2000,
  which matches WGS-84 at map scale; offered only when a token is given. The token comes from the
  caller (see :func:`tianditu_token_from_env`) and is never stored in the repository. It does end up
  in the page, because the browser fetches the tiles with it: use a browser-type (浏览器端) key.
- 高德 AMap vector (``style=8``) and satellite (``style=6``): GCJ-02 tiles, so every overlay is
  shifted WGS-84 → GCJ-02 for display (:func:`layers.display.to_gcj02`).
- ``none``: no tiles and no outside request at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

import folium

from layers._common import Lang, LayerInputError, check_lang, escape_text

__all__ = [
    "BASEMAP_KEYS",
    "TIANDITU_TOKEN_ENV",
    "BasemapInfo",
    "available_basemaps",
    "basemap_info",
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
    label_zh, label_en
        Names for a selector.
    datum
        ``"WGS-84"``, ``"CGCS2000"``, ``"GCJ-02"`` or ``""`` (no tiles).
    needs_token
        True for Tianditu.
    gcj02
        True when overlays must be shifted WGS-84 → GCJ-02 to line up with the tiles.
    """

    key: str
    label_zh: str
    label_en: str
    datum: str
    needs_token: bool = False
    gcj02: bool = False

    def label(self, lang: Lang = "zh") -> str:
        """The selector label in ``lang`` (plain text, not escaped)."""
        return self.label_zh if check_lang(lang) == "zh" else self.label_en


_BASEMAPS: tuple[BasemapInfo, ...] = (
    BasemapInfo("osm", "OpenStreetMap", "OpenStreetMap", "WGS-84"),
    BasemapInfo("carto_light", "CartoDB 浅色", "CartoDB light (Positron)", "WGS-84"),
    BasemapInfo("tianditu_vec", "天地图 矢量", "Tianditu vector", "CGCS2000", needs_token=True),
    BasemapInfo("tianditu_img", "天地图 影像", "Tianditu imagery", "CGCS2000", needs_token=True),
    BasemapInfo("amap_vec", "高德 矢量（GCJ-02）", "AMap vector (GCJ-02)", "GCJ-02", gcj02=True),
    BasemapInfo("amap_sat", "高德 卫星（GCJ-02）", "AMap satellite (GCJ-02)", "GCJ-02", gcj02=True),
    BasemapInfo("none", "无底图（离线）", "No basemap (offline)", ""),
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


def _check_token(token: str | None) -> str | None:
    if token is None or not str(token).strip():
        return None
    token = str(token).strip()
    if not re.fullmatch(r"[A-Za-z0-9]{8,128}", token):
        raise LayerInputError(
            "the Tianditu token is not a plain key (letters and digits only); "
            f"copy the 浏览器端 key from the Tianditu console into ${TIANDITU_TOKEN_ENV}"
        )
    return token


def available_basemaps(*, tianditu_token: str | None = None) -> tuple[BasemapInfo, ...]:
    """The basemaps the page can offer: Tianditu only when a token is given.

    Parameters
    ----------
    tianditu_token
        The user's Tianditu key, or None.

    Returns
    -------
    tuple of BasemapInfo
        In selector order; ``info.gcj02`` says whether overlays are shifted for it.
    """
    has_token = _check_token(tianditu_token) is not None
    return tuple(b for b in _BASEMAPS if has_token or not b.needs_token)


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


def build_basemap(key: str, *, tianditu_token: str | None = None, lang: Lang = "zh") -> folium.FeatureGroup:
    """A non-overlay ``FeatureGroup`` holding the basemap's tile layer(s) (none for ``"none"``).

    Parameters
    ----------
    key
        One of :data:`BASEMAP_KEYS`.
    tianditu_token
        Required for ``tianditu_vec`` / ``tianditu_img``.
    lang
        ``"en"`` uses Tianditu's English label layers (``eva``/``eia``); AMap labels stay Chinese.

    Returns
    -------
    folium.FeatureGroup
        Not shown in a layer control; add it to the map before the overlays.

    Raises
    ------
    LayerInputError
        Unknown key, missing or malformed Tianditu token, unknown ``lang``.
    """
    lang = check_lang(lang)
    info = basemap_info(key)
    token = _check_token(tianditu_token)
    if info.needs_token and token is None:
        raise LayerInputError(
            f"basemap {key!r} needs a Tianditu token; set ${TIANDITU_TOKEN_ENV} (or Streamlit secrets) "
            "and pass it as tianditu_token=..., or choose another basemap"
        )
    group = folium.FeatureGroup(name=escape_text(info.label(lang)), overlay=False, control=False)
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
    return group
