"""Zip archives opened defensively: every member is checked before a byte is extracted.

Refused outright: more members than allowed (counted from the end-of-directory record, before
Python builds its member list), absolute paths or ``..``, symbolic links, encrypted members,
nested archives, duplicate names. While extracting, each member's real output is counted against
its compressed size (ratio cap) and the whole archive's output against a total cap, so a zip bomb
stops after a few megabytes whatever its headers claim. Member names are never used as paths:
callers choose the destination.

Names written on Chinese Windows carry no UTF-8 flag and are GBK; they are decoded as such.
"""

from __future__ import annotations

import io
import lzma
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from geo.io._readbase import Limits, ReadError, fail
from geo.schema import Problem

__all__ = ["ARCHIVE_EXTENSIONS", "Member", "SafeZip", "is_zip"]

#: Extensions that mean "another archive inside": refused, never opened.
ARCHIVE_EXTENSIONS = frozenset(
    {
        ".zip",
        ".kmz",
        ".rar",
        ".7z",
        ".gz",
        ".tgz",
        ".tar",
        ".bz2",
        ".xz",
        ".zst",
        ".lz",
        ".lzma",
        ".cab",
        ".jar",
        ".iso",
        ".z",
        ".arj",
        ".lzh",
    }
)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CHUNK = 1 << 16


def is_zip(data: bytes) -> bool:
    """Whether ``data`` starts like a zip archive (or is an empty one)."""
    return data[:4] in _ZIP_MAGIC


@dataclass(frozen=True)
class Member:
    """One regular file in the archive."""

    info: zipfile.ZipInfo
    name: str  # decoded, '/'-separated, as shown to the user

    @property
    def suffix(self) -> str:
        """Lower-case extension with its dot (``.shp``)."""
        return PurePosixPath(self.name).suffix.lower()

    @property
    def size(self) -> int:
        """Declared uncompressed size."""
        return self.info.file_size


def _declared_entries(data: bytes, cap: int | None = None) -> int | None:
    """Entries in the central directory, or None without an end-of-central-directory record.

    The count is the larger of what the end record says (zip64 aware) and the entries actually in
    the central directory, counted header by header (as :mod:`zipfile` will parse them, whatever
    the end record claims); counting stops once past ``cap``.
    """
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if pos < 0 or len(data) < pos + 22:
        return None
    entries = int.from_bytes(data[pos + 10 : pos + 12], "little")
    size = int.from_bytes(data[pos + 12 : pos + 16], "little")
    end = pos
    if pos >= 20 and data[pos - 20 : pos - 16] == b"PK\x06\x07":
        offset = int.from_bytes(data[pos - 12 : pos - 4], "little")
        if 0 <= offset <= len(data) - 56 and data[offset : offset + 4] == b"PK\x06\x06":
            if entries == 0xFFFF:
                entries = int.from_bytes(data[offset + 32 : offset + 40], "little")
            if size == 0xFFFFFFFF:
                size = int.from_bytes(data[offset + 40 : offset + 48], "little")
            end = offset
    return max(entries, _counted_entries(data, end - size, end, cap))


def _counted_entries(data: bytes, start: int, end: int, cap: int | None) -> int:
    """Central directory headers between ``start`` and ``end`` (46 bytes + name + extra + comment each)."""
    count = 0
    pos = max(0, start)
    while pos + 46 <= end and data[pos : pos + 4] == b"PK\x01\x02":
        count += 1
        if cap is not None and count > cap:
            break
        name, extra, comment = struct.unpack_from("<HHH", data, pos + 28)
        pos += 46 + name + extra + comment
    return count


def _decode_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


class SafeZip:
    """A zip archive whose every member passed the checks; read members with caps enforced.

    Parameters
    ----------
    data
        The archive's bytes.
    source
        The upload's name, for messages.
    limits
        Caps on members, ratio and total size.
    kind
        What the archive is expected to hold, for messages ("Shapefile", "XLSX", "KMZ").
    """

    def __init__(self, data: bytes, source: str, limits: Limits, *, kind: str = "zip") -> None:
        self.source = source
        self.limits = limits
        self.kind = kind
        self._produced = 0
        cap = limits.max_zip_members * (10 if kind in ("XLSX", "probe") else 1)
        entries = _declared_entries(data, cap)
        if entries is None:
            raise fail(
                source,
                "unreadable",
                "the zip archive is truncated or corrupt (no end-of-directory record); upload it again or re-create it",
                "zip 压缩包不完整或已损坏(缺少目录结尾记录)，请重新打包上传",
            )
        if entries > cap:
            raise fail(
                source,
                "refused-zip",
                f"the zip holds {entries} entries, more than the {cap} allowed; "
                "zip only the layer's files (.shp, .shx, .dbf, .prj, .cpg)",
                f"压缩包内有 {entries} 个条目，超过上限 {cap}；请只打包图层文件(.shp .shx .dbf .prj .cpg)",
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise fail(
                source,
                "unreadable",
                f"the zip archive cannot be opened ({exc}); re-create it",
                f"无法打开该 zip 压缩包({exc})，请重新打包",
            ) from exc
        self.members: list[Member] = []
        self._check_members()

    def _check_members(self) -> None:
        problems: list[Problem] = []
        seen: set[str] = set()
        for info in self._zip.infolist():
            name = _decode_name(info).replace("\\", "/")
            where = f"member {name!r}"
            mode = info.external_attr >> 16
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if "\x00" in name:
                problems.append(Problem(where, "has a NUL character in its name", "re-create the zip"))
                continue
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
                problems.append(Problem(where, "has an absolute path", "zip the files with relative paths"))
                continue
            if ".." in parts:
                problems.append(Problem(where, "points outside the archive ('..')", "zip the folder itself"))
                continue
            if stat.S_ISLNK(mode):
                problems.append(Problem(where, "is a symbolic link", "zip the files, not links to them"))
                continue
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                problems.append(Problem(where, "is encrypted", "zip it again without a password"))
                continue
            suffix = PurePosixPath(name).suffix.lower()
            if suffix in ARCHIVE_EXTENSIONS and self.kind not in ("XLSX", "probe"):
                problems.append(
                    Problem(where, "is an archive inside the archive", "unpack it and zip the layer files directly")
                )
                continue
            key = "/".join(parts).casefold()
            if key in seen:
                problems.append(Problem(where, "appears twice", "re-create the zip"))
                continue
            seen.add(key)
            self.members.append(Member(info, "/".join(parts)))
        if problems:
            raise fail(
                self.source,
                "refused-zip",
                f"the zip archive was refused: {len(problems)} unsafe member(s); nothing was extracted",
                f"压缩包被拒绝：{len(problems)} 个不安全的条目；未解压任何内容",
                problems=problems,
            )

    def check_declared(self, members: list[Member]) -> None:
        """Refuse before extracting when the headers already announce too much."""
        total = sum(m.size for m in members)
        if total > self.limits.max_total_uncompressed:
            raise self._too_big(total)
        for m in members:
            if m.size > self.limits.ratio_grace_bytes and m.size > self.limits.max_member_ratio * max(
                m.info.compress_size, 1
            ):
                raise self._bomb(m)

    def _too_big(self, total: int) -> Exception:
        cap = self.limits.max_total_uncompressed // (1024 * 1024)
        return fail(
            self.source,
            "refused-zip",
            f"the archive expands to more than {cap} MB ({total // (1024 * 1024)} MB or more); "
            "this looks like a zip bomb, or the data is too large for this tool",
            f"压缩包解压后超过 {cap} MB(至少 {total // (1024 * 1024)} MB)，疑似压缩炸弹或数据过大",
        )

    def _bomb(self, member: Member) -> Exception:
        return fail(
            self.source,
            "refused-zip",
            f"member {member.name!r} expands more than {self.limits.max_member_ratio} times its "
            "compressed size; this looks like a zip bomb and was not extracted",
            f"条目 {member.name!r} 的解压比超过 {self.limits.max_member_ratio} 倍，疑似压缩炸弹，已停止解压",
        )

    def iter_chunks(self, member: Member) -> Iterator[bytes]:
        """Yield the member's bytes in chunks, enforcing the ratio and total caps as they come."""
        out = 0
        ratio_cap = self.limits.max_member_ratio * max(member.info.compress_size, 1)
        try:
            with self._zip.open(member.info) as src:
                while chunk := src.read(_CHUNK):
                    out += len(chunk)
                    self._produced += len(chunk)
                    if out > self.limits.ratio_grace_bytes and out > ratio_cap:
                        raise self._bomb(member)
                    if self._produced > self.limits.max_total_uncompressed:
                        raise self._too_big(self._produced)
                    yield chunk
        except ReadError:
            raise
        except (
            zipfile.BadZipFile,
            NotImplementedError,
            EOFError,
            OSError,
            ValueError,
            RuntimeError,
            zlib.error,
            lzma.LZMAError,
        ) as exc:
            raise fail(
                self.source,
                "unreadable",
                f"member {member.name!r} cannot be decompressed ({exc})",
                f"条目 {member.name!r} 无法解压({exc})",
            ) from exc

    def read(self, member: Member) -> bytes:
        """The member's bytes (capped); refuses an archive hidden under another extension."""
        data = b"".join(self.iter_chunks(member))
        self._refuse_nested(member, data[:4])
        return data

    def extract(self, member: Member, dest: Path) -> int:
        """Write the member to ``dest`` (a path the caller chose); returns the bytes written."""
        written = 0
        with dest.open("wb") as out:
            for chunk in self.iter_chunks(member):
                if written == 0:
                    self._refuse_nested(member, chunk[:4])
                out.write(chunk)
                written += len(chunk)
        return written

    def _refuse_nested(self, member: Member, head: bytes) -> None:
        if self.kind != "XLSX" and (head in _ZIP_MAGIC or head[:2] == b"\x1f\x8b" or head in (b"Rar!", b"7z\xbc\xaf")):
            raise fail(
                self.source,
                "refused-zip",
                f"member {member.name!r} is itself an archive; nested archives are not opened",
                f"条目 {member.name!r} 本身是压缩包；不打开嵌套压缩包",
            )

    def close(self) -> None:
        """Release the archive."""
        self._zip.close()
