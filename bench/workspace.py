"""Workspace timings: create, load, save one edit, save 1,000 edits, replay (``python -m bench.workspace [N]``).

With N = 0 (default) the bundled data; otherwise N synthetic footprints (:mod:`bench.synthetic`).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.synthetic import make_footprints, make_zones
from geo.workspace import Change, Who, Workspace, create_workspace


def _timed(label: str, step: Callable[[], object]) -> object:
    start = time.perf_counter()
    result = step()
    print(f"{label}: {time.perf_counter() - start:.2f} s", flush=True)
    return result


def main(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-workspace-") as tmp:
        folder = Path(tmp)
        if n:
            make_footprints(n).to_file(folder / "c.gpkg", driver="GPKG")
            make_zones().to_file(folder / "z.gpkg", driver="GPKG")
            create = lambda: create_workspace(folder / "w.gpkg", carriers=folder / "c.gpkg", zones=folder / "z.gpkg")  # noqa: E731
        else:
            create = lambda: create_workspace(folder / "w.gpkg")  # noqa: E731
        workspace = _timed(f"create ({n or 'bundled'} carriers)", create)
        assert isinstance(workspace, Workspace)
        who = Who("bench")
        workspace.new_scenario("s", who=who)
        ids = list(workspace.state("s")["carrier"])
        _timed("load base (new handle: reads the layers)", lambda: Workspace(workspace.path).load("base"))
        _timed("save 1 edit", lambda: workspace.save("s", [Change("carrier", ids[0], {"name_en": "x"})], who=who))
        k = min(1000, len(ids))
        edits = [Change("carrier", i, {"name_en": f"y {i}"}) for i in ids[:k]]
        _timed(f"save {k} edits", lambda: workspace.save("s", edits, who=who))
        _timed("load the scenario (replay)", lambda: workspace.load("s"))
        print(f"file: {workspace.path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
