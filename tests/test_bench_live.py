"""The live latency benchmark: a real clip played as a camera through posture.run.live.run_live."""

from __future__ import annotations

from pathlib import Path

import pytest

from posture.cli.bench_live import main, measure, shared_media

CLIP = shared_media() / "floor_lift_knees_bent_side.mp4"


@pytest.mark.media
@pytest.mark.skipif(not CLIP.is_file(), reason="../shared/media is not available")
def test_a_paced_clip_gives_latency_figures_for_every_frame_shown() -> None:
    r = measure(CLIP)
    lat = r["latency_ms"]
    assert 0 < lat["median"] <= lat["p95"] <= lat["max"]
    assert r["update_ms"]["median"] > 0
    assert r["frames_produced"] == 62
    assert r["frames_processed"] + r["frames_dropped"] <= r["frames_produced"]
    assert r["frames_processed"] > 10
    assert lat["median"] < 1000, "a live frame must not wait a second"


def test_a_missing_clip_is_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "none.mp4")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("bench_live: error: clip not found") and len(err.splitlines()) == 1
