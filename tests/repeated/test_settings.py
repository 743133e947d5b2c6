"""One set of play settings for matches, tournaments and evolution (sim.repeated.settings)."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.model.game import StageGame
from sim.repeated.engine import play
from sim.repeated.evolution import moran
from sim.repeated.settings import PlaySettings
from sim.repeated.tournament import round_robin

PD = StageGame.from_matrices([[3, 0], [5, 1]], [[3, 5], [0, 1]], actions=(("C", "D"), ("C", "D")), cooperative=(0, 0))
PAYOFF = [[3.0, 0.0], [5.0, 1.0]]  # a 2-strategy tournament table for moran


def _play(**kw):
    return play(PD, ("tit_for_tat", "always_defect"), rounds=3, **kw)


def _round_robin(**kw):
    return round_robin(PD, ["tit_for_tat", "always_defect"], rounds=3, **{"replicates": 2, **kw})


def _moran(**kw):
    return moran(PAYOFF, strategies=["tit_for_tat", "always_defect"], population=4, max_steps=20,
                 **{"replicates": 2, **kw})


RUNNERS = {"play": _play, "round_robin": _round_robin, "moran": _moran}
BAD = [
    ("noise", {"noise": 2}),
    ("noise", {"noise": -0.1}),
    ("replicates", {"replicates": 0}),
    ("replicates", {"replicates": True}),
    ("replicates", {"replicates": 1.5}),
    ("seed", {"seed": -1}),
]


def _cases():
    for runner in RUNNERS:
        for key, kw in BAD:
            if runner == "moran" and key == "noise":
                continue  # a Moran process plays no matches: it has no noise (its mutation rate is checked alike)
            yield pytest.param(runner, key, kw, id=f"{runner}-{key}={list(kw.values())[0]!r}")
    yield pytest.param("moran", "mutation", {"mutation": 2}, id="moran-mutation=2")


@pytest.mark.parametrize("runner, key, kwargs", list(_cases()))
def test_the_same_bad_setting_is_the_same_error(runner, key, kwargs):
    with pytest.raises(InputError) as info:
        RUNNERS[runner](**kwargs)
    assert info.value.key == key, str(info.value)


def test_the_same_message_everywhere():
    messages = {}
    for name, run in (("play", _play), ("round_robin", _round_robin), ("moran", _moran)):
        with pytest.raises(InputError) as info:
            run(seed=-1)
        messages[name] = info.value.message
    assert len(set(messages.values())) == 1, messages


def test_play_result_reads_its_settings():
    res = play(PD, ("tit_for_tat", "random"), rounds=4, replicates=3, noise=0.25, perception_noise=0.1, seed=7)
    assert isinstance(res.settings, PlaySettings)
    assert (res.noise, res.replicates, res.seed) == (0.25, 3, 7)
    assert (res.settings.noise, res.settings.replicates, res.settings.seed) == (0.25, 3, 7)
    assert res.perception_noise == res.settings.perception_noise == 0.1
    assert res.rounds == res.settings.rounds == 4
    assert res.seed_key == res.settings.seed_key
    assert res.cooperative == res.settings.cooperative == (0, 0)
    # the settings are the checked values: the same keywords build the same PlaySettings
    again = PlaySettings.check(PD, rounds=4, replicates=3, noise=0.25, perception_noise=0.1, seed=7)
    assert again == res.settings


def test_play_without_a_seed_records_the_key_it_used():
    res = play(PD, ("tit_for_tat", "random"), rounds=2)
    assert res.seed is None and isinstance(res.seed_key, int)
    assert res.settings.seed is None


@pytest.mark.parametrize("replicates", [1, 3, 17])
def test_round_robin_setup_records_the_replicates_asked_for(replicates):
    tour = round_robin(PD, ["tit_for_tat", "always_defect"], rounds=3, replicates=replicates, noise=0.05, seed=2)
    setup = tour.setup()
    assert setup["replicates"] == replicates
    assert setup["noise"] == 0.05 and setup["seed"] == 2
    assert isinstance(tour.settings, PlaySettings) and tour.replicates == replicates
    assert setup["cooperative"] == {"row": "C", "col": "C"}
