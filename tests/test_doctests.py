"""Every docstring example in geo/ and layers/ runs, and holds (pytest is not run with --doctest-modules)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import geo
import layers

# ``geo.__main__`` runs the command line on import: it has no examples and must not be imported.
_SKIP = {"geo.__main__"}


def _modules() -> list[str]:
    names = []
    for package in (geo, layers):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            if info.name not in _SKIP:
                names.append(info.name)
    return sorted(names)


MODULES = _modules()


def test_every_module_is_found() -> None:
    assert {"geo.rollup", "geo.io.export", "geo.io._gdal", "layers.grid", "geo.text"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} doctest example(s) failed (see output)"


def test_the_doctests_do_run() -> None:
    attempted = sum(doctest.testmod(importlib.import_module(n), verbose=False).attempted for n in MODULES)
    assert attempted >= 30  # examples exist and are executed, not silently skipped
