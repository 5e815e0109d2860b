"""GDAL restricted where user files are read, and nowhere else.

GDAL decides a file's driver from its content, and several drivers read *other* files or URLs named
inside the file: an uploaded ``.vrt`` (OGR_VRT) or ``.gdalg.json`` (GDALG) can make a read return
``/etc/passwd`` or fetch an internal URL, whatever the upload's extension. The reader chooses the
format itself before GDAL sees a byte and only hands GDAL GeoJSON, GeoPackage and Shapefile (KML,
CSV, XLSX and Parquet are parsed in Python); GDAL's own defences are the second line.

That second line is scoped: :func:`restricted_gdal` is a context manager around the reader's GDAL
calls. Inside it only :data:`ALLOWED_DRIVERS` are registered (an allow-list: a driver GDAL adds
later, or a plugin, is refused by default) and GDAL has no network (:data:`CONFIG`, set as
thread-local configuration options, which take precedence over global ones and the environment);
on leaving it the driver list is restored in its original order and the options are unset. Importing
``geo`` changes nothing in GDAL, pyogrio or the environment: a notebook that imports ``geo`` can
still write FlatGeobuf or GML, and the reader works whatever was imported first.

pyogrio 0.13 has no per-call list of allowed drivers (GDALOpenEx's ``papszAllowedDrivers`` is not
exposed) and ``GDAL_SKIP`` is read once, when pyogrio registers the drivers on import, so the
drivers are deregistered and registered again through GDAL's C API (``ctypes`` on the very library
pyogrio loaded). The change is process-wide while a read runs: reads inside the scope share one
restricted state (counted), and a thread outside the scope that opens a file during a read sees the
restricted list too (it never sees the hostile drivers enabled for a user's file).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import sys
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "ALLOWED_DRIVERS",
    "CONFIG",
    "GdalNotRestrictedError",
    "check_hardened",
    "restricted_gdal",
    "scoped_pyogrio",
]

#: The only drivers registered while the reader reads a user's file (GDAL driver short names).
ALLOWED_DRIVERS: frozenset[str] = frozenset({"GeoJSON", "GPKG", "ESRI Shapefile"})

# A proxy that cannot answer: any request GDAL still tries fails at once. The ``.invalid`` top-level
# domain never resolves (RFC 2606). Caveat: libcurl lets a ``no_proxy`` environment variable bypass
# this for the hosts it lists, so the reader also refuses, by content, every file that names a URL
# (GeoJSON ``crs`` links); this is the second line, not the first.
_NO_PROXY = "gdal-network-disabled.invalid:9"

#: GDAL configuration in force while a user's file is read (thread-local options).
CONFIG: dict[str, str] = {
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

# Options checked inside the scope (the driver list is checked too).
_CHECKED = (
    "GDAL_HTTP_PROXY",
    "GDAL_HTTPS_PROXY",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS",
    "GDAL_VRT_ENABLE_PYTHON",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS",
)


class GdalNotRestrictedError(RuntimeError):
    """GDAL could not be restricted for a read (its library was not found, or the check failed)."""


class _Gdal:
    """The few GDAL C functions the scope needs, from the library pyogrio loaded."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        self.count = lib.GDALGetDriverCount
        self.count.restype, self.count.argtypes = ctypes.c_int, []
        self.driver = lib.GDALGetDriver
        self.driver.restype, self.driver.argtypes = ctypes.c_void_p, [ctypes.c_int]
        self.short_name = lib.GDALGetDriverShortName
        self.short_name.restype, self.short_name.argtypes = ctypes.c_char_p, [ctypes.c_void_p]
        self.deregister = lib.GDALDeregisterDriver
        self.deregister.restype, self.deregister.argtypes = None, [ctypes.c_void_p]
        self.register = lib.GDALRegisterDriver
        self.register.restype, self.register.argtypes = ctypes.c_int, [ctypes.c_void_p]
        self.set_local = lib.CPLSetThreadLocalConfigOption
        self.set_local.restype, self.set_local.argtypes = None, [ctypes.c_char_p, ctypes.c_char_p]
        self.get_local = lib.CPLGetThreadLocalConfigOption
        self.get_local.restype, self.get_local.argtypes = ctypes.c_char_p, [ctypes.c_char_p, ctypes.c_char_p]

    def drivers(self) -> list[tuple[int, str]]:
        handles = [self.driver(i) for i in range(self.count())]
        return [(int(h), (self.short_name(h) or b"").decode()) for h in handles if h]


def _loaded_libgdal() -> str | None:
    """The path of the libgdal this process has loaded (Linux: from /proc/self/maps)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    for line in maps.read_text(errors="replace").splitlines():
        path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
        if Path(path).name.startswith("libgdal") and ".so" in Path(path).name:
            return path
    return None


def _candidates() -> list[str]:
    import pyogrio  # noqa: PLC0415 - loads libgdal; importing it changes nothing in GDAL's state

    found = [p for p in [_loaded_libgdal()] if p]
    root = Path(pyogrio.__file__).resolve().parent
    for folder in (root.parent / "pyogrio.libs", root / ".dylibs", root.parent / "pyogrio.libs"):
        if folder.is_dir():
            found += sorted(str(p) for p in folder.iterdir() if p.name.startswith(("libgdal", "gdal")))
    system = ctypes.util.find_library("gdal")
    if system:
        found.append(system)
    return found


@functools.cache
def _gdal() -> _Gdal | None:
    for path in _candidates():
        try:
            return _Gdal(ctypes.CDLL(path))
        except (OSError, AttributeError):
            continue
    return None


class _Registry:
    """The restricted state, shared by the reads inside the scope (any thread), counted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.saved: list[int] = []  # the full driver order before the first read began

    def restrict(self, gdal: _Gdal) -> None:
        with self.lock:
            if self.active == 0:
                order = gdal.drivers()
                self.saved = [handle for handle, _ in order]
                for handle, name in order:
                    if name not in ALLOWED_DRIVERS:
                        gdal.deregister(handle)
            self.active += 1

    def restore(self, gdal: _Gdal) -> None:
        with self.lock:
            self.active -= 1
            if self.active:
                return
            # Back to the original order: drivers are tried in it when a file is identified.
            current = [handle for handle, _ in gdal.drivers()]
            same = 0
            while same < min(len(current), len(self.saved)) and current[same] == self.saved[same]:
                same += 1
            for handle in current[same:]:
                gdal.deregister(handle)
            for handle in self.saved[same:]:
                gdal.register(handle)
            self.saved = []


_REGISTRY = _Registry()


@contextlib.contextmanager
def _thread_config(gdal: _Gdal) -> Iterator[None]:
    previous = {key: gdal.get_local(key.encode(), None) for key in CONFIG}
    for key, value in CONFIG.items():
        gdal.set_local(key.encode(), value.encode())
    try:
        yield
    finally:
        for key, value in previous.items():
            gdal.set_local(key.encode(), value)


def _problems() -> list[str]:
    """What shows the restriction is not in effect here (inside the scope)."""
    import pyogrio  # noqa: PLC0415

    found: list[str] = []
    extra = sorted(set(pyogrio.list_drivers()) - ALLOWED_DRIVERS)
    if extra:
        found.append(f"GDAL drivers still registered: {', '.join(extra)}")
    for key in _CHECKED:
        value = pyogrio.get_gdal_config_option(key)
        if str(value).upper() != CONFIG[key].upper() and not (CONFIG[key] == "NO" and value is False):
            found.append(f"GDAL option {key} is {value!r}, expected {CONFIG[key]!r}")
    return found


@contextlib.contextmanager
def restricted_gdal() -> Iterator[None]:
    """GDAL with only :data:`ALLOWED_DRIVERS` and no network, for the block; restored afterwards.

    Re-entrant and safe to use from several threads at once (they share the restricted state).

    Raises
    ------
    GdalNotRestrictedError
        When GDAL's library cannot be reached or the restriction does not show (nothing is opened).
    """
    gdal = _gdal()
    if gdal is None:
        raise GdalNotRestrictedError("GDAL's library was not found in this process, so its drivers cannot be limited")
    _REGISTRY.restrict(gdal)
    try:
        with _thread_config(gdal):
            found = _problems()
            if found:
                raise GdalNotRestrictedError("; ".join(found))
            yield
    finally:
        _REGISTRY.restore(gdal)


def check_hardened() -> list[str]:
    """Everything that shows the reader's restriction cannot take effect (empty list when it can).

    Enters :func:`restricted_gdal` once and leaves it: nothing stays changed.
    """
    try:
        with restricted_gdal():
            return []
    except GdalNotRestrictedError as exc:
        return [str(exc)]


class _Scoped:
    """A module whose functions each run inside :func:`restricted_gdal`; classes and data pass through."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if isinstance(value, types.ModuleType):
            return _Scoped(value)
        if callable(value) and not isinstance(value, type):
            return _in_scope(value)
        return value


def _in_scope(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        with restricted_gdal():
            return function(*args, **kwargs)

    return call


def scoped_pyogrio() -> Any:
    """pyogrio as the reader uses it: every function call (``list_layers``, ``read_info``,
    ``read_bounds``, ``raw.read``…) runs inside :func:`restricted_gdal`.

    The reader's ``hardened_pyogrio`` returns this instead of the ``pyogrio`` module.
    """
    import pyogrio  # noqa: PLC0415
    import pyogrio.raw  # noqa: PLC0415, F401 - reached as an attribute below

    return _Scoped(sys.modules["pyogrio"])
