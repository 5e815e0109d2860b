"""Where the project's own files are: a source checkout's folders, or an installed package's data.

In a checkout (``pyproject.toml`` beside the packages) the bundled data is the top-level ``seeds/``
folder. An installed wheel has no such folder: setup.py ships ``seeds/`` as the package ``geo.seeds``,
found here through ``importlib`` wherever the package was installed. Both give a real directory on
disk (GeoPandas, Streamlit and the command line read paths).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["package_dir", "seeds_dir"]

_ROOT = Path(__file__).resolve().parent.parent


def _checkout_dir(name: str) -> Path | None:
    """``<checkout>/<name>`` when this package runs from a source checkout that has it, else None."""
    folder = _ROOT / name
    return folder if (_ROOT / "pyproject.toml").is_file() and folder.is_dir() else None


def package_dir(package: str) -> Path:
    """The folder of an installed (sub)package, regular or namespace, without importing it.

    Parameters
    ----------
    package
        Dotted name, e.g. ``"geo.seeds"``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        When the package is not installed, or not as files on disk (say, inside a zip); the message
        says how to reinstall.
    """
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        if Path(location).is_dir():
            return Path(location)
    raise FileNotFoundError(
        f"the package data {package!r} of xuhui-carriers is missing; reinstall the project "
        "(pip install xuhui-carriers, or pip install -e . in a checkout) · "
        f"找不到 xuhui-carriers 的数据包 {package}：请重新安装本项目"
    )


def seeds_dir() -> Path:
    """The bundled Xuhui data: ``seeds/`` of a checkout, else the installed package data ``geo.seeds``.

    >>> (seeds_dir() / "carriers.geojson").is_file()
    True
    """
    return _checkout_dir("seeds") or package_dir("geo.seeds")
