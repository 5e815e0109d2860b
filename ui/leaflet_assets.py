"""Serve the map's vendored Leaflet to the browser as the files of a Streamlit component.

The map (streamlit-folium's iframe) loads Leaflet from ``layers.STREAMLIT_ASSET_URL``, a URL relative
to its own component route. Declaring ``layers/static/`` as the files of a (never rendered) v1
component makes Streamlit serve them at ``<base>/component/ui.leaflet_assets.static/…``, from a
checkout or an installed wheel, whatever the working directory and without ``enableStaticServing``.

``layers`` never imports Streamlit, so the declaration lives here; the page calls :func:`serve` on
every run (a component is registered only while a script runs; registering it again is a no-op).
"""

from __future__ import annotations

import streamlit.components.v1 as components

from layers.assets import ASSET_COMPONENT, STATIC_DIR

__all__ = ["serve"]


def serve() -> str:
    """Register ``layers/static/`` with the running Streamlit server; returns the component's name.

    Raises
    ------
    RuntimeError
        If the declared name is not :data:`layers.assets.ASSET_COMPONENT` (this module was moved or
        renamed): the map would then look for Leaflet at a URL nothing serves.
    """
    component = components.declare_component("static", path=STATIC_DIR)
    if component.name != ASSET_COMPONENT:
        raise RuntimeError(
            f"the Leaflet files are served as component {component.name!r}, but the map loads them from "
            f"{ASSET_COMPONENT!r}; update layers.assets.ASSET_COMPONENT to the new module name"
        )
    return component.name
