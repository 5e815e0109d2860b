"""The isolated reader: whatever happens while parsing a hostile file, the caller gets a ReadError and lives."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import hostile
import pytest

from geo.io import reader
from geo.io._readbase import MB, Limits
from geo.io._worker import run_isolated

ROOT = Path(__file__).resolve().parents[1]
QUICK = Limits(worker_seconds=5, worker_memory_bytes=1024 * MB)


def test_a_crash_in_the_worker_is_a_refusal_and_the_caller_lives() -> None:
    with pytest.raises(reader.ReadError) as info:
        run_isolated("worker_targets:segfault", "crash.parquet", (), {}, QUICK)
    assert info.value.code == "unreadable"
    assert "SIGSEGV" in info.value.message_en
    assert "异常终止" in info.value.message_zh
    # and the next read is served as usual
    assert run_isolated("worker_targets:echo", "x", ("still here",), {}, QUICK) == "still here"


def test_the_worker_has_a_memory_cap() -> None:
    with pytest.raises(reader.ReadError) as info:
        run_isolated("worker_targets:allocate", "bomb.parquet", (4096,), {}, QUICK)
    assert info.value.code == "too-large"
    assert "1.0 GB" in info.value.message_en


def test_the_worker_has_a_time_limit() -> None:
    limits = Limits(worker_seconds=2)
    with pytest.raises(reader.ReadError) as info:
        run_isolated("worker_targets:spin", "slow.xlsx", (120,), {}, limits)
    assert info.value.code == "refused-content"
    assert "2 s" in info.value.message_en


def test_the_worker_has_no_network(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="geo.io._worker"), pytest.raises(reader.ReadError) as info:
        run_isolated("worker_targets:connect", "x.geojson", ("127.0.0.1", 80), {}, QUICK)
    assert info.value.code == "unreadable"
    assert "network access is disabled" in caplog.text
    assert "network access is disabled" not in str(info.value)  # the planner sees no internals


def test_the_worker_does_not_run_the_callers_main_script(tmp_path: Path) -> None:
    script = tmp_path / "page.py"  # as Streamlit runs the page: a main module without a __main__ guard
    marker = tmp_path / "ran"
    script.write_text(
        "import pathlib, sys\n"
        f"pathlib.Path({str(marker)!r}).write_text('x', encoding='utf-8') if pathlib.Path({str(marker)!r}).exists() "
        f"else pathlib.Path({str(marker)!r}).write_text('', encoding='utf-8')\n"
        "import corpus\n"
        "from geo.io import reader\n"
        "print(len(reader.read(corpus.parquet_bytes(), 'a.parquet').frame))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    run = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "3"
    assert marker.read_text(encoding="utf-8") == ""  # the script ran once: not again in the worker


def test_a_geometry_nested_100000_deep_is_refused_not_a_crash() -> None:
    data = hostile.deep_parquet()
    assert len(data) < 2000
    with pytest.raises(reader.ReadError) as info:
        reader.read(data, "crash.parquet")
    assert info.value.code == "no-polygons"
    assert "nested more than 32 levels" in info.value.message_en
    info_layer = reader.inspect(data, "crash.parquet").layer()  # inspect lives too, and decodes nothing
    assert info_layer.features == 1
    assert info_layer.geometry_type == "None"


def test_check_refuses_the_crashing_file_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "crash.parquet"
    path.write_bytes(hostile.deep_parquet())
    run = subprocess.run(
        [sys.executable, "-m", "geo", "--lang", "en", "check", "--carriers", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    assert "nested more than 32 levels" in run.stderr


@pytest.mark.parametrize("name", ["rot13", "base64", "zlib_codec"])
def test_a_non_text_encoding_on_the_command_line_is_named_and_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "carriers.geojson"
    path.write_bytes(hostile.corpus.xuhui_geojson())
    run = subprocess.run(
        [sys.executable, "-m", "geo", "--lang", "en", "check", "--carriers", str(path), "--carriers-encoding", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    assert f"'{name}'" in run.stderr
    assert "not a text encoding" in run.stderr


def test_reader_texts_are_bilingual_text() -> None:
    from geo.text import Text  # noqa: PLC0415

    with pytest.raises(reader.ReadError) as info:
        reader.read(b"not a file at all", "x.bin")
    assert isinstance(info.value.message, Text)
    assert info.value.message.in_("zh") == info.value.message_zh
    result = reader.read(hostile.corpus.xuhui_geojson(), "carriers.geojson")
    assert isinstance(result.crs_note, Text)
    assert result.crs_note.in_("en") == result.crs_note.en
    assert all(f.reason.in_("zh") == f.reason_zh for f in result.report)


def test_an_answer_naming_anything_else_is_not_unpickled(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="geo.io._worker"), pytest.raises(reader.ReadError) as info:
        run_isolated("worker_targets:smuggle", "x.gpkg", (), {}, QUICK)
    assert info.value.code == "unreadable"
    assert "posix.system is not an allowed type" in caplog.text
