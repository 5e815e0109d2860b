"""``xuhui-carriers app`` / ``python -m geo app``: start the planning page, from a checkout or an installed wheel.

It runs ``python -m streamlit run <page script> <options> <your options>`` as a child process, where

- the page script is the checkout's ``app.py`` (a source checkout or an editable install), else the copy
  the wheel holds as ``ui/_page/app.py`` (setup.py puts it there);
- the options are the page's committed Streamlit settings (``.streamlit/config.toml``, in the wheel
  ``ui/_page/config.toml``) written out as command-line options: Streamlit reads that file from the
  *working directory* only, which for an installed page is any folder. Options you add after ``app``
  come later and win (``--server.port 8600``, ``--server.headless true``…).

The map's Leaflet files need no option: the page serves them itself (:mod:`ui.leaflet_assets`).
Streamlit is not imported here (``geo`` is the domain and never imports it); only the child runs it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.resources import package_dir

__all__ = ["Page", "page_files", "run_app", "streamlit_command", "streamlit_options"]

_ROOT = Path(__file__).resolve().parent.parent
_HELP = """usage: xuhui-carriers app [options of `streamlit run`]
       python -m geo app [options of `streamlit run`]

启动规划页面（在浏览器中打开）。Start the planning page in a browser.
  e.g. xuhui-carriers app --server.port 8600 --server.headless true
"""


@dataclass(frozen=True)
class Page:
    """The page's files: the script ``streamlit run`` runs and the Streamlit settings it needs."""

    script: Path
    config: Path


def page_files() -> Page:
    """A checkout's ``app.py`` and ``.streamlit/config.toml``, else the installed ``ui/_page/`` copies.

    Raises
    ------
    FileNotFoundError
        Neither exists (a broken install); the message says how to reinstall.
    """
    if (_ROOT / "pyproject.toml").is_file() and (_ROOT / "app.py").is_file():
        return Page(_ROOT / "app.py", _ROOT / ".streamlit" / "config.toml")
    folder = package_dir("ui") / "_page"
    page = Page(folder / "app.py", folder / "config.toml")
    if not page.script.is_file():
        raise FileNotFoundError(
            f"the page script {page.script} is missing; reinstall xuhui-carriers (pip install xuhui-carriers) · "
            "页面脚本缺失：请重新安装 xuhui-carriers"
        )
    return page


def _option_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(f"a Streamlit option of type {type(value).__name__} cannot be passed on the command line")


def streamlit_options(config: Path) -> list[str]:
    """The settings of a Streamlit ``config.toml`` as ``streamlit run`` options (``--section.name=value``).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.toml"
    >>> _ = path.write_text('[client]\\ntoolbarMode = "viewer"\\n[server]\\nmaxUploadSize = 50\\n')
    >>> streamlit_options(path)
    ['--client.toolbarMode=viewer', '--server.maxUploadSize=50']
    """
    if not config.is_file():
        return []
    settings = tomllib.loads(config.read_text(encoding="utf-8"))
    return [
        f"--{section}.{name}={_option_value(value)}"
        for section, options in settings.items()
        for name, value in options.items()
    ]


def streamlit_command(args: Sequence[str] = (), *, python: str = sys.executable) -> list[str]:
    """The ``streamlit run`` command line for the page: its settings as options, then ``args``.

    Parameters
    ----------
    args
        Further options of ``streamlit run`` (they override the committed settings).
    python
        The interpreter to run Streamlit with (default: this one).

    Returns
    -------
    list of str
    """
    page = page_files()
    return [python, "-m", "streamlit", "run", str(page.script), *streamlit_options(page.config), *args]


def run_app(args: Sequence[str] = ()) -> int:
    """Start the page and wait until it stops (Ctrl+C, or SIGTERM); returns Streamlit's exit status.

    Parameters
    ----------
    args
        Options of ``streamlit run``; ``-h``/``--help`` prints this command's usage.

    Returns
    -------
    int
        0 after a normal stop; Streamlit's status otherwise; 2 when the page's files are missing.
    """
    if any(a in ("-h", "--help") for a in args):
        sys.stdout.write(_HELP)
        return 0
    try:
        command = streamlit_command(args)
    except FileNotFoundError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    process = subprocess.Popen(command)  # noqa: S603 - our interpreter and our own script
    # A service manager stops the page with SIGTERM: pass it on, or Streamlit would outlive this process.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: process.send_signal(signum)) if in_main else None
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:  # Ctrl+C reaches the child too: wait for it to shut down
                continue
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
