"""The framework's floor: the smallest streamlit-folium page with 50 polygons and the page's offline Leaflet.

``bench.page`` times it exactly as the default page (fresh tab, navigation start to the first drawn
Leaflet path, median of the same number of visits, same run) and reports the default page's time as
a multiple of it: what Streamlit, streamlit-folium and Leaflet cost before anything of ours runs.
Run alone with ``streamlit run bench/floor_page.py``. The map is the page's own
:class:`layers.assets.OfflineMap` (vendored Leaflet, served by :mod:`ui.leaflet_assets`) with the same
OpenStreetMap tile layer the default page starts on and 50 plain 200 m squares in Xuhui.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``streamlit run`` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from layers.assets import make_map  # noqa: E402
from ui.leaflet_assets import serve  # noqa: E402

__all__: list[str] = []

POLYGONS = 50
CENTRE = (31.18, 121.44)  # lat, lon: Xuhui

serve()
fmap = make_map(location=CENTRE, zoom_start=13)
folium.TileLayer("OpenStreetMap").add_to(fmap)
step, side = 0.004, 0.002  # degrees: about 400 m apart, 200 m wide
for i in range(POLYGONS):
    lat, lon = CENTRE[0] + (i // 10 - 2.5) * step, CENTRE[1] + (i % 10 - 5) * step
    folium.Polygon([(lat, lon), (lat + side, lon), (lat + side, lon + side), (lat, lon + side)]).add_to(fmap)
st_folium(fmap, key="map", height=560, use_container_width=True, returned_objects=[])
