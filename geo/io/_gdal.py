"""GDAL hardening: which drivers exist, and no network, before pyogrio is first imported.

GDAL decides a file's driver from its content, and several drivers read *other* files or URLs named
inside the file: an uploaded ``.vrt`` (OGR_VRT) or ``.gdalg.json`` (GDALG) can make ``read_file``
return ``/etc/passwd`` or fetch an internal URL, whatever the upload's extension. ``GDAL_SKIP`` is
read once, when the drivers are registered, which pyogrio does on import, so :func:`harden_gdal`
must run first (``geo/__init__.py`` calls it at the very top); :func:`check_hardened` then proves
that it took effect, and the reader refuses to open anything through GDAL when it did not.

The reader itself chooses the format before GDAL sees a byte and only hands GDAL GeoJSON, GeoPackage
and Shapefile; KML is parsed in Python. ``KML`` stays registered so that exports can write it.
"""

from __future__ import annotations

import os
import sys

__all__ = [
    "ALLOWED_DRIVERS",
    "CONFIG",
    "SKIPPED_DRIVERS",
    "check_hardened",
    "harden_gdal",
]

#: The only vector drivers left registered (GDAL driver short names).
ALLOWED_DRIVERS: frozenset[str] = frozenset({"GeoJSON", "GPKG", "ESRI Shapefile", "KML"})

#: Every other driver of GDAL 3.12 with vector capability, plus the raster drivers that open other
#: datasets (VRT, GTI). Driver names contain spaces, so GDAL_SKIP is comma-separated. A GDAL that
#: adds a driver not listed here fails :func:`check_hardened` until it is added: new drivers are
#: refused by default, never trusted by default.
SKIPPED_DRIVERS: tuple[str, ...] = (
    # read other files or URLs named inside the file
    "OGR_VRT",
    "GDALG",
    "VRT",
    "GTI",
    "MBTiles",
    "PDF",
    "PCIDSK",
    "OGR_PDS",
    "PDS4",
    "VICAR",
    # network services
    "AmigoCloud",
    "Carto",
    "CSW",
    "EEDA",
    "Elasticsearch",
    "HTTP",
    "NGW",
    "OAPIF",
    "OGCAPI",
    "PLSCENES",
    "WFS",
    "ADBC",
    "AIVector",
    # file formats we do not accept (the reader parses CSV, XLSX, KML and Parquet itself)
    "AVCBin",
    "AVCE00",
    "CSV",
    "DGN",
    "DXF",
    "EDIGEO",
    "ESRIJSON",
    "FlatGeobuf",
    "GML",
    "GPSBabel",
    "GPX",
    "GTFS",
    "GeoJSONSeq",
    "GeoRSS",
    "Idrisi",
    "JML",
    "JSONFG",
    "LIBKML",
    "LVBAG",
    "MEM",
    "MVT",
    "MapInfo File",
    "MapML",
    "MiraMonVector",
    "ODS",
    "OGR_GMT",
    "OSM",
    "OpenFileGDB",
    "PGDUMP",
    "PMTiles",
    "S57",
    "SQLite",
    "SXF",
    "Selafin",
    "TopoJSON",
    "VDV",
    "VFK",
    "WAsP",
    "XLSX",
)

# A proxy that cannot answer: any request GDAL still tries fails at once. The ``.invalid`` top-level
# domain never resolves (RFC 2606). Caveat: libcurl lets a ``no_proxy`` environment variable bypass
# this for the hosts it lists, so the reader also refuses, by content, every file that names a URL
# (GeoJSON ``crs`` links); this is the second line, not the first.
_NO_PROXY = "gdal-network-disabled.invalid:9"

#: Configuration applied through the environment before import and again through pyogrio after.
CONFIG: dict[str, str] = {
    "GDAL_SKIP": ",".join(SKIPPED_DRIVERS),
    "GDAL_DRIVER_PATH": "disable",  # no plugin drivers from the file system
    "OGR_DRIVER_PATH": "disable",
    "GDAL_HTTP_PROXY": _NO_PROXY,
    "GDAL_HTTPS_PROXY": _NO_PROXY,
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_NETRC": "NO",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".gdal-network-disabled",
    "CPL_VSIL_CURL_HEADER_FILE_KVP_ENABLED": "NO",
    "CPL_CURL_ENABLE_VSIMEM": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "PROJ_NETWORK": "OFF",
}

# Options checked after import (GDAL_SKIP is checked through the driver list instead).
_CHECKED = (
    "GDAL_HTTP_PROXY",
    "GDAL_HTTPS_PROXY",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS",
    "GDAL_VRT_ENABLE_PYTHON",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS",
)


def harden_gdal() -> bool:
    """Restrict GDAL to the accepted drivers and cut its network access.

    Call before anything imports pyogrio (or fiona, or osgeo). Safe to call more than once.

    Returns
    -------
    bool
        True when pyogrio was not imported yet, so that the driver list is restricted; False when
        it came too late (the network options still apply; :func:`check_hardened` will fail).
    """
    for key, value in CONFIG.items():
        os.environ[key] = value
    early = "pyogrio" not in sys.modules
    if not early:
        import pyogrio  # noqa: PLC0415 - already imported by someone else; only runtime options apply

        pyogrio.set_gdal_config_options({k: v for k, v in CONFIG.items() if k != "GDAL_SKIP"})
    return early


def check_hardened() -> list[str]:
    """Everything that shows the hardening is not in effect (empty list when it is).

    Imports pyogrio, so call it only after :func:`harden_gdal`.
    """
    import pyogrio  # noqa: PLC0415 - must not be imported before harden_gdal()

    found: list[str] = []
    extra = sorted(set(pyogrio.list_drivers()) - ALLOWED_DRIVERS)
    if extra:
        found.append(f"GDAL drivers still registered: {', '.join(extra)}")
    # A GDAL configuration file can override the environment: re-assert at run time, then verify.
    pyogrio.set_gdal_config_options({k: v for k, v in CONFIG.items() if k != "GDAL_SKIP"})
    for key in _CHECKED:
        value = pyogrio.get_gdal_config_option(key)
        if str(value).upper() != CONFIG[key].upper() and not (CONFIG[key] == "NO" and value is False):
            found.append(f"GDAL option {key} is {value!r}, expected {CONFIG[key]!r}")
    return found
