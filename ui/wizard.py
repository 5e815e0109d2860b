"""The import wizard: upload a file, confirm its layer, encoding, CRS and column mapping, read, use.

Everything a user chooses for one file is kept under keys that carry the file's hash, so another
file starts from its own suggestions and the same file keeps its choices. What was read is kept in
this session only (``st.session_state.staged``); the dataset built from it carries a
:class:`geo.data.Provenance` naming each file's hash and the options it was read with.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from geo.data import Input, with_layers
from geo.io import reader
from geo.present import markdown_text as md
from geo.schema import CARRIER_FIELDS, ZONE_FIELDS, DataError
from geo.text import Lang, Text, field_label, term
from ui.cache import bundled
from ui.errors import error_text, note_text, read_failure, unexpected_read
from ui.state import coded, shown
from ui.tables import preview_view, read_report_view
from ui.words import bilingual, encoding_source, say

__all__ = [
    "apply_staged",
    "import_section",
    "inspect_upload",
    "read_options",
    "reset_data",
    "staged_names",
    "uploader_words",
]

ROLES = ("carriers", "zones")
UPLOAD_TYPES = ["geojson", "json", "gpkg", "zip", "kml", "kmz", "parquet", "csv", "xlsx"]


@st.cache_data(show_spinner=False, max_entries=16)
def inspect_upload(digest: str, name: str, encoding: str | None, geometry: str | None, _raw: bytes) -> Any:
    """:func:`geo.io.reader.inspect`, cached on the content's hash and every option that changes it."""
    return reader.inspect(_raw, name, encoding=encoding, geometry=geometry)


def read_options(
    *, layer: str, columns: dict[str, str], crs: str | None, swap: bool | None, encoding: str | None, role: str
) -> dict[str, object]:
    """The options a read was made with, as :class:`geo.data.Input` records them."""
    return {"layer": layer, "columns": columns, "crs": crs, "swap_xy": swap, "encoding": encoding, "role": role}


def staged_names(lang: Lang) -> str:
    """The staged files, as ``name (role)``, escaped for Markdown."""
    items = st.session_state.get("staged", {})
    names = {role: item["input"].name if "input" in item else item.get("name", role) for role, item in items.items()}
    return md(", ".join(f"{name} ({term('object', role, lang)})" for role, name in names.items()))


def apply_staged() -> None:
    """Build this session's dataset from the staged layers (button callback)."""
    staged = st.session_state.staged
    try:
        st.session_state.user_data = with_layers(
            bundled(),
            how=st.session_state.get("import_how", "replace"),
            carriers=staged["carriers"]["frame"] if "carriers" in staged else None,
            zones=staged["zones"]["frame"] if "zones" in staged else None,
            inputs={role: item["input"] for role, item in staged.items() if "input" in item},
            hashes={role: item["digest"] for role, item in staged.items() if "digest" in item},
            checked={role for role, item in staged.items() if item.get("checked")},
        )
        st.session_state.import_error = None
    except DataError as exc:  # the data breaks the contract: say which rows and why
        st.session_state.import_error = exc
    except Exception as exc:  # noqa: BLE001 - a callback runs outside the page's guards: log, show an id
        st.session_state.import_error = unexpected_read(exc, source="staged")


def reset_data() -> None:
    """Back to the bundled data (button callback)."""
    st.session_state.user_data = None
    st.session_state.staged = {}
    st.session_state.import_error = None


def uploader_words(lang: Lang) -> str:
    """CSS that shows the file uploader's own button and limit in ``lang`` (Streamlit writes them in English).

    The words are the page's own constants, never user text, and are written as CSS strings.
    """
    limits = reader.Limits()
    button = _css_string(say("upload_button", lang))
    limit = _css_string(
        say("upload_limit", lang, mb=limits.max_upload_bytes // 2**20, big=limits.upload_bytes() // 2**20)
    )
    zone = '[data-testid="stFileUploaderDropzone"]'
    return (
        "<style>"
        f"{zone} button [data-testid='stMarkdownContainer'] p{{font-size:0}}"
        f"{zone} button [data-testid='stMarkdownContainer'] p::after{{content:{button};font-size:.875rem}}"
        f"{zone} [data-testid='stFileUploaderDropzoneInstructions'] span{{font-size:0}}"
        f"{zone} [data-testid='stFileUploaderDropzoneInstructions'] span::after{{content:{limit};font-size:.875rem}}"
        "</style>"
    )


def _css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string, every character but ASCII letters, digits and spaces escaped.

    >>> print(_css_string("上传 <b>"))
    "\4e0a \4f20  \3c b\3e "
    """
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):x} " for c in text) + '"'


def _crs_label(choice: object, lang: Lang) -> str:
    label = getattr(choice, "label", None)
    if label is not None and not callable(label):
        return bilingual(label).in_(lang)
    return str(getattr(choice, f"label_{lang}", getattr(choice, "code", choice)))


def import_section(lang: Lang) -> None:
    """The "your data" section: upload, confirm, read, stage and use."""
    st.caption(say("import_help", lang))
    if st.session_state.user_data is not None:
        st.info(say("using_user", lang, items=staged_names(lang)))
        st.button(say("reset", lang), on_click=reset_data, key="reset_data")
    problem = st.session_state.import_error
    if isinstance(problem, Text):
        st.error(problem.in_(lang))
    elif problem is not None:
        st.error(error_text(problem, lang))
    role = coded(
        st.radio,
        say("role", lang),
        "upload_role",
        ROLES,
        lambda r: term("object", r, lang),
        lang=lang,
        horizontal=True,
    )
    uploaded = st.file_uploader(say("upload", lang), key="upload_file", type=UPLOAD_TYPES)
    st.html(uploader_words(lang))
    if uploaded is not None:
        _upload(uploaded, role or "carriers", lang)
    if st.session_state.staged:
        st.caption(say("staged", lang, items=staged_names(lang)))
        coded(
            st.radio,
            say("how", lang),
            "import_how",
            ("replace", "add"),
            lambda h: say(f"how_{h}", lang),
            lang=lang,
            horizontal=True,
        )
        st.button(say("apply", lang), on_click=apply_staged, key="apply_upload", type="primary")


def _upload(uploaded: Any, role: str, lang: Lang) -> None:
    raw = uploaded.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    prefix = f"upload.{digest[:16]}"  # this file's choices
    encoding = st.session_state.get(f"{prefix}.encoding") or None
    try:
        with st.spinner(say("working_read", lang)):
            info = inspect_upload(digest, uploaded.name, encoding, None, raw)
    except Exception as exc:  # noqa: BLE001 - every failure of a read is a message (and logged)
        st.error(read_failure(exc, lang, source=uploaded.name))
        return
    names = [layer.name for layer in info.layers]
    chosen = names[0]
    if len(names) > 1:
        chosen = (
            coded(
                st.selectbox,
                say("layer", lang),
                f"{prefix}.layer",
                names,
                str,
                lang=lang,
                placeholder=say("choose", lang),
            )
            or names[0]
        )
    layer = info.layer(chosen)
    if layer.error is not None:
        st.error(error_text(layer.error, lang))
        return
    st.caption(
        md(
            say(
                "file_info",
                lang,
                fmt=info.format,
                features=f"{layer.features:,}",
                vertices=f"{layer.vertices:,}" if layer.vertices is not None else "—",
                crs=layer.declared_crs or "—",
            )
        )
    )
    for note in [*info.notes, *layer.notes]:
        st.caption(note_text(note, lang))
    if layer.encoding is not None:
        st.caption(
            md(
                say(
                    "encoding_found",
                    lang,
                    encoding=layer.encoding.encoding or "—",
                    source=encoding_source(layer.encoding.source, lang),
                )
            )
        )
        if layer.encoding.problem is not None:
            st.warning(note_text(layer.encoding.problem, lang))
        coded(
            st.selectbox,
            say("encoding", lang),
            f"{prefix}.encoding",
            ["", *reader.ENCODING_CHOICES],
            lambda e: e or say("encoding_auto", lang),
            lang=lang,
            placeholder=say("choose", lang),
        )
    st.markdown(f"**{say('preview', lang)}**")
    st.dataframe(preview_view(layer.preview), hide_index=True, placeholder="—")
    crs = swap = None
    if layer.needs_crs:
        for issue in layer.crs_issues:
            st.warning(note_text(issue, lang))
        labels = {c.code: _crs_label(c, lang) for c in layer.crs_choices}
        crs = coded(
            st.selectbox,
            say("crs_choice", lang),
            f"{prefix}.crs",
            list(labels),
            labels.__getitem__,
            lang=lang,
            default=layer.suggested_crs,
            placeholder=say("choose", lang),
        )
        st.session_state.setdefault(f"{prefix}.swap", bool(layer.swap_suggested))
        shown(f"{prefix}.swap")
        swap = st.checkbox(say("swap", lang), key=f"{prefix}.swap")
    st.markdown(f"**{say('mapping', lang)}**")
    fields = CARRIER_FIELDS if role == "carriers" else ZONE_FIELDS
    guess = {field: column for column, field in reader.suggest_mapping(layer.columns, role).items()}
    mapping: dict[str, str] = {}
    grid = st.columns(3)
    options = ["", *layer.columns]
    for position, field in enumerate(fields):
        column = coded(
            grid[position % 3].selectbox,
            field_label(field.name, lang),
            f"{prefix}.map.{role}.{field.name}",
            options,
            lambda c: c or say("not_mapped", lang),
            lang=lang,
            default=guess.get(field.name, field.name if field.name in layer.columns else ""),
            placeholder=say("choose", lang),
            help=field.name,
        )
        if column and column != field.name:
            mapping[column] = field.name
    if st.button(say("read", lang), key="read_upload", type="primary"):
        _read(
            raw, uploaded.name, digest, layer.name, role, lang, mapping=mapping, crs=crs, swap=swap, encoding=encoding
        )


def _read(  # noqa: PLR0917 - the wizard's choices, passed on
    raw: bytes,
    name: str,
    digest: str,
    layer: str,
    role: str,
    lang: Lang,
    *,
    mapping: dict[str, str],
    crs: str | None,
    swap: bool | None,
    encoding: str | None,
) -> None:
    try:
        with st.spinner(say("working_read", lang)):
            result = reader.read(
                raw,
                name,
                layer=layer,
                encoding=encoding,
                crs=crs,
                swap_xy=swap,
                columns=mapping or None,
                role=role,  # type: ignore[arg-type]
            )
    except Exception as exc:  # noqa: BLE001 - every failure of a read is a message (and logged)
        st.error(read_failure(exc, lang, source=name))
        return
    st.caption(note_text(result.crs_note, lang))
    if result.report:
        st.markdown(f"**{say('report', lang)}**")
        st.dataframe(read_report_view(result.report_frame(), lang), hide_index=True, placeholder="—")
    if len(result.rejected):
        st.download_button(
            say("rejected", lang),
            data=result.rejected_zip(),
            on_click="ignore",
            file_name="rejected_rows.zip",
            mime="application/zip",
            key="rejected",
        )
    if result.problems:
        listed = "\n".join(f"- {md(problem.render(lang))}" for problem in result.problems)
        st.error(say("problems", lang) + "\n" + listed)
        return
    options = read_options(layer=layer, columns=mapping, crs=crs, swap=swap, encoding=encoding, role=role)
    st.session_state.staged[role] = {
        "frame": result.frame,
        "input": Input.of(role=role, name=name, sha256=digest, options=options),
        "checked": True,  # read with role=: its contract check found nothing (else we returned above)
    }
