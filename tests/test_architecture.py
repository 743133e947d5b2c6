"""The package's layers, checked from its source: who may import whom, sizes, and light imports."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"

# lowest first; a module may import its own layer and the layers below it
LAYERS = [
    ("sim.errors", "sim._random", "sim._files", "sim._notebooks"),
    ("sim.render",),
    ("sim.model",),
    ("sim.stage",),
    ("sim.dynamic",),
    ("sim.repeated",),
    ("sim.sweeps",),
    ("sim.empirics",),
    ("sim.viz",),
    ("sim.classroom",),
    ("sim.cli",),
]
EXEMPT = {"sim", "sim.__main__"}
MAX_LINES = 560


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Modules of sim imported anywhere in the file: module level, in functions, under TYPE_CHECKING."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name == "sim" or a.name.startswith("sim.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod == "sim" or mod.startswith("sim."):
                out.add(mod)
                # ``from sim.stage import equilibria`` imports the submodule sim.stage.equilibria
                out |= {f"{mod}.{a.name}" for a in node.names if (SIM.parent / f"{mod}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                        or (SIM.parent / f"{mod}.{a.name}".replace(".", "/") / "__init__.py").exists()}
    return out


MODULES = {_module_name(p): p for p in sorted(SIM.rglob("*.py"))}
GRAPH = {name: {m for m in _imports(p) if m in MODULES and m != name} for name, p in MODULES.items()}


def _layer(module: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def test_the_scan_finds_the_package():
    assert {"sim.model.game", "sim.stage.equilibria", "sim.repeated.engine", "sim.cli", "sim.render"} <= set(MODULES)
    assert len([m for m in MODULES if _layer(m) is not None]) >= 50
    assert "sim.errors" in GRAPH["sim.stage.equilibria"]
    assert any("sim.model.game" in deps for deps in GRAPH.values())


def test_every_module_is_in_a_layer():
    assert [m for m in MODULES if m not in EXEMPT and _layer(m) is None] == []


def test_no_import_cycle():
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_only_viz_and_cli_import_viz_and_cli():
    bad = [f"{m} imports {dep}" for m, deps in GRAPH.items() if m not in EXEMPT
           and not (m.startswith("sim.viz") or m.startswith("sim.cli"))
           for dep in sorted(deps) if dep.startswith("sim.viz") or dep.startswith("sim.cli")]
    assert not bad, "\n".join(bad)


def _layer_violations():
    return [f"{m} (layer {_layer(m)}) imports {dep} (layer {_layer(dep)})"
            for m, deps in sorted(GRAPH.items()) if m not in EXEMPT
            for dep in sorted(deps) if dep not in EXEMPT
            and None not in (_layer(m), _layer(dep)) and _layer(dep) > _layer(m)]


def test_layers_import_only_layers_below():
    assert _layer_violations() == []


def _oversized():
    return {m: n for m, p in MODULES.items() if "kernel" not in p.name
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}


def test_no_module_is_over_the_size_limit():
    assert _oversized() == {}


# ----------------------------------------------------------------------------- light imports, metadata
def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_the_cli_loads_no_matplotlib():
    assert _run("import sys, sim.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))") == "[]"


def test_solve_through_the_cli_loads_no_matplotlib():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from sim.cli import main\n"
        "r = CliRunner().invoke(main, ['solve', 'scenarios/prisoners_dilemma.toml'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'D' in r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    assert _run(code) == "[]"


def test_version_is_the_installed_distributions():
    import sim

    assert sim.__version__ == importlib.metadata.version("tradesim")


def test_help_of_the_package_names_the_entry_points():
    import pydoc

    import sim

    text = pydoc.render_doc(sim, renderer=pydoc.plaintext)
    assert "load_scenario" in text and "play" in text
