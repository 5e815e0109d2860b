"""The environment of the reader's worker processes, set in their forkserver before anything heavy loads.

Imported first by the forkserver of :mod:`geo.io._worker` (never by the page or the command line):
the libraries read these variables once, when they load. Each setting keeps the address space a
worker reserves close to what it uses, so that its ``RLIMIT_AS`` cap measures real memory:

- PyArrow's default allocator (mimalloc) reserves a 1 GiB arena at the first read: use the system one;
- numerical libraries start one thread per core, each with its own stack and malloc arena: one thread.
"""

from __future__ import annotations

import os

__all__: list[str] = []

os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"
