"""One class session: joining, pairing, each student's view, moves, and the teacher's tally.

Every answer is computed from the store, so a restarted server on the same database carries on
where it stopped; the only state kept in memory is the built game, its theory and a tally cache
keyed on the number of stored moves.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim._random import resolve_seed
from sim.classroom.contest import TEMPLATE, class_tournament, submission_strategy
from sim.classroom.errors import ClassroomError
from sim.classroom.game import ClassGame, check_strategy, pair_key, strategy_moves
from sim.classroom.store import PairRow, SeatRow, SessionRow, Store
from sim.classroom.tally import class_tally, export_rows, pair_paths, theory
from sim.model.game import StageGame
from sim.repeated.strategy import Strategy

__all__ = ["ClassSettings", "Classroom", "MAX_SEATS", "MAX_SESSIONS", "MAX_NAME"]

MAX_SEATS = 200
MAX_SESSIONS = 100
MAX_NAME = 40
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass(frozen=True)
class ClassSettings:
    """How a session is played: ending rule, opponent (``student`` or a strategy spec), seed."""

    rounds: int | None = None
    continuation: float | None = None
    max_rounds: int = 50
    opponent: str = "student"
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def class_game(self, game: StageGame) -> ClassGame:
        """The game played under these settings (checks the ending rule)."""
        return ClassGame.build(game, rounds=self.rounds, continuation=self.continuation, max_rounds=self.max_rounds)

    def opponent_strategy(self) -> Strategy | None:
        """The strategy every student plays against, or ``None`` for student against student."""
        return None if self.opponent == "student" else check_strategy(self.opponent)


def room_code() -> str:
    """A fresh six-character room code (32 symbols, about 30 bits)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


class Classroom:
    """A session of a class on one stage game, stored in ``store``.

    ``Classroom.open`` resumes the latest session of the same scenario file (same content) and
    settings, or starts a new one (``new=True`` always starts one).
    """

    def __init__(self, store: Store, session: SessionRow, game: StageGame):
        self.store = store
        self.session = session
        s = session.settings
        self.settings = ClassSettings(**s["settings"])
        self.seed_key = int(s["seed_key"])
        self.cg = self.settings.class_game(game)
        self.strategy = self.settings.opponent_strategy()
        self.theory = theory(self.cg)
        self._lock = threading.RLock()
        self._tally: tuple[int, int, dict[str, Any]] | None = None
        self._strategies: dict[str, Strategy] = {}
        self._submitted: dict[tuple[int, str, str], Strategy] = {}

    @classmethod
    def open(cls, store: Store, scenario: str, scenario_hash: str, game: StageGame, settings: ClassSettings, *,
             new: bool = False) -> tuple["Classroom", bool]:
        """The classroom and whether it resumed a stored session."""
        settings.class_game(game)  # validate before touching the store
        settings.opponent_strategy()
        if not new:
            wanted = {**settings.to_dict(), "seed": None}
            for row in reversed(store.sessions()):
                stored = row.settings["settings"]
                if (row.scenario_hash == scenario_hash and {**stored, "seed": None} == wanted
                        and settings.seed in (None, stored["seed"])):
                    return cls(store, row, game), True
        if store.count_sessions() >= MAX_SESSIONS:
            raise ClassroomError(f"{store.path} holds {MAX_SESSIONS} sessions already; use another --db", 403)
        _, seed_key = resolve_seed(settings.seed)
        for _ in range(20):
            try:
                row = store.create_session(scenario=str(Path(scenario)), scenario_hash=scenario_hash,
                                           settings={"settings": settings.to_dict(), "seed_key": seed_key},
                                           room_code=room_code(), teacher_token=secrets.token_urlsafe(24))
                return cls(store, row, game), False
            except sqlite3.IntegrityError:  # a room code already used in this file: draw another
                continue
        raise ClassroomError("could not draw a fresh room code", 500)  # pragma: no cover

    # ------------------------------------------------------------------ access
    @property
    def id(self) -> int:
        return self.session.id

    def check_code(self, code: Any) -> None:
        if not isinstance(code, str) or not secrets.compare_digest(code.strip().upper().encode(),
                                                                   self.session.room_code.encode()):
            raise ClassroomError("wrong room code", 403, key="code")

    def check_teacher(self, token: Any) -> None:
        if not isinstance(token, str) or not secrets.compare_digest(token.encode(),
                                                                    self.session.teacher_token.encode()):
            raise ClassroomError("the teacher's page needs the teacher token", 403, key="token")

    def seat_for(self, token: Any) -> SeatRow:
        """The seat whose secret is ``token``; 403 if none."""
        if not isinstance(token, str) or not 10 <= len(token) <= 100:
            raise ClassroomError("no seat: join the class first", 403, key="seat")
        seat = self.store.seat_by_token(self.id, token)
        if seat is None:
            raise ClassroomError("no seat: join the class first", 403, key="seat")
        return seat

    # ------------------------------------------------------------------ joining
    def join(self, code: Any, name: Any = "") -> SeatRow:
        """A new seat (and its pair, if a partner or a strategy is ready)."""
        self.check_code(code)
        if name is None:
            name = ""
        if not isinstance(name, str):
            raise ClassroomError("name must be text", key="name")
        name = " ".join(name.split())
        if len(name) > MAX_NAME:
            raise ClassroomError(f"name: at most {MAX_NAME} characters", key="name")
        with self._lock, self.store.transaction():
            if self.store.count_seats(self.id) >= MAX_SEATS:
                raise ClassroomError(f"the class is full ({MAX_SEATS} seats)", 403)
            seat = self.store.add_seat(self.id, secrets.token_urlsafe(18), name)
            self._pair(seat.seat)
        return seat

    def _pair(self, seat: int) -> None:
        n = len(self.store.pairs(self.id))
        length = self.cg.length(self.seed_key, n)
        if self.strategy is not None:
            side = seat % 2  # alternate, so the class plays both roles
            spec = self.strategy.spec
            self.store.add_pair(self.id, row_seat=seat if side == 0 else None, col_seat=seat if side == 1 else None,
                                row_strategy=None if side == 0 else spec, col_strategy=spec if side == 0 else None,
                                length=length)
            return
        waiting = [w for w in self.store.waiting_seats(self.id) if w != seat]
        if waiting:
            self.store.add_pair(self.id, row_seat=waiting[0], col_seat=seat, row_strategy=None, col_strategy=None,
                                length=length)

    # ------------------------------------------------------------------ playing
    def _strategy_move(self, pair: PairRow, side: int, opp_moves: list[int]) -> int:
        # the strategy stored with the pair: the session's opponent, or the teacher's choice for a lone student
        spec = pair.strategy(side)
        if spec not in self._strategies:
            self._strategies[spec] = check_strategy(spec)  # type: ignore[arg-type]
        return strategy_moves(self.cg.game, self._strategies[spec], side, opp_moves,  # type: ignore[arg-type]
                              pair_key(self.seed_key, pair.pair), self.cg.cooperative)[-1]

    def pair_waiting(self, spec: Any) -> int:
        """Pair every student still waiting for a partner with the strategy ``spec``; how many were."""
        if not isinstance(spec, str) or not spec.strip() or len(spec) > 200:
            raise ClassroomError("name a strategy, e.g. tit_for_tat", key="strategy")
        strategy = check_strategy(spec.strip())
        if hasattr(strategy, "digest"):
            raise ClassroomError("a lone student plays a library strategy (a strategy file is for the tournament)",
                                 key="strategy")
        with self._lock, self.store.transaction():
            waiting = self.store.waiting_seats(self.id)
            for seat in waiting:
                n = len(self.store.pairs(self.id))
                self.store.add_pair(self.id, row_seat=seat, col_seat=None, row_strategy=None,
                                    col_strategy=strategy.spec, length=self.cg.length(self.seed_key, n))
        return len(waiting)

    def move(self, seat: SeatRow, round_: Any, levels: Any) -> dict[str, Any]:
        """Store ``seat``'s move for round ``round_`` (1-based, as shown); the strategy's too."""
        if isinstance(round_, bool) or not isinstance(round_, int):
            raise ClassroomError("round must be an integer", key="round")
        with self._lock, self.store.transaction():
            pair = self.store.pair_of_seat(self.id, seat.seat)
            if pair is None:
                raise ClassroomError("you have no partner yet", key="round")
            side = pair.side_of(seat.seat)
            moves = self.store.moves(self.id, pair.pair)
            path = pair_paths([pair], moves)[pair.pair]
            current = len(path)
            if current >= pair.length:
                raise ClassroomError("your game is over", key="round")
            if round_ != current + 1:
                raise ClassroomError(f"round {round_} is not being played (this is round {current + 1})", key="round")
            if any(m.round == current and m.side == side for m in moves):
                raise ClassroomError(f"you already moved in round {current + 1}", key="round")
            action = self.cg.action_of(side, levels)
            rows = [(pair.pair, current, side, seat.seat, action, self.cg.game.actions[side][action])]
            if pair.strategy(1 - side) is not None:
                reply = self._strategy_move(pair, 1 - side, [m[side].action for m in path])
                rows.append((pair.pair, current, 1 - side, None, reply, self.cg.game.actions[1 - side][reply]))
            try:
                self.store.add_moves(self.id, rows)
            except sqlite3.IntegrityError:
                raise ClassroomError(f"you already moved in round {current + 1}", key="round") from None
        return self.state(seat)

    def state(self, seat: SeatRow) -> dict[str, Any]:
        """What the student in ``seat`` may see: never the other side's move of an unfinished round."""
        ids, game = self.cg.player_ids, self.cg.game
        out: dict[str, Any] = {
            "seat": seat.seat + 1, "name": seat.name, "scenario": self.cg.name, "units": game.units,
            "rounds": self.cg.rounds, "continuation": self.cg.continuation,
        }
        pair = self.store.pair_of_seat(self.id, seat.seat)
        if pair is None:
            return {**out, "status": "waiting_for_partner", "history": [], "score": {"you": 0.0, "other": 0.0}}
        side = pair.side_of(seat.seat)
        moves = self.store.moves(self.id, pair.pair)
        path = pair_paths([pair], moves)[pair.pair]
        current = len(path)
        history, score = [], [0.0, 0.0]
        states = self.cg.states(self.seed_key, pair.pair, [(a.action, b.action) for a, b in path])
        for t, ms in enumerate(path):
            i, j = ms[0].action, ms[1].action
            u, terms = self.cg.payoffs(i, j, states[t], t), self.cg.terms(i, j, states[t], t)
            score[0] += u[0]
            score[1] += u[1]
            history.append({
                "round": t + 1,
                "you": self.cg.levels_of(side, ms[side].action), "other": self.cg.levels_of(1 - side, ms[1 - side].action),
                "payoff": {"you": u[side], "other": u[1 - side]},
                "terms": {"you": terms[side], "other": terms[1 - side]},
                "outcome": self.cg.outcome(i, j),
                "state": self.cg.state_labels(states[t]),
            })
        done = current >= pair.length
        mine = any(m.round == current and m.side == side for m in moves)
        theirs = any(m.round == current and m.side == 1 - side for m in moves)
        status = "finished" if done else ("waiting_for_other" if mine else "choose")
        return {
            **out, "status": status, "pair": pair.pair + 1, "side": ids[side], "other_side": ids[1 - side],
            "player": game.player_names[side], "other_player": game.player_names[1 - side],
            "opponent": "a classmate" if pair.strategy(1 - side) is None else "a computer player",
            "round": None if done else current + 1, "levers": self.cg.levers(side),
            "cooperative": self.cg.levels_of(side, self.cg.cooperative[side]),
            "moved": mine and not done, "other_moved": theirs and not done,
            "state": self.cg.state_labels(states[current]),
            "history": history, "score": {"you": score[side], "other": score[1 - side]},
        }

    # ------------------------------------------------------------------ teacher
    def tally(self) -> dict[str, Any]:
        """The class tally (cached until a move or a seat is added) with the theory beside it."""
        key = (self.store.count_moves(self.id), self.store.count_seats(self.id))
        with self._lock:
            if self._tally is None or self._tally[:2] != key:
                body = class_tally(self.cg, self.seed_key, self.store.seats(self.id), self.store.pairs(self.id),
                                   self.store.moves(self.id))
                self._tally = (*key, body)
            body = self._tally[2]
        submitted = [{"seat": seat + 1, "label": s.spec}
                     for seat, s in zip([r[0] for r in self.store.strategies(self.id)], self.submissions())]
        return {**body, "strategies": submitted, "tournament": self.store.latest_tournament(self.id),
                "scenario": self.cg.name, "room_code": self.session.room_code,
                "opponent": self.settings.opponent, "rounds_rule": self.rules(), "theory": self.theory,
                "units": self.cg.game.units}

    # ------------------------------------------------------------------ the class tournament
    def submit_strategy(self, seat: SeatRow, source: Any) -> dict[str, Any]:
        """Validate and store the strategy ``seat`` submits (replacing an earlier one)."""
        strategy = submission_strategy(seat.seat, seat.name, source)
        self.store.put_strategy(self.id, seat.seat, source, strategy.digest)
        return self.my_strategy(seat)

    def my_strategy(self, seat: SeatRow) -> dict[str, Any]:
        for s, source, _, at in self.store.strategies(self.id):
            if s == seat.seat:
                return {"source": source, "submitted_at": at, "template": TEMPLATE}
        return {"source": None, "submitted_at": None, "template": TEMPLATE}

    def submissions(self) -> list[Strategy]:
        """The submitted strategies, by seat (parsed once per text)."""
        names = {s.seat: s.name for s in self.store.seats(self.id)}
        out = []
        for seat, source, sha, _ in self.store.strategies(self.id):
            key = (seat, sha, names.get(seat, ""))
            if key not in self._submitted:
                self._submitted[key] = submission_strategy(seat, key[2], source)
            out.append(self._submitted[key])
        return out

    @property
    def tournament_seed(self) -> int:
        """The seed of the class tournament: the session's, else one derived from its key."""
        return int(self.settings.seed) if self.settings.seed is not None else self.seed_key % (1 << 62)

    def run_tournament(self) -> dict[str, Any]:
        """A round robin of the submitted strategies and the classic eight; stored, and returned."""
        result = class_tournament(self.cg, self.submissions(), seed=self.tournament_seed)
        self.store.add_tournament(self.id, result)
        return self.store.latest_tournament(self.id)  # type: ignore[return-value]

    def rules(self) -> str:
        if self.cg.continuation is None:
            return f"{self.cg.rounds} rounds"
        return (f"another round with probability {self.cg.continuation:g} (at most {self.cg.max_rounds}), "
                "drawn per pair from the session seed")

    def export(self) -> list[dict[str, Any]]:
        return export_rows(self.cg, self.id, self.store.pairs(self.id), self.store.moves(self.id), self.seed_key)
