"""Shared test set-up: the browser rule (skip without Chromium on a user's machine, never in CI)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import geo  # noqa: F401 - restricts GDAL's drivers before any test imports pyogrio
from bench import harness
from bench.harness import CHROMIUM_ARGS

__all__ = ["CHROMIUM_ARGS", "chromium_path", "find_chromium", "headline_figure", "streamlit_server"]


def find_chromium() -> str:
    """The Chromium binary, or skip the test; in CI (``CI=true``) a missing browser fails instead."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI: .ci/run installs Debian's 'chromium'")
        pytest.skip("headless Chromium not installed (Debian: apt-get install chromium)")
    return path


def headline_figure(text: str) -> tuple[str, float]:
    """A headline figure as the page writes it (``不少于 1,234.5``, ``about 755.0``, ``12.0``): the qualifier's word
    (``""`` when exact) and the number. Fails on anything else: a word the summary table does not use, no number."""
    from geo.present import qualifier_words  # noqa: PLC0415
    from geo.text import LANGS  # noqa: PLC0415

    words = {word for lang in LANGS for word in qualifier_words(["exact", "about", "at_least"], lang)}
    found = re.fullmatch(r"(?:(.+?) )?(-?\d{1,3}(?:,\d{3})*\.\d)", text.strip())
    assert found, f"the headline figure {text!r} is not a number (one decimal) after an optional qualifier"
    word = found.group(1) or ""
    assert word in words, f"the headline figure {text!r} has a qualifier the summary table never uses"
    return word, float(found.group(2).replace(",", ""))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return find_chromium()


@contextlib.contextmanager
def streamlit_server(script: Path, log_dir: Path, *, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """``streamlit run script`` on a free loopback port (see :func:`bench.harness.streamlit_server`).

    The server's output goes to ``log_dir / "streamlit.log"``; a server that does not start fails the
    test with that log. ``env`` adds to the server's environment (e.g. ``XUHUI_WORKSPACE``).
    """
    try:
        with harness.streamlit_server(script, log_dir / "streamlit.log", env=env) as url:
            yield url
    except harness.ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run app.py`` on loopback for one test module (its own scenario workspace); its base URL."""
    with streamlit_server(
        Path(__file__).resolve().parent.parent / "app.py", tmp_path_factory.mktemp("streamlit")
    ) as url:
        yield url


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """The page's data caches (``st.cache_data``) empty before and after the test: AppTest runs share one
    process, and a cached roll-up of one test's data must not answer another's. Modules whose every test
    runs the page take it with ``pytestmark = pytest.mark.usefixtures("fresh_caches")``."""
    import streamlit as st  # noqa: PLC0415 - only the page's tests need it

    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    """A fresh scenario workspace of the bundled data holding an empty scenario ``s``, the one the page opens in
    this test (``XUHUI_WORKSPACE``); modules that need another kind of workspace define their own."""
    from geo.workspace import Who, create_workspace  # noqa: PLC0415 - only the scenario modules need it

    path = tmp_path / "workspace.gpkg"
    monkeypatch.setenv("XUHUI_WORKSPACE", str(path))
    store = create_workspace(path, who=Who("lead"))
    store.new_scenario("s", who=Who("lead"))
    return store


@pytest.fixture(scope="module")
def workspace_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario workspace of the bundled data holding an empty scenario ``s``, for one test module."""
    from geo.workspace import Who, create_workspace  # noqa: PLC0415 - only the scenario modules need it

    path = tmp_path_factory.mktemp("workspace") / "workspace.gpkg"
    create_workspace(path, who=Who("lead")).new_scenario("s", who=Who("lead"))
    return path


@pytest.fixture(scope="module")
def workspace_server(tmp_path_factory: pytest.TempPathFactory, workspace_path: Path) -> Iterator[str]:
    """``streamlit run app.py`` on :func:`workspace_path` (``XUHUI_WORKSPACE``) for one test module; its base URL."""
    env = {"XUHUI_WORKSPACE": str(workspace_path)}
    with streamlit_server(
        Path(__file__).resolve().parent.parent / "app.py", tmp_path_factory.mktemp("streamlit"), env=env
    ) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    """Headless Chromium (the project's flags) for one test module; tests open their own contexts."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only browser tests need it

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page in a fresh browser context (its own session and cookies) of the module's Chromium; modules
    that need another viewport or timeout define their own ``page``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    context.close()
