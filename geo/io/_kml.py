"""KML read in Python, without GDAL: safe XML, folders as layers, every attribute kept.

GDAL's KML driver drops ``ExtendedData`` (the figures 奥维 and Google Earth store there) and its
LIBKML driver follows network links, so KML is parsed here with defusedxml: any DOCTYPE or entity is
refused before parsing, and the parser forbids them again. Placemarks are streamed and cleared, so
memory follows the placemark count, not the file size. Coordinates are WGS-84 by the KML standard.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import shapely
from defusedxml.ElementTree import iterparse

from geo.io._readbase import Limits, Note

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["KmlDocument", "Placemark", "parse_kml", "unsafe_xml"]

_POLY, _LINE, _POINT = "Polygon", "LineString", "Point"
_DTD = re.compile(rb"<!(doctype|entity)", re.I)


def unsafe_xml(data: bytes) -> bool:
    """Whether the bytes declare a DTD or entities (billion laughs, external entities)."""
    return _DTD.search(data) is not None


@dataclass
class Placemark:
    """One feature: where it sits, its attributes, its geometry and what was fixed while parsing."""

    folder: tuple[str, ...]
    attrs: dict[str, str]
    geometry: Any  # a shapely geometry, or None
    fixes: list[Note] = field(default_factory=list)
    error: Note | None = None


@dataclass
class KmlDocument:
    """All placemarks in document order, and the number of vertices read."""

    placemarks: list[Placemark]
    vertices: int


class _TooBigError(Exception):
    def __init__(self, what: str, count: int) -> None:
        super().__init__(what)
        self.what = what
        self.count = count


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(elem: Element | None) -> str:
    return "".join(elem.itertext()).strip() if elem is not None else ""


def _child(elem: Element, name: str) -> Element | None:
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


class _Parser:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.vertices = 0

    def coords(self, text: str, fixes: list[Note], *, ring: bool) -> list[tuple[float, ...]]:
        text = re.sub(r"\s*,\s*", ",", text.strip())
        out: list[tuple[float, ...]] = []
        for token in text.split():
            parts = token.split(",")
            if len(parts) < 2:
                raise ValueError(f"coordinate {token[:40]!r} lacks a latitude")
            out.append(tuple(float(p) for p in parts[:3]))
        self.vertices += len(out)
        if self.vertices > self.limits.max_vertices:
            raise _TooBigError("vertices", self.vertices)
        if ring and len(out) >= 3 and out[0][:2] != out[-1][:2]:
            out.append(out[0])
            fixes.append(Note("unclosed ring closed", "未闭合的环已闭合"))
        return out

    def ring(self, boundary: Element | None, fixes: list[Note]) -> list[tuple[float, ...]] | None:
        if boundary is None:
            return None
        lr = _child(boundary, "LinearRing")
        coords = _child(lr, "coordinates") if lr is not None else None
        return self.coords(_text(coords), fixes, ring=True) if coords is not None else None

    def geometry(self, elem: Element, fixes: list[Note]) -> Any:
        kind = _local(elem.tag)
        if kind == _POLY:
            shell = self.ring(_child(elem, "outerBoundaryIs"), fixes)
            if not shell:
                return shapely.Polygon()
            holes = [self.ring(b, fixes) for b in elem if _local(b.tag) == "innerBoundaryIs"]
            return shapely.Polygon(shell, [h for h in holes if h])
        if kind in (_LINE, "LinearRing"):
            coords = self.coords(_text(_child(elem, "coordinates")), fixes, ring=False)
            return shapely.LineString(coords) if len(coords) >= 2 else shapely.LineString()
        if kind == _POINT:
            coords = self.coords(_text(_child(elem, "coordinates")), fixes, ring=False)
            return shapely.Point(coords[0]) if coords else shapely.Point()
        if kind == "MultiGeometry":
            parts = [self.geometry(c, fixes) for c in elem if _local(c.tag) in _GEOMETRY_TAGS]
            if parts and all(p.geom_type == "Polygon" for p in parts):
                return shapely.MultiPolygon(parts)
            return shapely.GeometryCollection(parts)
        raise ValueError(f"{kind} geometries are not supported")

    def placemark(self, elem: Element, folder: tuple[str, ...]) -> Placemark:
        attrs: dict[str, str] = {}
        for name in ("name", "description"):
            child = _child(elem, name)
            if child is not None:
                attrs[name] = _text(child)
        ext = _child(elem, "ExtendedData")
        if ext is not None:
            for item in ext.iter():
                tag = _local(item.tag)
                if tag == "Data" and item.get("name"):
                    attrs[item.get("name")] = _text(_child(item, "value"))
                elif tag == "SimpleData" and item.get("name"):
                    attrs[item.get("name")] = _text(item)
        fixes: list[Note] = []
        geoms = [c for c in elem if _local(c.tag) in _GEOMETRY_TAGS]
        if not geoms:
            return Placemark(folder, attrs, None, fixes)
        try:
            geom = self.geometry(geoms[0], fixes)
        except _TooBigError:
            raise
        except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
            return Placemark(folder, attrs, None, fixes, Note(f"geometry unreadable: {exc}", f"几何无法读取：{exc}"))
        return Placemark(folder, attrs, geom, fixes)


#: XML elements open at once: a real KML nests Document/Folder/Placemark/MultiGeometry/Polygon/
#: outerBoundaryIs/LinearRing/coordinates well under this; a hostile one nests folders 100,000 deep.
MAX_DEPTH = 64
#: Folder names become layer names: longer ones are cut.
MAX_NAME = 100


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


_GEOMETRY_TAGS = frozenset({_POLY, _LINE, _POINT, "LinearRing", "MultiGeometry", "Model", "Track", "MultiTrack"})


def parse_kml(data: bytes, limits: Limits) -> KmlDocument:
    """All placemarks of a KML document (``data`` is UTF-8 or declares a codec expat knows).

    Raises
    ------
    ValueError
        Malformed XML (``xml.etree.ElementTree.ParseError`` is a SyntaxError: wrapped), forbidden
        DTD/entities, or a limit exceeded (message starts with ``"too many"``).
    """
    parser = _Parser(limits)
    placemarks: list[Placemark] = []
    stack: list[str] = []
    folders: list[list[str | None]] = []
    try:
        for event, elem in iterparse(
            io.BytesIO(data), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
        ):
            tag = _local(elem.tag)
            if event == "start":
                stack.append(tag)
                if len(stack) > MAX_DEPTH:
                    raise _TooBigError("nesting levels", MAX_DEPTH + 1)
                if tag in ("Document", "Folder"):
                    folders.append([None])
                continue
            stack.pop()
            if tag == "name" and stack and stack[-1] in ("Document", "Folder") and folders:
                folders[-1][0] = _short((elem.text or "").strip()) or None
            elif tag in ("Document", "Folder") and folders:
                folders.pop()
            elif tag == "Placemark":
                path = tuple(f[0] or "(unnamed)" for f in folders)
                placemarks.append(parser.placemark(elem, path))
                if len(placemarks) > limits.max_features:
                    raise _TooBigError("features", len(placemarks))
            if stack and stack[-1] in ("Document", "Folder", "kml"):
                elem.clear()  # read and done: memory follows the open elements, not the file
    except _TooBigError as exc:
        raise ValueError(f"too many {exc.what}: more than {exc.count - 1}") from None
    except SyntaxError as exc:  # xml.etree.ElementTree.ParseError
        raise ValueError(f"malformed XML: {exc}") from None
    return KmlDocument(placemarks, parser.vertices)
