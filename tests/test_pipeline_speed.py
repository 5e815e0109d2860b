"""The command's pipeline from file to table: the forkserver started early, the answer read in place.

Each fast path is checked against what it replaced (no timing asserts: bench/e2e.py measures).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from geo import __main__ as entry
from geo.io import _worker
from geo.io._readbase import Limits

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("argv", "reads"),
    [
        (["summary", "--carriers", "c.gpkg", "--zones", "z.geojson"], True),
        (["check", "--zones=z.geojson"], True),
        (["summary", "--carriers=c.parquet"], True),
        (["summary"], False),  # the bundled data: no worker
        (["summary", "--by", "pole", "--output", "carriers.csv"], False),  # a value, not an option
    ],
)
def test_the_forkserver_starts_early_only_for_a_users_file(argv: list[str], reads: bool) -> None:
    assert entry._reads_files(argv) is reads


def test_the_early_forkserver_is_light_and_is_the_one_the_reader_uses(tmp_path: Path) -> None:
    path = tmp_path / "c.geojson"
    square = "[[121.40,31.10],[121.41,31.10],[121.41,31.11],[121.40,31.11],[121.40,31.10]]"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},'
        f'"geometry":{{"type":"Polygon","coordinates":[{square}]}}}}]}}',
        encoding="utf-8",
    )
    script = f"""
import sys, multiprocessing.forkserver as fs
from geo.io._workerstart import start_early
start_early()
assert "geopandas" not in sys.modules and "pandas" not in sys.modules, "start_early loaded the data stack"
started = fs._forkserver._forkserver_pid
assert started is not None
from geo.io import reader
result = reader.read_path({str(path)!r})
assert fs._forkserver._forkserver_pid == started, "the reader started a second forkserver"
print(result.frame["id"].tolist())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['a']"


def _send_later(send: multiprocessing.connection.Connection, parts: list[bytes]) -> threading.Thread:
    def run() -> None:
        for part in parts:
            send.send_bytes(part)
            time.sleep(0.01)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_parts_larger_than_the_pipe_arrive_whole_in_writable_memory() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    _worker._widen(receive)
    rng = np.random.default_rng(13)
    big = rng.integers(0, 255, 3 * 2**20 + 7, dtype=np.uint8).tobytes()  # past any pipe's buffer
    small = b"x" * 100
    head = _worker._COUNT.pack(2) + len(big).to_bytes(8, "little") + len(small).to_bytes(8, "little")
    thread = _send_later(send, [head, b"pickle", big, small])
    got = _worker._receive(receive, deadline=time.monotonic() + 30, limits=Limits())
    thread.join()
    assert got is not None
    payload, buffers = got
    assert payload == b"pickle"
    assert [bytes(b) for b in buffers] == [big, small]
    assert all(isinstance(b, bytearray) for b in buffers)


def test_a_part_longer_than_announced_is_refused_before_it_is_read() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    send.send_bytes(_worker._COUNT.pack(1) + (8).to_bytes(8, "little"))
    send.send_bytes(b"pickle")
    send.send_bytes(b"0123456789abcdef")  # 16 bytes where 8 were announced
    with pytest.raises(EOFError):
        _worker._receive(receive, deadline=time.monotonic() + 5, limits=Limits())


def test_a_pickle_larger_than_the_workers_memory_is_refused() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    send.send_bytes(_worker._COUNT.pack(0))
    send.send_bytes(b"p" * 4096)
    with pytest.raises(EOFError):
        _worker._receive(receive, deadline=time.monotonic() + 5, limits=Limits(worker_memory_bytes=1024))


def test_a_pipe_closed_in_the_middle_of_a_part_is_no_answer() -> None:
    read_fd, write_fd = os.pipe()
    receive = multiprocessing.connection.Connection(read_fd, writable=False)
    os.write(write_fd, _worker._COUNT.pack(0).__len__().to_bytes(4, "big") + _worker._COUNT.pack(0))
    os.write(write_fd, (100).to_bytes(4, "big") + b"only part of it")
    os.close(write_fd)
    with pytest.raises(EOFError):
        _worker._receive(receive, deadline=time.monotonic() + 5, limits=Limits())
