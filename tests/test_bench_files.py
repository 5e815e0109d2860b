"""The large-file benchmark runs end to end: files written, the page's steps and the command line timed."""

from __future__ import annotations

import re

import pytest

from bench import files


def test_bench_files_prints_a_row_per_format(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(files, "OUT", tmp_path)
    files.main(["--footprints", "2000", "--repeat", "1"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("| GeoPackage", "| GeoParquet"))]
    assert len(rows) == 2
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 10
        assert all(re.fullmatch(r"\d+(\.\d+)?", c) for c in cells[1:]), row
        assert float(cells[-1]) > 50  # the command line's peak RSS in MB: a Python with geopandas loaded
    assert (tmp_path / "summary.csv").read_text(encoding="utf-8-sig").count("\n") > 3


@pytest.mark.parametrize("name", ["footprints_2000.gpkg", "footprints_2000.parquet", "zones.gpkg"])
def test_bench_files_are_written_once(tmp_path, monkeypatch, name):
    monkeypatch.setattr(files, "OUT", tmp_path)
    paths = files.write_files(2000)
    assert (tmp_path / name).exists()
    stamp = (tmp_path / name).stat().st_mtime_ns
    assert files.write_files(2000) == paths
    assert (tmp_path / name).stat().st_mtime_ns == stamp
