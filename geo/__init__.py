"""Domain code of the carrier-planning tool: contract, reading, roll-ups, quality, exports.

GDAL is restricted before anything can import pyogrio: only the drivers the reader accepts stay
registered, and GDAL gets no network access (see :mod:`geo.io._gdal`). Import ``geo`` before
geopandas reads any file.
"""

from geo.io._gdal import harden_gdal

harden_gdal()

__all__ = ["__version__"]

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("xuhui-carriers")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
