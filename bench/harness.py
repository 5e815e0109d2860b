"""Headless Chromium's flags and ``streamlit run`` on loopback: shared by the page benchmark and the browser tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "ServerError", "streamlit_server"]

#: Headless, no sandbox or GPU, and nothing Chromium would fetch on its own (updates, sync, QUIC probes).
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)


class ServerError(RuntimeError):
    """``streamlit run`` exited or did not answer its health check in time; the message holds its log."""


@contextlib.contextmanager
def streamlit_server(
    script: Path, log_path: Path, *, timeout_s: float = 60.0, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run script`` on a free loopback port (headless, no usage statistics); yields its base URL.

    The server's output goes to ``log_path``. A Tianditu token in the environment is not passed on,
    so the page shows its defaults; the scenario workspace is a new file beside the log (never the user's).
    Raises :class:`ServerError` (with the log) if the server exits or does not answer ``/_stcore/health``
    within ``timeout_s``. ``env`` adds to (or overrides) the server's environment, e.g.
    ``{"XUHUI_WORKSPACE": str(tmp_path / "workspace.gpkg")}`` for a workspace the test prepared.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    extra_env = env
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("TIANDITU_TOKEN", None)
    # Scenarios are kept in a workspace file: the server gets its own, beside its log, never the user's.
    env["XUHUI_WORKSPACE"] = str(log_path.parent / "workspace.gpkg")
    env.update(extra_env or {})
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true", f"--server.port={port}"]
    command += ["--server.address=127.0.0.1", "--server.fileWatcherType=none"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=script.parent, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 - loopback
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(f"streamlit did not start:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
