"""The page budget: map payload size, server time per rerun, first map drawn in headless Chromium.

Run: ``python -m bench.page [--runs 7] [--upload-runs 3] [--footprints 10000 | --upload-sizes
10000,200000:parquet] [--first-map-only]``. Prints one Markdown table with a column of figures for the
default page and one per upload (by default a 10k-footprint GeoJSON; issue 13: a 200k-footprint
GeoParquet), and the default page's first map against the framework's floor (:mod:`bench.floor_page`:
the smallest streamlit-folium page with 50 polygons and the same offline Leaflet), timed the same way
in the same run, visits interleaved, with the ratio of the medians (issue 13: ≤ 1.2×) and the load
average. Budget from the page issue: payload ≤ 250 KB, ≤ 150 ms server time per rerun after the first
run, map drawn ≤ 1.5 s after navigation (default page) and ≤ 2 s after "use in this session" (10k-footprint
upload; issue 13: the same for a 200k-footprint GeoParquet, read, checked and summed in ≤ 3 s).

* payload: the JSON arguments the st_folium component sends to the browser (AppTest).
* rerun: wall time of a full script rerun in Streamlit's AppTest after the first run (same process,
  caches warm; includes AppTest's own overhead, so the real server is a little faster).
* first map drawn, default page: from navigation start (the page's ``performance.timeOrigin``) to
  the first animation frame in which the map's iframe holds a vector path, polled on every frame
  from the page itself; headless Chromium against ``streamlit run app.py`` on loopback, the page as
  a planner first opens it (OpenStreetMap basemap, whose tiles cannot load on an offline machine and
  do not hold up the overlays), server warm, a new tab each time. The page's first run sends its
  title and the map alone (:mod:`ui.first_paint`); the same visit is also timed until the whole page
  is drawn (the sidebar's language switch, the title, the summary table, and no run going on).
* first map drawn, upload: the synthetic footprints (``bench.synthetic.make_footprints``; GeoJSON, or
  GeoParquet with ``--upload-sizes N:parquet``) and zones (``make_zones``, GeoJSON) in WGS-84,
  uploaded through the real "导入数据 / Your data" widget
  (zones first, then carriers; each "读取并检查" / read and check), then timed from the click on
  "在本次会话中使用" (use in this session) until a map iframe shows the new map drawn: it holds a
  synthetic zone's name and a vector path or a painted canvas (the grid view draws its cells and the
  zones on a canvas, not as paths). Also timed from the same click: until the old map's iframe is
  gone (Streamlit removes it when the script run ends), and until the run has ended. Each run uses
  a fresh ``streamlit run`` (its data caches cold, as for a user's first upload) warmed by one visit
  of the default page in the same tab; the upload steps are timed on the way, for information.
  In AppTest the same session state is set directly (``user_data`` from
  :func:`geo.data.with_layers`, ``staged`` as the page leaves it), so payload and rerun exclude
  reading and validation.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

import layers
from bench import harness
from bench.harness import CHROMIUM_ARGS
from bench.synthetic import make_footprints, make_zones
from geo.data import load_dataset, with_layers

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
#: The framework's floor (:mod:`bench.floor_page`): timed like the default page, in the same run.
FLOOR = ROOT / "bench" / "floor_page.py"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
FOOTPRINTS = 10_000
# The page's own words (app.py, zh): import tab, role radio and its choices, buttons.
IMPORT_TAB = "导入数据"
ROLE_RADIO = "文件内容"
ROLE_NAMES = {"carriers": "载体", "zones": "片区"}  # geo.text.TERMS["object"]
FILE_INFO = "：{features} 个要素"  # in the caption of an inspected file
READ_BUTTON = "读取并检查"
APPLY_BUTTON = "在本次会话中使用"
STEP_TIMEOUT_MS = 180_000  # one page step on a loaded two-core machine; a 10k read takes seconds

# Whether a map iframe shows the new map drawn: it holds ``marker`` (text only the new data has: read
# from the Leaflet container, not the iframe's scripts) and a vector path or a painted canvas (the
# light and grid views draw zones and cells on a canvas, so there are no paths to wait for).
_NEW_MAP_DRAWN_JS = """([selector, marker]) => [...document.querySelectorAll(selector)].some(frame => {
    const doc = frame.contentDocument;
    const map = doc && doc.querySelector('.leaflet-container');
    if (!map || !map.textContent.includes(marker)) return false;
    if (map.querySelector('path.leaflet-interactive')) return true;
    return [...map.querySelectorAll('canvas')].some(canvas => {
        if (!canvas.width || !canvas.height) return false;
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        return new Uint32Array(pixels.buffer).some(value => value !== 0);
    });
})"""
# The page's clock (ms since navigation start) once a map iframe holds a vector path, else false. Polled
# on every animation frame from the page itself (the iframe is same-origin), so the figure is within a
# frame of the truth: Playwright's locator waits retry with growing pauses (up to 500 ms apart), which
# added up to half a second to this figure before.
_FIRST_PATH_JS = """selector => {
    for (const frame of document.querySelectorAll(selector)) {
        const doc = frame.contentDocument;
        if (doc && doc.querySelector('path.leaflet-interactive')) return performance.now();
    }
    return false;
}"""
_ONE_MAP_JS = "selector => document.querySelectorAll(selector).length === 1"
# The page's clock once the whole default page is drawn (the map, the sidebar's language switch, the
# title and the summary table, and no run going on: the first run sends the map alone, ui.first_paint).
_WHOLE_PAGE_JS = """selector => {
    const app = document.querySelector('[data-testid="stApp"]');
    const whole = app && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector(selector)
        && document.querySelector('[data-testid="stSidebar"] [data-testid="stRadio"]')
        && document.querySelector('h1') && document.querySelector('[data-testid="stDataFrame"]');
    return whole ? performance.now() : false;
}"""
# Record every change of the script's run state with its time, from now on; returns now.
_WATCH_RUNS_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const log = [];
    window.__benchRuns = log;
    new MutationObserver(() => log.push([app.getAttribute('data-test-script-state'), performance.now()]))
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    return performance.now();
}"""
# When the first run that started after the watch began ended, or null while it has not.
_RUN_ENDED_JS = """() => {
    const log = window.__benchRuns || [];
    const start = log.findIndex(([state]) => state === 'running');
    const end = start < 0 ? undefined : log.slice(start + 1).find(([state]) => state !== 'running');
    return end ? end[1] : null;
}"""


#: File formats the synthetic footprints can be uploaded as (the zones always go as GeoJSON), and their suffixes.
UPLOAD_FORMATS = {"geojson": "geojson", "parquet": "parquet"}


@dataclass(frozen=True)
class Upload:
    """The files a planner uploads: synthetic footprints and zones, and the frames they hold."""

    carriers: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    files: dict[str, bytes]  # role -> file bytes (WGS-84), zones first
    marker: str  # a zone name the new map draws and the bundled data's map does not
    carriers_format: str = "geojson"  # a key of UPLOAD_FORMATS; the zones are GeoJSON

    @property
    def n_carriers(self) -> int:
        """Number of footprints."""
        return len(self.carriers)

    @property
    def label(self) -> str:
        """How the table names this upload, e.g. ``200k-footprint GeoParquet upload``."""
        kind = {"geojson": "GeoJSON", "parquet": "GeoParquet"}[self.carriers_format]
        return f"{self.n_carriers / 1000:g}k-footprint {kind} upload"

    def file_name(self, role: str) -> str:
        """The uploaded file's name for ``role``."""
        suffix = UPLOAD_FORMATS[self.carriers_format] if role == "carriers" else "geojson"
        return f"{role}.{suffix}"

    def digest(self, role: str) -> str:
        """SHA-256 of the uploaded bytes, as the page computes it."""
        return hashlib.sha256(self.files[role]).hexdigest()


@dataclass(frozen=True)
class UploadTimes:
    """Seconds for each step of one upload through the page, in a fresh session."""

    zones_upload: float  # file chosen → the page shows the inspected file (transfer, inspection, rerun)
    zones_read: float  # "read and check" → the zones are staged
    carriers_upload: float
    carriers_read: float
    drawn: float  # "use in this session" → the new map's first path or painted canvas
    settled: float  # "use in this session" → the old map's iframe is gone (the new one alone)
    run: float  # "use in this session" → the page's run has finished (callback and whole script)


def make_upload(n: int = FOOTPRINTS, *, carriers_format: str = "geojson") -> Upload:
    """``n`` synthetic footprints (as ``carriers_format``: GeoJSON or GeoParquet) and the synthetic zones
    (GeoJSON) in WGS-84, and their files."""
    if carriers_format not in UPLOAD_FORMATS:
        raise ValueError(f"carriers_format={carriers_format!r}: use one of {sorted(UPLOAD_FORMATS)}")
    carriers = make_footprints(n).to_crs(4326)
    zones = make_zones().to_crs(4326)
    if carriers_format == "parquet":
        buffer = io.BytesIO()
        carriers.to_parquet(buffer, index=False)
        carriers_bytes = buffer.getvalue()
    else:
        carriers_bytes = carriers.to_json(drop_id=True).encode()
    files = {"zones": zones.to_json(drop_id=True).encode(), "carriers": carriers_bytes}
    marker = str(zones["name_zh"].iloc[0])
    return Upload(carriers=carriers, zones=zones, files=files, marker=marker, carriers_format=carriers_format)


def parse_upload_sizes(text: str) -> list[tuple[int, str]]:
    """``"10000,200000:parquet"`` → ``[(10000, "geojson"), (200000, "parquet")]`` (footprints, carriers' format).

    >>> parse_upload_sizes("10000, 200000:parquet")
    [(10000, 'geojson'), (200000, 'parquet')]
    """
    uploads = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        size, colon, fmt = item.partition(":")
        fmt = fmt if colon else "geojson"
        if not size.isdigit() or int(size) < 1 or fmt not in UPLOAD_FORMATS:
            raise argparse.ArgumentTypeError(
                f"{item!r}: write N or N:FORMAT (N footprints, FORMAT one of {', '.join(UPLOAD_FORMATS)}), "
                "e.g. 10000,200000:parquet"
            )
        uploads.append((int(size), fmt))
    if not uploads:
        raise argparse.ArgumentTypeError("no upload size given, e.g. --upload-sizes 10000,200000:parquet")
    return uploads


def upload_state(upload: Upload) -> dict[str, object]:
    """The session state app.py holds once the upload has been staged and used (replacing the bundled data)."""
    frames = {"zones": upload.zones, "carriers": upload.carriers}
    staged = {
        role: {
            "frame": frames[role],
            "digest": upload.digest(role),
            "name": f"{upload.file_name(role)} ({ROLE_NAMES[role]})",
        }
        for role in upload.files
    }
    user_data = with_layers(
        load_dataset(),
        carriers=upload.carriers,
        zones=upload.zones,
        how="replace",
        hashes={role: item["digest"] for role, item in staged.items()},
    )
    return {"staged": staged, "user_data": user_data}


def _payload_bytes(at: object) -> int:
    sizes = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and proto.DESCRIPTOR.name == "ComponentInstance":
            sizes.append(len(proto.json_args.encode()))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)  # type: ignore[attr-defined]
    return sum(sizes)


def measure_server(runs: int, state: dict[str, object]) -> tuple[int, list[float], float]:
    """(payload bytes, rerun times in s, first run in s) from AppTest, with ``state`` in the session."""
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    # Setting state outside a script run logs "missing ScriptRunContext" (harmless here): keep stderr clean.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    at = AppTest.from_file(str(APP), default_timeout=300)
    for key, value in state.items():
        at.session_state[key] = value
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"the page failed: {[e.value for e in at.exception]}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return _payload_bytes(at), times, first


@contextlib.contextmanager
def streamlit_server(script: Path = APP) -> Iterator[str]:
    """``streamlit run script`` (the page) on a free loopback port, answering its health check; yields its URL."""
    with tempfile.TemporaryDirectory() as logs, harness.streamlit_server(script, Path(logs) / "streamlit.log") as url:
        yield url


@contextlib.contextmanager
def chromium() -> Iterator[BrowserContext | None]:
    """A headless Chromium context with a throw-away profile, or None (with a note) if there is none."""
    executable = shutil.which("chromium")
    if executable is None:
        print("chromium not found: browser timing skipped", file=sys.stderr)
        yield None
        return
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_ARGS),
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def _first_path_time(page: Page) -> float:
    """Seconds from the page's navigation start to the first animation frame with a map path drawn."""
    found = page.wait_for_function(_FIRST_PATH_JS, arg=MAP_FRAME, polling="raf", timeout=60_000)
    return float(found.json_value()) / 1000


def measure_browser(runs: int, query: str, *, script: Path = APP) -> list[float]:
    """Seconds from navigation to the first drawn vector path, per fresh tab, on ``script``'s page."""
    with chromium() as context:
        if context is None:
            return []
        with streamlit_server(script) as url:
            times = []
            for attempt in range(runs + 1):  # the first visit warms the server's caches
                page = context.new_page()
                page.goto(f"{url}/?{query}")
                drawn = _first_path_time(page)
                if attempt:
                    times.append(drawn)
                page.close()
            return times


FLOOR_POLYGONS = 50


@dataclass(frozen=True)
class PairTimes:
    """Seconds from navigation, per fresh tab: the default page's first map and whole page, the floor's map."""

    default: list[float]
    floor: list[float]
    default_whole: list[float]  # the default page whole: map, sidebar, headline and section, run finished


def _whole_page_time(page: Page) -> float:
    """Seconds from the page's navigation start until the whole default page is drawn and its run has ended."""
    found = page.wait_for_function(_WHOLE_PAGE_JS, arg=MAP_FRAME, polling="raf", timeout=60_000)
    return float(found.json_value()) / 1000


def measure_pair(runs: int) -> PairTimes:
    """The default page and the floor page, each timed ``runs`` times, visits interleaved in one run.

    Both servers run at once and the visits alternate (default, floor, default, …), so the machine's
    load weighs on both alike: the ratio of their medians is the figure to read on a shared machine.
    The default page is also timed until it is whole (its first run sends the map alone).
    """
    with chromium() as context:
        if context is None:
            return PairTimes([], [], [])
        with streamlit_server(APP) as app_url, streamlit_server(FLOOR) as floor_url:
            times: dict[str, list[float]] = {app_url: [], floor_url: []}
            whole: list[float] = []
            for attempt in range(runs + 1):  # the first visit warms each server's caches
                for url in (app_url, floor_url):
                    page = context.new_page()
                    page.goto(f"{url}/")
                    drawn = _first_path_time(page)
                    done = _whole_page_time(page) if url == app_url else drawn
                    if attempt:
                        times[url].append(drawn)
                        if url == app_url:
                            whole.append(done)
                    page.close()
            return PairTimes(times[app_url], times[floor_url], whole)


def _wait_for_run(page: Page) -> None:
    """Let the rerun an action started begin, then wait until the script has finished it (as the tests do)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') !== 'running';
        }""",
        timeout=STEP_TIMEOUT_MS,
    )


def _stage(page: Page, upload: Upload, role: str, path: Path) -> tuple[float, float]:
    """Upload and read one file as a user does; (upload + inspection, read and check) in seconds."""
    page.locator('[data-testid="stRadio"]', has_text=ROLE_RADIO).get_by_text(ROLE_NAMES[role], exact=True).click()
    _wait_for_run(page)
    features = len(upload.carriers if role == "carriers" else upload.zones)
    start = time.perf_counter()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text(FILE_INFO.format(features=f"{features:,}"), exact=False).wait_for()
    uploaded = time.perf_counter() - start
    _wait_for_run(page)
    start = time.perf_counter()
    page.get_by_role("button", name=READ_BUTTON).click()
    page.get_by_text(f"{upload.file_name(role)} ({ROLE_NAMES[role]})", exact=False).first.wait_for()  # staged
    read = time.perf_counter() - start
    _wait_for_run(page)
    return uploaded, read


def _upload_once(context: BrowserContext, upload: Upload, paths: dict[str, Path]) -> UploadTimes:
    """One upload in a fresh server and tab: open the default page, stage both files, use them."""
    with streamlit_server() as url:
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        try:
            page.goto(f"{url}/?basemap=none")
            _first_path_time(page)
            page.locator('[data-testid="stRadio"]', has_text=IMPORT_TAB).get_by_text(IMPORT_TAB, exact=True).click()
            _wait_for_run(page)
            steps = {role: _stage(page, upload, role, paths[role]) for role in upload.files}
            page_start = page.evaluate(_WATCH_RUNS_JS)
            start = time.perf_counter()
            page.get_by_role("button", name=APPLY_BUTTON).click()
            page.wait_for_function(_NEW_MAP_DRAWN_JS, arg=[MAP_FRAME, upload.marker], timeout=STEP_TIMEOUT_MS)
            drawn = time.perf_counter() - start
            page.wait_for_function(_ONE_MAP_JS, arg=MAP_FRAME, timeout=STEP_TIMEOUT_MS)
            settled = time.perf_counter() - start
            page_end = page.wait_for_function(_RUN_ENDED_JS, timeout=STEP_TIMEOUT_MS).json_value()
        finally:
            page.close()
    return UploadTimes(
        zones_upload=steps["zones"][0],
        zones_read=steps["zones"][1],
        carriers_upload=steps["carriers"][0],
        carriers_read=steps["carriers"][1],
        drawn=drawn,
        settled=settled,
        run=(page_end - page_start) / 1000,
    )


def measure_upload(runs: int, upload: Upload) -> list[UploadTimes]:
    """Each run: a fresh server and tab, the upload through the page's widgets, timed step by step."""
    with chromium() as context:
        if context is None:
            return []
        with tempfile.TemporaryDirectory() as tmp:
            paths = {role: Path(tmp) / upload.file_name(role) for role in upload.files}
            for role, path in paths.items():
                path.write_bytes(upload.files[role])
            return [_upload_once(context, upload, paths) for _ in range(runs)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _median_of(times: list[UploadTimes], step: str) -> str:
    return _s(statistics.median(getattr(t, step) for t in times)) if times else "—"


def _load() -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores"


def _first_map_only(runs: int) -> None:
    payload, _, _ = measure_server(0, {})
    pair = measure_pair(runs)
    drawn, floor, whole = pair.default, pair.floor, pair.default_whole
    print("| measure | default page | floor page | ratio |\n|---|---|---|---|")
    if drawn and floor:
        ratio = statistics.median(drawn) / statistics.median(floor)
        print(
            f"| first map drawn, median of {len(drawn)} | {_s(statistics.median(drawn))} | "
            f"{_s(statistics.median(floor))} | {ratio:.2f}× (budget ≤ 1.2×) |"
        )
        print(f"| whole page drawn, median of {len(whole)} | {_s(statistics.median(whole))} | — | — |")
    print(f"| map payload | {payload / 1000:.0f} KB | — | — |\n\n{_load()}")
    raw = {"default_s": drawn, "floor_s": floor, "default_whole_s": whole, "payload_bytes": payload}
    print(json.dumps(raw), file=sys.stderr)


@dataclass(frozen=True)
class UploadResult:
    """One upload's figures: AppTest's payload and reruns with its state, and the uploads through the browser."""

    upload: Upload
    payload: int
    reruns: list[float]
    first: float
    runs: list[UploadTimes]


def _measure_uploads(sizes: list[tuple[int, str]], *, runs: int, upload_runs: int) -> list[UploadResult]:
    results = []
    for n, fmt in sizes:
        upload = make_upload(n, carriers_format=fmt)
        payload, reruns, first = measure_server(runs, upload_state(upload))
        results.append(UploadResult(upload, payload, reruns, first, measure_upload(upload_runs, upload)))
    return results


def _view(upload: Upload) -> str:
    basis = layers.map_basis(upload.carriers, upload.zones)
    cells = f", {basis.cell_m:,.0f} m cells" if basis.cell_m else ""
    return f"{upload.label}: {basis.view} view ({basis.n_carriers:,} carriers{cells})"


def main(argv: list[str] | None = None) -> None:
    """Measure the default page and the uploads, print the table (stdout) and the raw numbers (stderr)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="AppTest reruns, and the default page's browser visits")
    parser.add_argument("--upload-runs", type=int, default=3, help="uploads through the browser, each fresh")
    parser.add_argument("--footprints", type=int, default=FOOTPRINTS, help="synthetic footprints to upload (GeoJSON)")
    parser.add_argument(
        "--upload-sizes",
        type=parse_upload_sizes,
        default=None,
        help="uploads to time instead of --footprints, each N or N:FORMAT (geojson, parquet), e.g. "
        "10000,200000:parquet (issue 13: a 200k-footprint GeoParquet)",
    )
    parser.add_argument(
        "--first-map-only", action="store_true", help="only the default page against the floor page (and the payload)"
    )
    args = parser.parse_args(argv)
    if args.first_map_only:
        _first_map_only(args.runs)
        return

    payload, reruns, first = measure_server(args.runs, {})
    pair = measure_pair(args.runs)
    drawn, floor, whole = pair.default, pair.floor, pair.default_whole
    sizes = args.upload_sizes or [(args.footprints, "geojson")]
    ups = _measure_uploads(sizes, runs=args.runs, upload_runs=args.upload_runs)

    def each(cell: Callable[[UploadResult], str]) -> tuple[str, ...]:
        return tuple(cell(up) for up in ups)

    dash = each(lambda _: "—")
    rows = [
        ("map payload", f"{payload / 1000:.0f} KB", *each(lambda up: f"{up.payload / 1000:.0f} KB"), "≤ 250 KB"),
        ("first run (cold caches)", _ms(first), *each(lambda up: _ms(up.first)), "—"),
        (
            f"rerun, median of {len(reruns)}",
            _ms(statistics.median(reruns)),
            *each(lambda up: _ms(statistics.median(up.reruns))),
            "≤ 150 ms",
        ),
        (f"rerun, max of {len(reruns)}", _ms(max(reruns)), *each(lambda up: _ms(max(up.reruns))), "—"),
        (
            f"first map drawn, median of {len(drawn)} / {args.upload_runs}",
            _s(statistics.median(drawn)) if drawn else "—",
            *each(lambda up: _median_of(up.runs, "drawn")),
            "≤ 1.5 s / ≤ 2 s",
        ),
        (
            f"floor page (streamlit-folium, {FLOOR_POLYGONS} polygons), median of {len(floor)}",
            _s(statistics.median(floor)) if floor else "—",
            *dash,
            "—",
        ),
        (
            "default page ÷ floor page (medians)",
            f"{statistics.median(drawn) / statistics.median(floor):.2f}×" if drawn and floor else "—",
            *dash,
            "≤ 1.2×",
        ),
        (
            f"whole page drawn (sidebar, headline, section), median of {len(whole)}",
            _s(statistics.median(whole)) if whole else "—",
            *dash,
            "—",
        ),
        (
            "first map drawn, slowest",
            _s(max(drawn)) if drawn else "—",
            *each(lambda up: _s(max(t.drawn for t in up.runs)) if up.runs else "—"),
            "—",
        ),
        ("upload: zones file → inspected", "—", *each(lambda up: _median_of(up.runs, "zones_upload")), "—"),
        ("upload: zones read and checked", "—", *each(lambda up: _median_of(up.runs, "zones_read")), "—"),
        ("upload: carriers file → inspected", "—", *each(lambda up: _median_of(up.runs, "carriers_upload")), "—"),
        ("upload: carriers read and checked", "—", *each(lambda up: _median_of(up.runs, "carriers_read")), "—"),
        ("upload: use → old map gone", "—", *each(lambda up: _median_of(up.runs, "settled")), "—"),
        ("upload: use → page run finished", "—", *each(lambda up: _median_of(up.runs, "run")), "—"),
    ]
    header = ["measure", "default page", *each(lambda up: up.upload.label), "budget"]
    print(f"| {' | '.join(header)} |\n|{'---|' * len(header)}")
    for row in rows:
        print(f"| {' | '.join(row)} |")
    print(
        f"\nFirst map drawn: default page from navigation, upload from the click on “{APPLY_BUTTON}”. "
        f"Upload maps: {'; '.join(_view(up.upload) for up in ups)}. {_load().capitalize()}."
    )
    raw = {
        "default": {"payload_bytes": payload, "first_run_s": first, "reruns_s": reruns, "drawn_s": drawn},
        "floor": {"drawn_s": floor},
        "default_whole_s": whole,
        "uploads": [
            {
                "footprints": up.upload.n_carriers,
                "carriers_format": up.upload.carriers_format,
                "file_bytes": len(up.upload.files["carriers"]),
                "payload_bytes": up.payload,
                "first_run_s": up.first,
                "reruns_s": up.reruns,
                "runs": [asdict(t) for t in up.runs],
            }
            for up in ups
        ],
        "loadavg": os.getloadavg(),
    }
    print(json.dumps(raw), file=sys.stderr)


if __name__ == "__main__":
    main()
