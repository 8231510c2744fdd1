"""The layers: the pure ones import neither cv2, mediapipe nor streamlit (checked in a fresh
interpreter), no module imports from a layer above its own, and no import cycle exists."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PURE = (
    "posture.core.geometry",
    "posture.core.landmarks",
    "posture.core.body",
    "posture.core.measures",
    "posture.core.filtering",
    "posture.core.body_state",
    "posture.core.measure_info",
    "posture.core.progress",
    "posture.assess.rules",
    "posture.assess.cues",
    "posture.assess.temporal",
    "posture.assess.judge",
    "posture.assess.lift_finder",
    "posture.assess.lifts",
    "posture.assess.explain",
    "posture.assess.analysis",
    "posture.assess.stream",
    "posture.scoring",
    "posture.synthetic",
)
HEAVY = ("cv2", "mediapipe", "streamlit", "av", "matplotlib")

#: Imports the modules one by one in a fresh interpreter; prints, per module, the heavy
#: libraries that were loaded once it was imported.
PROBE = """
import importlib, json, sys
modules, heavy = sys.argv[1].split(","), sys.argv[2].split(",")
seen = {}
for m in modules:
    importlib.import_module(m)
    seen[m] = sorted(n for n in sys.modules if n.split(".")[0] in heavy)
print(json.dumps(seen))
"""


def heavy_imports(*modules: str) -> dict[str, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(modules), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_pure_layers_import_no_video_model_or_ui_library() -> None:
    seen = heavy_imports(*PURE)
    assert list(seen) == list(PURE)
    bad = {m: heavy for m, heavy in seen.items() if heavy}
    assert not bad, f"pure layers pulling in heavy libraries (first seen after): {bad}"


def test_a_segment_worker_starts_without_the_signal_library() -> None:
    """A pool process imports the run modules to start (spawn): scipy.signal (over half a
    second) is imported only by whoever filters, and the segment workers never do."""
    probe = (
        "import sys, posture.run.parallel, posture.run.segments; "
        "print('scipy.signal' in sys.modules); "
        "from posture.core.filtering import lowpass_design; lowpass_design(2.0, 4, 30.0); "
        "print('scipy.signal' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-2:] == ["False", "True"]  # a filter imports it


@pytest.mark.parametrize(("module", "library"), [("posture.video.draw", "cv2")])
def test_the_probe_can_see_a_heavy_import(module: str, library: str) -> None:
    # drawing does import cv2: without this control the test above could not fail
    pytest.importorskip(library)
    assert library in heavy_imports(module)[module]


# ---------------------------------------------------------------------------------------------
# the layers point one way
# ---------------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
#: Lowest first: a module may import from its own layer and the layers before it, never after.
LAYERS = (
    ("posture.core",),
    ("posture.scoring", "posture.synthetic"),
    ("posture.assess",),
    ("posture.video",),
    ("posture.run",),
    ("posture.report",),
    ("posture.library",),
    ("posture.cli",),
    ("posture.validation",),
    ("app",),
)


def layer_of(module: str) -> int | None:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every project module ``path`` imports, at any depth (lazy imports inside functions and
    ``TYPE_CHECKING`` blocks count too)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = [*ROOT.joinpath("posture").rglob("*.py"), *ROOT.joinpath("app").rglob("*.py")]
    known = {module_name(f) for f in files}
    graph = {module_name(f): imports_of(f, known) for f in files}
    for mod, deps in graph.items():
        deps.discard(mod)
        # a package's __init__ re-exporting its modules is not a dependency of those modules
        deps -= {d for d in deps if mod.startswith(d + ".") and d in graph}
    return graph


def test_every_module_belongs_to_a_layer() -> None:
    graph = import_graph()
    loose = sorted(m for m in graph if layer_of(m) is None and m not in ("posture", "app"))
    assert not loose, f"modules outside every layer (add them to LAYERS): {loose}"


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = []
    for mod, deps in import_graph().items():
        own = layer_of(mod)
        for dep in deps:
            theirs = layer_of(dep)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{mod} -> {dep}")
    assert not upward, "imports from a higher layer:\n" + "\n".join(sorted(upward))


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_lazy_or_not() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    # without this control the test above could not fail
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
