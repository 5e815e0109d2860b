"""Untrusted bytes are parsed in a separate, resource-limited process: whatever a library does, the caller lives.

A hostile file can do more than fail: a geometry nested 100,000 levels deep makes a native decoder
overflow its stack (SIGSEGV), a decompression bomb asks for gigabytes, a pathological input loops.
In the page's process any of these takes the whole Streamlit server down for every session. So
:func:`geo.io.reader.read` and :func:`geo.io.reader.inspect` run here, in a child process that

- is forked from a *forkserver* (a single-threaded process started once, with the reader's modules
  already imported), never from the caller, which may run threads (Streamlit does): the child is
  cheap to start and safe to fork;
- lowers its own limits before touching the bytes: address space (``RLIMIT_AS``), CPU seconds
  (``RLIMIT_CPU``), no core dumps, and the caller also waits at most a wall-clock time and then kills it
  by its process id;
- has no network: GDAL's HTTP is pointed at a closed local port, and Python's socket module refuses
  to create or resolve anything;
- sends back its result pickled (geometries travel as WKB, as shapely pickles them), or the reader's
  :class:`~geo.io._readbase.ReadError`, or nothing at all when it died: then the caller raises a
  bilingual ``ReadError`` saying the file was refused and why (crash, memory, time).

Nothing else of the caller's state is shared: a new child per call, so one upload cannot see another's.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import importlib
import io
import logging
import multiprocessing
import multiprocessing.context
import os
import pickle
import resource
import shutil
import signal
import struct
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing import context, forkserver, popen_forkserver, spawn, util
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from geo.io._readbase import Limits, ReadError, fail
from geo.io._workerstart import context as _forkserver_context

__all__ = ["early_value", "run_isolated", "send_early", "sent_early"]

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_CONTEXT: Any = None
#: Workers running at once (each may use its full memory cap): more uploads at the same moment wait.
_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


class _Popen(popen_forkserver.Popen):
    """Start a forkserver child without re-running the caller's main script in it.

    multiprocessing re-imports ``__main__`` from its path in every child, so that functions defined
    there can be unpickled. The reader's child needs nothing from it, and the caller's main can be
    anything: Streamlit installs the page script as ``__main__``, which must never run in a worker.
    Same as :meth:`multiprocessing.popen_forkserver.Popen._launch` otherwise.
    """

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            context.reduction.dump(prep_data, buf)
            context.reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with os.fdopen(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:  # noqa: N802 - multiprocessing's name
        return _Popen(process_obj)


def _context() -> Any:
    """The forkserver context, started once with the reader preloaded."""
    global _CONTEXT  # noqa: PLW0603 - one forkserver per process
    with _LOCK:
        if _CONTEXT is None:
            _CONTEXT = _forkserver_context()
        return _CONTEXT


def _no_network() -> None:
    """No network for anything in this process: GDAL's HTTP goes to a closed port, sockets are refused."""
    closed = "http://127.0.0.1:9"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "GDAL_HTTP_PROXY"):
        os.environ[name] = closed
    for name in ("no_proxy", "NO_PROXY"):
        os.environ.pop(name, None)
    os.environ["GDAL_HTTP_MAX_RETRY"] = "0"
    os.environ["GDAL_HTTP_TIMEOUT"] = "1"
    os.environ["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = ".none-allowed"
    os.environ["GDAL_DISABLE_READDIR_ON_OPEN"] = "EMPTY_DIR"
    os.environ["PROJ_NETWORK"] = "OFF"

    import socket  # noqa: PLC0415 - only the child is guarded

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("network access is disabled while reading an uploaded file")

    class _NoSocket(socket.socket):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            family = args[0] if args else kwargs.get("family", -1)
            if family != getattr(socket, "AF_UNIX", None):
                refuse()
            super().__init__(*args, **kwargs)

    socket.socket = _NoSocket  # type: ignore[misc]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]
    socket.gethostbyname = refuse  # type: ignore[assignment]


def _lean() -> None:
    """Fewer threads and malloc arenas: each reserves address space (a 64 MB arena, an 8 MB stack)
    that counts against ``RLIMIT_AS`` although it is never used."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(_M_ARENA_MAX, 1)
    with contextlib.suppress(ImportError):
        import pyarrow  # noqa: PLC0415 - preloaded

        pyarrow.set_cpu_count(1)
        pyarrow.set_io_thread_count(1)
    _huge_pages(False)  # a million footprints' read spent 0.3-0.7 s more in the kernel with them


_M_ARENA_MAX = -8  # glibc's mallopt parameter


def _limit(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    seconds = max(1, int(limits.worker_seconds) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.worker_memory_bytes, limits.worker_memory_bytes))


def _child(
    conn: Connection,
    target: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    limits: Limits,
    *,
    scratch: str,
    early: bool = False,
) -> None:
    """The child's whole life: limit itself, cut the network, run, send its answer, exit.

    Its temporary files go to ``scratch``, a private directory the caller made and removes after
    (:func:`_scratch_dir`), whether the child finished or was killed. ``early``: the target may send
    parts of its answer ahead (:func:`send_early`).
    """
    global _EARLY_CONN  # noqa: PLW0603 - this process runs one target
    _EARLY_CONN = conn if early else None
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tempfile.tempdir = scratch
    # The child lives for one read and exits: the collector's passes over a million cells and outlines
    # cost seconds and free nothing (its memory is capped by RLIMIT_AS and returned when it exits).
    gc.disable()
    try:
        _no_network()
        _lean()
        _limit(limits)
        module, _, name = target.partition(":")
        func: Callable[..., Any] = getattr(importlib.import_module(module), name)  # preloaded: no import cost
        try:
            message: tuple[str, Any] = ("ok", func(*args, **kwargs))
        except ReadError as exc:
            message = ("refused", _error_state(exc))
        except MemoryError:
            message = ("memory", None)
        except Exception as exc:  # noqa: BLE001 - anything else is reported to the caller's log
            message = ("bug", "".join(traceback.format_exception(exc))[-4000:])
        _send(conn, message)
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no flushing of anything inherited


#: Array memory of at least this many bytes leaves the child as its own message, not copied into the pickle.
_OUT_OF_BAND_FROM = 1 << 16
_COUNT = struct.Struct("<Q")
#: Set in the count of a part sent ahead of the answer (:func:`send_early`).
_EARLY_PART = 1 << 62
_MAX_BUFFERS = 4096


def _send(conn: Connection, message: tuple[str, Any]) -> None:
    """Send ``message`` pickled, the memory of its large arrays out of band (pickle protocol 5).

    Four parts, in order: the number of out-of-band buffers and their sizes, the pickle, then each
    buffer as it lies in memory. A million footprints' frame is 230 MB, most of it Arrow and numpy
    buffers: they are written to the pipe from where they are instead of being copied into one
    pickle first, and the caller receives each into memory it can use as is (:func:`_receive_part`).
    """
    try:
        packed = _pack(message)
    except MemoryError:
        packed = _pack(("memory", None))
    except Exception as exc:  # noqa: BLE001 - an unpicklable result is a bug, reported as such
        packed = _pack(("bug", f"result could not be sent: {exc!r}"))
    _write(conn, packed)


def _pack(message: tuple[str, Any]) -> tuple[bytes, list[memoryview]]:
    """``message`` pickled (protocol 5) and the views of its large buffers, left out of the pickle."""
    buffers: list[memoryview] = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        try:
            view = buffer.raw()
        except BufferError:  # not contiguous: in the pickle
            return True
        if view.nbytes < _OUT_OF_BAND_FROM or len(buffers) >= _MAX_BUFFERS:
            return True
        buffers.append(view)
        return False

    return pickle.dumps(message, protocol=5, buffer_callback=out_of_band), buffers


def _write(conn: Connection, packed: tuple[bytes, list[memoryview]], *, early: bool = False) -> None:
    payload, buffers = packed
    sizes = [view.nbytes for view in buffers]
    count = len(sizes) | (_EARLY_PART if early else 0)
    conn.send_bytes(_COUNT.pack(count) + struct.pack(f"<{len(sizes)}Q", *sizes))
    conn.send_bytes(payload)
    for view in buffers:
        conn.send_bytes(view)


#: In a worker asked for it (``run_isolated(on_early=…)``): the pipe an early part of the answer goes to.
_EARLY_CONN: Connection | None = None
#: In that worker, the objects sent early, in order (:func:`sent_early`).
_SENT_EARLY: list[Any] = []
#: The message kind of an early part (any other kind is the answer itself).
_EARLY = "early"
#: The parts a worker may send ahead of its answer; one more is a malformed answer.
MAX_EARLY = 2


def send_early(value: Any) -> bool:
    """In a worker whose caller asked for it, send ``value`` to the caller now, ahead of the answer.

    The caller hands it to its ``on_early`` callback while this process goes on, so that both
    processes work at once (the command checks a file's attributes while the worker checks its
    outlines). Up to :data:`MAX_EARLY` parts per worker, each given to the caller in the order sent;
    True when sent, False anywhere else (the caller's own process, a worker not asked, a part past
    the last, a value that cannot be pickled: the answer then carries it). The answer may refer to
    the values instead of holding them again (:func:`sent_early`, :func:`early_value`).
    """
    conn = _EARLY_CONN
    if conn is None or len(_SENT_EARLY) >= MAX_EARLY:
        return False
    try:
        packed = _pack((_EARLY, value))
    except Exception:  # noqa: BLE001 - not sent early; the answer holds it as any other value
        return False
    _write(conn, packed, early=True)
    _SENT_EARLY.append(value)
    return True


def sent_early(value: Any) -> bool:
    """In a worker: whether ``value`` (this very object) went to the caller early (:func:`send_early`)."""
    return any(value is sent for sent in _SENT_EARLY)


_RECEIVED = threading.local()


def early_value(index: int = 0) -> Any:
    """In the caller, while a worker's answer is unpickled: the ``index``-th value that worker sent early.

    That is what the caller's ``on_early`` returned for it, when it returned something (the work it
    started on the value), else the value itself. For the answer's own ``__setstate__`` (a frame
    whose attributes or outlines went ahead). ``LookupError`` when no such value came early: the
    answer is then malformed.
    """
    values = getattr(_RECEIVED, "value", ())
    if not 0 <= index < len(values):
        raise LookupError(f"no value number {index} was sent ahead of this answer")
    return values[index]


def _receive_part(receive: Connection, deadline: float, budget: int) -> tuple[bool, bytes, list[bytearray]] | None:
    """One message of the child as :func:`_write` sent it: (sent ahead?, the pickle, its out-of-band buffers).

    None when time ran out. Each buffer is received into a ``bytearray`` of the size announced, so that
    the arrays rebuilt on it are writable like any other. The sizes together may not pass ``budget``
    (what is left of the child's own memory cap: a child that claims more is treated as one that
    crashed), nor may one part wait past the deadline. Parts are read from the pipe straight into their
    memory (:func:`_recv_into`), not gathered first.
    """
    head = receive.recv_bytes(8 * (_MAX_BUFFERS + 1))
    (count,) = _COUNT.unpack_from(head)
    early = bool(count & _EARLY_PART)
    count &= ~_EARLY_PART
    if count > _MAX_BUFFERS or len(head) != 8 * (count + 1):
        raise EOFError("malformed header")
    sizes = struct.unpack_from(f"<{count}Q", head, 8)
    if sum(sizes) > budget:
        raise EOFError("more data announced than the worker could hold")
    parts: list[bytearray] = []
    for size in (None, *sizes):
        if not receive.poll(max(0.0, deadline - time.monotonic())):
            return None
        parts.append(_recv_into(receive, size, limit=budget))
        budget -= len(parts[-1])
    return early, bytes(parts[0]), parts[1:]


_SIZE = struct.Struct("!i")  # multiprocessing's message header: the length, or -1 and then…
_LONG_SIZE = struct.Struct("!Q")  # … the length of a message of 2 GiB or more


def _recv_into(receive: Connection, size: int | None, *, limit: int) -> bytearray:
    """One message of ``receive`` (as ``send_bytes`` framed it) read straight from the pipe into new memory.

    ``Connection.recv_bytes_into`` gathers a message in a growing buffer and copies it once more; this
    reads it in place, a large piece at a time. ``size``: the length announced for it (a message of any
    other length is an ``EOFError``), or None for any length up to ``limit``.
    """
    fd = receive.fileno()
    (length,) = _SIZE.unpack(_read_exactly(fd, bytearray(_SIZE.size)))
    if length == -1:
        (length,) = _LONG_SIZE.unpack(_read_exactly(fd, bytearray(_LONG_SIZE.size)))
    if length < 0 or (size is not None and length != size) or length > limit:
        raise EOFError("a part arrived with another length than announced")
    return _read_exactly(fd, bytearray(length))


def _read_exactly(fd: int, buffer: bytearray) -> bytearray:
    """``buffer`` filled from ``fd``; ``EOFError`` when the pipe closes first."""
    view = memoryview(buffer)
    done = 0
    while done < len(buffer):
        got = os.readv(fd, [view[done:]])
        if got == 0:
            raise EOFError("the pipe closed in the middle of a part")
        done += got
    return buffer


#: The pipe's buffer, asked of the kernel for the answer's pipe (Linux; 64 KiB otherwise): a 250 MB
#: answer crosses in 1 MiB pieces, not 64 KiB ones (fewer switches between the two processes).
_PIPE_BYTES = 1 << 20


def _widen(receive: Connection) -> None:
    """Ask for a larger pipe buffer (:data:`_PIPE_BYTES`) where the system allows it; nothing otherwise."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        import fcntl  # noqa: PLC0415 - POSIX only

        fcntl.fcntl(receive.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _error_state(exc: ReadError) -> dict[str, Any]:
    return {
        "source": exc.source,
        "code": exc.code,
        "en": exc.message_en,
        "zh": exc.message_zh,
        "choices": tuple(exc.choices),
        "problems": list(exc.problems),
    }


def _refusal(source: str, why: str, exitcode: int | None, limits: Limits) -> ReadError:
    gb = limits.worker_memory_bytes / 2**30
    if why == "time":
        return fail(
            source,
            "refused-content",
            f"reading the file took longer than {limits.worker_seconds:.0f} s and was stopped; the file is too large "
            "or built to stall a reader — split it, simplify it, or export it again from its source",
            f"读取该文件超过 {limits.worker_seconds:.0f} 秒，已停止；文件过大或构造异常——请拆分、简化或从源头重新导出",
        )
    if why == "memory":
        return fail(
            source,
            "too-large",
            f"reading the file needed more than {gb:.1f} GB of memory and was stopped; the file expands far "
            "beyond its size (a decompression bomb, or very large) — split it or export it again from its source",
            f"读取该文件所需内存超过 {gb:.1f} GB，已停止；文件解压后远大于其本身(可能是解压炸弹或数据过大)"
            "——请拆分或从源头重新导出",
        )
    signal_name = ""
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            signal_name = f" ({signal.Signals(-exitcode).name})"
    return fail(
        source,
        "unreadable",
        f"the file made the reader stop abnormally{signal_name} and was refused; it is damaged or built to "
        "crash readers (for example geometry nested thousands of levels deep) — export it again from its source",
        f"该文件导致读取程序异常终止{signal_name}，已拒绝；文件已损坏或被构造用于攻击读取程序"
        "(例如几何嵌套数千层)——请从源头重新导出",
    )


#: Where the children's temporary files go when it has room: memory, not the disk. A GeoPackage or an
#: extracted Shapefile is written there for GDAL to open; a 300 MB GeoPackage took 2.0 s to write to
#: the disk of the project's machine and 0.09 s to /dev/shm.
_MEMORY_SCRATCH = Path("/dev/shm")  # noqa: S108 - only a private mkdtemp directory (0700) is made there


def _scratch_dir(limits: Limits) -> str:
    """A new private directory (mode 0700) for one child's temporary files.

    In :data:`_MEMORY_SCRATCH` when it exists and has room for twice what the child may write there
    (the file and everything a zip may expand to, per ``limits``), else in the system's temporary
    directory. The caller removes it after the child, so nothing is left behind, even by a child
    that crashed or was killed.
    """
    root = None
    with contextlib.suppress(OSError):
        room = 2 * (limits.upload_bytes() + limits.max_total_uncompressed)
        if os.access(_MEMORY_SCRATCH, os.W_OK | os.X_OK) and shutil.disk_usage(_MEMORY_SCRATCH).free > room:
            root = str(_MEMORY_SCRATCH)
    return tempfile.mkdtemp(prefix="geo-reader-", dir=root)


def _kill(process: Any) -> None:
    if process.pid is not None and process.exitcode is None:
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGKILL)
    process.join(5)


#: What a worker's answer may contain: the reader's results and errors, frames and their parts.
#: The worker parsed a hostile file: if a native library was subverted there, its answer must not
#: be able to name anything else (``os.system``, ``pandas.read_pickle``…) for the caller to run.
_ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("builtins", name)
        for name in ("slice", "set", "frozenset", "complex", "bytearray", "range", "object", "list", "dict")
    }
    | {
        ("copyreg", "_reconstructor"),
        ("collections", "OrderedDict"),
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("decimal", "Decimal"),
        ("geo.io._readbase", "CrsChoice"),
        ("geo.io._readbase", "EncodingInfo"),
        ("geo.io._readbase", "Finding"),
        ("geo.io._readbase", "Note"),
        ("geo.io._readbase", "ReadError"),
        ("geo.io.reader", "Inspection"),
        ("geo.io.reader", "LayerInfo"),
        ("geo.io.reader", "ReadResult"),
        ("geo.schema", "Problem"),
        ("geo.text", "Text"),
        ("geopandas.array", "GeometryArray"),
        ("geopandas.geodataframe", "GeoDataFrame"),
        ("geopandas.geoseries", "GeoSeries"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("pandas", "DataFrame"),
        ("pandas", "Series"),
        ("pandas", "Index"),
        ("pandas", "RangeIndex"),
        ("pandas", "StringDtype"),
        ("pandas", "Int64Dtype"),
        ("pandas", "Float64Dtype"),
        ("pandas", "BooleanDtype"),
        ("pandas", "CategoricalDtype"),
        ("pandas", "Categorical"),
        ("pandas", "Timestamp"),
        ("pandas.arrays", "ArrowStringArray"),
        ("pandas.arrays", "StringArray"),
        ("pandas.arrays", "IntegerArray"),
        ("pandas.arrays", "FloatingArray"),
        ("pandas.arrays", "BooleanArray"),
        ("pandas._libs.internals", "_unpickle_block"),
        ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.internals.managers", "BlockManager"),
        ("pandas.core.internals.managers", "SingleBlockManager"),
        ("pyarrow.lib", "_restore_array"),
        ("pyarrow.lib", "py_buffer"),
        ("pyarrow.lib", "type_for_alias"),
        ("pyproj.crs.crs", "CRS"),
    }
)
#: Modules whose classes (never functions) may appear: pandas' array and dtype types, numpy's dtypes.
_ALLOWED_CLASS_MODULES = ("pandas.core.arrays.", "pandas.core.dtypes.", "pandas._libs.tslibs.", "numpy.dtypes")


class _Unpickler(pickle.Unpickler):
    """Unpickle a worker's answer, naming nothing outside :data:`_ALLOWED`."""

    def find_class(self, module: str, name: str) -> Any:
        found = super().find_class(module, name) if (module, name) in _ALLOWED else None
        if found is None and module.startswith(_ALLOWED_CLASS_MODULES):
            candidate = super().find_class(module, name)
            found = candidate if isinstance(candidate, type) else None
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not an allowed type in a reader's answer")
        return found


@contextlib.contextmanager
def _collector_paused() -> Any:
    """No garbage-collection passes while an answer is unpickled: rebuilding a million cells makes the
    collector walk them again and again (a second or more) and unpickling creates no cycles to free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _huge_pages(wanted: bool) -> bool:
    """Whether numpy asks the kernel for huge pages for large arrays, set to ``wanted``; the setting before.

    Where the kernel compacts memory to find them (transparent huge pages on "madvise", as on the
    project's machine), every new large array stalls in page faults. The worker never asks (the
    caller's own setting is left as it is: there it made no measurable difference).
    """
    with contextlib.suppress(ImportError, AttributeError):
        import numpy  # noqa: PLC0415 - the caller has it loaded for the answer's arrays

        return bool(numpy._core.multiarray._set_madvise_hugepage(wanted))
    return False


#: What came ahead of a worker's answer: nothing (None), ``("value", (v, …))`` in the order sent, or
#: ``("error", why)`` when a part was refused.
_Early = tuple[str, Any] | None


def _wait(
    process: Any, receive: Connection, limits: Limits, on_early: Callable[[Any], Any] | None = None
) -> tuple[tuple[bytes, list[bytearray]] | None, str, _Early]:
    """The child's message (or None) and, without one, why: ``time`` or ``crash``; the child is gone after.

    With ``on_early``, each part the child sends ahead of its answer (:func:`send_early`) is unpickled
    (with the same restrictions) and handed to ``on_early`` at once, and the answer is waited for
    within the same deadline; the third value says what came early. A part sent early unasked, or
    past :data:`MAX_EARLY`, is a malformed answer (as if the child had crashed).
    """
    deadline = time.monotonic() + limits.worker_seconds
    budget = limits.worker_memory_bytes  # for the parts together
    payload: tuple[bytes, list[bytearray]] | None = None
    early: _Early = None
    why = "crash"
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                why = "time"
                break
            if receive.poll(min(left, 0.5)):
                part = None
                with contextlib.suppress(EOFError, OSError, multiprocessing.BufferTooShort, struct.error):
                    part = _receive_part(receive, deadline, budget)
                    if part is None:
                        why = "time"
                if part is not None and part[0]:  # sent ahead of the answer
                    values = () if early is None else early[1]
                    if on_early is None or len(values) >= MAX_EARLY:
                        break
                    budget -= len(part[1]) + sum(len(b) for b in part[2])
                    taken = _take_early(part[1], part[2], on_early)
                    if taken[0] == "error":
                        early = taken
                        break
                    early = ("value", (*values, taken[1]))
                    continue
                if part is not None:
                    payload = (part[1], part[2])
                break
            if not process.is_alive() and not receive.poll(0):
                break
    finally:
        receive.close()
        if payload is not None:
            process.join(5)
        _kill(process)
    if payload is None and why != "time" and process.exitcode == -signal.SIGXCPU:
        why = "time"
    return payload, why, early


def _take_early(payload: bytes, buffers: list[bytearray], on_early: Callable[[Any], Any]) -> tuple[str, Any]:
    """Unpickle a part sent ahead (restricted as any answer) and give its value to ``on_early``.

    Returns ("value", what ``on_early`` returned, or the value when it returned None), or ("error", why).
    """
    try:
        with _collector_paused():
            kind, value = _Unpickler(io.BytesIO(payload), buffers=buffers).load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError) as exc:
        return "error", str(exc)
    if kind != _EARLY:
        return "error", f"a part sent ahead is {kind!r}"
    taken = on_early(value)
    return "value", value if taken is None else taken


def run_isolated(
    target: str,
    source: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    limits: Limits | None = None,
    *,
    on_early: Callable[[Any], Any] | None = None,
) -> Any:
    """Run ``target(*args, **kwargs)`` in a limited child process and return its result.

    Parameters
    ----------
    target
        ``"module:function"``, e.g. ``"geo.io.reader:_read_here"`` (the in-process reader).
    source
        The upload's name, for messages.
    args, kwargs
        Its arguments (pickled to the child).
    limits
        The caps; ``worker_memory_bytes`` and ``worker_seconds`` bound the child.
    on_early
        Called in this process with each value the target sends ahead of its result
        (:func:`send_early`), as soon as it arrives, while the child goes on; it should return at once
        (start a thread). What it returns (None: the value itself) is what the result's unpickling
        sees as that value (:func:`early_value`). Without it the child sends nothing early.

    Raises
    ------
    ReadError
        The reader's own refusal, or ``unreadable``/``too-large``/``refused-content`` when the child
        crashed, ran out of memory or time. Never anything else for a file's sake.
    """
    limits = limits or Limits()
    if not _SLOTS.acquire(timeout=limits.worker_seconds):
        raise fail(
            source,
            "too-large",
            "the server is busy reading other uploads; try again in a minute",
            "服务器正在读取其他上传的文件，请一分钟后再试",
        )
    try:
        return _run(target, source, args, kwargs, limits, on_early=on_early)
    finally:
        _SLOTS.release()


def _load_answer(payload: tuple[bytes, list[bytearray]], early: _Early, source: str) -> tuple[str, Any]:
    """The answer unpickled (restricted); what came early is :func:`early_value` meanwhile."""
    if early is not None:
        _RECEIVED.value = early[1]
    try:
        with _collector_paused():
            kind, value = _Unpickler(io.BytesIO(payload[0]), buffers=payload[1]).load()
    except (pickle.UnpicklingError, LookupError) as exc:
        log.error("reader worker for %r sent an object outside the allowed types: %s", source, exc)
        kind, value = "bug", str(exc)
    finally:
        with contextlib.suppress(AttributeError):
            del _RECEIVED.value
    return kind, value


def _run(
    target: str,
    source: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    limits: Limits,
    *,
    on_early: Callable[[Any], Any] | None = None,
) -> Any:
    ctx = _context()
    try:
        scratch = _scratch_dir(limits)
    except OSError as exc:
        log.exception("could not make the reader's scratch directory")
        raise fail(
            source,
            "unreadable",
            f"the server could not prepare its isolated reader ({exc}); try again in a moment",
            f"服务器无法准备隔离的读取进程({exc})；请稍后再试",
        ) from exc
    try:
        receive, send = ctx.Pipe(duplex=False)
        _widen(receive)
        process = _Process(
            target=_child,
            args=(send, target, args, kwargs, limits),
            kwargs={"scratch": scratch, "early": on_early is not None},
            daemon=True,
        )
        try:
            process.start()
        except OSError as exc:
            log.exception("could not start the reader's worker process")
            raise fail(
                source,
                "unreadable",
                f"the server could not start its isolated reader ({exc}); try again in a moment",
                f"服务器无法启动隔离的读取进程({exc})；请稍后再试",
            ) from exc
        finally:
            send.close()
        payload, why, early = _wait(process, receive, limits, on_early)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # the child is gone: whatever it left, crash or not
    if early is not None and early[0] == "error":
        log.error("reader worker for %r sent a malformed part ahead of its answer: %s", source, early[1])
        kind, value = "bug", early[1]
    elif payload is None:
        log.warning("reader worker for %r ended without a result: %s (exit code %s)", source, why, process.exitcode)
        raise _refusal(source, why, process.exitcode, limits)
    else:
        kind, value = _load_answer(payload, early, source)
    if kind == "ok":
        return value
    if kind == "refused":
        raise fail(
            value["source"],
            value["code"],
            value["en"],
            value["zh"],
            choices=value["choices"],
            problems=value["problems"],
        )
    if kind == "memory":
        raise _refusal(source, "memory", None, limits)
    log.error("reader worker failed on %r:\n%s", source, value)
    raise fail(
        source,
        "unreadable",
        "the file could not be read because of an unexpected error in the reader (logged for the "
        "maintainers); check the file, or export it again from its source",
        "读取该文件时读取程序出现意外错误(已记录，供维护人员排查)；请检查文件，或从源头重新导出",
    )
