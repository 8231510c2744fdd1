"""Live and recorded analysis tell the same story: ``posture live --replay CLIP --no-window
--out DIR`` (every frame, in order, through the streaming core) against ``posture analyze
CLIP`` (the whole clip at once, with hindsight), on every clip in ``../shared/media``.

What may differ, and by how much, is stated in the README ("Live and recorded"): the live
filter lags a moving measure by about a tenth of a second and live analysis learns the camera's
tilt as it goes, so a cue may start up to ``CUE_LAG_S`` later or earlier; a lift's times agree
within 0.3 s; the risk level agrees on at least 95 % of the frames.
"""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import Run, Runs, all_clips

pytestmark = [pytest.mark.media, pytest.mark.slow]

#: A lift's start, lowest point and end, live against recorded, s.
LIFT_TIMES_S = 0.3
#: A cue's start, live against recorded, s: the one-euro filter's lag on a moving measure
#: (0.1 s at its 1.5 Hz cut-off) and the cue's onset (0.3 s) crossed a frame or so apart.
CUE_LAG_S = 0.5
#: Share of the frames whose risk level must agree.
RISK_AGREEMENT = 0.95


def cue_onsets(run: Run) -> dict[str, list[float]]:
    """When each cue started showing (s), cue by cue."""
    t = run.num("time_s")
    shown: dict[str, np.ndarray] = {}
    for i, cell in enumerate(run.frames["cues"]):
        for cue in filter(None, str(cell).split(";")):
            shown.setdefault(cue, np.zeros(len(t), bool))[i] = True
    out = {}
    for cue, on in shown.items():
        starts = np.flatnonzero(np.diff(np.r_[False, on].astype(int)) == 1)
        out[cue] = [float(t[i]) for i in starts]
    return out


@pytest.mark.parametrize("clip", all_clips())
def test_live_replay_writes_what_posture_analyze_writes(runs: Runs, clip: str) -> None:
    live, recorded = runs.live(clip), runs.clip(clip)
    for name in ("frames.csv", "lifts.csv", "summary.json"):
        assert (live.out / name).is_file(), f"{clip}: the live session wrote no {name}"
    assert list(live.frames) == list(recorded.frames)
    assert len(live.frames["frame"]) == len(recorded.frames["frame"])  # every frame, in order
    assert live.summary["subject"] == recorded.summary["subject"]
    assert set(live.summary) == set(recorded.summary)


@pytest.mark.parametrize("clip", all_clips())
def test_live_replay_finds_the_lifts_the_recording_finds(runs: Runs, clip: str) -> None:
    live, recorded = runs.live(clip), runs.clip(clip)
    assert len(live.lifts) == len(recorded.lifts), (
        f"{clip}: live {[lf['lowest_s'] for lf in live.lifts]}, "
        f"recorded {[lf['lowest_s'] for lf in recorded.lifts]}"
    )
    for a, b in zip(live.lifts, recorded.lifts, strict=True):
        assert a["style"] == b["style"], f"{clip} lift {b['lift']}"
        for key in ("start_s", "lowest_s", "end_s"):
            assert abs(float(a[key]) - float(b[key])) <= LIFT_TIMES_S, f"{clip} {key}: {a} {b}"
    assert live.summary["lifts"] == recorded.summary["lifts"] == len(recorded.lifts)
    assert live.summary["risky_lifts"] == recorded.summary["risky_lifts"]


@pytest.mark.parametrize("clip", all_clips())
def test_live_replay_raises_the_cues_the_recording_raises(runs: Runs, clip: str) -> None:
    live, recorded = cue_onsets(runs.live(clip)), cue_onsets(runs.clip(clip))
    assert set(live) == set(recorded), f"{clip}: live {live}, recorded {recorded}"
    for cue, starts in recorded.items():
        for t in starts:
            nearest = min(abs(t - s) for s in live[cue])
            assert nearest <= CUE_LAG_S, f"{clip}: {cue} at {t} s, live at {live[cue]}"


@pytest.mark.parametrize("clip", all_clips())
def test_live_replay_reads_the_same_risk_level_on_95_percent_of_frames(
    runs: Runs, clip: str
) -> None:
    live, recorded = runs.live(clip), runs.clip(clip)
    same = np.mean(live.frames["risk_level"] == recorded.frames["risk_level"])
    assert same >= RISK_AGREEMENT, f"{clip}: the risk level agrees on {same:.1%} of the frames"
