"""The page budget: map payload size, server time per rerun, first map drawn in headless Chromium.

Run: ``python -m bench.page [--runs 7]``. Prints a Markdown table; budget from the page issue:
payload ≤ 250 KB, ≤ 150 ms server time per rerun after the first run, map drawn ≤ 1.5 s after
navigation.

* payload: the JSON arguments the st_folium component sends to the browser (AppTest).
* rerun: wall time of a full script rerun in Streamlit's AppTest after the first run (same process,
  caches warm; includes AppTest's own overhead, so the real server is a little faster).
* first map drawn: from ``page.goto`` to the first vector path in the map's iframe, in headless
  Chromium against ``streamlit run app.py`` on loopback, server warm, a new tab each time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


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
    """(payload bytes, rerun times in s, first run in s) from AppTest."""
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

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


def measure_browser(runs: int, query: str) -> list[float]:
    """Seconds from navigation to the first drawn vector path, per fresh tab."""
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not found: browser timing skipped", file=sys.stderr)
        return []
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    server = subprocess.Popen(  # noqa: S603 - our own app on loopback
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/?{query}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        times = []
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=chromium,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
            )
            for attempt in range(runs + 1):  # the first visit warms the server's caches
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").first.wait_for(
                    state="attached", timeout=60_000
                )
                if attempt:
                    times.append(time.perf_counter() - start)
                page.close()
            context.close()
        return times
    finally:
        server.terminate()
        server.wait(timeout=20)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    payload, reruns, first = measure_server(args.runs, {})
    drawn = measure_browser(max(3, args.runs // 2), "basemap=none")
    rows = [
        ("map payload (default page)", f"{payload / 1000:.0f} KB", "≤ 250 KB"),
        ("first run (cold caches)", f"{first * 1000:.0f} ms", "—"),
        (f"rerun, median of {len(reruns)}", f"{statistics.median(reruns) * 1000:.0f} ms", "≤ 150 ms"),
        (f"rerun, max of {len(reruns)}", f"{max(reruns) * 1000:.0f} ms", "—"),
    ]
    if drawn:
        rows.append((f"first map drawn, median of {len(drawn)}", f"{statistics.median(drawn):.2f} s", "≤ 1.5 s"))
    print("| measure | value | budget |\n|---|---|---|")
    for row in rows:
        print(f"| {' | '.join(row)} |")
    print(json.dumps({"payload_bytes": payload, "reruns_s": reruns, "drawn_s": drawn}), file=sys.stderr)


if __name__ == "__main__":
    main()
