"""The pure layers import neither cv2, mediapipe nor streamlit (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PURE = (
    "posture.geometry",
    "posture.landmarks",
    "posture.body",
    "posture.measures",
    "posture.filtering",
    "posture.rules",
    "posture.cues",
    "posture.analysis",
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


@pytest.mark.parametrize(("module", "library"), [("posture.draw", "cv2")])
def test_the_probe_can_see_a_heavy_import(module: str, library: str) -> None:
    # drawing does import cv2: without this control the test above could not fail
    pytest.importorskip(library)
    assert library in heavy_imports(module)[module]
