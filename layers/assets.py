"""The map's own JavaScript and CSS: vendored Leaflet, served by the app, inlined for downloads.

Folium's ``Map`` lists CDN URLs (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers) in its
class attributes ``default_js`` / ``default_css``. The layers built here need Leaflet only (no
folium ``Popup``/``Marker`` icons, which are what pull in jQuery and the icon fonts), so
:class:`OfflineMap` replaces those lists *on the instance* with Leaflet from :data:`STATIC_DIR`
(``layers/static/``, package data of ``layers``: in a checkout and in an installed wheel alike):

- in the Streamlit page, streamlit-folium loads every ``default_js``/``default_css`` URL of the map
  tree into its component iframe (``<base>/component/streamlit_folium.st_folium/index.html``). The
  page declares :data:`STATIC_DIR` as the files of a Streamlit component named
  :data:`ASSET_COMPONENT` (:mod:`ui.leaflet_assets`; this package never imports Streamlit), which
  Streamlit serves at ``<base>/component/<name>/``; so the relative URL
  ``../ui.leaflet_assets.static/vendor/leaflet-1.9.4/leaflet.js`` reaches it with or without a
  ``server.baseUrlPath``, whatever folder the page was started from, with no static-serving option and
  no ``static/`` folder beside the page script;
- :func:`standalone_html` writes the whole map as one file with Leaflet's code and CSS (its images
  as ``data:`` URIs) inline, so a downloaded map opens with no network at all except tiles.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import re
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure, MacroElement
from jinja2 import Template

from layers._common import WORDS, LayerInputError, escape_text

__all__ = [
    "ASSET_COMPONENT",
    "DRAW_DIR",
    "DRAW_VERSION",
    "LEAFLET_DIR",
    "LEAFLET_VERSION",
    "STATIC_DIR",
    "STREAMLIT_ASSET_URL",
    "MapStyle",
    "MetricScale",
    "OfflineMap",
    "asset_links",
    "make_map",
    "offline_draw",
    "standalone_html",
]

LEAFLET_VERSION = "1.9.4"
#: ``layers/static/``: the vendored files, package data of ``layers`` (see ``layers/static/README.md``).
STATIC_DIR = Path(str(importlib.resources.files(__package__ or "layers") / "static"))
LEAFLET_DIR = STATIC_DIR / "vendor" / f"leaflet-{LEAFLET_VERSION}"
#: The Streamlit component whose files are :data:`STATIC_DIR`: ``ui.leaflet_assets`` declares it (``static``
#: in module ``ui.leaflet_assets``) and Streamlit serves it at ``<base>/component/ui.leaflet_assets.static/``.
ASSET_COMPONENT = "ui.leaflet_assets.static"
#: Base URL of the vendored Leaflet as seen from streamlit-folium's component iframe
#: (``<base>/component/streamlit_folium.st_folium/index.html``).
STREAMLIT_ASSET_URL = f"../{ASSET_COMPONENT}/vendor/leaflet-{LEAFLET_VERSION}/"

#: Leaflet.draw (folium's ``Draw`` plugin), vendored beside Leaflet and served the same way.
DRAW_VERSION = "1.0.4"
DRAW_DIR = STATIC_DIR / "vendor" / f"leaflet-draw-{DRAW_VERSION}"
_DRAW_URL = f"../{ASSET_COMPONENT}/vendor/leaflet-draw-{DRAW_VERSION}/"

#: The title of a map file whose language is not known.
MAP_TITLE = f"{WORDS['map_title'].zh} · {WORDS['map_title'].en}"

_JS_FILE = "leaflet.js"
_CSS_FILE = "leaflet.css"


@functools.cache
def _read(name: str) -> bytes:
    path = LEAFLET_DIR / name
    if not path.is_file():
        raise LayerInputError(
            f"the vendored Leaflet file {path} is missing, so the map cannot be served offline; "
            "reinstall xuhui-carriers, or restore layers/static/vendor/ from the repository "
            "(layers/static/README.md says how it was made)"
        )
    return path.read_bytes()


def _leaflet_js() -> str:
    js = _read(_JS_FILE).decode("utf-8")
    # The source map is not shipped; the comment would only make devtools ask for it.
    js = re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", js)
    # Inside an inline <script>, "</script" would end the element early.
    return js.replace("</script", "<\\/script")


def _leaflet_css() -> str:
    css = _read(_CSS_FILE).decode("utf-8")

    def _inline(match: re.Match[str]) -> str:
        name = match.group(1)
        data = base64.b64encode(_read(f"images/{name}")).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", _inline, css).replace("</style", "<\\/style")


Links = list[tuple[str, str]]


@functools.cache
def _data_uris() -> tuple[str, str]:
    js = "data:text/javascript;base64," + base64.b64encode(_leaflet_js().encode()).decode("ascii")
    css = "data:text/css;base64," + base64.b64encode(_leaflet_css().encode()).decode("ascii")
    return js, css


def asset_links(asset_base_url: str | None = STREAMLIT_ASSET_URL) -> tuple[Links, Links]:
    """The ``(default_js, default_css)`` lists for a map whose assets come from ``asset_base_url``.

    Parameters
    ----------
    asset_base_url
        Folder URL ending in ``/`` that holds ``leaflet.js``, ``leaflet.css`` and ``images/``
        (default: the Streamlit static route as seen from streamlit-folium's iframe). ``None``
        embeds both files as ``data:`` URIs instead, for a Streamlit without static serving;
        that costs ≈200 kB in every component payload.

    Returns
    -------
    tuple
        ``([("leaflet", js_url)], [("leaflet_css", css_url)])``.
    """
    if asset_base_url is None:
        js, css = _data_uris()
        return [("leaflet", js)], [("leaflet_css", css)]
    if not asset_base_url.endswith("/") or re.search(r"[\s\"'<>]", asset_base_url):
        raise LayerInputError(
            f"asset_base_url={asset_base_url!r} must be a folder URL ending in '/' without spaces or quotes, "
            f"e.g. {STREAMLIT_ASSET_URL!r}"
        )
    return [("leaflet", asset_base_url + _JS_FILE)], [("leaflet_css", asset_base_url + _CSS_FILE)]


_MAP_CSS = """
.xh-label { background: none; border: none; }
.xh-label > span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap; pointer-events: none;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; font-size: 12px; color: #111827; }
.xh-label > span.xh-zone { font-weight: 700; font-size: 14px; }
.xh-label > span.xh-nested { font-size: 11px; color: #374151; }
.xh-pop { font-size: 12px; line-height: 1.45; }
.xh-pop table { font-size: 12px; border-collapse: collapse; margin-top: 4px; width: 100%; }
.xh-pop th { text-align: left; padding: 1px 8px 1px 0; vertical-align: top; font-weight: 600;
  white-space: nowrap; color: #374151; }
.xh-pop td { padding: 1px 0; overflow-wrap: anywhere; }
.xh-pop ol { margin: 2px 0 0 16px; padding: 0; font-size: 12px; }
.xh-pop .xh-src { margin-top: 6px; }
.xh-pop .xh-id { color: #6b7280; }
.xh-notice { background: rgba(255, 251, 235, 0.96); border: 1px solid #f59e0b; border-radius: 4px;
  padding: 6px 10px; max-width: 320px; font-size: 13px; line-height: 1.5; color: #78350f; }
"""


class MapStyle(MacroElement):
    """The map's own small stylesheet (labels, popups), placed in the page header.

    It sits on the map itself, so it also reaches streamlit-folium's iframe when the overlays are
    sent separately as ``feature_group_to_add`` (whose headers would not).
    """

    _template = Template("{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}")

    def __init__(self, css: str = _MAP_CSS) -> None:
        super().__init__()
        self._name = "MapStyle"
        self.css = css


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (no feet or miles: no English units on the page).

    Words-free, so the map's script is the same in every language.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class OfflineMap(folium.Map):
    """A ``folium.Map`` that loads Leaflet only, from the app's own static files.

    Folium's class-level CDN lists are left alone (other maps in the process keep them); this
    instance gets its own lists, so ``add_js_link`` on it cannot leak into folium's globals.

    Parameters
    ----------
    *args, **kwargs
        As for ``folium.Map``.
    asset_base_url
        See :func:`asset_links`.
    """

    def __init__(self, *args: Any, asset_base_url: str | None = STREAMLIT_ASSET_URL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        js, css = asset_links(asset_base_url)
        self.default_js = js
        self.default_css = css
        self.asset_base_url = asset_base_url
        self.add_child(MapStyle(), name="xh_map_style")


def make_map(
    *,
    location: tuple[float, float],
    zoom_start: int = 13,
    prefer_canvas: bool = False,
    asset_base_url: str | None = STREAMLIT_ASSET_URL,
    **kwargs: Any,
) -> OfflineMap:
    """An empty :class:`OfflineMap` (no tiles) centred on ``location`` = (lat, lon).

    Parameters
    ----------
    location
        Map centre as (latitude, longitude), in the datum of the basemap.
    zoom_start
        Initial zoom level.
    prefer_canvas
        Draw vector layers on one ``<canvas>`` instead of SVG elements (faster with many features).
    asset_base_url
        See :func:`asset_links`.
    **kwargs
        Passed to ``folium.Map`` (e.g. ``height``); add :class:`MetricScale` for a scale bar.

    Returns
    -------
    OfflineMap
    """
    return OfflineMap(
        location=list(location),
        zoom_start=zoom_start,
        tiles=None,
        prefer_canvas=prefer_canvas,
        asset_base_url=asset_base_url,
        **kwargs,
    )


def offline_draw(*, draw_options: dict[str, Any] | None = None, edit: bool = True) -> Any:
    """Folium's ``Draw`` control (Leaflet.draw) loaded from the vendored copy in :data:`DRAW_DIR`, never a CDN.

    For the page only (streamlit-folium's iframe): the downloadable map (:func:`standalone_html`) carries no
    drawing tools. Polygons and rectangles only (a carrier is an area); the drawn shapes can be edited and
    deleted when ``edit``.

    Parameters
    ----------
    draw_options
        Leaflet.draw's ``draw`` options; default: polygon and rectangle, no lines, circles or markers.
    edit
        Offer Leaflet.draw's edit and delete buttons for the drawn shapes.

    Returns
    -------
    folium.plugins.Draw
        With instance ``default_js`` / ``default_css`` pointing at the app's own files.
    """
    from folium.plugins import Draw  # noqa: PLC0415 - only the scenarios section draws

    for name in ("leaflet.draw.js", "leaflet.draw.css"):
        if not (DRAW_DIR / name).is_file():
            raise LayerInputError(
                f"the vendored Leaflet.draw file {DRAW_DIR / name} is missing, so drawing cannot be offered "
                "offline; reinstall xuhui-carriers, or restore layers/static/vendor/ (layers/static/README.md)"
            )
    options = draw_options or {
        "polyline": False,
        "circle": False,
        "circlemarker": False,
        "marker": False,
        "polygon": {"allowIntersection": False, "showArea": True},
        "rectangle": True,
    }
    draw = Draw(export=False, draw_options=options, edit_options={"edit": edit, "remove": edit})
    draw.default_js = [("leaflet_draw_js", _DRAW_URL + "leaflet.draw.js")]
    draw.default_css = [("leaflet_draw_css", _DRAW_URL + "leaflet.draw.css")]
    return draw


_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]*)\"[^>]*>\s*</script>", re.IGNORECASE)
_CSS_LINK = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"([^\"]*)\"[^>]*/?>", re.IGNORECASE)
_ANY_LINK = re.compile(r"<link\b[^>]*\bhref=\"([^\"]*)\"[^>]*/?>", re.IGNORECASE)


def standalone_html(fig: folium.Map | Figure, *, title: str | None = None) -> bytes:
    """The whole map as one self-contained HTML file (UTF-8), Leaflet inlined, with a ``<title>``.

    Parameters
    ----------
    fig
        A map built with :func:`make_map` / :class:`OfflineMap` (or its ``Figure``).
    title
        The page title (plain text; escaped here). Default: the one :func:`layers.build_map` gave the
        map (in its language), else a bilingual one.

    Returns
    -------
    bytes
        The page; it requests nothing but the basemap tiles, and nothing at all with no basemap.

    Raises
    ------
    LayerInputError
        If the map references a script or stylesheet other than Leaflet (e.g. a folium plugin or
        a plain ``folium.Map`` with its CDN list), which would fail offline.
    """
    root = fig.get_root()
    if title is not None or not getattr(root, "title", None):
        root.title = escape_text(title if title is not None else MAP_TITLE)
    html = root.render()
    js_inline = "<script>\n" + _leaflet_js() + "\n</script>"
    css_inline = "<style>\n" + _leaflet_css() + "\n</style>"
    foreign: list[str] = []

    def _js(match: re.Match[str]) -> str:
        url = match.group(1)
        if _is_ours(url, _JS_FILE):
            return js_inline
        foreign.append(url)
        return match.group(0)

    def _css(match: re.Match[str]) -> str:
        url = match.group(1)
        if _is_ours(url, _CSS_FILE):
            return css_inline
        foreign.append(url)
        return match.group(0)

    html = _SCRIPT_SRC.sub(_js, html)
    html = _CSS_LINK.sub(_css, html)
    foreign.extend(m.group(1) for m in _ANY_LINK.finditer(html))
    if foreign:
        raise LayerInputError(
            "standalone_html: the map loads assets that are not vendored and would fail offline: "
            + ", ".join(u if len(u) < 100 else u[:97] + "..." for u in sorted(set(foreign))[:5])
            + "; build it with layers.build_map / layers.make_map and no folium plugins"
        )
    return html.encode("utf-8")


def _is_ours(url: str, file_name: str) -> bool:
    """Whether ``url`` is one OfflineMap wrote for ``file_name``: relative, or exactly our data: URI."""
    if url.startswith("data:"):
        js, css = _data_uris()
        return url == (js if file_name == _JS_FILE else css)
    # Anything with a scheme (or protocol-relative) is remote.
    return url.rsplit("/", 1)[-1] == file_name and not re.match(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)", url)
