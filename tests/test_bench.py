"""``posture bench``: the pipeline's speed next to the pose model's, on a real clip."""

from __future__ import annotations

from pathlib import Path

import pytest

from posture.cli.bench import shared_media
from posture.cli.commands import main

CLIP = shared_media() / "bodyweight_squats_side.mp4"


@pytest.mark.media
@pytest.mark.skipif(not CLIP.is_file(), reason="../shared/media is not available")
@pytest.mark.parametrize("extra", [[], ["--no-video"]])
def test_bench_prints_both_speeds_and_their_ratio(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", str(CLIP), "--frames", "20", *extra]) == 0
    out = capsys.readouterr().out
    assert "(20 frames)" in out
    assert "pose model alone" in out and "whole pipeline" in out
    ratio = float(out.split("ratio", 1)[1].split(":", 1)[1].split()[0])
    assert 0.05 < ratio < 3.0
    assert ("[no annotated video]" in out) == bool(extra)


@pytest.mark.parametrize("args", [["--frames", "-1"], ["--repeat", "0"]])
def test_absurd_bench_settings_are_one_line(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    assert main(["bench", str(clip), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--frames" in err
