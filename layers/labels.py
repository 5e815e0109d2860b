"""Name labels for zones and carriers, as Leaflet ``divIcon`` markers that ignore the pointer, never overlapping.

Each label has a least zoom (property ``z``) from which it is shown: labels are placed in order of
importance (zones, larger first; then top-level carriers, larger first; then nested ones, shallower
first), and a label waits until the zoom at which its box is clear of every label placed before it
that is already shown there. Two boxes of ``w × h`` pixels, ``dx × dy`` metres apart, are clear
of each other once a pixel covers at most ``max(|dx| / w̄, |dy| / h̄)`` metres (``w̄``, ``h̄`` the
half-sums of their sizes); on Web Mercator a pixel covers ``156,543 · cos(latitude) / 2^zoom`` metres.
So no two labels overlap at any zoom, the default view included, and a nested carrier's name appears
once the map is zoomed in far enough to set it apart from its parent's.

Carriers are labelled in the ``full`` view only (:mod:`layers.scale`): thousands of text markers
would bury the map and slow the browser. Zone names belong to the zones layer (they follow its
switch, :func:`zone_label_piece`); the labels layer holds the carriers' names.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.crs import metric_crs_for
from layers._common import Lang, check_frame, check_lang, escape_text, pick_names, word
from layers._geojson import feature_collection
from layers.carriers import carrier_depths
from layers.display import DEFAULT_TOLERANCE_M, display_geometry, prepare_display
from layers.layerdata import LayerData, Piece
from layers.scale import View, check_view, choose_view
from layers.styles import zone_style

__all__ = ["MAX_LABEL_ZOOM", "label_min_zooms", "label_size_px", "labels_layer_data", "zone_label_piece"]

#: A label that cannot be set apart from a more important one before this zoom is shown only from here.
MAX_LABEL_ZOOM = 20
#: Metres per pixel at zoom 0 on the equator (Web Mercator, 256-pixel tiles).
_M_PER_PX_Z0 = 156_543.033_92
#: Font sizes in pixels, as in the map's stylesheet (layers.assets.MapStyle).
_FONT_PX = {"xh-zone": 14.0, "": 12.0, "xh-nested": 11.0}


def label_size_px(text: str, font_px: float, *, bold: bool = False) -> tuple[float, float]:
    """The (width, height) in pixels a label takes on the map, with a small margin.

    Wide characters (汉字, full-width forms) take one em, others about 0.6 em (0.65 bold): a
    slight overestimate of the browser's own text, so labels that pass here do not touch.

    >>> label_size_px("徐汇", 12)
    (30.0, 19.0)
    """
    em = sum(1.0 if unicodedata.east_asian_width(c) in ("W", "F") else (0.65 if bold else 0.6) for c in text)
    return em * font_px + 6.0, math.ceil(font_px * 1.25) + 4.0


def label_min_zooms(
    xy_m: npt.ArrayLike,
    sizes_px: Sequence[tuple[float, float]],
    *,
    latitude: float,
    max_zoom: int = MAX_LABEL_ZOOM,
) -> list[int]:
    """The least zoom at which each label is shown, labels given in order of importance.

    Parameters
    ----------
    xy_m
        (n, 2) label anchors in a metric CRS (metres).
    sizes_px
        (width, height) of each label in pixels (:func:`label_size_px`); the label is centred on its anchor.
    latitude
        Latitude of the labels (degrees), for the scale of Web Mercator.
    max_zoom
        Cap: a label that needs more is shown from ``max_zoom`` on.

    Returns
    -------
    list of int
        0 for a label that never meets a more important one.

    >>> label_min_zooms([[0, 0], [0, 0], [5_000, 0]], [(60, 19), (60, 19), (60, 19)], latitude=31.2)
    [0, 20, 11]
    """
    xy = np.asarray(xy_m, dtype=float).reshape(-1, 1, 2)
    zooms, _ = _place_labels(xy, sizes_px, latitude=latitude, max_zoom=max_zoom)
    return zooms


def _place_labels(
    candidates: npt.NDArray[np.float64],
    sizes_px: Sequence[tuple[float, float]],
    *,
    latitude: float,
    max_zoom: int = MAX_LABEL_ZOOM,
) -> tuple[list[int], npt.NDArray[np.float64]]:
    """Least zooms, and the anchor each label takes among its candidates ((n, k, 2), NaN: no such candidate).

    Each label takes the candidate from which it can be shown earliest (the first one on a tie).
    """
    size = np.asarray(sizes_px, dtype=float).reshape(-1, 2)
    scale = _M_PER_PX_Z0 * math.cos(math.radians(latitude))
    zooms: list[int] = []
    placed = np.full((len(candidates), 2), np.nan)
    for i in range(len(candidates)):
        best: tuple[float, int] | None = None
        for c, (x, y) in enumerate(candidates[i]):
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            if i == 0:
                best = (0.0, c)
                break
            dx = np.abs(placed[:i, 0] - x) / ((size[:i, 0] + size[i, 0]) / 2)
            dy = np.abs(placed[:i, 1] - y) / ((size[:i, 1] + size[i, 1]) / 2)
            clear_m_per_px = np.maximum(dx, dy)  # metres per pixel at which the two boxes just stop touching
            with np.errstate(divide="ignore"):
                pair = np.where(clear_m_per_px > 0, np.log2(scale / np.maximum(clear_m_per_px, 1e-12)), np.inf)
            # Label j blocks i at the whole zooms in [zoom_j, pair): i waits until the last of them is passed.
            blocking = pair[np.ceil(pair) > np.asarray(zooms, dtype=float)]
            worst = float(blocking.max()) if len(blocking) else 0.0
            if best is None or worst < best[0]:
                best = (worst, c)
        worst, chosen = best if best is not None else (0.0, 0)
        zooms.append(max_zoom if worst > max_zoom else max(math.ceil(worst), 0))
        placed[i] = candidates[i][chosen]
    return zooms, placed


def _span(text: str, css_class: str = "", style: str = "") -> str:
    # Classes come from the map's stylesheet (layers.assets.MapStyle); only colours are inline.
    cls = f' class="{css_class}"' if css_class else ""
    sty = f' style="{style}"' if style else ""
    return f"<span{cls}{sty}>{escape_text(text)}</span>"


def _outlines(frame: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """The display outlines (WGS-84, simplified) the labels are placed on."""
    return display_geometry(frame, tolerance_m=tolerance_m)


def _candidates(outlines: gpd.GeoSeries) -> npt.NDArray[np.float64]:
    """(n, 26, 2) anchors to choose from, inside each outline, nearest first (NaN where outside).

    A representative point, then the points of a 5 × 5 grid over the outline's bounding box (at sixths
    of its width and height) that fall inside it, ordered by their distance from that point: a long or
    bent outline (a belt along the river) can then take its name away from its neighbours' names.
    """
    geoms = outlines.to_numpy()
    rep = shapely.get_coordinates(shapely.point_on_surface(geoms))
    bounds = shapely.bounds(geoms)
    steps = np.arange(1, 6) / 6
    fx, fy = (a.ravel() for a in np.meshgrid(steps, steps))
    x = bounds[:, [0]] + fx * (bounds[:, [2]] - bounds[:, [0]])
    y = bounds[:, [1]] + fy * (bounds[:, [3]] - bounds[:, [1]])
    inside = shapely.contains_xy(np.repeat(geoms[:, None], len(fx), axis=1), x, y)
    x, y = np.where(inside, x, np.nan), np.where(inside, y, np.nan)
    distance = np.hypot(x - rep[:, [0]], y - rep[:, [1]])
    order = np.argsort(np.where(inside, distance, np.inf), axis=1, kind="stable")
    grid = np.stack([np.take_along_axis(x, order, 1), np.take_along_axis(y, order, 1)], axis=2)
    return np.concatenate([rep[:, None, :], grid], axis=1)


def _zone_labels(zones: gpd.GeoDataFrame, lang: Lang, tolerance_m: float) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Zones in label order (larger first) as display outlines, and their names in ``lang``."""
    zones = check_frame(zones, "zones (labels)", required=("id", "name_zh", "name_en"))
    if zones.empty:
        return zones, []
    area = zones.geometry.to_crs(metric_crs_for(zones)).area.to_numpy()
    zones = zones.iloc[np.argsort(-area, kind="stable")]
    return _outlines(zones, tolerance_m), pick_names(zones, lang)


def _place(
    outlines: gpd.GeoDataFrame, sizes: list[tuple[float, float]], before: list[tuple[gpd.GeoDataFrame, list]]
) -> tuple[list[int], gpd.GeoDataFrame]:
    """Least zooms and anchors (a WGS-84 point frame) of the labels of ``outlines``, placed after ``before``.

    ``before`` holds (outlines, sizes) of the labels placed first, in order. The scale (latitude) and the
    metric CRS come from the first frame, so labels placed first come out the same here as when they
    are placed on their own (:func:`zone_label_piece`).
    """
    frames = [frame for frame, _ in before if len(frame)] + [outlines]
    first = frames[0]
    crs = metric_crs_for(first)
    candidates = np.concatenate([_candidates(f.geometry.to_crs(crs)) for f in frames])
    all_sizes = [s for frame, fs in before if len(frame) for s in fs] + sizes
    latitude = float(np.mean(shapely.get_coordinates(shapely.point_on_surface(first.geometry.to_numpy()))[:, 1]))
    zooms, xy = _place_labels(candidates, all_sizes, latitude=latitude)
    mine = xy[len(xy) - len(outlines) :]
    points = gpd.GeoSeries(gpd.points_from_xy(mine[:, 0], mine[:, 1]), crs=crs, index=outlines.index).to_crs(4326)
    anchors = outlines.set_geometry(points)
    return zooms[len(xy) - len(outlines) :], anchors


def zone_label_piece(
    zones: gpd.GeoDataFrame,
    *,
    lang: Lang = "zh",
    gcj02: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> Piece | None:
    """The zones' names as a non-interactive piece (part of the zones layer), or None without zones.

    Parameters
    ----------
    zones
        Zone outlines with ``id``, ``name_zh``, ``name_en`` (and ``type`` for the colour).
    lang
        ``"zh"`` or ``"en"``; a missing name falls back to the other language, then the id.
    gcj02
        Shift the label points to GCJ-02 (AMap basemaps only).
    tolerance_m
        Display simplification applied before placing the label point.

    Returns
    -------
    Piece or None
        Point features with ``label`` (escaped HTML) and ``z`` (least zoom; larger zones first).
    """
    lang = check_lang(lang)
    outlines, names = _zone_labels(zones, lang, tolerance_m)
    if not names:
        return None
    sizes = [label_size_px(n, _FONT_PX["xh-zone"], bold=True) for n in names]
    zooms, anchors = _place(outlines, sizes, [])
    types = anchors["type"].astype(str) if "type" in anchors.columns else pd.Series("", index=anchors.index)
    props = [
        {"label": _span(text, "xh-zone", f"color:{zone_style(t)['color']}"), "z": z}
        for text, t, z in zip(names, types, zooms, strict=True)
    ]
    points = prepare_display(anchors, gcj02=gcj02, tolerance_m=0)
    ids = [f"zone:{i}" for i in anchors["id"]]
    return Piece(feature_collection(points, ids, props), interactive=False, points="label")


def labels_layer_data(
    *,
    carriers: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    lang: Lang = "zh",
    gcj02: bool = False,
    nested: bool = True,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    view: View | None = None,
    name: str | None = None,
    show: bool = True,
) -> LayerData:
    """The carriers' names at a point inside each outline, each shown from the zoom where it overlaps nothing.

    Draw it with :func:`layers.layerdata.to_feature_group`.

    Parameters
    ----------
    carriers
        Carriers with ``id``, ``name_zh``, ``name_en`` (and ``parent_id``: nested ones come last and
        are shown only when zoomed in far enough); None gives an empty layer.
    zones
        The zones whose names (:func:`zone_label_piece`, in the zones layer) the carriers' names must
        keep clear of; they are placed first.
    lang
        ``"zh"`` or ``"en"``; a missing name falls back to the other language, then the id.
    gcj02
        Shift the label points to GCJ-02 (AMap basemaps only).
    nested
        Also label nested carriers (those with a parent in the frame).
    tolerance_m
        Display simplification applied before placing the label point.
    view
        The carriers' view (:mod:`layers.scale`); carriers are labelled in the ``full`` view only.
        None chooses by the number of carriers.
    name
        Layer name (plain text; escaped here).
    show
        Whether the layer starts visible.

    Returns
    -------
    LayerData
        One non-interactive piece of points with ``label`` (escaped HTML) and ``z`` (least zoom).
    """
    lang = check_lang(lang)
    layer_name = escape_text(name or word("labels", lang))
    if carriers is None:
        return LayerData("labels", layer_name, (), show=show, gcj02=gcj02)
    chosen = choose_view(len(carriers)) if view is None else check_view(view)
    if chosen != "full":  # nothing to label, so nothing to check (the carriers layer checks the frame)
        return LayerData("labels", layer_name, (), show=show, gcj02=gcj02)
    carriers = check_frame(carriers, "carriers (labels)", required=("id", "name_zh", "name_en"))
    if carriers.empty:
        return LayerData("labels", layer_name, (), show=show, gcj02=gcj02)
    depths = carrier_depths(carriers) if "parent_id" in carriers.columns else {}
    depth = np.array([depths.get(str(i), 0) for i in carriers["id"]])
    if not nested:
        carriers, depth = carriers[depth == 0], depth[depth == 0]
    area = carriers.geometry.to_crs(metric_crs_for(carriers)).area.to_numpy()
    order = np.lexsort((-area, depth))  # top-level first, larger first
    carriers, depth = carriers.iloc[order], depth[order]
    names = pick_names(carriers, lang)
    classes = ["xh-nested" if d > 0 else "" for d in depth]
    sizes = [label_size_px(n, _FONT_PX[c]) for n, c in zip(names, classes, strict=True)]
    before: list[tuple[gpd.GeoDataFrame, list]] = []
    if zones is not None:
        zone_outlines, zone_names = _zone_labels(zones, lang, tolerance_m)
        zone_sizes = [label_size_px(n, _FONT_PX["xh-zone"], bold=True) for n in zone_names]
        before.append((zone_outlines, zone_sizes))  # zone names come first, with their own least zooms
    zooms, anchors = _place(_outlines(carriers, tolerance_m), sizes, before)
    props = [{"label": _span(text, cls), "z": z} for text, cls, z in zip(names, classes, zooms, strict=True)]
    points = prepare_display(anchors, gcj02=gcj02, tolerance_m=0)
    piece = Piece(
        feature_collection(points, [f"carrier:{i}" for i in carriers["id"]], props), interactive=False, points="label"
    )
    return LayerData("labels", layer_name, (piece,), show=show, gcj02=gcj02)
