"""The project installs anywhere: a wheel in a fresh venv runs the command line and the page from another folder.

The slow test builds the wheel (``pip wheel --no-deps``), installs it with its dependencies in a new venv
(no ``--system-site-packages``: a file the wheel lacks cannot hide behind the checkout) and, from an empty
folder with no ``.streamlit/`` and no ``static/``, runs ``xuhui-carriers summary`` and starts the page with
``python -m geo app``; headless Chromium then checks that the map's Leaflet comes from the installed
package. It takes about a minute (most of it installing the dependencies) and runs in CI like every test.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM_ARGS

import layers
from geo import app_launcher

REPO = Path(__file__).resolve().parent.parent
BIN = "Scripts" if os.name == "nt" else "bin"


# --- the launcher (fast) -------------------------------------------------------------------------------


def test_launcher_passes_the_committed_config_on_the_command_line() -> None:
    """An installed page runs from any folder, where Streamlit finds no .streamlit/config.toml."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer"
    command = app_launcher.streamlit_command(["--server.port", "8600"], python="python")
    assert command[:5] == ["python", "-m", "streamlit", "run", str(REPO / "app.py")]
    for section, options in config.items():
        for name, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            assert f"--{section}.{name}={text}" in command
    assert "--client.toolbarMode=viewer" in command
    assert not [c for c in command if "enableStaticServing" in c]  # the page serves Leaflet itself
    assert command[-2:] == ["--server.port", "8600"]  # the user's options come last and win


def test_app_help_and_cli_commands_share_one_entry_point() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["xuhui-carriers"] == "geo.__main__:run"
    command = [sys.executable, "-m", "geo", "app", "--help"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert "xuhui-carriers app" in result.stdout
    assert "启动规划页面" in result.stdout


# --- the wheel (slow) ----------------------------------------------------------------------------------


def _run(command: list[str], *, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from this checkout installed; returns the venv's folder."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    # Built from a copy of the project's files, so that the checkout's build/ and *.egg-info stay as they were.
    source = root / "src"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.split("\0")):
            if (REPO / name).is_file():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                (source / name).write_bytes((REPO / name).read_bytes())
    else:  # not a git checkout (an unpacked source archive)
        skip = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*cache*")
        shutil.copytree(REPO, source, ignore=skip)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)], cwd=root)
    (wheel,) = dist.glob("xuhui_carriers-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=root)
    _run([str(venv / BIN / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=root, timeout=600)
    return venv


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty folder outside the checkout: no seeds/, static/ or .streamlit/ to fall back on."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def _table(csv_text: str) -> list[str]:
    """The CSV's rows without the stamp's time line."""
    return [line for line in csv_text.splitlines() if not line.lstrip("\ufeff").startswith("# created_utc")]


@pytest.mark.slow
def test_installed_command_line_sums_the_bundled_data(installed: Path, elsewhere: Path) -> None:
    result = _run([str(installed / BIN / "xuhui-carriers"), "summary"], cwd=elsewhere, timeout=120)
    checkout = _run([sys.executable, "-m", "geo", "summary"], cwd=REPO, timeout=120)
    assert _table(result.stdout) == _table(checkout.stdout)
    assert "全区合计" in result.stdout
    # the package's own files, not the checkout's
    code = "import geo.data, layers; print(geo.data.SEEDS_DIR, layers.STATIC_DIR)"
    where = _run([str(installed / BIN / "python"), "-c", code], cwd=elsewhere).stdout
    assert str(REPO) not in where
    assert "site-packages" in where


@contextlib.contextmanager
def _page(command: list[str], *, cwd: Path, log: Path, port: int) -> Iterator[str]:
    """Run ``command`` (a Streamlit server on ``port``) until the block ends; yields the page's URL."""
    env = {k: v for k, v in os.environ.items() if k not in ("TIANDITU_TOKEN", "PYTHONPATH")}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                with (
                    contextlib.suppress(OSError),
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response,
                ):
                    if response.status == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the installed page did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.3)
            yield url + "/"
        finally:
            process.send_signal(signal.SIGTERM)  # the launcher passes it on to Streamlit
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_responses(page: Any, seen: dict[str, Any], urls: set[str], seconds: float = 30) -> None:
    """Wait until a response to each of ``urls`` is in ``seen``: Leaflet draws without its stylesheet, so the
    CSS may still be on its way when the map is drawn (response events arrive while the test waits)."""
    deadline = time.monotonic() + seconds
    while not urls <= seen.keys() and time.monotonic() < deadline:
        page.wait_for_timeout(100)


@pytest.mark.slow
@pytest.mark.browser
def test_installed_page_draws_the_map_with_its_own_leaflet(
    installed: Path, elsewhere: Path, tmp_path: Path, chromium_path: str
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    port = _free_port()
    command = [str(installed / BIN / "python"), "-m", "geo", "app", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"]
    command += ["--browser.gatherUsageStats", "false"]
    log = tmp_path / "streamlit.log"
    with _page(command, cwd=elsewhere, log=log, port=port) as url, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            outside: list[str] = []
            assets: dict[str, tuple[int, str, int]] = {}

            def route(request_route) -> None:
                request_url = request_route.request.url
                if request_url.startswith((url, "data:", "about:", "blob:")):
                    request_route.continue_()
                else:  # basemap tiles: none reach the internet from a test
                    outside.append(request_url)
                    request_route.abort()

            def on_response(response) -> None:
                if "/vendor/leaflet-" in response.url:
                    body = len(response.body()) if response.ok else 0
                    assets[response.url] = (response.status, response.headers.get("content-type", ""), body)

            page.route("**/*", route)
            page.on("response", on_response)
            page.goto(url + "?lang=en")
            frame = None
            deadline = time.monotonic() + 90
            while frame is None and time.monotonic() < deadline:
                for handle in page.query_selector_all("iframe"):
                    candidate = handle.content_frame()
                    if candidate is not None and candidate.query_selector(".leaflet-overlay-pane path"):
                        frame = candidate
                if frame is None:
                    page.wait_for_timeout(300)
            assert frame is not None, f"the map never drew:\n{log.read_text(errors='replace')[-3000:]}"
            base = f"{url}component/{layers.ASSET_COMPONENT}/vendor/leaflet-{layers.LEAFLET_VERSION}/"
            _wait_for_responses(page, assets, {base + "leaflet.js", base + "leaflet.css"})
            status, kind, size = assets[base + "leaflet.js"]
            assert (status, "javascript" in kind) == (200, True)
            assert size == (layers.assets.LEAFLET_DIR / "leaflet.js").stat().st_size
            assert assets[base + "leaflet.css"][:2] == (200, "text/css; charset=utf-8")
            assert frame.evaluate("L.version") == layers.LEAFLET_VERSION
            assert frame.locator(".xh-legend").count() == 1
            assert not [u for u in outside if re.search(r"leaflet|jquery|bootstrap|font-awesome|\.js|\.css", u)]
            text = page.inner_text("body")
            assert "Traceback" not in text
            assert "Error" not in text
        finally:
            browser.close()
