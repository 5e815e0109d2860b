"""Shapefile attribute text: find the DBF's encoding, then rewrite it as clean UTF-8 for GDAL.

The encoding comes from the ``.cpg``, else the DBF language byte (byte 29), else strict UTF-8, else
GB18030 (a superset of GBK/GB2312, what Chinese Windows writes). A declaration that contradicts the
bytes (a ``.cpg`` saying UTF-8 over GBK text, a Western code page over Chinese text) is reported
with a preview in both encodings and the caller must choose; nothing is decoded into mojibake.

Fixed-width fields cut text mid-character: column names at 10 bytes, values at the field width.
The incomplete tail is dropped (and counted) instead of failing the whole file. The rewritten DBF
has ASCII placeholder column names (``c0``, ``c1`` …) and UTF-8 values with widened fields, so
GDAL does no recoding and pyogrio no guessing; the reader renames the columns afterwards.
"""

from __future__ import annotations

import codecs
import datetime as dt
import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from geo.io._readbase import Note

__all__ = [
    "DbfHeader",
    "EncodingCheck",
    "codec_from_label",
    "detect_encoding",
    "not_text_encoding",
    "read_header",
    "rewrite_utf8",
]

# DBF language driver ids: CJK code pages are trusted; Western ones only when the bytes agree.
_CJK_LDID = {
    0x4D: "gb18030",
    0x7A: "gb18030",
    0x4F: "cp950",
    0x78: "cp950",
    0x4E: "cp949",
    0x79: "cp949",
    0x7B: "cp932",
    0x13: "cp932",
}
_WESTERN_LDID = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x57: "cp1252",
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp866",
    0x66: "cp865",
    0x26: "cp866",
    0xC8: "cp1250",
    0xC9: "cp1251",
    0xCA: "cp1254",
    0xCB: "cp1253",
}
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "cp936", "hz"}
_SAMPLE_BYTES = 32 * 1024 * 1024  # non-ASCII text kept for detection
_CHUNK_RECORDS = 20_000
_SEP = b"\x1f"  # joins values for one fast strict decode; invalid as a GBK trail or UTF-8 continuation


def codec_from_label(label: str) -> str | None:
    """The Python codec for a ``.cpg`` or user label (``'UTF-8'``, ``'936'``, ``'GBK'``), else None.

    >>> codec_from_label("936"), codec_from_label(" utf8 "), codec_from_label("ANSI 1252")
    ('gb18030', 'utf-8', 'cp1252')
    """
    text = label.strip().strip("\ufeff").upper().replace("_", "-")
    for prefix in ("ANSI ", "OEM ", "CP", "WINDOWS-"):
        if text.startswith(prefix) and text[len(prefix) :].strip().isdigit():
            text = text[len(prefix) :].strip()
    if text.isdigit():
        text = {
            "65001": "utf-8",
            "936": "gb18030",
            "54936": "gb18030",
            "20936": "gb2312",
            "950": "cp950",
            "949": "cp949",
            "932": "cp932",
            "88591": "latin-1",
        }.get(text, f"cp{text}")
    if text in ("SYSTEM", "OEM", "ANSI", ""):
        return None
    try:
        info = codecs.lookup(text)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib_codec…: transforms, not text
        return None
    return "gb18030" if info.name in _GB_FAMILY else info.name


def not_text_encoding(label: str) -> str | None:
    """The codec's name when ``label`` names a Python codec that is not a text encoding, else None.

    ``rot13``, ``hex``, ``base64``, ``zlib_codec``, ``uu``, ``bz2_codec`` and ``quopri`` are codecs to
    Python but turn bytes into bytes (or text into text): no file is written in them.

    >>> not_text_encoding("rot13"), not_text_encoding("GBK")
    ('rot-13', None)
    """
    try:
        info = codecs.lookup(label.strip().strip("\ufeff"))
    except (LookupError, ValueError):
        return None
    return None if getattr(info, "_is_text_encoding", True) else info.name


def display_codec(codec: str) -> str:
    """How a codec is named to users."""
    return {"gb18030": "GB18030", "utf-8": "UTF-8", "latin-1": "ISO-8859-1"}.get(codec, codec.upper())


@dataclass(frozen=True)
class DbfField:
    """One column of the table."""

    raw_name: bytes
    kind: str
    width: int
    offset: int  # within the record, after the deletion flag byte


@dataclass(frozen=True)
class DbfHeader:
    """The DBF header: counts, sizes, language byte and columns."""

    records: int
    header_len: int
    record_len: int
    ldid: int
    fields: tuple[DbfField, ...]


def read_header(path: Path, *, max_columns: int) -> DbfHeader:
    """Parse and sanity-check the header; raises ValueError with the reason."""
    with path.open("rb") as f:
        head = f.read(32)
        if len(head) < 32:
            raise ValueError("the .dbf is shorter than its 32-byte header")
        records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        ldid = head[29]
        if header_len < 33:
            raise ValueError("the .dbf header length is impossible")
        desc = f.read(header_len - 32)
    raws: list[tuple[bytes, str, int, int]] = []
    for i in range(0, len(desc) - 31, 32):
        d = desc[i : i + 32]
        if d[0] == 0x0D:
            break
        raws.append((d[:11].split(b"\x00", 1)[0], chr(d[11]), d[16], d[17]))
    if len(raws) > max_columns:
        raise ValueError(f"the .dbf has {len(raws)} columns, more than the {max_columns} allowed")
    # shapelib reads character widths above 255 from the decimal-count byte (high byte).
    for extended in (False, True):
        widths = [w + 256 * dec if extended and kind not in "NF" else w for _, kind, w, dec in raws]
        if 1 + sum(widths) == record_len:
            break
    else:
        raise ValueError(f"the .dbf record length {record_len} does not match its columns")
    fields, offset = [], 1
    for (name, kind, _, _), width in zip(raws, widths, strict=True):
        fields.append(DbfField(name, kind, width, offset))
        offset += width
    return DbfHeader(records, header_len, record_len, ldid, tuple(fields))


def _chunks(path: Path, header: DbfHeader) -> Iterator[tuple[bytes, int]]:
    with path.open("rb") as f:
        f.seek(header.header_len)
        remaining = header.records
        while remaining > 0:
            want = min(remaining, _CHUNK_RECORDS)
            buf = f.read(want * header.record_len)
            got = len(buf) // header.record_len
            if got == 0:
                return
            yield buf, got
            remaining -= got
            if got < want:
                return


def _values(buf: bytes, count: int, record_len: int, fld: DbfField) -> list[bytes]:
    start, end = fld.offset, fld.offset + fld.width
    return [buf[i * record_len + start : i * record_len + end].rstrip(b" \x00") for i in range(count)]


def decode_cut(raw: bytes, codec: str) -> tuple[str, bool]:
    """Decode strictly, tolerating only an incomplete character at the very end (field cut).

    Returns the text and whether a tail was dropped; raises UnicodeDecodeError otherwise.

    >>> decode_cut("建筑面积".encode()[:10], "utf-8")
    ('建筑面', True)
    """
    decoder = codecs.getincrementaldecoder(codec)()
    text = decoder.decode(raw, final=False)
    return text, bool(decoder.getstate()[0])


def _fits(values: list[bytes], codec: str) -> tuple[bool, int]:
    """Whether every value decodes (cut tails allowed), and how many were cut."""
    try:
        text = _SEP.join(values).decode(codec)
        if text.count(_SEP.decode()) == len(values) - 1:
            return True, 0
    except UnicodeDecodeError:
        pass
    cut = 0
    for raw in values:
        try:
            _, was_cut = decode_cut(raw, codec)
        except UnicodeDecodeError:
            return False, cut
        cut += was_cut
    return True, cut


def _cjk_share(text: str) -> float:
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return 0.0
    cjk = sum(1 for c in wide if unicodedata.name(c, "").startswith(("CJK", "FULLWIDTH", "IDEOGRAPHIC")))
    return cjk / len(wide)


@dataclass
class EncodingCheck:
    """What the text encoding is, where that came from, and what it looks like.

    Attributes
    ----------
    codec
        Python codec to decode with (``None`` when the caller must choose).
    source
        ``'user'``, ``'cpg'``, ``'dbf-language-byte'``, ``'ascii'``, ``'detected-utf-8'``,
        ``'fallback-gb18030'``.
    names
        Column names as decoded.
    preview
        Sample text values as decoded.
    problem
        Set when the declaration contradicts the bytes: the caller must pass ``encoding=``.
    alternatives
        Other encodings' rendering of the same names and values, for the user to compare.
    cut_names, cut_values
        Names and values that were cut mid-character by the fixed field widths.
    """

    codec: str | None
    source: str
    names: list[str] = field(default_factory=list)
    preview: list[str] = field(default_factory=list)
    problem: Note | None = None
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    cut_names: list[str] = field(default_factory=list)
    cut_values: int = 0

    @property
    def label(self) -> str | None:
        """The codec as named to users (``'GB18030'``)."""
        return display_codec(self.codec) if self.codec else None


def _sample(path: Path, header: DbfHeader) -> list[bytes]:
    """Non-ASCII text values (names first), up to a byte budget."""
    out = [f.raw_name for f in header.fields if any(b > 127 for b in f.raw_name)]
    budget = _SAMPLE_BYTES
    text_fields = [f for f in header.fields if f.kind in ("C", "M", "V", "W")]
    for buf, count in _chunks(path, header):
        for fld in text_fields:
            for raw in _values(buf, count, header.record_len, fld):
                if raw and max(raw) > 127:
                    out.append(raw)
                    budget -= len(raw)
        if budget <= 0:
            break
    return out


def _render(values: list[bytes], codec: str, limit: int = 8) -> list[str]:
    seen: list[str] = []
    for raw in values:
        text = raw.decode(codec, errors="replace")
        if text not in seen:
            seen.append(text)
        if len(seen) >= limit:
            break
    return seen


def _check(
    header: DbfHeader, sample: list[bytes], codec: str, origin: str, problem: Note | None = None
) -> EncodingCheck:
    """The EncodingCheck for ``codec``: decoded names, previews, cut counts, alternatives."""
    names, cut_names = [], []
    for fld in header.fields:
        try:
            text, cut = decode_cut(fld.raw_name, codec)
        except UnicodeDecodeError:
            text, cut = fld.raw_name.decode(codec, errors="replace"), False
        names.append(text)
        if cut:
            cut_names.append(text)
    _, cut_values = _fits(sample, codec)
    alts = {display_codec(c): _render(sample, c) for c in ("utf-8", "gb18030") if c != codec and sample}
    return EncodingCheck(
        codec if problem is None else None, origin, names, _render(sample, codec), problem, alts, cut_names, cut_values
    )


def _declared(cpg: str | None, ldid: int) -> tuple[str | None, str]:
    """The encoding the files declare, and where: the .cpg first, then a CJK language byte."""
    if cpg is not None and codec_from_label(cpg) is not None:
        return codec_from_label(cpg), "cpg"
    if ldid in _CJK_LDID:
        return _CJK_LDID[ldid], "dbf-language-byte"
    return None, ""


def _contradiction(sample: list[bytes], declared: str) -> tuple[bool, str | None]:
    """Whether the bytes fit ``declared``, and the encoding they really read as, if another."""
    fits = _fits(sample, declared)[0]
    utf8_ok = _fits(sample, "utf-8")[0]
    gb_ok = _fits(sample, "gb18030")[0]
    if not fits:
        return False, "utf-8" if utf8_ok else ("gb18030" if gb_ok else None)
    single_byte = declared not in ("utf-8", "gb18030")
    if single_byte and utf8_ok:
        return True, "utf-8"  # UTF-8 bytes labelled with a single-byte code page
    if single_byte and gb_ok and _cjk_share("".join(_render(sample, "gb18030", 50))) > 0.5:
        return True, "gb18030"
    if declared == "gb18030" and utf8_ok:
        return True, "utf-8"  # genuine GBK text is almost never also valid multi-byte UTF-8
    return True, None


def _conflict_note(said: str, said_zh: str, declared: str, fits: bool, alt: str | None, *, cpg: bool) -> Note:
    shown, alt_shown = display_codec(declared), display_codec(alt) if alt else None
    en = f"the {said} says the text is {shown}, but the bytes " + (
        f"are not valid {shown}" if not fits else f"read as {alt_shown}"
    )
    zh = f"{said_zh}声明文字编码为 {shown}，但实际内容" + (f"不是有效的 {shown}" if not fits else f"应为 {alt_shown}")
    if alt:
        en += f"; they read correctly as {alt_shown}. Check the preview and pass encoding='{alt_shown}'"
        zh += f"；按 {alt_shown} 可正确读取。请核对预览后选择 encoding='{alt_shown}'"
    else:
        en += "; choose the encoding the file was written in"
        zh += "；请选择文件实际使用的编码"
    if cpg:
        en += " (or fix the .cpg)"
        zh += "(或修正 .cpg 文件)"
    return Note(en, zh)


def _user_check(header: DbfHeader, sample: list[bytes], user: str, source: str) -> EncodingCheck:
    codec = codec_from_label(user)
    if codec is None:
        raise LookupError(user)
    if _fits(sample, codec)[0]:
        return _check(header, sample, codec, "user")
    shown = display_codec(codec)
    return _check(
        header,
        sample,
        codec,
        "user",
        Note(
            f"the text of {source} is not valid {shown}; try another encoding",
            f"{source} 的文字不是有效的 {shown} 编码，请换一种编码",
        ),
    )


def detect_encoding(path: Path, header: DbfHeader, *, cpg: str | None, user: str | None, source: str) -> EncodingCheck:
    """Decide how to decode the DBF's text (see the module docstring for the order).

    Raises
    ------
    LookupError
        When ``user`` names no known encoding.
    """
    sample = _sample(path, header)
    if user is not None:
        return _user_check(header, sample, user, source)
    if not sample:
        return _check(header, sample, "utf-8", "ascii")
    declared, origin = _declared(cpg, header.ldid)
    if declared is not None:
        fits, alt = _contradiction(sample, declared)
        if fits and alt is None:
            return _check(header, sample, declared, origin)
        if origin == "cpg" and cpg:
            said, said_zh = f".cpg ({cpg.strip()})", f".cpg 文件({cpg.strip()})"
        else:
            said, said_zh = f"DBF language byte 0x{header.ldid:02X}", f"DBF 语言字节 0x{header.ldid:02X}"
        return _check(
            header, sample, declared, origin, _conflict_note(said, said_zh, declared, fits, alt, cpg=origin == "cpg")
        )
    for codec, origin in (
        ("utf-8", "detected-utf-8"),
        ("gb18030", "fallback-gb18030"),
        (_WESTERN_LDID.get(header.ldid), "dbf-language-byte"),
    ):
        if codec is not None and _fits(sample, codec)[0]:
            return _check(header, sample, codec, origin)
    return _check(
        header,
        sample,
        "utf-8",
        "detected-utf-8",
        Note(
            f"the text of {source} is neither UTF-8 nor GB18030 and declares no encoding; choose one",
            f"{source} 的文字既不是 UTF-8 也不是 GB18030，且未声明编码；请选择编码",
        ),
    )


def rewrite_utf8(path: Path, header: DbfHeader, codec: str, out: Path) -> tuple[list[str], int]:
    """Write ``out``: the same table with UTF-8 text and placeholder names ``c0``, ``c1`` ….

    Returns the placeholder names and the number of values that held bytes invalid in ``codec``
    (shown with U+FFFD; only possible past the detection sample).
    """
    text_kinds = ("C", "V", "W")
    widths = [1 if f.kind in text_kinds else f.width for f in header.fields]
    bad = 0

    def decoded(buf: bytes, count: int) -> list[list[str] | None]:
        nonlocal bad
        cols: list[list[str] | None] = []
        for fld in header.fields:
            if fld.kind not in text_kinds:
                cols.append(None)
                continue
            values = []
            for raw in _values(buf, count, header.record_len, fld):
                try:
                    values.append(decode_cut(raw, codec)[0])
                except UnicodeDecodeError:
                    values.append(raw.decode(codec, errors="replace"))
                    bad += 1
            cols.append(values)
        return cols

    for buf, count in _chunks(path, header):  # pass 1: widths
        for i, col in enumerate(decoded(buf, count)):
            if col is not None:
                widths[i] = max(widths[i], *(len(v.encode()) for v in col), 1)
    names = [f"c{i}" for i in range(len(header.fields))]
    record_len = 1 + sum(widths)
    header_len = 32 + 32 * len(header.fields) + 1
    if record_len > 65535:
        raise ValueError("the table's rows are too wide once converted to UTF-8")
    today = dt.datetime.now(tz=dt.UTC).date()
    count_bad = bad
    bad = 0
    with out.open("wb") as f:
        f.write(
            struct.pack("<B3BIHH", 3, today.year - 1900, today.month, today.day, header.records, header_len, record_len)
            + b"\x00" * 20
        )
        for name, fld, width in zip(names, header.fields, widths, strict=True):
            kind = fld.kind if fld.kind not in ("V", "W") else "C"
            low, high = (width, 0) if width < 256 or kind in "NF" else (width & 0xFF, width >> 8)
            f.write(
                name.encode().ljust(11, b"\x00")
                + kind.encode("latin-1")
                + b"\x00" * 4
                + bytes([low, high])
                + b"\x00" * 14
            )
        f.write(b"\r")
        written = 0
        for buf, count in _chunks(path, header):  # pass 2: rows
            cols = decoded(buf, count)
            rows = []
            for r in range(count):
                base = r * header.record_len
                parts = [buf[base : base + 1]]
                for fld, width, col in zip(header.fields, widths, cols, strict=True):
                    if col is None:
                        parts.append(buf[base + fld.offset : base + fld.offset + fld.width])
                    else:
                        parts.append(col[r].encode().ljust(width, b" "))
                rows.append(b"".join(parts))
            f.write(b"".join(rows))
            written += count
        f.write(b"\x1a")
    if written != header.records:
        with out.open("r+b") as f:
            f.seek(4)
            f.write(struct.pack("<I", written))
    return names, count_bad
