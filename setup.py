"""What the wheel holds; the project's metadata is in pyproject.toml.

- The packages ``geo``, ``layers`` and ``ui``.
- The bundled Xuhui data, which stays in the repository's top-level ``seeds/`` folder, as the package
  data ``geo.seeds`` (read by :mod:`geo.resources` through ``importlib``).
- Leaflet, vendored in ``layers/static/`` (served to the page and inlined into downloaded maps).
- The page script ``app.py`` and its Streamlit settings ``.streamlit/config.toml``, which stay where
  ``streamlit run app.py`` finds them in a checkout, copied into the wheel as ``ui/_page/app.py`` and
  ``ui/_page/config.toml``: what ``xuhui-carriers app`` (``python -m geo app``) runs when the project is
  installed (:mod:`geo.app_launcher`). An editable install runs the checkout's files instead.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: The page's files, and where they sit in the wheel (a folder of their own: Streamlit puts the script's
#: folder first on sys.path).
PAGE_FILES = {"app.py": "app.py", ".streamlit/config.toml": "config.toml"}
PAGE_IN_WHEEL = ("ui", "_page")


class BuildWithPage(build_py):
    """``build_py`` that also copies the page's files into the wheel (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        folder = Path(self.build_lib, *PAGE_IN_WHEEL)
        self.mkpath(str(folder))
        for source, name in PAGE_FILES.items():
            self.copy_file(str(HERE / source), str(folder / name))


setup(
    packages=[
        *find_namespace_packages(
            include=["geo", "geo.*", "layers", "layers.*", "ui", "ui.*"],
            exclude=["*.__pycache__", "layers.static", "layers.static.*"],
        ),
        "geo.seeds",
    ],
    package_dir={"geo.seeds": "seeds"},
    package_data={
        "geo.seeds": ["*.geojson", "*.csv", "*.md", "context/*.geojson", "documents/*.txt"],
        "layers": ["static/README.md", "static/vendor/*/*", "static/vendor/*/images/*"],
    },
    cmdclass={"build_py": BuildWithPage},
)
