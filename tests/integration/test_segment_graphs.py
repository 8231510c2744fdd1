"""The main process of a segmented run lets its pose graphs go once the frames are analysed
(the final analysis, the video and the report need none), and a batch's next recording loads
them again and is analysed as the first was."""

from __future__ import annotations

import pytest

from posture.core.config import DEFAULTS, override
from posture.run import segments
from posture.run.parallel import Workers, analyze_in_segments
from posture.run.recorded import resolve

from .conftest import MEDIA

pytestmark = [pytest.mark.media, pytest.mark.slow]

CLIP = MEDIA / "bodyweight_squats_side.mp4"


def test_graphs_are_let_go_after_the_frames_and_loaded_again_for_the_next_recording() -> None:
    if not CLIP.is_file():
        pytest.skip(f"the shared clips are not here ({CLIP})")
    settings = override(DEFAULTS, {"run": {"segment_min_s": 2.0, "lead_in_s": 1.0}})
    with Workers(2, settings, resolve(settings)) as workers:
        results = []
        for _ in range(2):
            result = analyze_in_segments(str(CLIP), settings, None, workers, max_frames=240)
            assert result.timings["segments"] >= 3, "the clip was not cut"
            assert segments._POOLS == {}, "the main process kept its pose graphs"
            results.append(result)
    first, second = (r.summary() for r in results)
    assert first["clip"]["frames"] == second["clip"]["frames"] == 240
    assert len(first["people"]) == len(second["people"])
    assert first["lifts"] == second["lifts"]
