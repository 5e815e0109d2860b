"""``python -m geo check`` validates the tranches, targets and indicators tables too (run as a process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_cli_timeline import ROOT, run

SEEDS = ROOT / "seeds"
EXIT_OK, EXIT_BAD_INPUT = 0, 2


def test_check_of_the_bundled_data_counts_its_figure_tables() -> None:
    done = run("check", "--lang", "en")
    assert done.returncode == EXIT_OK, done.stderr.decode()
    tranches = pd.read_csv(SEEDS / "tranches.csv")
    targets = pd.read_csv(SEEDS / "targets.csv")
    values = pd.read_csv(SEEDS / "indicators.csv")
    line = next(text for text in done.stdout.decode().splitlines() if "tranche" in text)
    assert f"{len(tranches)} tranche(s)" in line
    assert f"{len(targets)} target(s)" in line
    assert f"{len(values)} indicator value(s)" in line


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ("分期表第 2 行", "不在载体文件中", "1900–2100")),
        ("en", ("tranches row 2", "is not a carrier", "1900–2100")),
    ],
)
def test_a_bad_tranches_table_is_refused_in_words_with_exit_2(tmp_path: Path, lang: str, words: tuple) -> None:
    bad = tmp_path / "tranches.csv"
    bad.write_text(
        "id,carrier_id,phase,floor_area_m2,year,year_basis,qualifier,source_ids,note\n"
        "t1,no_such_carrier,built,1000,1800,stated,exact,,\n",
        encoding="utf-8",
    )
    done = run("check", "--tranches", str(bad), "--lang", lang)
    assert done.returncode == EXIT_BAD_INPUT
    assert done.stdout == b""  # nothing half-printed
    err = done.stderr.decode()
    assert all(w in err for w in words), err
    assert "Traceback" not in err


def test_a_bad_bundled_targets_table_is_found_without_options(tmp_path: Path) -> None:
    """--targets names another table; the bundled one is checked by default (here: a copy with a bad row)."""
    bad = tmp_path / "targets.csv"
    shutil.copy(SEEDS / "targets.csv", bad)
    with bad.open("a", encoding="utf-8") as handle:
        handle.write("tg_bad,zone,no_such_zone,floor_area,100,m²,2025,stated,exact,,\n")
    done = run("check", "--targets", str(bad), "--lang", "zh")
    assert done.returncode == EXIT_BAD_INPUT
    assert "no_such_zone" in done.stderr.decode()
    assert "目标" in done.stderr.decode()


def test_a_bad_indicators_table_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "indicators.csv"
    bad.write_text(
        "id,subject_type,subject_id,indicator,value,unit,year,year_basis,qualifier,source_ids,note\n"
        "ind_x,district,xuhui,no_such_indicator,5,家,2020,stated,exact,,\n",
        encoding="utf-8",
    )
    done = run("check", "--indicators", str(bad), "--lang", "en")
    assert done.returncode == EXIT_BAD_INPUT
    assert "no_such_indicator" in done.stderr.decode()
