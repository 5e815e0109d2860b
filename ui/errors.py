"""No traceback reaches a planner: failures become a short bilingual message with an error id.

The details (exception and traceback) go to the server log under the same id, so an administrator
can find them; the page keeps its sidebar and every other part. ``client.showErrorDetails`` is off
in the committed ``.streamlit/config.toml`` as a second line of defence.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterator

import streamlit as st

from geo.io import reader
from geo.present import markdown_text as md
from geo.schema import DataError
from geo.text import LANGS, Lang, Text
from ui.words import TEXT, bilingual, say

__all__ = ["LOG", "error_text", "guard", "new_error_id", "note_text", "read_failure", "unexpected_read"]

LOG = logging.getLogger("xuhui_carriers.page")


def new_error_id() -> str:
    """A short id to quote (8 hex digits), the same on the page and in the log."""
    return secrets.token_hex(4)


def error_text(exc: DataError, lang: Lang) -> str:
    """A reader or validation error in ``lang``, safe to show as Markdown (every value escaped)."""
    if isinstance(exc, reader.ReadError):
        head = exc.message_zh if lang == "zh" else exc.message_en
        lines = [md(head), *(f"- {md(p.render(lang))}" for p in exc.problems)]
        if exc.choices:
            lines.append(md(say("choices", lang) + ", ".join(exc.choices)))
        return "\n".join(lines)
    return md(exc.report(lang=lang))


def _why(exc: BaseException) -> str:
    if isinstance(exc, LookupError):
        return "why_encoding"
    if isinstance(exc, MemoryError):  # pyarrow's ArrowMemoryError is a MemoryError too
        return "why_memory"
    if isinstance(exc, OSError):
        return "why_os"
    return "why_other"


def unexpected_read(exc: BaseException, *, source: str) -> Text:
    """Log a failure of reading that is not the reader's own refusal; the message, with its id, in both languages.

    Named in a sentence (an unknown text encoding, a decoder running out of memory, an I/O error, a
    crashed worker…), never shown as a traceback.
    """
    error_id = new_error_id()
    # The file name is the user's text: logged with %r, so it cannot forge log lines.
    LOG.error("error %s reading upload %r", error_id, source, exc_info=exc)
    why = TEXT[_why(exc)]
    return Text(*(md(say("read_unexpected", lang, error_id=error_id, why=why.in_(lang))) for lang in LANGS))


def read_failure(exc: Exception, lang: Lang, *, source: str) -> str:
    """The message for any failure of reading an upload: the reader's own, or a short one with an id.

    A :class:`~geo.schema.DataError` (the reader's refusals) is shown as it is; anything else goes
    through :func:`unexpected_read`.
    """
    if isinstance(exc, DataError):
        return error_text(exc, lang)
    return unexpected_read(exc, source=source).in_(lang)


@contextlib.contextmanager
def guard(where: str, lang: Lang) -> Iterator[None]:
    """Run one part of the page; if it fails, log it and show a bilingual message instead.

    Streamlit's own control flow (``st.rerun``, ``st.stop``) is not an ``Exception`` and passes.
    """
    try:
        yield
    except Exception as exc:
        error_id = new_error_id()
        LOG.error("error %s in the page's %s", error_id, where, exc_info=exc)
        st.error(say("error_unexpected", lang, error_id=error_id), icon="⚠️")


def note_text(note: object, lang: Lang) -> str:
    """A reader's note (any two-language shape) in ``lang``, escaped for Markdown."""
    return md(bilingual(note).in_(lang))
