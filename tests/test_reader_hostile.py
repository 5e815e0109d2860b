"""The second hostile corpus (tests/hostile.py): each file read as a whole process, under 2 GB and 60 s.

A file that crashes, hangs or starves the reader fails its test here instead of taking the test
runner (or the server) down. Each case must end in its verdict, with a message that says why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import hostile
import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = hostile.build()
MEMORY = 2 * 1024**3  # the server's outer limits per upload
SECONDS = 60

_RUN = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
sys.path.insert(0, "tests")
import geo.io.reader  # restricts GDAL before the builders import pyogrio
import hostile
hostile.main({name!r})
"""


def read_as_a_process(name: str) -> dict[str, object]:
    """Build and read the case in a fresh Python under the memory cap and the time limit."""
    run = subprocess.run(
        [sys.executable, "-c", _RUN.format(memory=MEMORY, name=name)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SECONDS,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.timeout(SECONDS + 30)
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_gets_its_verdict_in_bounded_time_and_memory(name: str) -> None:
    case = CASES[name]
    outcome = read_as_a_process(name)
    assert outcome["verdict"] == case.verdict, outcome
    assert case.says in str(outcome["said"]), outcome
