"""The explorer's static page: self-contained, valid, and true to the settings it was saved at."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import pytest

from sim.errors import InputError
from tests.conftest import SCENARIOS

UC = SCENARIOS / "us_china_2025.toml"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    """Tag balance, the images' sources and every attribute that could point somewhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.images, self.refs, self.tags = [], [], [], [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        self.refs += [v for k, v in attrs if k in ("href", "src", "action", "srcset", "data") and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _check(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.problems == [] and checker.stack == [], (checker.problems, checker.stack)
    return checker


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from sim.viz.explorer import explore

    ex = explore(UC, replicates=20)
    path = tmp_path_factory.mktemp("export") / "view.html"
    settings = {"parameters": {"us_re_cost": 300.0}, "noise": 0.1, "strategies": ("grim_trigger", "tit_for_tat")}
    assert ex.export_html(path, **settings) == path
    return ex, path, path.read_text(encoding="utf-8")


def test_the_page_is_valid_self_contained_html(exported):
    _, path, text = exported
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8"/>' in text
    checker = _check(text)
    assert {"html", "head", "title", "body", "img", "table"} <= checker.tags
    assert not re.search(r"https?:", text, flags=re.I)  # no address to fetch, not even a namespace
    assert "<script" not in text.lower() and "<link" not in text.lower() and "@import" not in text
    assert checker.refs and all(ref.startswith("data:image/png;base64,") for ref in checker.refs)
    assert [p.name for p in path.parent.iterdir()] == ["view.html"]  # written atomically, nothing left over


def test_the_embedded_figure_is_a_png_of_the_view(exported):
    from PIL import Image

    ex, _, text = exported
    (src,) = _check(text).images
    data = base64.b64decode(src.split(",", 1)[1], validate=True)
    with Image.open(io.BytesIO(data)) as img:
        img.verify()
    with Image.open(io.BytesIO(data)) as img:
        width, height = img.size
    assert (width, height) == (round(10.5 * 110), round(ex.figure.height * 110))


def test_the_page_holds_the_settings_and_the_analyses(exported):
    ex, _, text = exported
    assert "US–China 2025: explorer view" in text
    assert "Truce thresholds" in text and "grim_trigger" in text
    row = re.search(r"<td[^>]*>US rare-earth cost</td><td[^>]*>us_re_cost</td><td[^>]*>([^<]*)</td>"
                    r"<td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>(.*?)</td>", text)
    assert row is not None
    assert row.groups()[:3] == ("300", "150", "USD bn/yr at 100% withheld") and "changed" in row.group(4)
    unchanged = re.search(r"<td[^>]*>us_buyer_weight</td>(?:<td[^>]*>[^<]*</td>){3}<td[^>]*>(.*?)</td>", text)
    assert unchanged is not None and unchanged.group(1) == ""
    for name in ex.fixed:
        assert f">{name}<" in text
    assert "parameters={&#x27;us_re_cost&#x27;: 300}" in text and "noise=0.1" in text


def test_export_defaults_to_what_the_widgets_show(tmp_path):
    pytest.importorskip("ipywidgets")
    from sim.viz.explorer import explore

    ex = explore(UC, replicates=5)
    ex.build()
    ex.controls["parameters"]["cn_audience"].value = 1.5
    text = ex.export_html(tmp_path / "page.html").read_text(encoding="utf-8")
    assert "&#x27;cn_audience&#x27;: 1.5" in text and ex.last.settings["parameters"]["cn_audience"] == 1.5


def test_export_to_a_missing_directory_is_one_error(tmp_path):
    from sim.viz.explorer import explore

    ex = explore(SCENARIOS / "prisoners_dilemma.toml", replicates=3)
    with pytest.raises(InputError, match="does not exist"):
        ex.export_html(tmp_path / "no" / "page.html")
    text = ex.export_html(tmp_path / "page.html").read_text(encoding="utf-8")
    _check(text)
    assert "Prisoner" in text and "data:image/png;base64," in text
