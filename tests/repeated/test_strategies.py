"""Every registered strategy through one suite, plus replies to scripted opponents."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from sim.errors import InputError
from sim.model.game import LeverInfo, StageGame
from sim.repeated.engine import play
from sim.repeated.strategies import (
    STRATEGIES,
    Param,
    PlayerContext,
    Strategy,
    get_strategy,
    list_strategies,
    parse_spec,
)
from sim.repeated.strategy import Observation

ALL_NAMES = list_strategies()
#: The shared suite on stage games; strategies that read the state run it on a game with state
#: (tests/repeated/test_dynamic_play.py).
NAMES = [n for n in ALL_NAMES if not STRATEGIES[n].needs_state]


@pytest.fixture(scope="module")
def pd_game():
    return StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")),
                                   cooperative=(0, 0))


def _lever_game() -> StageGame:
    """Row: tariff (3 levels) x tech (2 levels) = 6 actions; column: controls (3 levels)."""
    rng = np.random.default_rng(5)
    grid0 = np.array(list(itertools.product(range(3), range(2))))
    grid1 = np.arange(3)[:, None]
    labels0 = tuple(f"tariff={a}, tech={b}" for a, b in grid0)
    labels1 = tuple(f"controls={c}" for c in range(3))
    # hostile moves gain a little now and hurt the other side more (a PD over levers)
    h0 = grid0.mean(axis=1) / 1.5
    h1 = grid1[:, 0] / 2
    A = 10 - 6 * h1[None, :] + 2 * h0[:, None] + rng.normal(0, 0.1, (6, 3))
    B = 10 - 6 * h0[:, None] + 2 * h1[None, :] + rng.normal(0, 0.1, (6, 3))
    return StageGame(
        name="levers", player_ids=("us", "cn"), player_names=("us", "cn"), actions=(labels0, labels1), A=A, B=B,
        terms=({"payoff": A}, {"payoff": B}),
        levers=((LeverInfo("tariff", (0.0, 1.0, 2.0), ("low", "mid", "high")), LeverInfo("tech", (0.0, 1.0), ("off", "on"))),
                (LeverInfo("controls", (0.0, 1.0, 2.0), ("none", "some", "all")),)),
        action_levels=(grid0, grid1), discount=(0.9, 0.9), cooperative=(0, 0),
    )


@pytest.fixture(scope="module")
def lever_game():
    return _lever_game()


# ---------------------------------------------------------------- the shared suite
@pytest.mark.parametrize("name", ALL_NAMES)
def test_metadata(name):
    cls = STRATEGIES[name]
    assert cls.name == name and cls.__doc__
    assert cls.memory_depth >= 0 or math.isinf(cls.memory_depth)
    assert isinstance(cls.stochastic, bool)
    assert all(isinstance(p, Param) for p in cls.parameters)
    s = cls()
    assert get_strategy(s.spec) == s
    info = s.to_dict()
    assert info["name"] == name and isinstance(info["stochastic"], bool)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("game_name", ["pd", "levers"])
def test_reproducible_and_batch_invariant(name, game_name, pd_game, lever_game):
    game = pd_game if game_name == "pd" else lever_game
    kw = dict(rounds=15, replicates=8, noise=0.1, perception_noise=0.05, seed=42)
    for side in (0, 1):
        pair = (name, "random") if side == 0 else ("random", name)
        a = play(game, pair, **kw)
        b = play(game, pair, **kw)
        one_by_one = play(game, pair, **kw, chunk_size=1)
        assert np.array_equal(a.actions, b.actions)
        assert np.array_equal(a.actions, one_by_one.actions)
        sizes = game.shape
        assert (a.actions[..., 0] < sizes[0]).all() and (a.actions[..., 1] < sizes[1]).all()
        assert (a.actions >= 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_strategies_ignore_the_seed(name, lever_game):
    s = get_strategy(name)
    if s.is_stochastic():
        pytest.skip("stochastic")
    a = play(lever_game, (name, "tit_for_tat"), rounds=12, replicates=3, seed=1)
    b = play(lever_game, (name, "tit_for_tat"), rounds=12, replicates=3, seed=2)
    assert np.array_equal(a.actions, b.actions)
    assert (a.actions == a.actions[:1]).all()  # same path in every replicate


@pytest.mark.parametrize("name", NAMES)
def test_self_play_in_both_roles(name, lever_game):
    res = play(lever_game, (name, name), rounds=6, replicates=4, seed=3)
    # the summaries are the stage payoffs of the path actually played, summed and discounted
    pay = res.payoffs()
    assert np.allclose(pay.sum(axis=1), res.total)
    weights = np.stack([np.asarray(d) ** np.arange(6) for d in res.discount], axis=-1)
    assert np.allclose((pay * weights[None]).sum(axis=1), res.discounted)


# ---------------------------------------------------------------- replies to scripted opponents (prisoner's dilemma)
VERSUS = [
    ("always_cooperate", "D|D|C", "CCCC"),
    ("always_defect", "C|C|C", "DDDD"),
    ("tit_for_tat", "C|D|D|C|C", "CCDDCC"),
    ("suspicious_tit_for_tat", "C|D|D|C", "DCDDC"),
    ("generous_tit_for_tat:g=0", "C|D|D|C", "CCDDC"),
    ("generous_tit_for_tat:g=1", "D|D|D|D", "CCCCC"),
    ("tit_for_two_tats", "D|D|C|D|D|D", "CCDCCDD"),
    ("grim_trigger", "C|D|C|C", "CCDDD"),
    ("grim_trigger:punish=minmax", "C|D|C|C", "CCDDD"),
    ("win_stay_lose_shift", "C|D|D|C|C", "CCDCCC"),
    ("escalation_ladder:k=2", "D|C|C|C|D|C", "CDDCCDD"),
    ("escalation_ladder:k=1", "D|D|C|C", "CDDCC"),
    ("deadline_truce:k=3,p=1", "D|D|D|D|D|D", "CCCCCCC"),
    ("deadline_truce:k=3,p=0", "C|C|C|C|C", "CCCDDD"),
    ("deadline_truce:k=2,p=0,revert=defect", "C|C|C", "CCDD"),
    ("myopic_best_response", "C|C|D", "CDDD"),
    ("fictitious_play", "C|C|C", "CDDD"),
    ("random:p=1", "D|D|D", "CCCC"),
    ("random:p=0", "C|C|C", "DDDD"),
    ("alternator", "C|C|C|C", "CDCDC"),
    ("scripted:path=D|C|C", "C|C|C|C", "DCCCC"),
    ("scripted:path=D|C,cycle=1", "C|C|C|C", "DCDCD"),
]


@pytest.mark.parametrize("spec, opponent, expected", VERSUS, ids=[v[0] for v in VERSUS])
def test_versus_scripted_opponent(pd_game, spec, opponent, expected):
    res = play(pd_game, (spec, f"scripted:path={opponent}"), rounds=len(expected), replicates=3, seed=5)
    moves = "".join("CD"[a] for a in res.actions[0, :, 0])
    assert moves == expected
    # the same as the column player
    res = play(pd_game, (f"scripted:path={opponent}", spec), rounds=len(expected), replicates=3, seed=5)
    assert "".join("CD"[a] for a in res.actions[0, :, 1]) == expected


def test_generous_forgiveness_rate(pd_game):
    g, reps = 0.25, 4000
    res = play(pd_game, (f"generous_tit_for_tat:g={g}", "always_defect"), rounds=11, replicates=reps, seed=8, paths=True)
    forgiven = (res.actions[:, 1:, 0] == 0).mean()
    assert abs(forgiven - g) < 4 * math.sqrt(g * (1 - g) / (reps * 10))


def test_random_cooperation_rate(pd_game):
    res = play(pd_game, ("random:p=0.3", "always_cooperate"), rounds=50, replicates=400, seed=8)
    rate = (res.actions[..., 0] == 0).mean()
    assert abs(rate - 0.3) < 4 * math.sqrt(0.21 / 20000)


# ---------------------------------------------------------------- levers: ladders and mirrors
def test_lever_context(lever_game):
    ctx = PlayerContext.build(lever_game, 0)
    assert ctx.coop_own == 0 and ctx.max_own == 5  # (tariff=2, tech=1) is the last grid row
    assert ctx.ladder[0] == 0 and ctx.ladder[-1] == 5 and len(ctx.ladder) == 3
    levels = lever_game.action_levels[0][ctx.ladder]
    assert (np.diff(levels, axis=0) >= 0).all()  # every lever moves up along the ladder
    # mirror: column's no controls -> cooperate; all controls -> maximum pressure; some -> a middle rung
    assert ctx.mirror.tolist() == [ctx.ladder[0], ctx.ladder[1], ctx.ladder[2]]
    assert ctx.provocation.tolist() == [False, True, True]
    col = PlayerContext.build(lever_game, 1)
    assert col.ladder.tolist() == [0, 1, 2]
    # any provocation by the row player draws at least one rung
    assert (col.mirror[1:] >= 1).all() and col.mirror[0] == 0 and col.mirror[5] == 2


def test_tit_for_tat_mirrors_escalation_on_levers(lever_game):
    path = "0|2|5|0"
    res = play(lever_game, (f"scripted:path={path}", "tit_for_tat"), rounds=5)
    col = res.actions[0, :, 1].tolist()
    ctx = PlayerContext.build(lever_game, 1)
    assert col == [0, int(ctx.mirror[0]), int(ctx.mirror[2]), int(ctx.mirror[5]), int(ctx.mirror[0])]
    assert col[3] == 2


def test_escalation_ladder_climbs_one_rung_per_provocation(lever_game):
    res = play(lever_game, ("escalation_ladder:k=2", "scripted:path=2|2|2|0|0|0|0|0"), rounds=9)
    ctx = PlayerContext.build(lever_game, 0)
    rung = {int(a): r for r, a in enumerate(ctx.ladder)}
    assert [rung[int(a)] for a in res.actions[0, :, 0]] == [0, 1, 2, 2, 2, 1, 1, 0, 0]


def test_always_defect_is_maximum_pressure(lever_game):
    res = play(lever_game, ("always_defect", "always_defect"), rounds=2)
    assert res.levels(0)[0, 0].tolist() == [2, 1] and res.levels(1)[0, 0].tolist() == [2]


def test_scripted_by_labels(lever_game):
    scripted = get_strategy("scripted", path=("tariff=1, tech=0", "tariff=2, tech=1"))
    res = play(lever_game, (scripted, "random"), rounds=2, seed=1)
    assert res.actions[0, :, 0].tolist() == [2, 5]


# ---------------------------------------------------------------- specs
@pytest.mark.parametrize(
    "spec, name, params",
    [
        ("tit_for_tat", "tit_for_tat", {}),
        ("generous_tit_for_tat:g=0.1", "generous_tit_for_tat", {"g": "0.1"}),
        ("deadline_truce:k=4,p=0.5", "deadline_truce", {"k": "4", "p": "0.5"}),
        ("  Tit-For-Tat ", "tit_for_tat", {}),
        ("pavlov", "win_stay_lose_shift", {}),
        ("maximum_pressure", "always_defect", {}),
        ("proportional_retaliation:k=3", "escalation_ladder", {"k": "3"}),
    ],
    ids=["plain", "one-param", "two-params", "spaces-dashes", "alias-pavlov", "alias-pressure", "alias-ladder"],
)
def test_parse_spec(spec, name, params):
    assert parse_spec(spec) == (name, params)


@pytest.mark.parametrize(
    "spec, key",
    [
        ("", "strategy"),
        ("nice_guy", "strategy"),
        ("tit_for_tat:g=0.1", "tit_for_tat"),
        ("generous_tit_for_tat:g=1.5", "generous_tit_for_tat:g"),
        ("generous_tit_for_tat:g=-0.1", "generous_tit_for_tat:g"),
        ("generous_tit_for_tat:g=abc", "generous_tit_for_tat:g"),
        ("escalation_ladder:k=0", "escalation_ladder:k"),
        ("deadline_truce:k=2.5", "deadline_truce:k"),
        ("deadline_truce:p=2", "deadline_truce:p"),
        ("grim_trigger:punish=forgive", "grim_trigger:punish"),
        ("generous_tit_for_tat:g", "generous_tit_for_tat"),
        ("generous_tit_for_tat:g=nan", "generous_tit_for_tat:g"),
    ],
    ids=["empty", "unknown", "no-such-param", "g-high", "g-negative", "g-text", "k-zero", "k-float", "p-high",
         "bad-choice", "no-value", "nan"],
)
def test_bad_specs(spec, key):
    with pytest.raises(InputError) as exc:
        get_strategy(spec)
    assert exc.value.key == key


def test_scripted_bad_action(pd_game):
    with pytest.raises(InputError):
        play(pd_game, ("scripted:path=C|X", "tit_for_tat"), rounds=3)
    with pytest.raises(InputError):
        play(pd_game, ("scripted:path=0|7", "tit_for_tat"), rounds=3)


def test_spec_round_trip_with_params():
    s = get_strategy("deadline_truce:k=3,p=0.25,revert=minmax")
    assert s.spec == "deadline_truce:k=3,p=0.25,revert=minmax"
    assert get_strategy(s.spec) == s and hash(get_strategy(s.spec)) == hash(s)
    assert get_strategy("generous_tit_for_tat").spec == "generous_tit_for_tat"
    assert get_strategy(s) is s


def test_custom_strategy_is_one_method(pd_game):
    class Copycat(Strategy):
        """Plays the opponent's first move for ever."""

        name = "copycat_test"
        memory_depth = math.inf

        def act(self, obs):
            return obs.full(obs.ctx.coop_own) if obs.t == 0 else obs.opp[:, 0]

    res = play(pd_game, (Copycat(), "alternator"), rounds=4)
    assert res.actions[0, :, 0].tolist() == [0, 0, 0, 0]
    res = play(pd_game, (Copycat(), "suspicious_tit_for_tat"), rounds=4)
    assert res.actions[0, :, 0].tolist() == [0, 1, 1, 1]


def test_mixed_punishment_is_batch_invariant_and_mixed():
    # the minmax punishment here is a 50/50 mix of X and Y (a matching-pennies punishment)
    A = np.array([[2, -2, -2], [3, 1, -1], [3, -1, 1]], float)
    game = StageGame.from_matrices(A, A.T, actions=(("C", "X", "Y"), ("C", "X", "Y")), cooperative=(0, 0))
    ctx = PlayerContext.build(game, 0)
    assert ctx.punishment["minmax"] == pytest.approx([0.0, 0.5, 0.5])
    kw = dict(rounds=30, replicates=64, noise=0.1, seed=4)
    pair = ("grim_trigger:punish=minmax", "deadline_truce:k=3,p=0.5,revert=minmax")
    a = play(game, pair, **kw)
    b = play(game, pair, **kw, chunk_size=1)
    c = play(game, pair, **kw, chunk_size=5)
    assert np.array_equal(a.actions, b.actions) and np.array_equal(a.actions, c.actions)
    late = a.actions[:, 20:, 0]
    share_x = (late == 1).sum() / max((late > 0).sum(), 1)
    assert 0.4 < share_x < 0.6


# ---------------------------------------------------------------- memory_depth is a promise
FINITE_MEMORY = [n for n in NAMES if not math.isinf(STRATEGIES[n].memory_depth)]
# configured variants whose behaviour differs from the defaults (the depth is a class attribute)
FINITE_MEMORY_SPECS = FINITE_MEMORY + [
    "generous_tit_for_tat:g=0.5",
    "random:p=0.3",
    "win_stay_lose_shift:aspiration=2",
    "scripted:path=1|0|0|1,cycle=1",
    "scripted:path=0|1",
]


def _memory_violations(strategy, game, player, depth, *, rounds=9, pairs=400, seed=0):
    """Feed ``strategy`` batches of histories through :class:`Observation` (as the engine does,
    one round after the other) and list the rounds where two histories equal in their last
    ``depth`` rounds (own and opponent's moves) got different moves.

    Rows come in pairs that agree from a random round on and are independent before it, so many
    pairs share their last ``depth`` rounds while differing further back. Every row uses the same
    random key, so a stochastic strategy makes the same draws in every row.
    """
    ctx = PlayerContext.build(game, player, game.cooperative)
    rng = np.random.default_rng(seed)
    size = 2 * pairs
    own = rng.integers(0, ctx.n_own, (size, rounds)).astype(np.int16)
    opp = rng.integers(0, ctx.n_opp, (size, rounds)).astype(np.int16)
    cut = rng.integers(1, rounds, pairs)
    for i, c in enumerate(cut):
        own[pairs + i, c:] = own[i, c:]
        opp[pairs + i, c:] = opp[i, c:]
    obs = Observation(ctx, own, opp, np.full(size, 0x9E3779B97F4A7C15, dtype=np.uint64))
    violations, compared = [], 0
    for t in range(rounds):
        obs.t = t
        move = np.broadcast_to(np.asarray(strategy.act(obs)), (size,))
        lo = max(0, t - int(depth))
        window = np.concatenate([own[:, lo:t], opp[:, lo:t]], axis=1)
        _, group = np.unique(window, axis=0, return_inverse=True)
        group = np.asarray(group).ravel()
        for g in np.unique(group):
            rows = np.flatnonzero(group == g)
            compared += len(rows) - 1
            if len(np.unique(move[rows])) > 1:
                violations.append((t, rows[:4].tolist(), move[rows[:4]].tolist()))
    return violations, compared


@pytest.mark.parametrize("spec", FINITE_MEMORY_SPECS)
@pytest.mark.parametrize("game_name", ["pd", "levers"])
def test_finite_memory_depth_is_honoured(spec, game_name, pd_game, lever_game):
    """Two histories equal in their last ``memory_depth`` rounds give the same move."""
    game = pd_game if game_name == "pd" else lever_game
    strategy = get_strategy(spec)
    depth = type(strategy).memory_depth
    assert not math.isinf(depth)
    for player in (0, 1):
        violations, compared = _memory_violations(strategy, game, player, depth)
        assert compared > 100  # the check saw many pairs of histories that share their last rounds
        assert not violations, f"{spec} (memory_depth={depth}) as player {player}: {violations[:3]}"


def test_memory_depth_check_catches_a_strategy_that_looks_further_back(pd_game):
    """The check above can fail: a strategy claiming depth 1 that reads two rounds back is caught,
    and so is one that keeps state across rounds."""

    class Liar(Strategy):
        """Tit for tat, except it also punishes a provocation two rounds ago."""

        name = "liar_test"
        memory_depth = 1

        def act(self, obs):
            if obs.t < 2:
                return obs.full(obs.ctx.coop_own)
            return np.maximum(obs.ctx.mirror[obs.last_opp], obs.ctx.mirror[obs.opp[:, -2]])

    class Grudge(Strategy):
        """Grim trigger wearing a depth-1 label (its state lives in ``obs.memory``)."""

        name = "grudge_test"
        memory_depth = 1

        def act(self, obs):
            if obs.t == 0:
                obs.memory["g"] = np.zeros(obs.size, dtype=bool)
                return obs.full(obs.ctx.coop_own)
            obs.memory["g"] |= obs.ctx.provocation[obs.last_opp]
            return np.where(obs.memory["g"], obs.ctx.max_own, obs.ctx.coop_own)

    for cls in (Liar, Grudge):
        violations, _ = _memory_violations(cls(), pd_game, 0, 1)
        assert violations, cls.__name__
    # with the depth they really have, Liar passes
    assert not _memory_violations(Liar(), pd_game, 0, 2)[0]
