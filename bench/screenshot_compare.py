"""Make docs/compare.png: the page's comparison of the base and a what-if scenario (real headless Chromium).

Run from the repository: ``python -m bench.screenshot_compare [--output docs/compare.png]``. The scenario
is made on a temporary workspace (``XUHUI_WORKSPACE``): 北杨 delivers half its planned space, a new tower
opens near 徐家汇, 西岸传媒港 is removed. Needs Chromium and a CJK font (Debian ``fonts-noto-cjk``).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import shapely

from bench.harness import CHROMIUM_ARGS, streamlit_server
from geo.workspace import Change, Who, create_workspace

__all__ = ["main", "make_workspace"]

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "北杨提速"


def make_workspace(path: Path) -> None:
    """A workspace with the base and the scenario :data:`SCENARIO` (three edits)."""
    store = create_workspace(path, who=Who("规划科"))
    store.new_scenario(SCENARIO, note="北杨 2026 年交付 50 万㎡；徐家汇新楼 20 万㎡", who=Who("规划科"))
    base = store.load("base").dataset.carriers.set_index("id")
    half = int(base.at["beiyang", "floor_area_planned_m2"]) // 2
    tower = shapely.box(121.432, 31.188, 121.436, 31.191)
    store.save(
        SCENARIO,
        [
            Change("carrier", "beiyang", {"floor_area_planned_m2": half}),
            Change("tranche", "beiyang_capacity", {"floor_area_m2": half}),
            Change("carrier", "westbund_media_port", None),
            Change(
                "carrier",
                "xujiahui_new_tower",
                {
                    "geometry": tower,
                    "name_zh": "徐家汇新塔楼",
                    "name_en": "Xujiahui new tower",
                    "status": "planned",
                    "kind": "tower",
                    "floor_area_planned_m2": 200_000,
                    "planned_year": 2026,
                    "geometry_accuracy_m": 50,
                },
            ),
        ],
        who=Who("规划科"),
        reason="what-if",
    )


def main(argv: list[str] | None = None) -> None:
    """Write the screenshot (PNG) to ``--output``."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "compare.png")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "workspace.gpkg"
        make_workspace(workspace)
        env = {"XUHUI_WORKSPACE": str(workspace)}
        with streamlit_server(ROOT / "app.py", Path(tmp) / "streamlit.log", env=env) as url, sync_playwright() as p:
            chromium = p.chromium.launch(
                executable_path=shutil.which("chromium"), headless=True, args=list(CHROMIUM_ARGS)
            )
            page = chromium.new_page(viewport={"width": 1600, "height": 6000}, device_scale_factor=1)
            page.set_default_timeout(120_000)
            page.goto(f"{url}/?basemap=none&by=belt&section=scenarios")
            page.get_by_text("造成差异的修改").wait_for()
            for position in (1, 2):  # the base's and the scenario's maps, side by side
                page.locator('iframe[title="streamlit_folium.st_folium"]').nth(position).content_frame.locator(
                    "path.leaflet-interactive"
                ).first.wait_for(state="attached")
            page.wait_for_timeout(1_500)  # the grid's and the map's last paint
            top = page.get_by_text("对比方案（2–3 个）").first
            shot = page.locator('[data-testid="stMainBlockContainer"]')
            box_top = top.bounding_box()
            end = page.get_by_text("造成差异的修改").first.bounding_box()
            frame = shot.bounding_box()
            if box_top is None or end is None or frame is None:
                raise SystemExit("the comparison is not on the page: see the server log")
            height = end["y"] - box_top["y"] + 30
            clip = {"x": frame["x"], "y": box_top["y"] - 8, "width": frame["width"], "height": height}
            page.screenshot(path=str(args.output), clip=clip)
            chromium.close()
    print(args.output)


if __name__ == "__main__":
    main()
