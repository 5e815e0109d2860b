"""``python -m geo`` and the ``xuhui-carriers`` command: the command line (:mod:`geo.cli`) and ``app``.

``app`` starts the planning page (:mod:`geo.app_launcher`); every other command is :func:`geo.cli.main`'s.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
from typing import NoReturn

__all__ = ["main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run one command: ``app [options of streamlit run]``, or a :mod:`geo.cli` command (``summary``, ``check``)."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["app"]:
        from geo.app_launcher import run_app  # noqa: PLC0415 - only this command needs it

        return run_app(args[1:])
    # One command is one short batch over millions of objects (a city's footprints, their ids and names)
    # that hold no reference cycles: the collector's passes over them cost seconds at a million
    # footprints and free nothing, so this process runs without them (a long-lived caller, the page or
    # a test calling geo.cli.main, keeps its own collector).
    gc.disable()
    from geo.cli import main as cli_main  # noqa: PLC0415 - geo.cli loads the data stack

    return cli_main(args)


#: Options naming a user's file, which the command reads in the reader's worker processes.
_FILE_OPTIONS = ("--carriers", "--zones")


def _reads_files(args: list[str]) -> bool:
    """Whether a command line names a user's carriers or zones file (``--carriers F``, ``--zones=F``)."""
    return any(arg.split("=", 1)[0] in _FILE_OPTIONS for arg in args)


def run() -> NoReturn:
    """The process's command (``python -m geo``, ``xuhui-carriers``): :func:`main`, then the process ends.

    It ends at once, once every output is written and flushed: the objects a command made (a million
    footprints and their texts) are released with the process's memory, not freed one by one, which
    cost about a second at a million footprints.
    """
    # numpy asks for transparent huge pages for large arrays; where the kernel compacts memory to find
    # them (THP "madvise", as on Debian), a million footprints' run spent 0.5-1.5 s more in the kernel.
    # Read by numpy when it loads (nothing has loaded it yet); a user's own setting wins.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    if sys.argv[1:2] != ["app"] and _reads_files(sys.argv[1:]):
        # The reader's forkserver imports and warms itself (0.5 s) on the other core while this process
        # imports the data stack, instead of after it (geo.io._workerstart loads nothing heavy).
        from geo.io._workerstart import start_early  # noqa: PLC0415

        start_early()
    if sys.argv[1:2] != ["app"]:
        from geo.cli import keep_loaded_data  # noqa: PLC0415 - geo.cli loads the data stack

        keep_loaded_data()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    run()
