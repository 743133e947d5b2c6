"""The classroom's script and style sheet, served from ``/static``. Kept as Python strings so they
ship with the package without package-data configuration.

The script builds every element with ``document.createElement`` and ``textContent``: nothing
from the server is ever inserted as HTML. Updates come by short polling (see docs/classroom.md).
"""

from __future__ import annotations

__all__ = ["ASSETS"]

CLASSROOM_JS = r"""
"use strict";
(function () {
  const page = document.body.dataset.page;
  const $ = (id) => document.getElementById(id);
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function fmt(x) {
    if (x === null || x === undefined) return "never";
    if (typeof x !== "number") return String(x);
    const a = Math.abs(x);
    return a >= 1000 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  }
  function table(t, head, rows) {
    t.replaceChildren();
    const tr = el("tr");
    head.forEach((h) => tr.appendChild(el("th", h)));
    t.appendChild(tr);
    rows.forEach((r) => {
      const row = el("tr");
      r.forEach((c) => row.appendChild(el("td", c)));
      t.appendChild(row);
    });
  }
  function levelsText(levels) {
    return Object.entries(levels).map(([k, v]) => k + "=" + v).join(", ");
  }
  async function api(url, body) {
    const opts = body === undefined ? {cache: "no-store"} :
      {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
    const r = await fetch(url, opts);
    const data = await r.json().catch(() => ({error: "the server sent no JSON"}));
    if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
    return data;
  }
  function showError(e) { $("error").textContent = e ? String(e.message || e) : ""; }

  if (page === "join") {
    $("join").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api("/api/join", {code: $("code").value, name: $("name").value});
        window.location.assign("/play");
      } catch (e) { showError(e); }
    });
  }

  if (page === "play") {
    let shownRound = null;
    function buildLevers(st) {
      const box = $("levers");
      box.replaceChildren();
      st.levers.forEach((lv) => {
        const fs = el("fieldset");
        fs.appendChild(el("legend", lv.name + (lv.unit ? " (" + lv.unit + ")" : "")));
        lv.labels.forEach((lab, k) => {
          const id = "lv-" + lv.name + "-" + k;
          const input = el("input");
          input.type = "radio"; input.name = lv.name; input.value = lab; input.id = id;
          input.required = true;
          const label = el("label");
          label.htmlFor = id;
          label.appendChild(input);
          label.appendChild(el("span", lab + (st.cooperative[lv.name] === lab ? "  (truce level)" : "")));
          fs.appendChild(label);
        });
        box.appendChild(fs);
      });
    }
    function render(st) {
      $("who").textContent = (st.name ? st.name + ", seat " : "Seat ") + st.seat +
        (st.player ? ": you play " + st.player + " against " + st.opponent + " (" + st.other_player + ")" : "");
      $("score-you").textContent = fmt(st.score.you);
      $("score-other").textContent = fmt(st.score.other);
      const total = st.rounds ? " of " + st.rounds : "";
      $("round").textContent = st.round ? st.round + total : (st.status === "finished" ? "done" : "-");
      const status = {
        waiting_for_partner: "Waiting for a partner to join...",
        choose: "Round " + st.round + ": choose a level of each lever, then make your move." +
          (st.other_moved ? " The other side has chosen." : ""),
        waiting_for_other: "Round " + st.round + ": your move is in. Waiting for the other side...",
        finished: "The game is over. Final score: you " + fmt(st.score.you) + ", the other side " + fmt(st.score.other) + ".",
      }[st.status];
      $("status").textContent = status + (st.continuation !== null && st.status !== "finished" ?
        " After each round another follows with probability " + st.continuation + "." : "");
      const stateText = Object.entries(st.state || {}).map(([k, v]) => k + " = " + v).join(", ");
      $("state").hidden = !stateText;
      $("state").textContent = stateText ? "The state of the game this round: " + stateText +
        " (it moves with the moves made; payoffs depend on it)." : "";
      const form = $("move");
      form.hidden = st.status !== "choose";
      if (st.status === "choose" && shownRound !== st.round) { buildLevers(st); shownRound = st.round; }
      const h = st.history;
      if (h.length) {
        const last = h[h.length - 1];
        $("last").hidden = false;
        const names = Array.from(new Set(Object.keys(last.terms.you).concat(Object.keys(last.terms.other))));
        const rows = names.map((n) => [n, n in last.terms.you ? fmt(last.terms.you[n]) : "",
                                       n in last.terms.other ? fmt(last.terms.other[n]) : ""]);
        rows.push(["total payoff", fmt(last.payoff.you), fmt(last.payoff.other)]);
        table($("terms"), ["round " + last.round + ": payoff term (" + (st.units || "points") + ")",
                           "you (" + st.side + ")", "other side (" + st.other_side + ")"], rows);
      }
      table($("history"), ["round", "you chose", "the other side chose", "your payoff", "their payoff"],
            h.slice().reverse().map((r) => [r.round, levelsText(r.you), levelsText(r.other),
                                            fmt(r.payoff.you), fmt(r.payoff.other)]));
    }
    async function poll() {
      try { render(await api("/api/state")); showError(null); } catch (e) { showError(e); }
    }
    $("move").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const levels = {};
      document.querySelectorAll("#levers input:checked").forEach((i) => { levels[i.name] = i.value; });
      try { render(await api("/api/move", {round: shownRound, levels: levels})); showError(null); }
      catch (e) { showError(e); }
    });
    async function loadStrategy() {
      try {
        const s = await api("/api/strategy");
        $("strategy-source").value = s.source || s.template;
        $("strategy-status").textContent = s.source ? "Submitted at " + s.submitted_at + ". You may change it and submit again." :
          "Not submitted yet: edit the example, then submit it.";
      } catch (e) { $("strategy-status").textContent = String(e.message || e); }
    }
    $("strategy-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const s = await api("/api/strategy", {source: $("strategy-source").value});
        $("strategy-status").textContent = "Submitted at " + s.submitted_at + ". It will play in the class tournament.";
      } catch (e) { $("strategy-status").textContent = "Not submitted: " + String(e.message || e); }
    });
    poll();
    loadStrategy();
    setInterval(poll, 1000);
  }

  if (page === "teacher") {
    const token = document.body.dataset.token;
    function render(t) {
      const plural = (n, w) => n + " " + w + (n === 1 ? "" : "s");
      $("summary").textContent = plural(t.seats, "student") + ", " + plural(t.pairs, "pair") + " (" + t.finished_pairs +
        " finished), " + t.moves + " moves stored" + (t.waiting.length ? "; waiting for a partner: seat " +
        t.waiting.join(", ") : "") + ".";
      const p = t.players;
      table($("rounds"), ["round", "pairs", "cooperated", "one side only", "escalated",
                          "mean " + p[0], "mean " + p[1], "truces broken"],
            t.rounds.map((r) => [r.round, r.pairs, r.cooperated, r.mixed, r.escalated,
                                 fmt(r.mean_payoff[p[0]]), fmt(r.mean_payoff[p[1]]), r.truces_broken]));
      const ul = $("broken");
      ul.replaceChildren();
      if (!t.truces_broken.length) ul.appendChild(el("li", "none yet", "muted"));
      t.truces_broken.forEach((b) => ul.appendChild(el("li", "pair " + b.pair + ", round " + b.round +
        ", by " + b.by.join(" and "))));
      table($("students"), ["seat", "name", "pair", "plays", "against", "rounds", "score", "opponent's score",
                            "tit for tat would score", "their score vs tit for tat", "truce-level moves"],
            t.students.map((s) => [s.seat, s.name, s.pair, s.plays, s.opponent, s.rounds + "/" + s.of,
                                   fmt(s.score), fmt(s.opponent_score), fmt(s.tit_for_tat_score),
                                   fmt(s.score_against_tit_for_tat), s.cooperative_rounds]));
    }
    const q = "?token=" + encodeURIComponent(token);
    function renderContest(t) {
      $("contest-summary").textContent = t.strategies.length ? t.strategies.length + " strategies submitted; the " +
        "tournament adds the classic eight of the library." : "No strategy submitted yet.";
      table($("contest-entries"), ["seat", "strategy"], t.strategies.map((s) => [s.seat, s.label]));
      const r = t.tournament;
      if (!r) { $("contest-results").replaceChildren(); return; }
      $("contest-status").textContent = "Run at " + r.run_at + ": " + r.strategies + " strategies, each pair " +
        r.replicates + " times, seed " + r.seed + ". " + (r.both_roles ? "Each strategy meets every other as " +
        t.players.join(" and as ") + "; payoff per round is its mean over both roles (" + (t.units || "points") +
        "), so a strategy's rank mixes the two scales." : "");
      table($("contest-results"), ["rank", "strategy", "", "payoff per round", "cooperation"],
            r.rows.map((x) => [x.rank, x.strategy, x.student ? "student" : "library", fmt(x.mean_payoff),
                               (100 * x.cooperation_rate).toFixed(0) + "%"]));
    }
    async function poll() {
      try { const t = await api("/teacher/api/tally" + q); render(t); renderContest(t); showError(null); }
      catch (e) { showError(e); }
    }
    $("run-tournament").addEventListener("click", async () => {
      $("contest-status").textContent = "Running...";
      try { await api("/teacher/api/tournament" + q, {}); await poll(); }
      catch (e) { $("contest-status").textContent = String(e.message || e); }
    });
    $("pair-waiting").addEventListener("click", async () => {
      try { const r = await api("/teacher/api/pair-waiting" + q, {strategy: $("lone-strategy").value}); await poll();
            $("summary").textContent += " Paired " + r.paired + " with " + $("lone-strategy").value + "."; }
      catch (e) { showError(e); }
    });
    poll();
    setInterval(poll, 2000);
  }
})();
"""

CLASSROOM_CSS = """
:root { --ink: #1d2430; --muted: #5b6573; --line: #d5dae1; --accent: #1f5fbf; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: #f6f7f9; }
main { max-width: 980px; margin: 0 auto; padding: 1.2rem 1.4rem 3rem; background: #fff; min-height: 100vh; }
main.narrow { max-width: 520px; }
main.wide { max-width: 1400px; }
h1 { font-size: 1.5rem; margin: .2rem 0 .3rem; }
h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .4rem; }
.muted { color: var(--muted); }
.error { color: var(--bad); font-weight: 600; min-height: 1.2em; }
.status { font-size: 1.05rem; background: #eef3fb; border-left: 4px solid var(--accent); padding: .5rem .8rem; }
.code { font-size: 1.4rem; letter-spacing: .15em; }
form label { display: block; margin: .5rem 0; }
input[type=text], input:not([type]) { font: inherit; padding: .35rem .5rem; width: 100%; }
button { font: inherit; font-weight: 600; padding: .5rem 1.2rem; margin-top: .6rem; background: var(--accent);
         color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0; padding: .4rem .9rem .6rem; }
legend { font-weight: 700; padding: 0 .3rem; }
fieldset label { display: inline-block; margin: .2rem 1.1rem .2rem 0; }
fieldset input { margin-right: .35rem; }
.scoreboard { display: flex; gap: 1rem; margin: .8rem 0; }
.scoreboard div { flex: 1; border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; }
.scoreboard .label { display: block; font-size: .8rem; color: var(--muted); text-transform: uppercase; }
.scoreboard span:not(.label) { font-size: 1.6rem; font-weight: 700; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
.columns { display: grid; grid-template-columns: 3fr 2fr; gap: 1.6rem; }
aside { border-left: 1px solid var(--line); padding-left: 1.2rem; }
aside ul { padding-left: 1.1rem; }
textarea { width: 100%; font: 14px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; padding: .5rem; }
details { margin: .6rem 0; } summary { cursor: pointer; font-weight: 600; }
.inline input { width: 14rem; } .inline button { margin-left: .4rem; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } aside { border: 0; padding: 0; } }
"""

#: ``/static/NAME`` -> (content type, body)
ASSETS = {
    "classroom.js": ("text/javascript; charset=utf-8", CLASSROOM_JS),
    "classroom.css": ("text/css; charset=utf-8", CLASSROOM_CSS),
}
