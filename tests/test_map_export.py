"""The downloaded map is a page of its own: it has a title (issue 9)."""

from __future__ import annotations

import re

import pytest

import layers
from geo.data import load_dataset


@pytest.mark.parametrize(("lang", "words"), [("zh", "载体"), ("en", "carriers")])
def test_the_html_map_has_a_title(lang: str, words: str) -> None:
    data = load_dataset()
    parts = layers.build_map(data.carriers, data.zones, context=data.context, basemap="none", lang=lang)
    html = layers.standalone_html(parts.map).decode("utf-8")
    titles = re.findall(r"<title>(.*?)</title>", html, flags=re.S)
    assert len(titles) == 1
    assert words in titles[0].lower()
