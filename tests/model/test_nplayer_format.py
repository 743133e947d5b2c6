"""The N-player scenario format: payoff tensors (axis k = player k), lever games of any number of
players, the limits, and two-player files giving exactly the stage game they gave before."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.model.game import StageGame, build_game
from sim.model.load import load_scenario
from sim.model.nplayer import NormalFormGame
from sim.model.nplayer_build import build_any, build_normal_form
from sim.model.scenario import MAX_PLAYERS
from tests.conftest import LEVER_GAME, SCENARIOS

TWO_PLAYER = sorted(p for p in SCENARIOS.glob("*.toml") if len(load_scenario(p).players) == 2)
N_PLAYER = ["us_china_brazil_soy.toml", "export_control_coalition.toml", "public_goods_3.toml"]


def pure_equilibria(game: NormalFormGame) -> list[tuple[int, ...]]:
    """Brute force: profiles where no player gains by a unilateral deviation."""
    out = []
    for profile in np.ndindex(*game.shape):
        stable = True
        for k in range(game.n_players):
            line = list(profile)
            line[k] = slice(None)
            if game.payoffs[k][tuple(line)].max() > game.payoffs[k][profile] + 1e-12:
                stable = False
                break
        if stable:
            out.append(profile)
    return out


def best_response(game: NormalFormGame, k: int, profile) -> int:
    line = list(profile)
    line[k] = slice(None)
    return int(np.argmax(game.payoffs[k][tuple(line)]))


# ----------------------------------------------------------------------------- two players unchanged
@pytest.mark.parametrize("path", TWO_PLAYER + [LEVER_GAME], ids=lambda p: p.name)
def test_two_player_normal_form_is_exactly_the_stage_game(path):
    scenario = load_scenario(path)
    expected = build_game(scenario).to_normal_form()
    got = build_normal_form(scenario)
    assert got.player_ids == expected.player_ids and got.actions == expected.actions
    assert got.player_names == expected.player_names and got.levers == expected.levers
    assert got.discount == expected.discount and got.units == expected.units
    assert got.cooperative == expected.cooperative
    for k in range(2):
        assert np.array_equal(got.payoffs[k], expected.payoffs[k])
        assert np.array_equal(got.action_levels[k], expected.action_levels[k])
        assert list(got.terms[k]) == list(expected.terms[k])
        for term in got.terms[k]:
            assert np.array_equal(got.terms[k][term], expected.terms[k][term])
    assert isinstance(build_any(scenario), StageGame)


def test_two_player_matrix_is_the_depth_two_tensor():
    scenario = load_scenario(SCENARIOS / "prisoners_dilemma.toml")
    assert scenario.payoffs["row"] == ((3.0, 0.0), (5.0, 1.0))
    assert np.array_equal(build_normal_form(scenario).payoffs[0], [[3, 0], [5, 1]])


# ----------------------------------------------------------------------------- tensors
def test_tensor_layout_axis_k_is_player_k():
    scenario = load_scenario(SCENARIOS / "public_goods_3.toml")
    game = build_any(scenario)
    assert isinstance(game, NormalFormGame) and game.player_ids == ("ann", "bob", "cat")
    assert game.shape == (2, 2, 2)
    # ann free-rides, bob and cat contribute: ann keeps 3 and gets 2 * 2 = 7; bob and cat get 4
    ann, bob, cat = game.payoffs
    assert ann[1, 0, 0] == 7 and bob[1, 0, 0] == 4 and cat[1, 0, 0] == 4
    assert bob[0, 1, 0] == 7 and cat[0, 0, 1] == 7
    assert game.profile_labels((1, 0, 0)) == {"ann": "free-ride", "bob": "contribute", "cat": "contribute"}
    # the file's nested lists, read back: ann[i][j][k]
    assert np.array_equal(ann, np.array(scenario.payoffs["ann"]))


def test_public_goods_has_the_published_answer():
    """Ledyard (1995): with MPCR r/N = 2/3 < 1 contributing is strictly dominated; unique NE: nobody gives."""
    game = build_any(load_scenario(SCENARIOS / "public_goods_3.toml"))
    for k in range(3):
        for others in itertools.product(range(2), repeat=2):
            give, keep = list(others), list(others)
            give.insert(k, 0)
            keep.insert(k, 1)
            assert game.payoffs[k][tuple(keep)] - game.payoffs[k][tuple(give)] == 1  # 3 kept - 2 returned
    assert pure_equilibria(game) == [(1, 1, 1)]
    assert all(u[0, 0, 0] == 6 and u[1, 1, 1] == 3 for u in game.payoffs)  # all give: 6 each; nobody: 3


def test_lever_values_broadcast_along_their_players_axis(write_scenario):
    path = write_scenario(THREE_LEVERS)
    game = build_normal_form(load_scenario(path))
    assert game.shape == (2, 3, 4)
    a, b, c = np.meshgrid([0, 1], [0, 10, 20], [0, 100, 200, 300], indexing="ij")
    assert np.array_equal(game.payoffs[0], a + b + c)
    assert np.array_equal(game.payoffs[2], c * a)
    assert np.array_equal(game.terms[1]["own"], b) and np.array_equal(game.terms[1]["other"], -a)
    assert game.cooperative == (1, 0, 2)


THREE_LEVERS = """
[scenario]
name = "three"
[players.a]
name = "A"
[players.a.levers.x]
levels = [0, 1]
[players.a.payoff]
sum = "a.x + b.y + c.z"
[players.b]
name = "B"
[players.b.levers.y]
levels = [0, 10, 20]
[players.b.payoff]
own = "b.y"
other = "-a.x"
[players.c]
name = "C"
[players.c.levers.z]
levels = [0, 100, 200, 300]
[players.c.payoff]
product = "c.z * a.x"
[repeated]
cooperative = { a = { x = 1 }, c = { z = 200 } }
"""


def test_build_game_refuses_more_than_two_players(write_scenario):
    scenario = load_scenario(write_scenario(THREE_LEVERS))
    with pytest.raises(ScenarioError) as info:
        build_game(scenario)
    assert info.value.key == "players"
    assert ("has 3 players; this command takes two (solve, play, tournament, thresholds, sweep, validate and show "
            "take more)") in str(info.value)


# ----------------------------------------------------------------------------- the bundled N-player files
@pytest.mark.parametrize("name", N_PLAYER)
def test_bundled_n_player_scenarios_load_and_every_number_is_sourced(name):
    scenario = load_scenario(SCENARIOS / name)
    assert len(scenario.players) == 3
    game = build_any(scenario)
    assert isinstance(game, NormalFormGame) and all(np.isfinite(u).all() for u in game.payoffs)
    for pname, p in scenario.parameters.items():
        assert (p.source or p.assumption or "").strip(), pname


def test_soybean_game_has_three_way_interaction():
    game = build_any(load_scenario(SCENARIOS / "us_china_brazil_soy.toml"))
    us, china, brazil = 0, 1, 2
    ids = {pid: k for k, pid in enumerate(game.player_ids)}
    assert ids == {"us": us, "china": china, "brazil": brazil}
    peak, jan = game.action_index(us, "tariff=Apr 2025"), game.action_index(us, "tariff=Jan 2025")
    buy, boycott = game.action_index(china, "us_share=2024 share"), game.action_index(china, "us_share=boycott")
    none, big = game.action_index(brazil, "expansion=none"), game.action_index(brazil, "expansion=+20 MMT")
    # China's best reply moves with the US tariff and with Brazil's capacity ...
    assert best_response(game, china, (peak, 0, big)) == boycott
    assert best_response(game, china, (peak, 0, none)) == buy
    assert best_response(game, china, (jan, 0, big)) == buy
    # ... Brazil expands only when China shuns US beans, and a boycott pulls the US tariff down (farm aid)
    assert best_response(game, brazil, (peak, boycott, 0)) == big
    assert best_response(game, brazil, (peak, buy, 0)) == none
    assert best_response(game, us, (0, buy, none)) != jan
    assert best_response(game, us, (0, boycott, none)) == jan
    # Brazil gains when China boycotts US soybeans, whatever its own choice
    for b in range(3):
        assert game.payoffs[brazil][peak, boycott, b] > game.payoffs[brazil][peak, buy, b]


def test_export_control_coalition_is_a_coordination_game():
    game = build_any(load_scenario(SCENARIOS / "export_control_coalition.toml"))
    found = [game.profile_labels(p) for p in pure_equilibria(game)]
    assert found == [{"us": "controls=none", "ally": "align=stays out", "china": "retaliation=none"},
                     {"us": "controls=controls", "ally": "align=aligns", "china": "retaliation=targets US"}]
    # controls bite only if the ally aligns
    china = game.player_ids.index("china")
    assert game.terms[china]["controls_bite"][1, 0, 0] == 0 and game.terms[china]["controls_bite"][1, 1, 0] < 0


# ----------------------------------------------------------------------------- limits and bad input
def matrix_text(n: int, actions: int = 2, tensor: str | None = None) -> str:
    ids = [f"p{k}" for k in range(n)]
    players = "".join(f'[players.{pid}]\nname = "{pid}"\nactions = [{", ".join(repr(str(a)) for a in range(actions))}]\n'
                      for pid in ids)
    zeros = np.zeros((actions,) * n, dtype=int).tolist()
    payoffs = "".join(f"{pid} = {tensor if (tensor and k == 1) else zeros}\n" for k, pid in enumerate(ids))
    return f'[scenario]\nname = "n"\n{players}[payoffs]\n{payoffs}'


def test_up_to_the_player_limit_loads(write_scenario):
    game = build_any(load_scenario(write_scenario(matrix_text(MAX_PLAYERS))))
    assert game.n_players == MAX_PLAYERS and game.shape == (2,) * MAX_PLAYERS


@pytest.mark.parametrize("text, key, message", [
    (matrix_text(MAX_PLAYERS + 1), "players", f"has {MAX_PLAYERS + 1} players, more than the limit of {MAX_PLAYERS}"),
    (matrix_text(3, tensor="[[1, 2], [3, 4]]"), "payoffs.p1",
     "must be a 2 x 2 x 2 tensor, nested 3 levels deep in player order: 2 entries (p0's actions), each of 2 entries "
     "(p1's actions), each of 2 numbers (p2's actions); got a 2 x 2 matrix"),
    (matrix_text(3, tensor="[[[1, 2], [3, 4]], [[5, 6], [7]]]"), "payoffs.p1", "got ragged"),
    (matrix_text(3, tensor="[[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[0, 0], [0, 0]]]"), "payoffs.p1", "got a 3 x 2 x 2"),
    (matrix_text(3, tensor="[[[1, 2], [3, 4]], [[5, 6], [7, inf]]]"), "payoffs.p1.1.1.1", "finite"),
    (matrix_text(3, tensor="7"), "payoffs.p1", "nested lists of numbers, one level per player"),
    (matrix_text(2).replace("[players.p1]", '[players.p2]\nname = "x"\nactions = ["a"]\n[players.p1]'), "payoffs.p0",
     "must be a 2 x 1 x 2 tensor"),
])
def test_bad_tensor_files_name_their_key(write_scenario, text, key, message):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    problems = [str(p) for p in info.value.problems]
    assert len(problems) == 1, problems
    assert f": {key}: " in problems[0] and message in problems[0], problems[0]


def test_too_many_profiles_is_refused_naming_players(write_scenario):
    big = "[" + ", ".join(str(i) for i in range(64)) + "]"
    text = THREE_LEVERS.replace("levels = [0, 1]", f"levels = {big}\n[players.a.levers.w]\nlevels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]").replace(
        "levels = [0, 10, 20]", f"levels = {big}").replace("levels = [0, 100, 200, 300]", f"levels = {big}")
    text = text.replace("cooperative = { a = { x = 1 }, c = { z = 200 } }", "")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    assert info.value.key == "players" and "640 x 64 x 64 action profiles exceeds the limit of 1000000" in str(
        info.value)


def test_a_lever_of_an_unknown_player_is_refused(write_scenario):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(THREE_LEVERS.replace('sum = "a.x + b.y + c.z"', 'sum = "a.x + d.w"')))
    assert info.value.key == "players.a.payoff.sum" and "unknown player 'd' in d.w" in str(info.value)


def test_state_and_sequence_take_two_players(write_scenario):
    with pytest.raises(ScenarioError, match="state: a game with state .* takes two players; this one has 3"):
        load_scenario(write_scenario(THREE_LEVERS + "[state.s]\nlevels = [0, 1]\ninitial = 0\n"))
    with pytest.raises(ScenarioError, match="state: a game with state"):
        load_scenario(write_scenario(THREE_LEVERS.replace('own = "b.y"', 'own = "prev.a.x"')))
    with pytest.raises(ScenarioError, match="sequence.stages: a sequential game takes two players; this one has 3"):
        load_scenario(write_scenario(THREE_LEVERS + '[sequence]\nstages = [{ player = "a" }, { player = "b" }]\n'))


def test_mixed_kinds_with_three_players(write_scenario):
    text = matrix_text(3).replace('[players.p2]\nname = "p2"\nactions = [\'0\', \'1\']',
                                  '[players.p2]\nname = "p2"\n[players.p2.levers.q]\nlevels = [1]\n[players.p2.payoff]\nt = "1"')
    with pytest.raises(ScenarioError, match="all players must use levers, or all plain actions"):
        load_scenario(write_scenario(text))


def test_the_term_budget_counts_every_players_terms(write_scenario):
    levels = "[" + ", ".join(str(i) for i in range(64)) + "]"
    many = "\n".join(f't{i} = "c.z + {i}"' for i in range(64))
    text = (THREE_LEVERS.replace("levels = [0, 1]", f"levels = {levels}\n[players.a.levers.w]\nlevels = [0, 1]")
            .replace("levels = [0, 10, 20]", f"levels = {levels}")
            .replace("levels = [0, 100, 200, 300]", f"levels = {levels}").replace('product = "c.z * a.x"', many)
            .replace("cooperative = { a = { x = 1 }, c = { z = 200 } }", ""))
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    # 128 x 64 x 64 profiles x (1 + 2 + t) terms passes 25,000,000 values at c's terms
    assert info.value.key == "players.c.payoff" and "(all players, so far)" in str(info.value)
