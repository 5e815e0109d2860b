"""Functions the isolation tests run in the reader's worker process: each misbehaves as a hostile file could."""

from __future__ import annotations

import ctypes
import socket
import time

__all__ = ["allocate", "connect", "echo", "segfault", "spin"]


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
