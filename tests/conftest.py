"""Shared test set-up: the browser rule (skip without Chromium on a user's machine, never in CI)."""

from __future__ import annotations

import os
import shutil

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
