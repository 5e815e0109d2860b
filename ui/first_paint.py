"""The map first: a browser's first run of a session sends the map alone, the rest of the page follows.

Why: the map is a component iframe that shares the browser's main thread with the page around it.
Sent together with the sidebar, the headline numbers and a section, the browser builds all of those
(each Streamlit element type is a script it loads on first use) before it creates the map's iframe:
the first map was drawn about 0.4 s later than on a page holding the map alone. So the session's
first run sends the map alone (not even the title: it cost the map 0.07 s) and stops; once the map
has been drawn in the browser, it reports back (a component value), which reruns the script, and
that run draws the whole page (the map stays as it is: same component, same arguments). Every
later run draws the whole page at once.

How the map reports: streamlit-folium sends its value once when the map has been built, and only
the keys named in ``returned_objects``. :data:`REPORT` (``selected_layers``) is the key whose value
changes then and never again on this page's maps: Python's default is ``None``, the browser's
``[]`` (the WMS layers switched on in a layer control; the page's maps have no layer control). So
asking for it in that first run gives exactly one rerun, on the first draw, and no rerun on a pan
or a zoom.

If the map never reports (its scripts could not load, the browser does not run components), the
rest of the page follows anyway after :func:`wait_seconds` (a fragment's timer). A client that sent
no HTTP headers (Streamlit's ``AppTest``: no browser, nothing to report) gets the whole page at once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, MutableMapping
from typing import Any

import streamlit as st

__all__ = [
    "DRAWN_KEY",
    "REPORT",
    "WAIT_ENV",
    "map_alone",
    "note_report",
    "returned_objects",
    "stop_until_drawn",
    "wait_seconds",
]

#: Session-state key: True once the map has been drawn in this session's browser (or the wait is over).
DRAWN_KEY = "map_drawn"
#: The streamlit-folium value that tells a drawn map: ``None`` from Python, ``[]`` from the browser.
REPORT = "selected_layers"
#: Environment variable: seconds the first run waits for the map before the rest is drawn anyway.
WAIT_ENV = "XUHUI_MAP_WAIT_S"
_DEFAULT_WAIT_S = 4.0
_ARMED_KEY = "_map_wait_armed"


def wait_seconds(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds to wait for the map's report (:data:`WAIT_ENV`, default 4 s; a bad value gives the default).

    Parameters
    ----------
    environ
        The environment to read :data:`WAIT_ENV` from.

    Returns
    -------
    float
        A positive, finite number of seconds.

    Examples
    --------
    >>> wait_seconds({"XUHUI_MAP_WAIT_S": "1.5"}), wait_seconds({"XUHUI_MAP_WAIT_S": "soon"})
    (1.5, 4.0)
    """
    try:
        value = float(environ.get(WAIT_ENV, _DEFAULT_WAIT_S))
    except ValueError:
        return _DEFAULT_WAIT_S
    return value if math.isfinite(value) and value > 0 else _DEFAULT_WAIT_S


def map_alone(state: Mapping[str, Any], *, headers: Mapping[str, str]) -> bool:
    """Whether this run sends the map alone: a browser session (one that sent HTTP headers) whose map
    has not been drawn yet.

    Parameters
    ----------
    state
        The session state (``st.session_state``).
    headers
        The session's HTTP headers (``st.context.headers``): empty without a browser (``AppTest``).

    Returns
    -------
    bool

    Examples
    --------
    >>> map_alone({}, headers={"Host": "localhost"}), map_alone({}, headers={})
    (True, False)
    >>> map_alone({"map_drawn": True}, headers={"Host": "localhost"})
    False
    """
    return bool(headers) and not state.get(DRAWN_KEY, False)


def returned_objects(base: list[str], *, alone: bool) -> list[str]:
    """streamlit-folium's ``returned_objects``: ``base``, and the drawn-map report in a map-alone run.

    Parameters
    ----------
    base
        What the page asks the map for anyway (e.g. the drawings in the scenarios section).
    alone
        Whether this run sends the map alone (:func:`map_alone`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> returned_objects([], alone=True), returned_objects(["all_drawings"], alone=False)
    (['selected_layers'], ['all_drawings'])
    """
    return [*base, REPORT] if alone and REPORT not in base else list(base)


def note_report(returned: object, state: MutableMapping[str, Any]) -> bool:
    """Record a drawn-map report in ``state`` (what ``st_folium`` returned); whether the map has been drawn.

    Parameters
    ----------
    returned
        What ``st_folium`` returned in this run (its Python default until the browser sends a value).
    state
        The session state; :data:`DRAWN_KEY` is set there once the report has come.

    Returns
    -------
    bool
        Whether the map has been drawn in this session (now or before).

    Examples
    --------
    >>> state = {}
    >>> note_report({"selected_layers": None}, state), note_report({"selected_layers": []}, state), state
    (False, True, {'map_drawn': True})
    """
    if isinstance(returned, Mapping) and returned.get(REPORT) is not None:
        state[DRAWN_KEY] = True
    return bool(state.get(DRAWN_KEY, False))


def _wait_over() -> None:
    """The fallback fragment: its first call (in the map-alone run) arms it; its timer's call ends the wait."""
    if st.session_state.get(_ARMED_KEY):
        st.session_state[DRAWN_KEY] = True
        st.rerun(scope="app")
    st.session_state[_ARMED_KEY] = True


def stop_until_drawn() -> None:
    """End the map-alone run (``st.stop``): the map's report, or failing that a timer, starts the run that
    draws the rest of the page."""
    st.fragment(_wait_over, run_every=wait_seconds())()
    st.stop()
