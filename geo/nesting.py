"""Carriers nested in carriers: parents, depth, ancestors and cycles, in one place and in linear time.

A carrier names its parent in ``parent_id`` (a park holds its towers). The contract check, the
roll-up, the quality check and the map all need the same facts about these links; they read them
here. Every function visits each carrier a bounded number of times, so a 3,000-deep chain or a file
of 200,000 carriers costs milliseconds, never the cube of its length.

Links are between ids (text, trimmed); a ``parent_id`` that names no carrier in the frame is no link
(the contract check reports it, the map treats the carrier as top-level).

>>> links = parent_links(["park", "tower", "lab"], [None, "park", "tower"])
>>> depths(links, ["park", "tower", "lab"])
{'park': 0, 'tower': 1, 'lab': 2}
>>> cycles(parent_links(["a", "b", "c"], ["b", "a", None]))
[['a', 'b']]
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "ancestor_any",
    "cycles",
    "depths",
    "parent_links",
    "parent_positions",
]

IntArray = npt.NDArray[np.int64]


def _key(value: object) -> str | None:
    """An id or parent cell as a link end: trimmed text, or None when empty or missing."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _keys(values: Iterable[object]) -> list[str | None]:
    """Cells as link ends (trimmed text, None when empty or missing), at array speed."""
    column = pd.Series(list(values), dtype=object)
    out = np.full(len(column), None, dtype=object)
    present = np.flatnonzero(column.notna().to_numpy(dtype=bool))
    text = column.iloc[present].map(str).str.strip()
    keep = (text != "").to_numpy(dtype=bool)
    out[present[keep]] = text.to_numpy(dtype=object)[keep]
    return out.tolist()


def parent_links(ids: Iterable[object], parents: Iterable[object]) -> dict[str, str]:
    """Each carrier's id → its parent's id, in row order (a later row with the same id wins its link).

    Rows without an id or without a parent are left out; a parent need not exist.

    >>> parent_links([" a ", "b", None], ["b", "", "a"])
    {'a': 'b'}
    """
    ids, parent_keys = list(ids), _keys(parents)
    if len(ids) != len(parent_keys):
        raise ValueError(f"{len(ids)} ids but {len(parent_keys)} parent cells")
    linked = [i for i, p in enumerate(parent_keys) if p is not None]  # most footprints have no parent
    child_keys = _keys([ids[i] for i in linked])
    return {c: parent_keys[i] for i, c in zip(linked, child_keys, strict=True) if c is not None}


def _walk(links: Mapping[str, str], ids: Collection[str] = frozenset()) -> tuple[dict[str, int], list[list[str]]]:
    """Depth of every linked id not in or below a cycle, and every cycle; each id is visited once.

    A parent in ``ids`` but without a link of its own is top-level (depth 0); a parent that is
    neither makes its child top-level.
    """
    depth: dict[str, int] = {}
    state: dict[str, int] = {}  # 1: on the path being walked, 2: settled
    found: list[list[str]] = []
    for start in links:
        if start in state:
            continue
        path: list[str] = []
        node = start
        while node in links and node not in state:
            state[node] = 1
            path.append(node)
            node = links[node]
        base: int | None
        if state.get(node) == 1:  # the walk closed on itself: a cycle
            first = path.index(node)
            found.append(path[first:])
            for item in path[first:]:
                state[item] = 2
            path = path[:first]
            base = None  # everything before it hangs below a cycle: no depth
        elif node in state:
            base = depth.get(node)  # None when that node hangs below a cycle
        else:
            base = 0 if node in ids else -1
        for offset, item in enumerate(reversed(path)):
            state[item] = 2
            if base is not None:
                depth[item] = base + 1 + offset
    return depth, found


def depths(links: Mapping[str, str], ids: Iterable[str] = ()) -> dict[str, int]:
    """Nesting depth of every carrier: 0 for a top-level one, its parent's depth + 1 otherwise.

    ``ids`` are all the carriers' ids (those without a parent are top-level); a parent that is not
    among them makes its child top-level (the parent may be filtered out). Carriers in a cycle, or
    below one, get no depth (see :func:`cycles`).
    """
    everyone = dict.fromkeys(ids)
    depth, _ = _walk(links, everyone.keys())
    out = {i: 0 for i in everyone if i not in links}
    out.update(depth)
    return out


def cycles(links: Mapping[str, str]) -> list[list[str]]:
    """Every cycle of ``parent_id`` links, each listed from the member that comes first in ``links``.

    A carrier naming itself is a cycle of one. Cycles come in the order of their first member.

    >>> cycles({"a": "b", "b": "c", "c": "b", "d": "d"})
    [['b', 'c'], ['d']]
    """
    order = {key: n for n, key in enumerate(links)}
    out = []
    for cycle in _walk(links)[1]:
        first = min(range(len(cycle)), key=lambda k: order[cycle[k]])
        out.append(cycle[first:] + cycle[:first])
    out.sort(key=lambda c: order[c[0]])
    return out


def parent_positions(ids: Sequence[object], parents: Sequence[object]) -> IntArray:
    """The row of each row's parent (its id's first row), or -1 for none or an unknown parent.

    >>> parent_positions(["a", "b", "c"], [None, "a", "x"]).tolist()
    [-1, 0, -1]
    """
    wanted = pd.Series(_keys(parents), dtype=object)
    out = np.full(len(wanted), -1, dtype=np.int64)
    has = wanted.notna().to_numpy(dtype=bool)
    if not has.any():  # most footprints have no parent: the ids need not be read
        return out
    keys = pd.Series(_keys(ids), dtype=object)
    keys = keys[keys.notna()]
    first = keys[~keys.duplicated()]
    index = pd.Index(first.to_numpy(dtype=object))
    found = index.get_indexer(wanted[has].to_numpy(dtype=object))
    rows = first.index.to_numpy(dtype=np.int64)
    out[has] = np.where(found >= 0, rows[np.maximum(found, 0)], -1)
    return out


def ancestor_any(parent: IntArray, flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Whether any ancestor of each row has its flag set (``parent`` from :func:`parent_positions`).

    Rows are settled level by level from the top, each once; links that form a cycle are never
    settled and read False (the contract check refuses cycles before any roll-up).

    >>> ancestor_any(np.array([-1, 0, 1, -1]), np.array([True, False, False, False])).tolist()
    [False, True, True, False]
    """
    count = len(parent)
    above = np.zeros(count, dtype=bool)
    if count == 0:
        return above
    has_parent = parent >= 0
    if not has_parent.any():
        return above
    # children of each row, grouped: settle rows breadth-first from the top-level ones
    order = np.argsort(parent, kind="stable")
    order = order[has_parent[order]]
    starts = np.searchsorted(parent[order], np.arange(count + 1))
    level = np.flatnonzero(~has_parent)
    settled = 0
    while len(level) and settled <= count:
        settled += len(level)
        lo = starts[level]
        sizes = starts[level + 1] - lo
        total = int(sizes.sum())
        if total == 0:
            break
        offsets = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # 0.. within each family
        children = order[np.repeat(lo, sizes) + offsets]
        parents_of = parent[children]
        above[children] = above[parents_of] | flags[parents_of]
        level = children
    return above
