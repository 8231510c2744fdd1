"""``posture bench``: posture analyze next to MediaPipe alone, whole processes, on a real clip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from posture.cli.bench import shared_media
from posture.cli.commands import main

CLIP = shared_media() / "bodyweight_squats_side.mp4"


@pytest.mark.media
@pytest.mark.slow
@pytest.mark.skipif(not CLIP.is_file(), reason="../shared/media is not available")
def test_bench_times_posture_and_mediapipe_alone_as_whole_processes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", str(CLIP), "--frames", "20", "--no-video"]) == 0
    out = capsys.readouterr().out
    assert "(20 frames)" in out and "[no annotated video]" in out
    for label in (
        "MediaPipe alone, one person",
        "posture analyze",
        "MediaPipe alone, posture's settings (4)",
        "... --workers 1",
        "MediaPipe alone, posture's model",
    ):
        assert label in out
    ratio = float(re.search(r"^ratio: ([0-9.]+)", out, re.M).group(1))  # type: ignore[union-attr]
    assert 0.05 < ratio < 5.0
    assert "inference" in out and "start-up" in out  # the stages of both kinds of process


@pytest.mark.parametrize("args", [["--frames", "-1"], ["--repeat", "0"]])
def test_absurd_bench_settings_are_one_line(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    assert main(["bench", str(clip), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--frames" in err


@pytest.mark.parametrize("minutes", ["abc", "0", "-2", "1,2"])
def test_absurd_bench_lengths_are_one_line(
    minutes: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    assert main(["bench", str(clip), "--minutes", minutes]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--minutes" in err
