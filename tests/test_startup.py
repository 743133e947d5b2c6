"""Start-up: what the command imports, the command table, and numba's disk cache across processes."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
PD = "scenarios/prisoners_dilemma.toml"

# ``python -m sim ARGS`` (runpy is what ``-m`` runs), printing the imported modules at exit; importtime
# would miss the command modules, which the group imports through importlib.
DRIVER = """
import atexit, json, runpy, sys
atexit.register(lambda: sys.__stderr__.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv = ["tradesim", *sys.argv[1:]]
runpy.run_module("sim", run_name="__main__", alter_sys=True)
"""

HEAVY = ("matplotlib", "numba", "pandas", "pyarrow")


def _run(code: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return done


def _modules(*args: str) -> set[str]:
    """The modules ``tradesim ARGS`` has imported when it exits."""
    stderr = _run(DRIVER, *args).stderr
    line = next(x for x in stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def _packages(modules: set[str]) -> set[str]:
    return {m.partition(".")[0] for m in modules}


@pytest.mark.parametrize("command", ["solve", "validate", "show", "play", "tournament"])
def test_a_command_on_a_small_game_imports_no_heavy_library(command):
    modules = _modules(command, PD)
    assert _packages(modules) & set(HEAVY) == set()
    others = {m for m in modules if m.startswith("sim.cli.") and m.endswith(("_cmd", "_cmds"))}
    assert "sim.cli.classroom_cmd" not in others and "sim.cli.sweep_cmd" not in others, sorted(others)


@pytest.mark.parametrize("command", ["validate", "play", "solve"])
def test_validate_solve_and_a_plain_match_on_a_small_game_import_no_scipy(command):
    # solve's LPs go to HiGHS through highspy (sim.stage.highs), and a small correlated-equilibrium LP
    # is dense, so neither scipy.optimize nor scipy.sparse is imported
    assert "scipy" not in _packages(_modules(command, PD))


def test_help_of_one_command_imports_that_command_alone():
    modules = _modules("sweep", "--help")
    assert "sim.cli.sweep_cmd" in modules
    assert not {"sim.cli.solve_cmd", "sim.cli.play_cmds", "sim.cli.classroom_cmd", "sim.cli.replay_cmd"} & modules
    assert _packages(modules) & {*HEAVY, "scipy", "dask"} == set()


# --------------------------------------------------------------------------- the command table
def _eager_group():
    """Every command module registered on a plain group, as the command line did before it went lazy."""
    from sim.cli import _COMMAND_MODULES, _Group

    group = _Group("tradesim")
    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(group)
    return group


def test_the_table_names_the_module_that_registers_each_command():
    from sim.cli import _COMMAND_MODULES, _COMMANDS, _Group

    for module in set(_COMMANDS.values()):
        assert module in _COMMAND_MODULES, module
        group = _Group("x")
        importlib.import_module(module).register(group)
        assert set(group.commands) == {name for name, m in _COMMANDS.items() if m == module}, module


def test_the_lazy_group_has_every_command_and_the_same_help():
    from sim.cli import main

    eager = _eager_group()
    assert sorted(main.commands) == sorted(eager.commands)
    assert all(main.commands[name] is eager.commands[name] for name in eager.commands)
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0 and "Commands:" in top.output
    for name in eager.commands:
        assert name in top.output
        lazy_help = runner.invoke(main, [name, "--help"], prog_name="tradesim").output
        assert lazy_help == runner.invoke(eager, [name, "--help"], prog_name="tradesim").output, name


def test_a_module_the_table_does_not_name_is_found_when_its_command_is_asked_for(monkeypatch):
    import sim.cli as cli

    module = types.ModuleType("sim.cli._startup_probe")

    @click.command("probe")
    def probe():
        """A command the table does not list."""
        click.echo("probed")

    module.register = lambda group: group.add_command(probe)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(cli, "_COMMAND_MODULES", (*cli._COMMAND_MODULES, module.__name__))
    group = cli._Group("tradesim")
    group.commands = cli._Commands(group)
    result = CliRunner().invoke(group, ["probe"])
    assert result.exit_code == 0 and result.output == "probed\n"
    assert "sim.cli.solve_cmd" not in group.commands._loaded  # the named modules stayed unloaded
    assert "probe" in list(group.commands) and "solve" in list(group.commands)


def test_a_mistyped_command_still_gets_suggestions():
    done = subprocess.run([sys.executable, "-m", "sim", "solv"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: tradesim: No such command 'solv'. (Did you mean one of: 'evolve', 'solve'?)"


# --------------------------------------------------------------------------- the engine: numpy or kernels
PLAY = """
import sys
import sim
import sim.repeated.kernels as K
K.COMPILE_FROM = int(sys.argv[1])
game = sim.build_game(sim.load_scenario("scenarios/prisoners_dilemma.toml"))
sim.play(game, ("generous_tit_for_tat:g=0.3", "random"), rounds=50, replicates=20, noise=0.1, seed=1)
print("numba" in sys.modules, K.loaded_kernels() is not None)
"""


def test_a_small_match_stays_on_numpy_and_a_long_run_loads_the_kernels():
    assert _run(PLAY, str(10**9)).stdout.split() == ["False", "False"]
    assert _run(PLAY, "1000").stdout.split() == ["True", "True"]


@pytest.mark.parametrize("pair", [("generous_tit_for_tat:g=0.3", "random"), ("tit_for_tat", "grim_trigger")])
@pytest.mark.parametrize("game_file", [PD, "scenarios/us_china_2025.toml"])
@pytest.mark.parametrize("lengths", ["fixed", "geometric"])
def test_numpy_and_the_kernels_give_the_same_numbers_bit_for_bit(monkeypatch, pair, game_file, lengths):
    import sim
    import sim.repeated.kernels as K

    if K.kernels() is None:
        pytest.skip("numba not installed")
    game = sim.build_game(sim.load_scenario(ROOT / game_file))
    kw = dict(rounds=25, replicates=40) if lengths == "fixed" else dict(continuation=0.95, max_rounds=300, replicates=30)
    compiled = sim.play(game, pair, noise=0.2, perception_noise=0.1, seed=12, **kw)
    monkeypatch.setattr(K, "KERNELS", None)
    plain = sim.play(game, pair, noise=0.2, perception_noise=0.1, seed=12, **kw)
    for field in ("actions", "total", "discounted", "coop_rounds", "coop_rounds_player", "first_breakdown",
                  "round_payoff", "round_cooperation", "round_active"):
        assert np.array_equal(getattr(compiled, field), getattr(plain, field)), field


# --------------------------------------------------------------------------- numba's disk cache
CACHE = """
import numpy as np
import sim
from sim.repeated import kernels as K
from numba.core.registry import CPUDispatcher

K.kernels()  # load the kernels whatever the size of the match
game = sim.build_game(sim.load_scenario("scenarios/prisoners_dilemma.toml"))
for rounds in (30, 40):
    sim.play(game, ("generous_tit_for_tat:g=0.3", "random"), rounds=rounds, replicates=25, noise=0.1,
             perception_noise=0.05, seed=rounds)
sim.play(game, ("tit_for_tat", "random"), continuation=0.9, max_rounds=100, replicates=10, seed=3)
misses = {name: sum(f.stats.cache_misses.values()) for name, f in vars(K.KERNELS).items()
          if isinstance(f, CPUDispatcher) and f.signatures}
print(sorted(misses), sum(misses.values()))
"""


def _cache_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.rglob("*") if p.suffix in (".nbi", ".nbc"))


def test_a_second_process_loads_every_kernel_from_the_cache_and_adds_no_entry(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    first = _run(CACHE, env=env).stdout.split("]")
    after_first = _cache_files(tmp_path)
    second = _run(CACHE, env=env).stdout.split("]")
    assert after_first, "nothing was cached"
    assert _cache_files(tmp_path) == after_first
    assert first[0] == second[0] and "'step'" in first[0] and "'summarise'" in first[0] and "'uniform'" in first[0]
    assert int(first[1]) > 0 and int(second[1]) == 0  # compiled once, then every kernel loaded from the cache
