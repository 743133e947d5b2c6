"""The running count of robust and inverse: silent at first and off a terminal, cleared at the end."""

from __future__ import annotations

import sim.cli.progress as progress


def test_a_count_shows_after_its_delay_with_or_without_a_total_and_is_cleared(monkeypatch, capsys):
    monkeypatch.setattr(progress, "COUNT_AFTER", 0.0)
    line = progress.CountLine("robust", "draws", enabled=True)
    line.update(1_200, 4_000)
    line.update(4_000, 4_000)  # done: nothing more to say
    line.close()
    assert capsys.readouterr().err == "\rrobust: 1,200 of 4,000 draws\r\x1b[K"
    line = progress.CountLine("inverse", "evaluations", enabled=True)
    line.update(310)
    line.close()
    assert capsys.readouterr().err == "\rinverse: 310 evaluations\r\x1b[K"


def test_a_count_stays_silent_before_its_delay_and_when_disabled(monkeypatch, capsys):
    quiet = progress.CountLine("robust", "draws", enabled=True)  # COUNT_AFTER seconds have not passed
    quiet.update(1, 10)
    quiet.close()
    monkeypatch.setattr(progress, "COUNT_AFTER", 0.0)
    off = progress.CountLine("robust", "draws", enabled=False)
    off.update(1, 10)
    off.close()
    assert capsys.readouterr().err == ""
