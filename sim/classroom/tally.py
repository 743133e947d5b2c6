"""What the teacher sees: the class tally of the stored moves, the theory beside it, and the
long CSV export. Pure functions of the game and the store's rows.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Sequence

from sim.classroom.game import ClassGame, pair_key, strategy_moves
from sim.classroom.store import MoveRow, PairRow, SeatRow
from sim.repeated.strategies import get_strategy
from sim.repeated.thresholds import truce_thresholds
from sim.stage.equilibria import nash_equilibria

__all__ = ["pair_paths", "class_tally", "theory", "export_rows", "export_csv", "EXPORT_NOTE"]


def pair_paths(pairs: Sequence[PairRow], moves: Sequence[MoveRow]) -> dict[int, list[tuple[MoveRow, MoveRow]]]:
    """Each pair's completed rounds, in order: ``(row move, col move)`` per round."""
    by_round: dict[tuple[int, int], dict[int, MoveRow]] = {}
    for m in moves:
        by_round.setdefault((m.pair, m.round), {})[m.side] = m
    out: dict[int, list[tuple[MoveRow, MoveRow]]] = {p.pair: [] for p in pairs}
    for p in pairs:
        t = 0
        while (got := by_round.get((p.pair, t))) is not None and len(got) == 2:
            out[p.pair].append((got[0], got[1]))
            t += 1
    return out


def _num(x: float) -> float | None:
    return None if math.isinf(x) or math.isnan(x) else round(float(x), 6)


def theory(cg: ClassGame) -> dict[str, Any]:
    """The stage Nash equilibria, the cooperative profile and the critical discount factors."""
    game, ids = cg.game, cg.player_ids
    eqs = nash_equilibria(game)
    th = truce_thresholds(game, cg.cooperative)
    i, j = cg.cooperative
    return {
        "nash": [{"strategies": {pid: {lab: round(float(pr), 4) for lab, pr in probs.items()}
                                 for pid, probs in e.to_dict(game.actions, ids)["strategies"].items()},
                  "payoffs": {pid: round(float(v), 4) for pid, v in zip(ids, e.payoffs)}} for e in eqs.equilibria],
        "nash_complete": bool(eqs.complete),
        "cooperative": {"actions": {ids[0]: game.actions[0][i], ids[1]: game.actions[1][j]},
                        "payoffs": dict(zip(ids, cg.payoffs(i, j)))},
        "critical_discount": {
            "grim_trigger": {pid: _num(v) for pid, v in zip(ids, th.grim_nash)},
            "grim_trigger_minmax": {pid: _num(v) for pid, v in zip(ids, th.grim_minmax)},
            "tit_for_tat": {pid: _num(v) for pid, v in zip(ids, th.tit_for_tat)},
        },
        "discount": dict(zip(ids, map(float, th.discount))),
        "self_enforcing": dict(zip(ids, th.self_enforcing("grim_nash"))),
        "sentences": th.sentences(),
        "period": th.period,
        "units": th.units,
    }


def class_tally(cg: ClassGame, seed_key: int, seats: Sequence[SeatRow], pairs: Sequence[PairRow],
                moves: Sequence[MoveRow]) -> dict[str, Any]:
    """Per round: pairs done, cooperated / mixed / escalated, mean payoffs, truces broken; per
    student: score, the opponent's score, and what tit for tat would have scored against their moves.

    A truce is broken in round ``t`` when the pair was at the cooperative profile in round ``t-1``
    and is not in round ``t``; ``by`` names the side(s) that left it.
    """
    ids = cg.player_ids
    paths = pair_paths(pairs, moves)
    names = {s.seat: s.name for s in seats}
    rounds: list[dict[str, Any]] = []
    broken: list[dict[str, Any]] = []

    def slot(t: int) -> dict[str, Any]:
        while len(rounds) <= t:
            rounds.append({"round": len(rounds) + 1, "pairs": 0, "cooperated": 0, "mixed": 0, "escalated": 0,
                           "_sum": [0.0, 0.0], "truces_broken": 0})
        return rounds[t]

    for p in pairs:
        prev = None
        pays = cg.path_payoffs(seed_key, p.pair, [(a.action, b.action) for a, b in paths[p.pair]])
        for t, (a, b) in enumerate(paths[p.pair]):
            r = slot(t)
            r["pairs"] += 1
            r[cg.outcome(a.action, b.action)] += 1
            u = pays[t]
            r["_sum"][0] += u[0]
            r["_sum"][1] += u[1]
            if prev == cg.cooperative and (a.action, b.action) != cg.cooperative:
                by = [ids[s] for s, act in ((0, a.action), (1, b.action)) if act != cg.cooperative[s]]
                r["truces_broken"] += 1
                broken.append({"pair": p.pair + 1, "round": t + 1, "by": by})
            prev = (a.action, b.action)
    for r in rounds:
        s = r.pop("_sum")
        r["mean_payoff"] = {pid: round(s[k] / r["pairs"], 6) for k, pid in enumerate(ids)}
    tft = get_strategy("tit_for_tat")
    students = []
    for p in pairs:
        path = paths[p.pair]
        for side in (0, 1):
            seat = p.seat(side)
            if seat is None:
                continue
            own = [m[side].action for m in path]
            played = cg.path_payoffs(seed_key, p.pair, [(a.action, b.action) for a, b in path])
            reply = strategy_moves(cg.game, tft, 1 - side, own[:-1], pair_key(seed_key, p.pair), cg.cooperative) if own else []
            tft_pay = cg.path_payoffs(seed_key, p.pair, [((x, y) if side == 0 else (y, x)) for x, y in zip(own, reply)])
            students.append({
                "seat": seat + 1, "name": names.get(seat, ""), "pair": p.pair + 1, "plays": ids[side],
                "opponent": (f"seat {p.seat(1 - side) + 1}" if p.seat(1 - side) is not None
                             else f"strategy {p.strategy(1 - side)}"),
                "rounds": len(path), "of": p.length, "score": round(sum(u[side] for u in played), 6),
                "opponent_score": round(sum(u[1 - side] for u in played), 6),
                "tit_for_tat_score": round(sum(u[1 - side] for u in tft_pay), 6),
                "score_against_tit_for_tat": round(sum(u[side] for u in tft_pay), 6),
                "cooperative_rounds": sum(1 for x in own if x == cg.cooperative[side]),
            })
    paired = {p.seat(side) for p in pairs for side in (0, 1)}
    waiting = sorted(s.seat for s in seats if s.seat not in paired)
    return {
        "players": list(ids),
        "seats": len(seats),
        "pairs": len(pairs),
        "waiting": [w + 1 for w in waiting],
        "finished_pairs": sum(1 for p in pairs if len(paths[p.pair]) >= p.length),
        "moves": len(moves),
        "rounds": rounds,
        "truces_broken": broken,
        "students": students,
    }


EXPORT_NOTE = ("one row per completed round of a pair: replicate (= pair), round (0-based), in a game with state "
               "the state the pair was in (name=level,...), then per player "
               "<id>_action, <id>_payoff as in `tradesim play --format csv --paths`; then session, pair, and per "
               "player <id>_seat (seat number, or strategy:SPEC), <id>_<lever> (level label) and <id>_moved_at")


def export_rows(cg: ClassGame, session: int, pairs: Sequence[PairRow], moves: Sequence[MoveRow],
                seed_key: int = 0) -> list[dict[str, Any]]:
    """The long table of a session (see :data:`EXPORT_NOTE`; a game with state adds ``state``)."""
    ids = cg.player_ids
    paths = pair_paths(pairs, moves)
    rows = []
    for p in pairs:
        profiles = [(a.action, b.action) for a, b in paths[p.pair]]
        states = cg.states(seed_key, p.pair, profiles)
        pays = cg.path_payoffs(seed_key, p.pair, profiles)
        for t, ms in enumerate(paths[p.pair]):
            u = pays[t]
            row: dict[str, Any] = {"replicate": p.pair, "round": t}
            if cg.dynamic is not None:
                row["state"] = cg.dynamic.states.key(states[t])  # type: ignore[arg-type]
            for k, pid in enumerate(ids):
                row[f"{pid}_action"] = cg.game.actions[k][ms[k].action]
                row[f"{pid}_payoff"] = u[k]
            row["session"] = session
            row["pair"] = p.pair
            for k, pid in enumerate(ids):
                seat = p.seat(k)
                row[f"{pid}_seat"] = seat + 1 if seat is not None else f"strategy:{p.strategy(k)}"
                for lever, label in cg.levels_of(k, ms[k].action).items():
                    row[f"{pid}_{lever}"] = label
                row[f"{pid}_moved_at"] = ms[k].moved_at
            rows.append(row)
    return rows


def export_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The export rows as CSV text (header first; empty for no rows)."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()
