"""One bilingual text type and one vocabulary for the whole project (page, tables, map, exports, CLI).

A planner reads Chinese: every code the data carries (a status, a kind, a zone type, a contract field,
a membership mode) has one 中文 and one English word here, and every part of the tool shows that word,
never the code. Unknown codes (a kind from another district's file) are shown as they are: they are
the user's own words.

>>> Text("已建成", "existing").in_("zh")
'已建成'
>>> term("status", "under_construction", "en")
'under construction'
>>> term("kind", "science_city", "zh")  # a code this vocabulary does not know is the user's own word
'science_city'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FIELD_LABELS",
    "LANGS",
    "TERMS",
    "UNKNOWN",
    "Lang",
    "Text",
    "field_label",
    "term",
]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True)
class Text:
    """A piece of text in 中文 and English.

    The one shape of a two-language string in the project: problems, notes, labels and messages
    all carry a ``Text`` (never a ``(zh, en)`` tuple, a dict or paired ``*_zh``/``*_en`` attributes).
    """

    zh: str
    en: str

    def in_(self, lang: Lang) -> str:
        """The text in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en

    def format(self, **values: object) -> Text:
        """Both languages with ``{name}`` placeholders filled in."""
        return Text(self.zh.format(**values), self.en.format(**values))

    def __add__(self, other: Text) -> Text:
        return Text(self.zh + other.zh, self.en + other.en)


UNKNOWN = Text("—", "—")

# code -> Text, per concept. Map legend, tables, popups, exports and the command line all read these.
TERMS: Mapping[str, Mapping[str, Text]] = {
    "status": {
        "existing": Text("已建成", "existing"),
        "under_construction": Text("在建", "under construction"),
        "planned": Text("规划", "planned"),
    },
    "kind": {
        "park": Text("园区", "park"),
        "campus": Text("园区组团", "campus"),
        "cluster": Text("集聚区", "cluster"),
        "town": Text("小镇", "town"),
        "tower": Text("楼宇", "tower"),
        "building": Text("建筑", "building"),
        "renewal_area": Text("更新片区", "renewal area"),
    },
    "zone_type": {
        "pole": Text("增长极", "pole"),
        "belt": Text("发展带", "belt"),
    },
    "grouping": {
        "pole": Text("增长极", "poles"),
        "belt": Text("发展带", "belts"),
        "status": Text("状态", "status"),
    },
    "mode": {
        "declared": Text("按规划归属", "declared"),
        "largest": Text("最大重叠", "largest overlap"),
        "area": Text("按面积拆分", "split by area"),
    },
    "severity": {
        "error": Text("错误", "error"),
        "warning": Text("注意", "warning"),
        "info": Text("说明", "info"),
    },
    "object": {
        "carrier": Text("载体", "carrier"),
        "carriers": Text("载体", "carriers"),
        "zone": Text("片区", "zone"),
        "zones": Text("片区", "zones"),
        "sources": Text("来源", "sources"),
    },
    # Figures through time (geo.tranches): a tranche's phase, how its year is known, how exact its figure is.
    "phase": {
        "built": Text("已建成", "built"),
        "under_construction": Text("在建", "under construction"),
        "planned": Text("规划", "planned"),
    },
    "year_basis": {
        "stated": Text("来源明确", "stated"),
        "inferred": Text("推定", "inferred"),
        "unknown": Text("未知", "unknown"),
    },
    "qualifier": {
        "exact": Text("确数", "exact"),
        "about": Text("约", "about"),
        "at_least": Text("不少于", "at least"),
    },
    "subject_type": {
        "carrier": Text("载体", "carrier"),
        "zone": Text("片区", "zone"),
        "district": Text("全区", "district"),
    },
}

# Contract fields, as a planner names them (the import wizard, exports' field tables, error messages).
FIELD_LABELS: Mapping[str, Text] = {
    "id": Text("编号", "id"),
    "name_zh": Text("中文名称", "Chinese name"),
    "name_en": Text("英文名称", "English name"),
    "kind": Text("类型", "kind"),
    "parent_id": Text("上级载体编号", "parent carrier id"),
    "zone_ids": Text("所属片区编号", "zone ids"),
    "floor_area_existing_m2": Text("现有建筑面积（㎡）", "existing floor area (m²)"),
    "floor_area_planned_m2": Text("规划新增建筑面积（㎡）", "planned floor area (m²)"),
    "planned_year": Text("规划年份", "planned year"),
    "opened_year": Text("启用年份", "opened year"),
    "status": Text("状态", "status"),
    "site_area_m2": Text("用地面积（㎡）", "site area (m²)"),
    "geometry_accuracy_m": Text("边界精度（米）", "outline accuracy (m)"),
    "source_ids": Text("来源编号", "source ids"),
    "type": Text("片区类型", "zone type"),
    "layout": Text("空间布局", "layout"),
    "declared_floor_area_m2": Text("规划申报建筑面积（㎡）", "declared floor area (m²)"),
    # the tranches and targets tables (docs/contract.md rules 9–14)
    "carrier_id": Text("载体", "carrier"),
    "phase": Text("阶段", "phase"),
    "floor_area_m2": Text("建筑面积（㎡）", "floor area (m²)"),
    "year": Text("年份", "year"),
    "year_basis": Text("年份依据", "how the year is known"),
    "qualifier": Text("数值性质", "qualifier"),
    "note": Text("备注", "note"),
    "subject_type": Text("对象类型", "subject type"),
    "subject_id": Text("对象", "subject"),
    "indicator": Text("指标", "indicator"),
    "value": Text("目标值", "value"),
    "unit": Text("单位", "unit"),
}


def term(concept: str, code: str, lang: Lang) -> str:
    """The word for ``code`` of ``concept`` (``"status"``, ``"kind"``, ``"zone_type"``…) in ``lang``."""
    text = TERMS[concept].get(code)
    return code if text is None else text.in_(lang)


def field_label(name: str, lang: Lang) -> str:
    """A contract field's name as a planner reads it (the field name itself when it is not a contract field)."""
    text = FIELD_LABELS.get(name)
    return name if text is None else text.in_(lang)
