"""End to end: `tradesim report` writes a valid, self-contained HTML brief (and PDFs), and the brief
opens in headless Chromium with every image drawn and no request to the network."""

from __future__ import annotations

import html
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.model.load import load_scenario
from tests.conftest import SCENARIOS

EV = SCENARIOS / "eu_china_ev.toml"
CHROMIUM = os.environ.get("TRADESIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
#: Elements with no end tag in HTML.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    """Every element closed in order; the doctype, the images and every src/href collected."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.images, self.links, self.doctype = [], [], [], [], None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if key in attrs:
                self.links.append(attrs[key])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
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
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def _report(*args):
    return CliRunner().invoke(main, ["report", *map(str, args)])


@pytest.fixture(scope="module")
def ev_brief(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief") / "brief.html"
    result = _report(EV, "-o", out, "--grid", "4", "--replicates", "50", "--pdf", out.parent / "figures")
    assert result.exit_code == 0, result.output
    return out, result


def _check(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker


def test_brief_is_valid_self_contained_html(ev_brief):
    out, result = ev_brief
    text = out.read_text(encoding="utf-8")
    checker = _check(text)
    assert checker.doctype == "DOCTYPE html"
    assert checker.errors == [] and checker.stack == []
    # five figures, each an inlined PNG: payoff space, decomposition, truce, outcome paths, sweep
    assert len(checker.images) == 5
    assert all(src.startswith("data:image/png;base64,") for src in checker.images)
    assert all(link.startswith(("#", "data:")) for link in checker.links), checker.links
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text and "<script" not in text
    assert "wrote" in result.output and "5 figures" in result.output


def test_brief_names_every_parameter_with_its_source_or_assumption(ev_brief):
    text = ev_brief[0].read_text(encoding="utf-8")
    scenario = load_scenario(EV)
    for name, p in scenario.parameters.items():
        basis = p.source or p.assumption
        row = re.search(rf"<tr><td><code>{name}</code></td>.*?</tr>", text, flags=re.S)
        assert row is not None, name
        assert html.escape(basis) in row.group(0), name
        assert ("source:" if p.source else "assumption:") in row.group(0)


def test_brief_has_every_section(ev_brief):
    text = ev_brief[0].read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", text)
    assert headings == ["Conclusions at a glance", "The game", "Parameters and their sources", "Equilibria",
                        "Security levels", "Payoff space", "Bargaining", "Threats", "When does the truce hold?",
                        "Repeated play with noise", "The two most uncertain parameters"]
    assert "Knife edges" in text and "Kalai" in text and "Threat check" in text
    # the sweep is over the two most uncertain parameters: both assumptions with the widest relative range
    assert "<code>cn_ret_cost</code>, 0.02 to 0.5" in text and "<code>cn_audience</code>, 0 to 0.2" in text


def test_pdf_figures_one_file_each(ev_brief, tmp_path):
    figures = sorted(p.name for p in (ev_brief[0].parent / "figures").iterdir())
    assert figures == ["decomposition.pdf", "outcome_paths.pdf", "payoff_space.pdf", "sweep.pdf", "thresholds.pdf"]
    for name in figures:
        assert (ev_brief[0].parent / "figures" / name).read_bytes()[:5] == b"%PDF-"


def test_matrix_game_brief_and_pdf(tmp_path):
    out = tmp_path / "pd.pdf"
    result = _report(SCENARIOS / "prisoners_dilemma.toml", "-o", out, "--replicates", "20")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:5] == b"%PDF-" and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 3
    out = tmp_path / "pd.html"
    result = _report(SCENARIOS / "prisoners_dilemma.toml", "-o", out, "--replicates", "20")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert _check(text).errors == []
    assert "no parameters" in text and "fewer than two parameters with a range" in text


@pytest.mark.parametrize("args, key", [
    (["-o", "x.txt"], "--out"),
    (["-o", "missing/x.html"], "--out"),
    (["-o", "x.html", "--grid", "1"], "--grid"),
    (["-o", "x.html", "--replicates", "0"], "--replicates"),
])
def test_bad_options_are_one_line(tmp_path, args, key):
    args = [str(tmp_path / a) if a.endswith((".txt", ".html")) else a for a in args]
    result = _report(EV, *args)
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and key in result.output and result.output.count("\n") == 1


@pytest.mark.browser
@pytest.mark.slow
def test_brief_opens_in_headless_chromium(ev_brief):
    if CHROMIUM is None:
        pytest.skip("no chromium found")
    sync_api = pytest.importorskip("playwright.sync_api")
    out = Path(ev_brief[0])
    shot = Path(os.environ.get("TRADESIM_REPORT_SCREENSHOT", out.with_suffix(".png")))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(out.as_uri())
            assert page.title() == "EU–China EVs 2024-25: brief"
            assert page.locator("img").count() == 5
            assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 300)")
            assert [u for u in requests if not u.startswith(("data:", "file:"))] == []
            # the page is no wider than its window: wide tables scroll inside their section
            assert page.evaluate("document.documentElement.scrollWidth") <= 1200
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 50_000
