"""Functions the isolation tests run in the reader's worker process: each misbehaves as a hostile file could."""

from __future__ import annotations

import ctypes
import socket
import time
from pathlib import Path

__all__ = ["allocate", "connect", "echo", "read_peak", "scratch", "segfault", "smuggle", "spin"]


def segfault() -> None:
    """Crash as a native decoder does on a stack overflow."""
    ctypes.string_at(0)


def allocate(megabytes: int) -> int:
    """Ask for far more memory than a read may use."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def spin(seconds: float) -> None:
    """Never finish (as a pathological input would)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def connect(host: str, port: int) -> str:
    """Try to reach the network."""
    with socket.create_connection((host, port), timeout=2):
        return "connected"


def echo(value: object) -> object:
    """Send a value back, as the reader sends a result."""
    return value


def read_peak(data: bytes, filename: str, kwargs: dict[str, object]) -> dict[str, int]:
    """Read in the worker and report its peak address space and resident memory (kB), for measurements."""
    import resource  # noqa: PLC0415

    from geo.io import reader  # noqa: PLC0415

    reader._read_here(data, filename, **kwargs)  # the worker's side of reader.read
    with Path("/proc/self/status").open(encoding="ascii") as lines:
        status = dict(line.split(":", 1) for line in lines)
    return {
        "VmPeak": int(status["VmPeak"].split()[0]),
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


class _Smuggled:
    """What a subverted worker could send: an object that runs a command when unpickled."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os  # noqa: PLC0415

        return (os.system, ("echo smuggled > /dev/null",))


def smuggle() -> object:
    """Answer with an object naming ``os.system``."""
    return _Smuggled()


def scratch(note: str, crash: bool) -> str:
    """Write a file where the reader writes its temporary files, note that directory, and crash if asked."""
    import tempfile  # noqa: PLC0415

    where = tempfile.gettempdir()
    Path(where, "left.gpkg").write_bytes(b"x" * 1024)
    Path(note).write_text(where, encoding="utf-8")
    if crash:
        segfault()
    return where
