"""Priors on parameters: the grammar, truncated inverse CDFs against scipy, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from sim.cli import main
from sim.errors import ScenarioError
from sim.model.load import load_scenario, welfare_scenario
from sim.model.priors import parse_prior

U = np.linspace(0.0005, 0.9995, 41)

CASES = [  # (prior, range, the scipy distribution it must equal)
    ("uniform(1, 3)", None, stats.uniform(1, 2)),
    ("normal(3.8, 0.6)", None, stats.norm(3.8, 0.6)),
    ("normal(3.8, 0.6)", (2.5, 5.1), stats.truncnorm((2.5 - 3.8) / 0.6, (5.1 - 3.8) / 0.6, loc=3.8, scale=0.6)),
    ("normal(0, 1)", (3.0, 4.0), stats.truncnorm(3.0, 4.0)),  # far in the upper tail
    ("lognormal(0.5, 0.25)", None, stats.lognorm(0.25, scale=np.exp(0.5))),
    ("triangular(0, 1, 4)", None, stats.triang(0.25, loc=0, scale=4)),
    ("beta(2, 5)", (10.0, 20.0), stats.beta(2, 5, loc=10, scale=10)),
    (" normal( -1e-1 ,2 ) ", None, stats.norm(-0.1, 2)),
]


@pytest.mark.parametrize("text, rng, dist", CASES, ids=[c[0].strip() for c in CASES])
def test_inverse_cdf_matches_scipy(text, rng, dist):
    prior = parse_prior(text, range=rng)
    assert np.allclose(prior.ppf(U), dist.ppf(U), rtol=1e-7, atol=1e-9)


def test_truncation_maps_uniforms_into_the_range_cdf():
    prior = parse_prior("uniform(0, 10)", range=(2.0, 4.0))
    assert np.allclose(prior.ppf(np.array([0.0, 0.25, 0.5])), [2.0, 2.5, 3.0])
    assert prior.mass() == pytest.approx(0.2)
    assert prior.text == "uniform(0, 10)"


BAD = [
    ("normal(0, 0)", "sd must be > 0"),
    ("normal(0, -1)", "sd must be > 0"),
    ("lognormal(0, 0)", "sigma must be > 0"),
    ("uniform(0.5, 0.5)", "lo must be below hi"),
    ("triangular(0, 2, 1)", "mode must be within"),
    ("beta(0, 1)", "a and b must be > 0"),
    ("gauss(0, 1)", "unknown prior 'gauss'"),
    ("normal(1)", "normal takes 2 numbers"),
    ("normal(50, 1)", "no probability within the range"),
    ("uniform(2, 3)", "no probability within the range"),
    ("__import__('os').system('true')", "expected one of"),
    ("normal(0, 1) + 1", "expected one of"),
]


@pytest.mark.parametrize("prior, message", BAD, ids=[b[0] for b in BAD])
def test_bad_prior_is_one_line_naming_the_key(write_scenario, prior, message):
    path = write_scenario(f"""
        [scenario]
        name = "p"
        [parameters]
        x = {{ value = 0.5, range = [0.0, 1.0], prior = "{prior}", assumption = "t" }}
        [players.a]
        name = "A"
        actions = ["C", "D"]
        [players.b]
        name = "B"
        actions = ["C", "D"]
        [payoffs]
        a = [[1, 0], [0, 1]]
        b = [[1, 0], [0, 1]]
        """)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {path}: parameters.x.prior: ") and message in lines[0]


def test_beta_needs_a_range(write_scenario):
    path = write_scenario("""
        [scenario]
        name = "p"
        [parameters]
        x = { value = 0.5, prior = "beta(2, 2)", assumption = "t" }
        [players.a]
        name = "A"
        actions = ["C"]
        [players.b]
        name = "B"
        actions = ["C"]
        [payoffs]
        a = [[1]]
        b = [[1]]
        """)
    with pytest.raises(ScenarioError, match=r"parameters\.x\.prior: beta\(a, b\) is scaled onto the parameter's range"):
        load_scenario(path)


WELFARE = """
[scenario]
name = "w"
[parameters]
w = {{ value = 0.25, assumption = "political weight" }}
[players.a]
name = "A"
[players.a.levers.x]
levels = [0, 1]
[players.a.payoff]
gain = "w * a.x - 0.5 * a.x"
[players.b]
name = "B"
[players.b.levers.y]
levels = [0, 1]
[players.b.payoff]
gain = "-b.y"
[welfare]
{welfare}
"""


def test_welfare_values_become_the_base_values(write_scenario):
    scenario = load_scenario(write_scenario(WELFARE.format(welfare="w = 1.0")))
    assert scenario.welfare == {"w": 1.0}
    assert welfare_scenario(scenario).parameters["w"].value == 1.0
    assert scenario.parameters["w"].value == 0.25


def test_unknown_welfare_parameter_names_the_key(write_scenario):
    path = write_scenario(WELFARE.format(welfare="nope = 1.0"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {path}: welfare.nope: no parameter 'nope' (parameters: w)"
