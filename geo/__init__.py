"""Domain code of the carrier-planning tool: contract, reading, roll-ups, quality, exports.

Importing ``geo`` changes nothing outside it: GDAL keeps every driver and its configuration. The
reader restricts GDAL only while it reads a user's file (see :mod:`geo.io._gdal`).
"""

__all__ = ["__version__"]

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("xuhui-carriers")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
