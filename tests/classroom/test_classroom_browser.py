"""Real browsers against a real server: two students and the teacher, a reload mid-round and a
server killed and started again on the same database. Saves screenshots of both pages in the test's
temporary directory, or in docs/ (the README's pictures) with TRADESIM_SCREENSHOTS=docs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "us_china_2025.toml"
CHROMIUM = os.environ.get("TRADESIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ROUNDS = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``tradesim classroom`` in a subprocess (through the command module, so it runs before the
    lead registers it in sim.cli)."""

    def __init__(self, db: Path, port: int):
        self.db, self.port, self.proc, self.urls = db, port, None, {}

    def start(self) -> "Server":
        code = "from sim.cli.classroom_cmd import classroom; classroom()"
        args = [sys.executable, "-c", code, str(SCENARIO), "--port", str(self.port), "--db", str(self.db),
                "--rounds", str(ROUNDS), "--seed", "1"]
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        while not any(line.startswith("listening") for line in lines):
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("the server stopped:\n" + "".join(lines))
            lines.append(line)
            for key in ("join URL", "room code", "teacher URL"):
                if line.startswith(key + ":"):
                    self.urls[key] = line.split(":", 1)[1].strip()
        self.output = "".join(lines)
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not answer")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


@pytest.fixture
def chromium():
    if CHROMIUM is None:
        pytest.skip("no chromium found")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def _levels(side: int, which: str) -> dict[str, str]:
    from sim.classroom.game import ClassGame
    from sim.model.game import build_game
    from sim.model.load import load_scenario

    cg = ClassGame.build(build_game(load_scenario(str(SCENARIO))), rounds=ROUNDS, continuation=None)
    if which == "truce":
        return cg.levels_of(side, cg.cooperative[side])
    return {lv["name"]: lv["labels"][-1] for lv in cg.levers(side)}


def _history_rows(page, n: int) -> None:
    page.wait_for_function("n => document.querySelectorAll('#history tr').length === n", arg=n + 1, timeout=15000)


def _move(page, levels: dict[str, str]) -> None:
    page.wait_for_selector("#move:not([hidden])", timeout=15000)
    for lever, label in levels.items():
        page.locator(f"#levers input[name='{lever}'][value='{label}']").check()
    page.click("#submit")


def test_two_students_and_the_teacher_in_real_browsers(chromium, tmp_path):
    db = tmp_path / "class.sqlite"
    shots = ROOT / "docs" if os.environ.get("TRADESIM_SCREENSHOTS") == "docs" else tmp_path
    port = _free_port()
    server = Server(db, port).start()
    try:
        assert f"http://localhost:{port}/?code=" in server.urls["join URL"]
        assert "listening on 127.0.0.1 only" in server.output
        pages = {}
        for name in ("Ann", "Bob"):
            page = chromium.new_context(viewport={"width": 1100, "height": 900}).new_page()
            page.goto(server.urls["join URL"])
            assert page.input_value("#code") == server.urls["room code"]
            page.fill("#name", name)
            page.click("button[type=submit]")
            page.wait_for_url("**/play")
            pages[name] = page
        ann, bob = pages["Ann"], pages["Bob"]
        ann.wait_for_selector("#move:not([hidden])")
        assert "you play United States" in ann.text_content("#who")
        assert "tariff" in ann.text_content("#levers") and "truce level" in ann.text_content("#levers")
        plan = [("truce", "truce"), ("truce", "truce"), ("max", "truce"), ("max", "max"), ("truce", "truce")]
        for t, (a, b) in enumerate(plan, 1):
            if t == ROUNDS:
                ann.screenshot(path=str(shots / "classroom_student.png"), full_page=True)
            _move(ann, _levels(0, a))
            ann.wait_for_selector("text=your move is in")
            if t == 3:  # a reload mid-round keeps the seat and the round
                bob.reload()
                ann.reload()
                ann.wait_for_selector("text=your move is in")
            if t == 4:  # the server dies mid-round and comes back on the same database
                server.kill()
                server = Server(db, port).start()
                assert server.output.startswith("resumed session 1")
                ann.wait_for_selector("text=your move is in", timeout=15000)
            _move(bob, _levels(1, b))
            _history_rows(ann, t)
            _history_rows(bob, t)
        assert "The game is over" in ann.text_content("#status")
        # strategies for the class tournament: a bad one is refused with the key, a good one stored
        ann.wait_for_function("() => document.querySelector('#strategy-source').value.includes('[strategy]')")
        ann.fill("#strategy-source", "[strategy]\nname = 'x'\nstart = 'nowhere'\n[states.a]\nplay = 'cooperate'\n")
        ann.click("#strategy-form button[type=submit]")
        ann.wait_for_selector("text=Not submitted: strategy.start: no state 'nowhere'")
        ann.fill("#strategy-source", (ROOT / "scenarios" / "strategies" / "two_strikes.toml").read_text())
        ann.click("#strategy-form button[type=submit]")
        ann.wait_for_selector("text=It will play in the class tournament")
        bob.wait_for_function("() => document.querySelector('#strategy-source').value.includes('my_strategy')")
        bob.click("#strategy-form button[type=submit]")  # the example as it stands
        bob.wait_for_selector("text=It will play in the class tournament")
        teacher = chromium.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        teacher.goto(server.urls["teacher URL"])
        teacher.wait_for_function("document.querySelectorAll('#rounds tr').length === 6", timeout=15000)
        cells = teacher.eval_on_selector_all("#rounds tr", "rows => rows.map(r => Array.from(r.cells, c => c.textContent))")
        assert [c[:5] for c in cells[1:]] == [["1", "1", "1", "0", "0"], ["2", "1", "1", "0", "0"],
                                              ["3", "1", "0", "1", "0"], ["4", "1", "0", "0", "1"],
                                              ["5", "1", "1", "0", "0"]]
        assert "pair 1, round 3, by us" in teacher.text_content("#broken")
        assert "Stage Nash equilibrium" in teacher.text_content("aside")
        teacher.wait_for_selector("text=2 strategies submitted")
        teacher.click("#run-tournament")
        teacher.wait_for_function("() => document.querySelectorAll('#contest-results tr').length === 11",
                                 timeout=60000)
        ranked = teacher.eval_on_selector_all("#contest-results tr", "rows => rows.map(r => r.cells[1].textContent)")
        assert {"seat 1: two_strikes (Ann)", "seat 2: my_strategy (Bob)", "tit_for_tat"} <= set(ranked[1:])
        teacher.screenshot(path=str(shots / "classroom_teacher.png"), full_page=True)
        stored = sqlite3.connect(db).execute("SELECT COUNT(*), COUNT(DISTINCT round) FROM moves").fetchone()
        assert stored == (2 * ROUNDS, ROUNDS)
        wrong = chromium.new_context().new_page()
        response = wrong.goto(server.urls["teacher URL"].split("?")[0] + "?token=nope")
        assert response.status == 403
    finally:
        server.kill()
