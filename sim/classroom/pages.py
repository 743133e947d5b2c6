"""The classroom's HTML pages. Every value put into a page goes through :func:`html.escape`; live
content is filled in by ``classroom.js`` with ``textContent`` only, so no user text is ever
parsed as HTML. Pages carry no inline script or style (the server's Content-Security-Policy
allows only its own ``/static`` files).
"""

from __future__ import annotations

from html import escape
from typing import Any, Mapping

__all__ = ["join_page", "student_page", "teacher_page", "message_page"]


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _page(title: str, body: str, *, data: Mapping[str, Any] | None = None) -> str:
    attrs = "".join(f' data-{_e(k)}="{_e(v)}"' for k, v in (data or {}).items())
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{_e(title)}</title><link rel="stylesheet" href="/static/classroom.css">'
            f'<script src="/static/classroom.js" defer></script></head>'
            f'<body{attrs}>{body}</body></html>\n')


def join_page(scenario: str, code: str = "") -> str:
    """The page a student opens first: room code (pre-filled from the join URL) and a name."""
    body = (f'<main class="narrow"><h1>Join the class</h1><p class="muted">{_e(scenario)}</p>'
            f'<form id="join"><label>Room code <input name="code" id="code" autocomplete="off" maxlength="12" '
            f'required value="{_e(code[:12])}"></label>'
            f'<label>Your name (optional) <input name="name" id="name" maxlength="40" autocomplete="off"></label>'
            f'<button type="submit">Join</button></form><p id="error" class="error" role="alert"></p></main>')
    return _page(f"Join: {scenario}", body, data={"page": "join"})


def student_page(scenario: str) -> str:
    """A student's page; ``classroom.js`` polls ``/api/state`` and fills it in."""
    body = (f'<main><header><h1>{_e(scenario)}</h1><p id="who" class="muted"></p></header>'
            '<section class="scoreboard"><div><span class="label">Your score</span><span id="score-you">0</span></div>'
            '<div><span class="label">Other side</span><span id="score-other">0</span></div>'
            '<div><span class="label">Round</span><span id="round">-</span></div></section>'
            '<p id="status" class="status" role="status"></p><p id="state" class="muted" hidden></p>'
            '<form id="move" hidden><div id="levers"></div><button type="submit" id="submit">Make my move</button></form>'
            '<p id="error" class="error" role="alert"></p>'
            '<section id="last" hidden><h2>Last round</h2><table id="terms"></table></section>'
            '<section><h2>Rounds played</h2><table id="history"></table></section>'
            f'{_contest_html()}</main>')
    return _page(scenario, body, data={"page": "play"})


_MOVES_HELP = (("cooperate", "the truce level of every lever"), ("maximum_pressure", "every lever at its most hostile level"),
               ("nash", "the one-round equilibrium move"), ("mirror", "answer the other side's last move in kind"),
               ("best_response", "the best reply to the other side's last move"), ("repeat", "your own last move"),
               ("escalate / deescalate", "one step up / down from your last move"))
_CONDITIONS_HELP = (('other = "escalated"', "the other side's last move was more hostile than the truce"),
                    ('other = "calm"', "it was not"), ("times = N", "with other: its last N moves were all so"),
                    ("after = N", "N rounds played in this state"), ("from_round = N", "from round N on"),
                    ("probability = P", "fires with chance P"))


def _contest_html() -> str:
    """The student's box for a strategy file, with the format in brief (docs/strategies.md in full)."""
    moves = "".join(f"<li><code>{_e(m)}</code>: {_e(w)}</li>" for m, w in _MOVES_HELP)
    conds = "".join(f"<li><code>{_e(c)}</code>: {_e(w)}</li>" for c, w in _CONDITIONS_HELP)
    return ('<section id="contest"><h2>Your strategy for the class tournament</h2>'
            '<p class="muted">Write the rules a computer player will follow for you. Each round it plays its '
            'state\'s move; after each round it follows the first rule of that state whose conditions hold.</p>'
            '<form id="strategy-form"><textarea id="strategy-source" rows="14" maxlength="3000" spellcheck="false" '
            'aria-label="your strategy"></textarea><button type="submit">Submit my strategy</button></form>'
            '<p id="strategy-status" class="status" role="status"></p>'
            f'<details><summary>Moves and conditions</summary><h3>Moves (play = ...)</h3><ul>{moves}</ul>'
            f'<h3>Conditions of a rule (all optional; goto is required)</h3><ul>{conds}</ul></details></section>')


def _fmt(x: Any) -> str:
    if x is None:
        return "never"
    if isinstance(x, float):
        return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def _theory_html(theory: Mapping[str, Any], players: list[str]) -> str:
    rows = []
    for k, eq in enumerate(theory["nash"], 1):
        acts = "; ".join(f"{pid}: " + ", ".join(f"{lab}" + (f" ({p:g})" if p < 1 else "") for lab, p in probs.items())
                         for pid, probs in eq["strategies"].items())
        pays = ", ".join(f"{pid} {_fmt(v)}" for pid, v in eq["payoffs"].items())
        rows.append(f"<li>{_e(acts)} <span class='muted'>payoffs {_e(pays)}</span></li>")
    coop = theory["cooperative"]
    cd = theory["critical_discount"]
    head = "".join(f"<th>{_e(p)}</th>" for p in players)

    def row(name: str, values: Mapping[str, Any]) -> str:
        return f"<tr><th>{_e(name)}</th>" + "".join(f"<td>{_e(_fmt(values[p]))}</td>" for p in players) + "</tr>"

    return (f"<h3>Stage Nash equilibri{'um' if len(rows) == 1 else 'a'}</h3><ul>{''.join(rows)}</ul>"
            f"<h3>Cooperative profile</h3><ul>" + "".join(
                f"<li>{_e(pid)}: {_e(a)} <span class='muted'>payoff {_e(_fmt(coop['payoffs'][pid]))}</span></li>"
                for pid, a in coop["actions"].items()) + "</ul>"
            f"<h3>Critical discount factors</h3><table><tr><th></th>{head}</tr>"
            + row("grim trigger (Nash reversion)", cd["grim_trigger"]) + row("grim trigger (minmax)", cd["grim_trigger_minmax"])
            + row("against tit for tat", cd["tit_for_tat"]) + row("discount factor in the scenario", theory["discount"])
            + "</table><ul class='muted'>" + "".join(f"<li>{_e(s)}</li>" for s in theory["sentences"]) + "</ul>")


def teacher_page(tally: Mapping[str, Any], token: str, join_url: str) -> str:
    """The teacher's page: the live class tally (``classroom.js``) beside the theory (static)."""
    body = (f'<main class="wide"><header><h1>{_e(tally["scenario"])}: the class</h1>'
            f'<p>Room code <strong class="code">{_e(tally["room_code"])}</strong> &middot; join at '
            f'<code>{_e(join_url)}</code> &middot; opponent: {_e(tally["opponent"])} &middot; {_e(tally["rounds_rule"])}'
            f' &middot; <a href="/teacher/export.csv?token={_e(token)}">moves.csv</a></p></header>'
            '<div class="columns"><section><h2>Live</h2><p id="summary" class="status"></p>'
            '<table id="rounds"></table><h3>Truces broken</h3><ul id="broken"></ul>'
            '<h3>Students</h3><table id="students"></table>'
            '<p class="inline"><label>Pair students waiting for a partner with <input id="lone-strategy" '
            'value="tit_for_tat" maxlength="200"></label> <button id="pair-waiting" type="button">Pair them</button></p>'
            '<h2>Class tournament</h2><p id="contest-summary" class="muted"></p><table id="contest-entries"></table>'
            '<button id="run-tournament" type="button">Run the tournament</button>'
            '<p id="contest-status" class="status" role="status"></p><table id="contest-results"></table></section>'
            f'<aside><h2>What the theory says</h2>{_theory_html(tally["theory"], tally["players"])}</aside></div>'
            '<p id="error" class="error" role="alert"></p></main>')
    return _page(f"Teacher: {tally['scenario']}", body, data={"page": "teacher", "token": token})


def message_page(title: str, message: str) -> str:
    return _page(title, f'<main class="narrow"><h1>{_e(title)}</h1><p>{_e(message)}</p></main>')
