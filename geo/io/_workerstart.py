"""Which modules the reader's forkserver preloads, and starting it early: no heavy import here.

:mod:`geo.io._worker` runs each read in a child of one forkserver per process. The forkserver imports
the reader (geopandas, GDAL, PROJ) and warms it with one tiny read, about half a second of CPU.
The command line starts it first thing (:func:`start_early`, from :mod:`geo.__main__`), so that it gets
ready on the machine's other core while the command imports its own data stack, instead of after.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver

__all__: list[str] = []

#: Modules the forkserver imports once, so that each child starts warm (openpyxl, only for XLSX, is not one:
#: the command line starts a forkserver per run and waits for it).
PRELOAD = [
    "geo.io._workerenv",
    "geo.io.reader",
    "geo.io._pyformats",
    "geo.io._gdalformats",
    "pyarrow.parquet",
    "geo.io._workerwarm",
]


def context() -> multiprocessing.context.ForkServerContext:
    """multiprocessing's forkserver context, told to preload :data:`PRELOAD` (once it starts)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def start_early() -> None:
    """Start the forkserver now (it preloads in its own process); :mod:`geo.io._worker` uses it later.

    It returns at once: the server imports and warms itself while the caller goes on. A failure here
    changes nothing: the worker starts the server (and reports its failure) when it first needs it.
    """
    context()
    with contextlib.suppress(OSError, ValueError):
        multiprocessing.forkserver.ensure_running()
