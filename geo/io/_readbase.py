"""What every part of the reader shares: limits, bilingual messages and the error class.

Every refusal names what failed, why, and how to fix it, in 中文 and English, so that the page and
the command line can show it as is. :class:`ReadError` subclasses :class:`geo.schema.DataError`
(itself a ``ValueError``): callers that already catch either catch this too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from geo.schema import DataError, Problem
from geo.text import Text

__all__ = [
    "FORMAT_UPLOAD_BYTES",
    "Action",
    "CrsChoice",
    "EncodingInfo",
    "ErrorCode",
    "Finding",
    "Limits",
    "Note",
    "ReadError",
    "fail",
]

MB = 1024 * 1024

#: Why a file was not read. ``refused-*`` are deliberate refusals of hostile or unsupported input;
#: ``needs-*`` ask the caller for a choice (the error lists the choices).
ErrorCode = Literal[
    "too-large",  # upload, members, features or vertices over a limit
    "refused-type",  # not one of the accepted formats (incl. VRT, GDALG, HTML, .xls, a .shp alone)
    "refused-zip",  # zip that is unsafe: traversal, links, nesting, encryption, bomb
    "refused-content",  # accepted format with hostile content: XML entities, URL references, views
    "unreadable",  # corrupt or malformed
    "empty",  # no features at all
    "needs-layer",  # several layers: pass layer=
    "needs-crs",  # coordinates cannot be trusted as declared: pass crs= (and swap_xy=)
    "needs-encoding",  # text encoding contradicts its declaration: pass encoding=
    "no-geometry",  # table without a WKT or lon/lat column
    "no-polygons",  # every row was rejected (points, lines, unrepairable)
    "bad-mapping",  # column mapping names missing columns or unknown fields
    "unsafe-gdal",  # GDAL hardening not in effect: nothing is opened
]


#: What the reader did to a row.
Action = Literal["dropped", "rejected", "repaired", "changed", "converted", "note"]


#: The page's upload caps per format (bytes), the ONE place they are set. Binary, indexed formats whose
#: size says little about the work of reading them get more room (a 200,000-footprint GeoPackage is
#: about 57 MB, its GeoParquet about 30 MB); every other format (GeoJSON, CSV, KML, XLSX, zips) stays
#: at :attr:`Limits.max_upload_bytes`. Streamlit's ``server.maxUploadSize`` (``.streamlit/config.toml``)
#: is the largest of them, in MB (tests/test_reader.py checks that they agree).
FORMAT_UPLOAD_BYTES: tuple[tuple[str, int], ...] = (("geoparquet", 100 * MB), ("gpkg", 100 * MB))


@dataclass(frozen=True)
class Limits:
    """Caps that keep one upload from exhausting the server.

    The defaults are the page's: an upload of at most :attr:`max_upload_bytes` (50 MB), more for the
    formats of :attr:`format_upload_bytes` (GeoParquet, GeoPackage: 100 MB), and at most
    :attr:`max_features` footprints. The largest upload cap is also set in the server configuration
    (Streamlit ``server.maxUploadSize``); every cap is checked again here, per format, because the
    server's cap is one number and the command line and tests bypass the page. A file on the
    user's own disk read by the command line gets :meth:`local` instead (larger caps, same checks).
    """

    max_upload_bytes: int = 50 * MB
    #: Per format (a key of :data:`geo.io._sniff.FORMATS`): the upload cap instead of
    #: :attr:`max_upload_bytes`. Empty: one cap for every format.
    format_upload_bytes: tuple[tuple[str, int], ...] = FORMAT_UPLOAD_BYTES
    max_features: int = 200_000
    max_vertices: int = 5_000_000
    max_layers: int = 100
    max_columns: int = 500
    max_zip_members: int = 200
    max_total_uncompressed: int = 500 * MB
    #: Per zip member: uncompressed / compressed. Deflate tops out near 1032; real shapefiles stay
    #: far below 100 except DBFs of mostly blank wide text fields, hence 200.
    max_member_ratio: int = 200
    #: The ratio is only enforced once a member has produced this many bytes (tiny files compress
    #: oddly: a 5-byte ``.cpg`` can "expand" 0.3:1 or 20:1).
    ratio_grace_bytes: int = 1 * MB
    #: The isolated reader process (see :mod:`geo.io._worker`): address space (``RLIMIT_AS``; GeoPandas,
    #: PyArrow and GDAL map about 0.5 GB at start) and wall-clock seconds before it is killed. The
    #: server's outer limits per upload are 2 GB and 60 s.
    worker_memory_bytes: int = 1536 * MB
    worker_seconds: float = 45.0

    def upload_bytes(self, fmt: str | None = None) -> int:
        """The size cap for a file of format ``fmt`` (the largest of all caps when ``fmt`` is None).

        >>> Limits().upload_bytes("geojson") // MB, Limits().upload_bytes("gpkg") // MB, Limits().upload_bytes() // MB
        (50, 100, 100)
        >>> Limits(max_upload_bytes=10, format_upload_bytes=()).upload_bytes("gpkg")
        10
        """
        caps = dict(self.format_upload_bytes)
        if fmt is None:
            return max([self.max_upload_bytes, *caps.values()])
        return caps.get(fmt, self.max_upload_bytes)

    @classmethod
    def local(cls) -> Limits:
        """The caps for a file on the user's own disk, read by the command line (``python -m geo summary``).

        A city's footprints (a million buildings: a GeoPackage near 300 MB) must be readable, so
        the size and count caps are larger: 2 GB for every format, 5 million features, 200 million
        vertices, 8 GB of address space and 15 minutes for the reading process. Every other
        defence is the page's (zip members and ratios, nesting, XML entities, layers, columns, the
        isolated worker), because a local file is no less hostile than an upload.

        >>> Limits.local().max_features, Limits.local().upload_bytes("geojson") // MB
        (5000000, 2048)
        """
        return cls(
            max_upload_bytes=2048 * MB,
            format_upload_bytes=(),
            max_features=5_000_000,
            max_vertices=200_000_000,
            max_total_uncompressed=2048 * MB,
            worker_memory_bytes=8192 * MB,
            worker_seconds=900.0,
        )


class Note(Text):
    """A message in both languages: a :class:`geo.text.Text` built English first, as the reader writes it.

    ``Note("ring closed", "环已闭合")`` is ``Text("环已闭合", "ring closed")`` with the reader's
    argument order; ``.zh``, ``.en`` and ``.in_(lang)`` work as on any ``Text``.
    """

    def __init__(self, en: str, zh: str) -> None:
        object.__setattr__(self, "zh", zh)
        object.__setattr__(self, "en", en)

    def __repr__(self) -> str:
        return f"Note(en={self.en!r}, zh={self.zh!r})"

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"

    def __reduce__(self) -> tuple[type[Note], tuple[str, str]]:
        return (Note, (self.en, self.zh))


@dataclass(eq=False)
class ReadError(DataError):
    """A file the reader would not or could not read.

    Attributes
    ----------
    source
        The file name as uploaded.
    code
        One of :data:`ErrorCode`; tests and the page switch on it.
    message_en, message_zh
        What failed, why, and how to fix it.
    choices
        For ``needs-*`` codes, the values the caller may pass (layers, CRS codes, encodings).
    problems
        Individual findings when there are several (e.g. every unsafe zip member).
    """

    code: ErrorCode = "unreadable"
    message_en: str = ""
    message_zh: str = ""
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Keep ``args`` meaningful for logging and pickling.
        ValueError.__init__(self, self.message_en)

    @property
    def message(self) -> Text:
        """What failed, why and how to fix it, as one :class:`geo.text.Text`."""
        return Text(self.message_zh, self.message_en)

    def __str__(self) -> str:
        lines = [f"{self.source}: {self.message_zh}", f"{self.source}: {self.message_en}"]
        if self.choices:
            lines.append("  choices / 可选: " + ", ".join(self.choices))
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


def fail(
    source: str,
    code: ErrorCode,
    en: str,
    zh: str,
    *,
    choices: tuple[str, ...] | list[str] = (),
    problems: list[Problem] | None = None,
) -> ReadError:
    """Build a :class:`ReadError` to raise."""
    return ReadError(
        source=source, problems=list(problems or []), code=code, message_en=en, message_zh=zh, choices=tuple(choices)
    )


@dataclass(frozen=True)
class Finding:
    """One thing the reader did to a row (or, with ``row=None``, to the whole layer)."""

    row: int | None  # 1-based position of the feature in its layer
    id: str | None
    action: Action
    reason_en: str
    reason_zh: str

    @property
    def reason(self) -> Text:
        """The reason as one :class:`geo.text.Text`."""
        return Text(self.reason_zh, self.reason_en)

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" (id {self.id!r})" if self.id else "") if self.row else "file"
        return f"{where}: {self.action}: {self.reason_en} / {self.reason_zh}"


@dataclass(frozen=True)
class CrsChoice:
    """A coordinate system the user may pick, and where the data would land with it."""

    code: str
    label_en: str
    label_zh: str
    lands_at: tuple[float, float] | None  # lon/lat of the data's centre under this choice
    fits: bool  # lands inside China

    @property
    def label(self) -> Text:
        """The choice's name as one :class:`geo.text.Text`."""
        return Text(self.label_zh, self.label_en)


@dataclass(frozen=True)
class EncodingInfo:
    """The text encoding, where it came from, and previews to confirm it."""

    encoding: str | None  # e.g. 'GB18030'; None when the caller must choose
    source: str  # 'cpg', 'dbf-language-byte', 'detected-utf-8', 'fallback-gb18030', 'xml-declaration', 'user', ...
    names: tuple[str, ...]
    preview: tuple[str, ...]
    problem: Note | None = None
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cut_names: tuple[str, ...] = ()
    cut_values: int = 0
