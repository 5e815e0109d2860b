"""Coordinates never guessed silently: what looks wrong with a declared CRS, and the choices.

The checks compare the declared CRS with the numbers: degrees out of range (projected metres
labelled as degrees), latitude first (x≈31, y≈121 for Shanghai), outside China, a projected CRS
over degree-range numbers (a GeoJSON ``crs`` member saying EPSG:4549 over longitudes). Any finding
means the caller must choose; each choice says where the data would land with it. GCJ-02 and BD-09
are converted to WGS-84 with the iterative inverses of :mod:`geo.crs`.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from geo.io._readbase import CrsChoice, Note

__all__ = [
    "CHINA",
    "CRS_CHOICES",
    "DATUM_SHIFTS",
    "USER_CRS_RE",
    "WGS84",
    "assess_crs",
    "crs_choices",
    "crs_label",
    "in_box",
    "is_degrees",
    "suggest_crs",
    "to_wgs84",
]

#: The coordinate systems offered when a file's own cannot be trusted: code → (English, 中文).
CRS_CHOICES: dict[str, tuple[str, str]] = {
    "EPSG:4326": ("WGS-84 longitude/latitude (GPS, Google Earth, OSM)", "WGS-84 经纬度(GPS、谷歌地球、OSM)"),
    "EPSG:4490": ("CGCS2000 longitude/latitude (天地图, national surveys)", "CGCS2000 经纬度(天地图、国家测绘)"),
    "EPSG:4549": (
        "CGCS2000 3° Gauss–Krüger, CM 120°E (Shanghai's usual projected CRS)",
        "CGCS2000 3度带高斯-克吕格 中央经线120°E(上海常用)",
    ),
    "EPSG:4550": ("CGCS2000 3° Gauss–Krüger, CM 123°E", "CGCS2000 3度带高斯-克吕格 中央经线123°E"),
    "EPSG:4528": (
        "CGCS2000 3° Gauss–Krüger zone 40 (easting with zone prefix 40…)",
        "CGCS2000 3度带高斯-克吕格 第40带(横坐标带号前缀 40…)",
    ),
    "EPSG:4529": (
        "CGCS2000 3° Gauss–Krüger zone 41 (easting with zone prefix 41…)",
        "CGCS2000 3度带高斯-克吕格 第41带(横坐标带号前缀 41…)",
    ),
    "EPSG:32651": ("WGS-84 / UTM zone 51N", "WGS-84 / UTM 51N 带"),
    "EPSG:32650": ("WGS-84 / UTM zone 50N", "WGS-84 / UTM 50N 带"),
    "GCJ-02": ("GCJ-02 (高德 AMap, Tencent; converted to WGS-84)", "GCJ-02 火星坐标(高德、腾讯；转换为 WGS-84)"),
    "BD-09": ("BD-09 (百度 Baidu; converted to WGS-84)", "BD-09 百度坐标(转换为 WGS-84)"),
}
DATUM_SHIFTS = ("GCJ-02", "BD-09")
WGS84 = CRS.from_epsg(4326)
CHINA = (73.0, 3.0, 136.0, 54.0)  # lon/lat box with the South China Sea; a coarse "is it China"
USER_CRS_RE = re.compile(r"^(EPSG|ESRI):\d{4,6}$|^OGC:CRS84$", re.I)


def crs_label(crs: CRS | None) -> str | None:
    if crs is None:
        return None
    epsg = crs.to_epsg(min_confidence=90)
    if epsg:
        return f"EPSG:{epsg} ({crs.name})"
    return crs.name


def in_box(bounds: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    return bounds[0] >= box[0] and bounds[1] >= box[1] and bounds[2] <= box[2] and bounds[3] <= box[3]


def is_degrees(bounds: tuple[float, float, float, float]) -> bool:
    return -180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90


def looks_swapped(bounds: tuple[float, float, float, float]) -> bool:
    return in_box((bounds[1], bounds[0], bounds[3], bounds[2]), CHINA) and not in_box(bounds, CHINA)


_LOCAL = threading.local()


def transformer_to_wgs84(source: CRS | str) -> Transformer:
    """A cached CRS → WGS-84 (lon, lat) transformer; one cache per thread (they are not shareable)."""
    cache: dict[str, Transformer] = _LOCAL.__dict__.setdefault("transformers", {})
    key = source if isinstance(source, str) else source.to_wkt()
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = Transformer.from_crs(source, 4326, always_xy=True)
    return cache[key]


def centre_under(code: str, bounds: tuple[float, float, float, float], swap: bool) -> tuple[float, float] | None:
    x, y = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    if swap:
        x, y = y, x
    if code in DATUM_SHIFTS or CRS.from_user_input(code).is_geographic:
        return (x, y) if -180 <= x <= 180 and -90 <= y <= 90 else None
    lon, lat = transformer_to_wgs84(code).transform(x, y)
    return (float(lon), float(lat)) if math.isfinite(lon) and math.isfinite(lat) else None


def crs_choices(bounds: tuple[float, float, float, float] | None, swap: bool) -> list[CrsChoice]:
    out = []
    degrees = bounds is not None and is_degrees(bounds)
    for code, (en, zh) in CRS_CHOICES.items():
        geographic = code in DATUM_SHIFTS or CRS.from_user_input(code).is_geographic
        # Degrees read as metres land at the false origin, metres are no degrees: skip the maths.
        plausible = bounds is not None and (geographic == degrees or (geographic and swap))
        lands = centre_under(code, bounds, swap) if plausible and bounds else None
        fits = lands is not None and CHINA[0] <= lands[0] <= CHINA[2] and CHINA[1] <= lands[1] <= CHINA[3]
        out.append(CrsChoice(code, en, zh, lands, fits))
    return out


def assess_crs(
    declared: CRS | None,
    bounds: tuple[float, float, float, float] | None,
) -> tuple[list[str], list[Note], bool]:
    """What looks wrong with the declared CRS given the numbers: issue codes, messages, swap hint."""
    codes: list[str] = []
    notes: list[Note] = []
    if bounds is None:
        if declared is None:
            return ["no-crs"], [Note("the file declares no coordinate system", "文件未声明坐标系")], False
        return [], [], False
    shown = f"x {bounds[0]:.6g}…{bounds[2]:.6g}, y {bounds[1]:.6g}…{bounds[3]:.6g}"
    swap = False
    if declared is None:
        codes.append("no-crs")
        notes.append(
            Note(
                f"the file declares no coordinate system ({shown}); choose the one it was made in",
                f"文件未声明坐标系({shown})；请选择数据实际使用的坐标系",
            )
        )
        swap = looks_swapped(bounds)
    elif declared.is_geographic:
        if looks_swapped(bounds):
            codes.append("swapped-axes")
            swap = True
            notes.append(
                Note(
                    f"longitude and latitude look swapped ({shown}: x is in China's latitude range, y in "
                    "its longitude range); read with swap_xy=True",
                    f"经纬度似乎颠倒({shown}：x 落在中国纬度范围，y 落在经度范围)；请以 swap_xy=True 读取",
                )
            )
        elif not is_degrees(bounds):
            codes.append("projected-as-degrees")
            notes.append(
                Note(
                    f"the file says longitude/latitude ({crs_label(declared)}) but the numbers ({shown}) "
                    "are not degrees: they look like projected metres; choose the projected CRS",
                    f"文件声明为经纬度({crs_label(declared)})，但数值({shown})不是度数，像是投影坐标(米)；"
                    "请选择实际的投影坐标系",
                )
            )
        elif not in_box(bounds, CHINA):
            codes.append("outside-china")
            notes.append(
                Note(
                    f"the coordinates ({shown}) lie outside China; confirm the coordinate system",
                    f"坐标({shown})位于中国境外；请确认坐标系",
                )
            )
    elif is_degrees(bounds) and max(abs(bounds[2] - bounds[0]), abs(bounds[3] - bounds[1])) < 10:
        codes.append("degrees-as-projected")
        notes.append(
            Note(
                f"the file says {crs_label(declared)} (metres) but the numbers ({shown}) look like "
                "longitude/latitude degrees; choose the geographic CRS",
                f"文件声明为 {crs_label(declared)}(米)，但数值({shown})像是经纬度；请选择经纬度坐标系",
            )
        )
    else:
        try:
            lon, lat = transformer_to_wgs84(declared).transform([bounds[0], bounds[2]], [bounds[1], bounds[3]])
            landed = (min(lon), min(lat), max(lon), max(lat))
        except (ProjError, CRSError):
            landed = (math.nan,) * 4
        if not all(math.isfinite(v) for v in landed) or not in_box(landed, CHINA):
            codes.append("outside-china")
            notes.append(
                Note(
                    f"in {crs_label(declared)} the coordinates ({shown}) land outside China; confirm "
                    "the coordinate system",
                    f"按 {crs_label(declared)} 解释，坐标({shown})位于中国境外；请确认坐标系",
                )
            )
    return codes, notes, swap


def suggest_crs(choices: list[CrsChoice], codes: list[str]) -> str | None:
    fitting = [c.code for c in choices if c.fits]
    if not fitting:
        return None
    if "projected-as-degrees" in codes or "no-crs" in codes:
        return fitting[0]
    return fitting[0]


def transform_xy(
    geoms: np.ndarray,
    func: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    return shapely.transform(geoms, apply)


def to_wgs84(geoms: np.ndarray, crs: CRS | str, swap: bool) -> np.ndarray:
    if swap:
        geoms = transform_xy(geoms, lambda x, y: (y, x))
    if isinstance(crs, str) and crs == "GCJ-02":  # a CRS == str comparison would search PROJ's database
        from geo.crs import gcj02_to_wgs84  # noqa: PLC0415

        return transform_xy(geoms, gcj02_to_wgs84)
    if isinstance(crs, str) and crs == "BD-09":
        from geo.crs import bd09_to_wgs84  # noqa: PLC0415

        return transform_xy(geoms, bd09_to_wgs84)
    source = CRS.from_user_input(crs)
    if source.is_geographic and source.equals(WGS84, ignore_axis_order=True):
        return geoms
    return transform_xy(geoms, transformer_to_wgs84(source).transform)
