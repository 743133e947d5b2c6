"""sim.render stands alone: it restates the pure-equilibrium rule, and imports nothing else of sim."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.render.bimatrix import pure_best_response_profiles
from sim.stage.equilibria import pure_equilibrium_mask

RENDER = Path(__file__).resolve().parents[2] / "sim" / "render"


@st.composite
def small_integer_games(draw):
    m, n = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    k = draw(st.sampled_from([0, 1, 2, 5]))  # k = 0: constant matrices; small k: ties everywhere
    entries = st.integers(-k, k)
    A = draw(hnp.arrays(np.int64, (m, n), elements=entries)).astype(float)
    B = draw(hnp.arrays(np.int64, (m, n), elements=entries)).astype(float)
    scale = draw(st.sampled_from([1.0, 1e-3, 1e6]))
    return A * scale, B * scale


@settings(max_examples=300, deadline=None)
@given(small_integer_games())
def test_pure_profiles_match_the_stage_rule(game):
    A, B = game
    expected = [tuple(map(int, ij)) for ij in np.argwhere(pure_equilibrium_mask(A, B))]
    assert pure_best_response_profiles(A, B) == expected


def test_pure_profiles_on_known_games():
    pd_a = np.array([[3.0, 0.0], [5.0, 1.0]])
    assert pure_best_response_profiles(pd_a, pd_a.T) == [(1, 1)]
    assert pure_best_response_profiles(np.zeros((2, 3)), np.zeros((2, 3))) == [(i, j) for i in range(2) for j in range(3)]
    assert pure_best_response_profiles(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[-1.0, 1.0], [1.0, -1.0]])) == []


def _sim_imports(path: Path) -> list[tuple[int, str]]:
    """Every module of ``sim`` a file imports, anywhere in it (absolute or relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = "sim.render"  # every file here is in sim.render (its __init__ included)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name == "sim" or a.name.startswith("sim.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
                out.append((node.lineno, name))
            elif node.module and (node.module == "sim" or node.module.startswith("sim.")):
                out.append((node.lineno, node.module))
    return out


def test_render_imports_nothing_else_of_sim():
    files = sorted(RENDER.rglob("*.py"))
    assert len(files) >= 3 and RENDER / "__init__.py" in files
    bad = [f"{f.relative_to(RENDER.parents[1])}:{line}: {name}"
           for f in files for line, name in _sim_imports(f)
           if not (name == "sim.render" or name.startswith("sim.render."))]
    assert not bad, "sim.render must not import the rest of sim:\n" + "\n".join(bad)


def test_the_import_scan_sees_imports_in_functions(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from sim.model import game\n    import sim.stage.equilibria\nfrom . import _base\n")
    assert sorted(n for _, n in _sim_imports(f)) == ["sim.model", "sim.render", "sim.stage.equilibria"]
