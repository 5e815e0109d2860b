"""The page's state: every choice held as a code, shown through its label, kept across a language switch.

Streamlit 1.67 sends a radio's or a select box's *label* back from the browser, not the code
behind it (``RadioSerde``/``SelectboxSerde`` serialise through ``format_func``). A widget whose labels
change with the language therefore comes back, after a switch, holding a label the new labels do
not know: the page then read ``'申报'`` as a membership mode and crashed, or Streamlit silently reset
the widget to its first option. So:

- each choice lives under its own session key as a code (``st.session_state["mode"] == "declared"``),
  which the page reads before any widget is drawn (so the map can be sent first);
- the widget that changes it is keyed per language (``"mode@zh"``, ``"mode@en"``): a language switch
  draws a fresh widget whose first value is the kept code, and no label ever crosses languages;
- the widget copies its code to the choice's key in its ``on_change`` callback.

Check boxes and sliders hold booleans and numbers, which do not depend on the language: they keep
their plain keys.

Every run tells the browser the value each stateful widget holds (:func:`shown`; :func:`kept_checkbox`
and :func:`kept_multiselect` for choices kept apart from their widgets). Streamlit sends a widget's
value to the browser only in a run that assigned it; otherwise the browser keeps the value it holds,
and a widget it creates anew starts from the widget's *default* (a check box: unchecked). On a busy
page the browser can create a widget anew without holding its value (one run's elements replaced by
the next run's before they were drawn). The browser then showed every layer box unchecked and sent
that back with the next click: the change callbacks switched every layer off, and the map had
nothing to draw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

import streamlit as st

from geo.text import LANGS, Lang
from ui.words import say

__all__ = [
    "DEFAULTS",
    "YEARS",
    "coded",
    "forget_other_languages",
    "kept_checkbox",
    "kept_multiselect",
    "preset_from_url",
    "shown",
    "widget_key",
]

YEARS = (2015, 2035)

#: The choices every session starts with (a link may preset some, see :func:`preset_from_url`).
DEFAULTS: Mapping[str, object] = {
    "lang": "zh",
    "basemap": "osm",
    "by": "pole",
    "mode": "declared",
    "buildout": True,
    "year": 2025,
    "section": "summary",
}


def preset_from_url(
    state: MutableMapping[str, Any], params: Mapping[str, str], allowed: Mapping[str, Sequence[str]]
) -> None:
    """Fill the state with defaults, after a link's presets (``?lang=en&basemap=none``): known values only.

    A preset applies once per session (when the key is not yet in the state), so the user's later
    choices are never overwritten by the address bar.
    """
    for key, values in allowed.items():
        if key not in state and params.get(key) in values:
            state[key] = params[key]
    for key, value in DEFAULTS.items():
        if key not in state:
            state[key] = value


def widget_key(key: str, lang: Lang) -> str:
    """The key of the widget that sets choice ``key`` while the page speaks ``lang``."""
    return f"{key}@{lang}"


def shown(*keys: str) -> None:
    """Tell the browser, in this run, the value each widget of ``keys`` holds (see the module's notes).

    Call it before drawing the widgets. A key not in the state is left alone (its widget starts from
    its default, as in a fresh session).
    """
    state = st.session_state
    for key in keys:
        if key in state:
            state[key] = state[key]


def forget_other_languages(key: str, lang: Lang) -> None:
    """Drop the widget of choice ``key`` drawn in another language: its state holds that language's words."""
    state = st.session_state
    for other in LANGS:
        if other != lang and widget_key(key, other) in state:
            del state[widget_key(key, other)]


def _copy(source: str, target: str) -> None:
    st.session_state[target] = st.session_state[source]


def _copy_codes(source: str, target: str) -> None:
    st.session_state[target] = list(st.session_state[source])


def _total(label: Callable[[str], str]) -> Callable[[Any], str]:
    """A format function that never raises: an unknown code shows as itself."""

    def format_code(code: Any) -> str:
        try:
            return label(code)
        except (KeyError, IndexError, ValueError):
            return str(code)

    return format_code


def coded(
    widget: Callable[..., Any],
    label: str,
    key: str,
    codes: Sequence[str],
    words: Callable[[str], str],
    *,
    lang: Lang,
    default: str | None = None,
    **options: Any,
) -> str | None:
    """Draw ``widget`` (``st.radio``, ``st.selectbox``, ``column.selectbox``…) for the choice ``key``.

    Parameters
    ----------
    widget
        The bound Streamlit function to call.
    label
        The widget's label, in the page's language.
    key
        The session key that holds the choice's code.
    codes
        The codes to choose from, in order.
    words
        Code -> the label shown (in ``lang``).
    lang
        The page's language: part of the widget's key (see the module's notes).
    default
        The code to start with when the state holds none (or one no longer offered); the first code
        otherwise.
    **options
        Passed on (``horizontal=``, ``help=``, ``disabled=``, ``placeholder=``…).

    Returns
    -------
    str or None
        The chosen code (also in ``st.session_state[key]``); None when there are no codes.
    """
    codes = list(codes)
    if not codes:
        return None
    state = st.session_state
    if state.get(key) not in codes:
        state[key] = default if default in codes else codes[0]
    forget_other_languages(key, lang)  # a widget of the other language is gone: let it go with its stale label
    own = widget_key(key, lang)
    where: dict[str, Any] = {"index": codes.index(state[key])}
    if own in state and state[own] != state[key]:
        # The choice was changed by the page itself (a link, a reset, new data): the widget follows it,
        # and assigning its key tells the browser to show the new choice.
        state[own] = state[key]
        where = {}
    chosen = widget(
        label,
        codes,
        key=own,
        format_func=_total(words),
        on_change=_copy,
        args=(own, key),
        **where,
        **options,
    )
    return chosen if chosen in codes else state[key]


def kept_checkbox(label: str, key: str, *, lang: Lang, **options: Any) -> bool:
    """A check box whose choice lives under ``key`` (not a widget's key), drawn by a widget keyed per language.

    Streamlit forgets a widget's state in any run that does not draw it; the choice itself is kept
    apart, so no run (an error in one part of the page, a section that ends early, a language switch)
    can reset it. ``key`` must hold a bool before the call (``st.session_state.setdefault``).
    """
    state = st.session_state
    forget_other_languages(key, lang)
    own = widget_key(key, lang)
    state[own] = bool(state[key])  # every run: a box the browser draws anew shows the choice (module notes)
    st.checkbox(label, key=own, on_change=_copy, args=(own, key), **options)
    return bool(state[key])


def kept_multiselect(
    widget: Callable[..., Any],
    label: str,
    key: str,
    codes: Iterable[str],
    words: Callable[[str], str],
    *,
    lang: Lang,
    default: Iterable[str] = (),
    **options: Any,
) -> list[str]:
    """A multiselect whose chosen codes live under ``key``, drawn by a widget keyed per language (``key@lang``).

    ``words`` maps a code to its label in ``lang``; ``default`` is the first choice of a session. Like
    :func:`kept_checkbox`, every run tells the browser the kept codes (module notes). The placeholder is
    the page's own 请选择… / Choose… unless ``placeholder=`` says otherwise (not Streamlit's English one).

    Returns
    -------
    list of str
        The chosen codes, in the order chosen, those no longer offered dropped.
    """
    state = st.session_state
    offered = list(codes)
    if key not in state:
        state[key] = [c for c in default if c in offered]
    state[key] = [c for c in state[key] if c in offered]
    forget_other_languages(key, lang)
    own = widget_key(key, lang)
    state[own] = list(state[key])
    options.setdefault("placeholder", say("choose", lang))
    widget(label, offered, key=own, format_func=words, on_change=_copy_codes, args=(own, key), **options)
    return list(state[key])
