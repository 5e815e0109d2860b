"""Shared test set-up: the browser rule (skip without Chromium on a user's machine, never in CI)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import geo  # noqa: F401 - restricts GDAL's drivers before any test imports pyogrio

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
)


def find_chromium() -> str:
    """The Chromium binary, or skip the test; in CI (``CI=true``) a missing browser fails instead."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI: .ci/run installs Debian's 'chromium'")
        pytest.skip("headless Chromium not installed (Debian: apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return find_chromium()


@contextlib.contextmanager
def streamlit_server(script: Path, log_dir: Path) -> Iterator[str]:
    """``streamlit run script`` on a free loopback port (headless, no usage statistics); yields its base URL.

    The server's output goes to ``log_dir / "streamlit.log"`` and is shown if it fails to start.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("TIANDITU_TOKEN", None)
    log_path = log_dir / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true", f"--server.port={port}"]
    command += ["--server.address=127.0.0.1", "--server.fileWatcherType=none"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=script.parent, stdout=log, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start:\n{log_path.read_text(errors='replace')}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
