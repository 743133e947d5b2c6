"""GMCR stability (Nash, GMR, SMR, SEQ) against published answers and a direct implementation."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import tomllib
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputError
from sim.model.game import StageGame, build_game
from sim.model.load import load_scenario
from sim.stage import stability as stability_module
from sim.stage.equilibria import pure_equilibrium_mask
from sim.stage.stability import CONCEPTS, GraphModel, coalition_reach, stability
from sim.stage.stability_game import describe, graph_model, profile_state
from tests.conftest import LEVER_GAME

DATA = Path(__file__).resolve().parents[1] / "data" / "gmcr"


# ----------------------------------------------------------------------------- 2 x 2 games
@dataclass(frozen=True)
class TwoByTwo:
    """A 2 x 2 ordinal game as a graph model, with its GMCR equilibria per concept.

    Each DM toggles its own choice (C/D); the four states are CC, CD, DC, DD (row's choice first).
    """

    id: str
    row: tuple[int, int, int, int]  # row's preference for CC, CD, DC, DD (larger preferred)
    col: tuple[int, int, int, int]
    equilibria: dict[str, set[str]]


STATES = ("CC", "CD", "DC", "DD")
ARCS = {"row": [("CC", "DC"), ("DC", "CC"), ("CD", "DD"), ("DD", "CD")],
        "col": [("CC", "CD"), ("CD", "CC"), ("DC", "DD"), ("DD", "DC")]}

# The textbook GMCR results for the two classic 2 x 2 games (Fraser & Hipel 1984; Fang, Hipel &
# Kilgour 1993; the GMCR+ example Prisoners.gmcr gives the same for the prisoner's dilemma). By hand:
# * Prisoner's dilemma (T > R > P > S): from CC each side's defection DC is answered by the other's
#   defection DD, worse for the first (P < R) and an improvement for the answerer (P > S), so CC is
#   GMR, SMR and SEQ stable though not Nash; CD and DC are unstable (the sucker's move to DD cannot
#   be punished: the only answer, back to cooperation, gives it T); DD is Nash, so stable under all.
# * Chicken (swerve = C): from CC a side's dare DC is punished by the other's dare DD (worst for
#   both), so CC is GMR and SMR stable, but daring back costs the answerer (1 < 2): not SEQ.
#   CD, DC are Nash; DD is unstable (swerving pays and cannot be punished).
CASES = [
    TwoByTwo("prisoners-dilemma", row=(3, 1, 4, 2), col=(3, 4, 1, 2),
             equilibria={"nash": {"DD"}, "gmr": {"CC", "DD"}, "smr": {"CC", "DD"}, "seq": {"CC", "DD"}}),
    TwoByTwo("chicken", row=(3, 2, 4, 1), col=(3, 4, 2, 1),
             equilibria={"nash": {"CD", "DC"}, "gmr": {"CC", "CD", "DC"}, "smr": {"CC", "CD", "DC"},
                         "seq": {"CD", "DC"}}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_two_by_two_games_have_their_textbook_equilibria(case):
    model = GraphModel.from_arcs(("row", "col"), STATES, ARCS, preferences={"row": case.row, "col": case.col})
    result = stability(model)
    assert len(result.equilibria) == len(CONCEPTS)
    for concept, want in case.equilibria.items():
        assert {model.states[s] for s in result.equilibria[concept]} == want, concept


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_stage_game_adapter_gives_the_same_answers(case):
    # payoffs as matrices: rows = row's C, D; columns = col's C, D
    game = StageGame.from_matrices(np.reshape(case.row, (2, 2)), np.reshape(case.col, (2, 2)),
                                   actions=(("C", "D"), ("C", "D")), cooperative=(0, 0))
    model = graph_model(game)
    assert model.states == ("C | C", "C | D", "D | C", "D | D")
    result = stability(model)
    for concept, want in case.equilibria.items():
        got = {model.states[s].replace(" | ", "") for s in result.equilibria[concept]}
        assert got == want, concept


def test_prisoners_dilemma_in_words():
    game = build_game(load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "prisoners_dilemma.toml"))
    result = stability(graph_model(game))
    lines = describe(result, (0, 0), game)
    assert lines[0] == "the truce is not Nash stable for row: its move to D pays (5.0 vs 3.0 points)"
    assert ("the truce is sequentially stable for col: its improvement to D is met by row's counter-move to D, "
            "which leaves col worse off (1.0 vs 3.0 points), and that counter-move pays for row (+1.0)") in lines
    assert describe(result, (1, 1), game, name="mutual defection") == [
        "mutual defection is stable for row under every concept: no change of its own levers pays it",
        "mutual defection is stable for col under every concept: no change of its own levers pays it"]


def test_chicken_in_words_says_why_the_dare_back_is_not_credible():
    game = StageGame.from_matrices([[3, 2], [4, 1]], [[3, 4], [2, 1]], actions=(("swerve", "dare"),) * 2,
                                   player_ids=("row", "col"), cooperative=(0, 0))
    result = stability(graph_model(game))
    gmr, seq = describe(result, (0, 0), game, concepts=("gmr", "seq"))[:2]
    assert "met by col's counter-move to dare" in gmr and "costs col 1.0" in gmr
    assert seq.startswith("the truce is not sequentially stable for row: its improvement to dare (4.0 vs 3.0)")


# ----------------------------------------------------------------------------- a published conflict
def load_elmira():
    data = tomllib.loads((DATA / "elmira.toml").read_text(encoding="utf-8"))
    label = str
    arcs = lambda table: {dm: [(label(a), label(b)) for a, b in pairs] for dm, pairs in table.items()}  # noqa: E731
    model = GraphModel.from_arcs(data["dms"], [label(s) for s in data["states"]], arcs(data["moves"]),
                                 rankings={dm: [label(s) for s in r] for dm, r in data["rankings"].items()},
                                 irreversible=arcs(data["irreversible"]), name=data["name"])
    return model, data["published"]["equilibria"]


def test_elmira_matches_the_published_stability_table_state_by_state():
    model, published = load_elmira()
    result = stability(model)
    assert (model.n_dms, model.n_states) == (3, 9)
    for concept in CONCEPTS:
        got = result.equilibrium_mask(concept)
        want = np.isin(np.arange(1, 10), published[concept])
        assert got.tolist() == want.tolist(), (concept, np.flatnonzero(got) + 1)


def test_elmira_needs_its_irreversible_moves():
    model, published = load_elmira()
    free = GraphModel(model.dms, model.states, model.moves, model.preferences)
    got = {c: [int(model.states[s]) for s in eq] for c, eq in stability(free).equilibria.items()}
    assert got["nash"] == [5] != published["nash"]  # with every move reversible, 8 and 9 fall


def test_elmira_local_government_is_sanctioned_by_a_coalition_sequence():
    model, _ = load_elmira()
    result = stability(model)
    # at state 1 LG's improvement to 5 (insisting) is blocked only by a two-move sanction:
    # MoE modifies (6), then UR accepts (8), which LG likes less than 1
    reason = result.reason("LG", "1", "gmr")
    assert reason.stable and reason.improvement == "5" and reason.sanction == "8"
    assert reason.path == (("MoE", "6"), ("UR", "8"))
    assert not result.is_stable("LG", "1", "seq")  # neither move pays its mover
    assert "sanctioned by MoE to 6, then UR to 8" in reason.sentence()


# ----------------------------------------------------------------------------- a direct implementation
def direct_stability(model: GraphModel, tol: float = 0.0) -> np.ndarray:
    """Stability straight from the definitions (Fang, Hipel & Kilgour 1993): sequences enumerated."""
    d, n = model.n_dms, model.n_states
    u = model.preferences
    R = [[set(np.flatnonzero(model.available(i)[s]).tolist()) for s in range(n)] for i in range(d)]
    Rplus = [[{t for t in R[i][s] if u[i, t] > u[i, s] + tol} for s in range(n)] for i in range(d)]

    def reach(H, s, moves):
        found, todo, seen = set(), [(s, None)], set()
        while todo:
            x, last = todo.pop()
            for j in H:
                if j != last:
                    for t in moves[j][x]:
                        found.add(t)
                        if (t, j) not in seen:
                            seen.add((t, j))
                            todo.append((t, j))
        return found

    out = np.ones((len(CONCEPTS), d, n), dtype=bool)
    for i, s in itertools.product(range(d), range(n)):
        H = [j for j in range(d) if j != i]
        for s1 in Rplus[i][s]:
            out[0, i, s] = False
            gmr = [s2 for s2 in reach(H, s1, R) if u[i, s2] <= u[i, s] + tol]
            out[1, i, s] &= bool(gmr)
            out[2, i, s] &= any(all(u[i, s3] <= u[i, s] + tol for s3 in R[i][s2]) for s2 in gmr)
            out[3, i, s] &= any(u[i, s2] <= u[i, s] + tol for s2 in reach(H, s1, Rplus))
    return out


def random_model(seed: int) -> GraphModel:
    rng = np.random.default_rng(seed)
    d, n = int(rng.integers(2, 5)), int(rng.integers(1, 7))
    moves = rng.random((d, n, n)) < 0.45
    moves[:, np.arange(n), np.arange(n)] = False
    irreversible = moves & (rng.random((d, n, n)) < 0.25) if rng.random() < 0.5 else None
    prefs = rng.integers(0, 4, size=(d, n)).astype(float)  # few values: many ties
    return GraphModel(tuple(f"dm{k}" for k in range(d)), tuple(f"s{k}" for k in range(n)), tuple(moves), prefs,
                      None if irreversible is None else tuple(irreversible))


@pytest.mark.parametrize("block", range(4))
def test_matches_the_direct_implementation_on_random_models(block):
    for seed in range(block * 100, block * 100 + 100):
        model = random_model(seed)
        result = stability(model, tol=0.0)
        assert np.array_equal(result.stable, direct_stability(model)), seed
        check_reasons(model, result)


def check_reasons(model: GraphModel, result) -> None:
    """Every reported improvement is one; every sanction blocks it along a legal path; an unstable
    state's reported improvement is one nothing blocks."""
    u = model.preferences
    for (c, i, s) in itertools.product(range(len(CONCEPTS)), range(model.n_dms), range(model.n_states)):
        imp, san = result.improvement[c, i, s], result.sanction[c, i, s]
        if result.improvements[i, s] == 0:
            assert imp == san == -1 and result.stable[c, i, s]
            continue
        assert model.available(i)[s, imp] and u[i, imp] > u[i, s]
        if not result.stable[c, i, s]:
            assert san == -1  # what nothing blocks: test_an_unblocked_improvement_has_no_sanction_at_all
            continue
        assert san >= 0 and u[i, san] <= u[i, s]
        path = result.sanction_path(i, s, CONCEPTS[c])
        assert path and path[-1][1] == san
        here, last = int(imp), None
        for mover, there in path:
            assert mover != i and mover != last and model.available(mover)[here, there]
            if CONCEPTS[c] == "seq":
                assert u[mover, there] > u[mover, here]
            here, last = there, mover
        if CONCEPTS[c] == "smr":
            assert all(u[i, t] <= u[i, s] for t in np.flatnonzero(model.available(i)[san]))


def test_an_unblocked_improvement_has_no_sanction_at_all():
    for seed in range(200):
        model = random_model(seed)
        result = stability(model, tol=0.0)
        direct = direct_stability(model)
        for c, i, s in zip(*np.nonzero(~result.stable)):
            # the reported improvement alone already makes the state unstable: drop the others
            imp = result.improvement[c, i, s]
            moves = [m.copy() for m in model.moves]
            keep = moves[i][s, imp]
            moves[i][s, :] = False
            moves[i][s, imp] = keep
            alone = GraphModel(model.dms, model.states, tuple(moves), model.preferences, model.irreversible and tuple(
                x & m for x, m in zip(model.irreversible, moves)))
            assert not direct_stability(alone)[c, i, s], (seed, c, i, s)
            assert not direct[c, i, s]


def test_the_concepts_nest_as_the_theory_says():
    # R implies SMR implies GMR, and R implies SEQ implies GMR (Fang, Hipel & Kilgour 1993)
    for seed in range(300):
        st_ = stability(random_model(seed)).stable
        nash, gmr, smr, seq = st_
        assert not (nash & ~smr).any() and not (smr & ~gmr).any()
        assert not (nash & ~seq).any() and not (seq & ~gmr).any()


def test_coalition_reach_forbids_moving_twice_in_a_row():
    # a path 0 -> 1 -> 2 -> 3 where dm A makes the first two moves: B's move 2 -> 3 is reachable
    # only if A's two moves could follow each other, which they may not
    A = np.zeros((4, 4), dtype=bool)
    B = np.zeros((4, 4), dtype=bool)
    A[0, 1] = A[1, 2] = True
    B[2, 3] = True
    reach = coalition_reach([A, B])
    assert reach[0, 1] and not reach[0, 2] and not reach[0, 3]
    assert reach[1, 2] and reach[1, 3]
    B[1, 0] = True  # A, B, A, ...: 0 -> 1 -> 0 -> 1, back at 0 but A still ends each visit to 1
    reach = coalition_reach([A, B])
    assert reach[0, 0] and not reach[0, 2]
    C = np.zeros((4, 4), dtype=bool)
    C[0, 1] = True  # a third member moving 0 -> 1 lets A move on: C, A, B
    reach = coalition_reach([A, B, C])
    assert reach[0, 2] and reach[0, 3]


# ----------------------------------------------------------------------------- the stage-game adapter
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 5))
def test_nash_stability_of_the_stage_graph_is_pure_nash(seed, m, n):
    rng = np.random.default_rng(seed)
    A, B = rng.integers(0, 4, size=(2, m, n)).astype(float)
    game = StageGame.from_matrices(A, B)
    result = stability(graph_model(game))
    assert np.array_equal(result.equilibrium_mask("nash").reshape(m, n), pure_equilibrium_mask(A, B))


def test_one_lever_at_a_time_moves(us_china_game):
    whole, single = graph_model(us_china_game), graph_model(us_china_game, moves="lever")
    levels = us_china_game.action_levels[1]
    n = us_china_game.shape[1]
    for a, b in [(0, 1), (0, 5), (3, 40)]:
        changed = int((levels[a] != levels[b]).sum())
        assert whole.moves[1][a, b] and single.moves[1][a, b] == (changed == 1)
    assert not whole.moves[1][0, n]  # china never moves the us's levers
    assert (single.moves[0] <= whole.moves[0]).all()


def lever_game(write_scenario, marks: dict[str, str]) -> StageGame:
    text = LEVER_GAME.read_text(encoding="utf-8")
    for table, mark in marks.items():
        text = text.replace(f"[{table}]\n", f"[{table}]\n{mark}\n", 1)
    return build_game(load_scenario(write_scenario(text)))


def test_an_irreversible_lever_only_rises(write_scenario):
    game = lever_game(write_scenario, {"players.china.levers.rare_earths": "irreversible = true"})
    model = graph_model(game)
    assert model.irreversible is not None
    china = game.action_levels[1]
    lever = [lv.name for lv in game.levers[1]].index("rare_earths")
    moves = model.available(1)
    n = game.shape[1]
    for a, b in itertools.product(range(n), repeat=2):
        if a != b:
            assert moves[a, b] == (china[b, lever] >= china[a, lever]), (a, b)
    # and the exclusion is lifted on request
    assert graph_model(game, irreversible=False).irreversible is None


def test_an_irreversible_level_cannot_be_left(write_scenario):
    game = lever_game(write_scenario, {"players.china.levers.rare_earths": 'irreversible = ["October controls"]'})
    model = graph_model(game)
    china = game.action_levels[1]
    lever = [lv.name for lv in game.levers[1]].index("rare_earths")
    moves = model.available(1)[: game.shape[1], : game.shape[1]]  # us at its first action
    for a, b in zip(*np.nonzero(model.moves[1][: game.shape[1], : game.shape[1]])):
        assert moves[a, b] == (china[a, lever] != 2 or china[b, lever] == 2)


def test_irreversible_marks_can_be_given_instead(us_china_game):
    model = graph_model(us_china_game, irreversible={"us": {"tariff": ["peak+100"]}})
    assert model.irreversible is not None and not model.irreversible[1].any()
    with pytest.raises(InputError, match="no lever 'tarif'"):
        graph_model(us_china_game, irreversible={"us": {"tarif": True}})
    with pytest.raises(InputError, match="no level 'top'"):
        graph_model(us_china_game, irreversible={"us": {"tariff": ["top"]}})


def test_irreversible_levels_are_checked_when_the_scenario_loads(write_scenario):
    from sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"rare_earths\.irreversible: 'Oct' is not a level"):
        lever_game(write_scenario, {"players.china.levers.rare_earths": 'irreversible = ["Oct"]'})
    with pytest.raises(ScenarioError, match="must be true, false or a list of levels"):
        lever_game(write_scenario, {"players.china.levers.rare_earths": "irreversible = 1"})
    game = lever_game(write_scenario, {"players.china.levers.rare_earths": "irreversible = [90]"})
    assert game.scenario.players["china"].levers["rare_earths"].irreversible == (90.0,)


def test_the_truce_of_the_lever_game_in_words(us_china_game):
    result = stability(graph_model(us_china_game))
    truce = us_china_game.cooperative
    lines = describe(result, truce, us_china_game)
    seq = [line for line in lines if line.startswith("the truce is sequentially stable for china")]
    assert len(seq) == 1 and "met by us's counter-move to" in seq[0] and "pays for us (+" in seq[0]
    s = profile_state(us_china_game, truce)
    assert result.is_stable("china", s, "seq") and result.is_stable("us", s, "seq")
    # the reported counter-move leaves china worse off than the truce and pays for the us
    k = CONCEPTS.index("seq")
    imp, san = result.improvement[k, 1, s], result.sanction[k, 1, s]
    pref = result.model.preferences
    assert pref[1, san] < pref[1, s] < pref[1, imp] and pref[0, san] > pref[0, imp]


# ----------------------------------------------------------------------------- results and errors
def test_results_as_dict_frame_and_text():
    model, _ = load_elmira()
    result = stability(model)
    d = result.to_dict(states=["5"])
    assert d["equilibria"]["seq"] == ["5", "8", "9"] and len(d["states"]) == 1
    assert d["states"][0]["stable"]["UR"] == {"nash": True, "gmr": True, "smr": True, "seq": True}
    frame = result.to_frame()
    assert len(frame) == 4 * 3 * 9
    row = frame[(frame.state == "1") & (frame.dm == "LG") & (frame.concept == "gmr")].iloc[0]
    assert row.stable and row.improvement == "5" and row.sanction == "8"
    text = str(result)
    assert "SEQ       equilibria: 5, 8, 9" in text and "1      RGSQ  RGSQ  -GS-" in text
    assert model.to_dict()["irreversible"]["MoE"] == [["2", "1"], ["4", "3"], ["6", "5"], ["8", "7"]]
    assert str(model).endswith("9 states; moves MoE 4, UR 12, LG 8 (16 more excluded as irreversible)")
    html = result._repr_html_()
    assert "<table" in html and "5; 8; 9" in html


@pytest.mark.parametrize("build, message", [
    (lambda: GraphModel(("a",), ("x",), (np.zeros((1, 1), bool),), np.zeros((1, 1))), "two or more distinct DMs"),
    (lambda: GraphModel(("a", "b"), ("x", "y"), (np.eye(2, dtype=bool),) * 2, np.zeros((2, 2))), "moves to itself"),
    (lambda: GraphModel(("a", "b"), ("x", "y"), (np.zeros((2, 3), bool),) * 2, np.zeros((2, 2))), "2 x 2 matrix"),
    (lambda: GraphModel(("a", "b"), ("x", "y"), (np.zeros((2, 2), bool),) * 2, np.zeros((2, 3))), "one row of 2"),
    (lambda: GraphModel.from_arcs(("a", "b"), ("x", "y"), {"a": [("x", "z")]}, preferences={"a": [0, 1], "b": [0, 1]}),
     "no state 'z'"),
    (lambda: GraphModel.from_arcs(("a", "b"), ("x", "y"), {}, rankings={"a": ["x"], "b": ["x", "y"]}),
     "every state exactly once"),
], ids=["one-dm", "self-loop", "shape", "preferences", "unknown-state", "ranking"])
def test_bad_models_are_one_line_errors(build, message):
    with pytest.raises(InputError, match=message) as info:
        build()
    assert "\n" not in str(info.value)


def test_size_caps_are_one_line_errors(monkeypatch, us_china_game):
    monkeypatch.setattr("sim.stage.stability_game.MAX_STATES", 100)
    with pytest.raises(InputError, match="16 x 54 = 864 profiles, more than the 100 states"):
        graph_model(us_china_game)
    monkeypatch.setattr(stability_module, "MAX_COALITION_STATES", 3)
    with pytest.raises(InputError, match="with 3 DMs, more than the limit of 3"):
        stability(load_elmira()[0])
