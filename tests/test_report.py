"""The HTML report: self-contained, complete, faces blurred by default, honest about limits.

The clip is a synthetic stick figure seen from the side (no pose model needed): it stands, bends
over with straight knees to 75 degrees (a stoop, high risk), holds, and straightens up again.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from posture.assess.tables import riskiest_lifts
from posture.core.config import DEFAULTS, override
from posture.core.landmarks import LM, N_LANDMARKS, PoseRecording, PoseSequence, save_npz
from posture.report import (
    key_moments,
    lift_low_row,
    lift_rows,
    lift_text,
    peak_row,
    render_report,
    row_at,
    write_report,
)
from posture.report.figures import envelope, spaced
from posture.report.scores import REPORT_MAX_LIFTS, lifts_section, niosh_section
from posture.run.recorded import Result, analyze_landmarks

FPS = 30.0
#: Standing pose relative to the mid-hip, metres; x forward, y down, z away from the camera
#: (the person's left side is away from the camera).
STANDING = {
    LM.NOSE: (0.10, -0.72, 0.0),
    LM.LEFT_EYE_INNER: (0.09, -0.75, 0.02),
    LM.LEFT_EYE: (0.085, -0.75, 0.03),
    LM.LEFT_EYE_OUTER: (0.08, -0.75, 0.04),
    LM.RIGHT_EYE_INNER: (0.09, -0.75, -0.02),
    LM.RIGHT_EYE: (0.085, -0.75, -0.03),
    LM.RIGHT_EYE_OUTER: (0.08, -0.75, -0.04),
    LM.LEFT_EAR: (0.0, -0.73, 0.07),
    LM.RIGHT_EAR: (0.0, -0.73, -0.07),
    LM.MOUTH_LEFT: (0.09, -0.68, 0.02),
    LM.MOUTH_RIGHT: (0.09, -0.68, -0.02),
    LM.LEFT_SHOULDER: (0.0, -0.50, 0.18),
    LM.RIGHT_SHOULDER: (0.0, -0.50, -0.18),
    LM.LEFT_ELBOW: (0.0, -0.22, 0.20),
    LM.RIGHT_ELBOW: (0.0, -0.22, -0.20),
    LM.LEFT_WRIST: (0.02, 0.05, 0.20),
    LM.RIGHT_WRIST: (0.02, 0.05, -0.20),
    LM.LEFT_PINKY: (0.04, 0.10, 0.20),
    LM.RIGHT_PINKY: (0.04, 0.10, -0.20),
    LM.LEFT_INDEX: (0.05, 0.10, 0.19),
    LM.RIGHT_INDEX: (0.05, 0.10, -0.19),
    LM.LEFT_THUMB: (0.05, 0.07, 0.18),
    LM.RIGHT_THUMB: (0.05, 0.07, -0.18),
    LM.LEFT_HIP: (0.0, 0.0, 0.10),
    LM.RIGHT_HIP: (0.0, 0.0, -0.10),
    LM.LEFT_KNEE: (0.02, 0.45, 0.10),
    LM.RIGHT_KNEE: (0.02, 0.45, -0.10),
    LM.LEFT_ANKLE: (0.0, 0.88, 0.10),
    LM.RIGHT_ANKLE: (0.0, 0.88, -0.10),
    LM.LEFT_HEEL: (-0.05, 0.93, 0.10),
    LM.RIGHT_HEEL: (-0.05, 0.93, -0.10),
    LM.LEFT_FOOT_INDEX: (0.15, 0.95, 0.10),
    LM.RIGHT_FOOT_INDEX: (0.15, 0.95, -0.10),
}
UPPER_BODY = [lm for lm in LM if lm < LM.LEFT_HIP]
ARM = ("ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")


def bend_profile_deg(t: np.ndarray) -> np.ndarray:
    """Upright 1.5 s, bend to 75 deg over 1 s, hold 1 s, straighten over 1 s, upright 1 s."""
    return np.interp(t, [0, 1.5, 2.5, 3.5, 4.5, 5.5], [0, 0, 75, 75, 0, 0])


def stoop_recording(max_bend_deg: float = 75.0) -> PoseRecording:
    t = np.arange(0, 5.5, 1 / FPS)
    base = np.array([STANDING[lm] for lm in LM], np.float64)
    world = np.repeat(base[None], len(t), axis=0)
    a = np.radians(bend_profile_deg(t) * max_bend_deg / 75.0)[:, None]
    x, y = base[UPPER_BODY, 0][None], base[UPPER_BODY, 1][None]
    world[:, UPPER_BODY, 0] = x * np.cos(a) - y * np.sin(a)  # forward bend about the hips
    world[:, UPPER_BODY, 1] = x * np.sin(a) + y * np.cos(a)
    for side in ("LEFT", "RIGHT"):  # the arms hang from the shoulders: the hands go down
        shoulder = LM[f"{side}_SHOULDER"]
        for part in ARM:
            lm = LM[f"{side}_{part}"]
            world[:, lm] = world[:, shoulder] + (base[lm] - base[shoulder])
    image = np.zeros_like(world)
    image[..., 0] = 0.5 + 0.4 * world[..., 0]  # a side camera, orthographic, square frame
    image[..., 1] = 0.45 + 0.4 * world[..., 1]
    seq = PoseSequence(
        t_s=t,
        world_xyz_m=world.astype(np.float32),
        image_xyz=image.astype(np.float32),
        visibility=np.full((len(t), N_LANDMARKS), 0.99, np.float32),
        frame_index=np.arange(len(t)),
        image_size_px=(480, 480),
        person_id=1,
    )
    return PoseRecording((seq,), 1, {"source": "synthetic_stoop.mp4", "fps": FPS})


@pytest.fixture(scope="module")
def npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "landmarks.npz"
    save_npz(path, stoop_recording())
    return path


@pytest.fixture(scope="module")
def result(npz: Path, tmp_path_factory: pytest.TempPathFactory) -> Result:
    return analyze_landmarks(npz, DEFAULTS, tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="module")
def standing(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """The same figure standing still throughout: no lift, no cue."""
    path = tmp_path_factory.mktemp("standing") / "landmarks.npz"
    save_npz(path, stoop_recording(max_bend_deg=0.0))
    return analyze_landmarks(path, DEFAULTS, tmp_path_factory.mktemp("standing_out"))


def pictures(doc: str) -> list[np.ndarray]:
    found = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', doc)
    return [cv2.imdecode(np.frombuffer(base64.b64decode(b), np.uint8), 1) for b in found]


# ---------------------------------------------------------------------------------------------
def test_report_needs_nothing_outside_the_file(result: Result, tmp_path: Path) -> None:
    doc = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>")
    assert not re.search(r"(src|href)=\"(?!data:)", doc), "every resource must be inline"
    assert "http://" not in doc and "https://" not in doc
    assert "<script" not in doc and "<link" not in doc
    assert "<style>" in doc


def test_report_has_every_section_with_figures(result: Result) -> None:
    doc = render_report(result)
    for heading in (
        "Assessment",
        "Headline figures",
        "Standard scores",
        "Over time",
        "Worst moments",
        "Cues raised, most important first",
        "Lifts",
        "NIOSH lifting equation, per lift",
        "The clip",
        "Settings used",
        "Limits of this analysis",
    ):
        assert f"<h2>{heading}</h2>" in doc
    imgs = pictures(doc)
    assert len(imgs) >= 2  # the timeline and at least one moment
    assert all(img is not None and img.size > 0 for img in imgs)
    assert "synthetic_stoop.mp4" in doc


def test_a_stoop_raises_bend_your_knees_in_the_report(result: Result) -> None:
    doc = render_report(result)
    assert "Bend your knees, not your back" in doc
    assert "high" in doc  # the risk pill / share bar of the stoop


def test_worst_moments_are_in_the_bent_phase(result: Result) -> None:
    a = result.analysis
    moments = key_moments(result)
    assert moments, "a clip with a stoop must have moments to show"
    assert max(float(a.measures["trunk_flexion_deg"][m.row]) for m in moments) > 60
    assert [m.row for m in moments] == sorted(m.row for m in moments)
    peak = peak_row(a)
    assert peak is not None and 2.4 <= a.t_s[peak] <= 3.6


def test_faces_are_blurred_by_default_and_only_around_the_face(result: Result) -> None:
    blurred = pictures(render_report(result))[1:]
    plain = pictures(render_report(result, blur_faces=False))[1:]
    assert len(blurred) == len(plain) >= 1
    a = result.analysis
    rows = [m.row for m in key_moments(result)]
    changed_any = False
    for img_b, img_p, row in zip(blurred, plain, rows, strict=True):
        diff = np.abs(img_b.astype(int) - img_p.astype(int)).sum(axis=2) > 0
        if not diff.any():
            continue
        changed_any = True
        h, w = diff.shape
        nose = a.raw.image_xyz[row, LM.NOSE, :2] * (w, h)
        ys, xs = np.nonzero(diff)
        dist = np.hypot(xs - nose[0], ys - nose[1])
        assert dist.max() < 0.2 * w, "the blur must stay around the face"
    assert changed_any, "blurring must change the face region"
    assert "Faces are blurred" in render_report(result)
    assert "Faces are not blurred" in render_report(result, blur_faces=False)


def test_limits_explain_that_a_side_view_cannot_see_twist(result: Result) -> None:
    doc = render_report(result)
    limits = doc.split("<h2>Limits of this analysis</h2>")[1]
    assert "Trunk twist" in limits
    assert "never trusted from a pure side view" in limits


def test_settings_used_show_what_was_changed(npz: Path, tmp_path: Path) -> None:
    settings = override(
        DEFAULTS, {"task": {"load_kg": 12.0}, "rules": {"twist": {"twist_deg": 25}}}
    )
    doc = render_report(analyze_landmarks(npz, settings))
    section = doc.split("<h2>Settings used</h2>")[1].split("<h2>")[0]
    assert "Load weight (kg)</td><td>12.0</td><td>changed" in section
    assert "rules.twist.twist_deg</td><td>25.0</td><td>changed" in section
    assert "load_kg = 12.0" in section  # the full TOML
    # the person: chosen automatically here, and which one it was
    subject = analyze_landmarks(npz, settings).analysis.raw.person_id
    chosen = f"automatic (#{subject})" if subject else "automatic"
    assert f"Person analysed</td><td>{chosen}</td><td></td>" in section
    assert "Lift frequency (lifts/min)</td><td>not given" in section


def test_without_lifts_the_report_says_so(standing: Result) -> None:
    assert lift_rows(standing) == []
    doc = render_report(standing)
    section = doc.split("<h2>Lifts</h2>")[1].split("<h2>")[0]
    assert "No lift" in section and "<table>" not in section
    assert "No corrective cue was raised" in doc


def test_the_analysis_lifts_are_tabled_and_the_worst_one_pictured(result: Result) -> None:
    rows = lift_rows(result)
    assert len(rows) == 1, "the stoop (with its hold at the bottom) is one lift"
    low = lift_low_row(result, rows[0])
    assert low is not None and 2.3 <= result.analysis.t_s[low] <= 3.7
    assert any("Worst lift" in m.title for m in key_moments(result))
    section = render_report(result).split("<h2>Lifts</h2>")[1].split("<h2>")[0]
    assert "<table" in section and "No load weight was entered" in section


@pytest.mark.parametrize(
    ("lift", "text"),
    [
        (
            {"lift": 2, "style": "stoop", "li_origin": 0.8, "li_destination": 1.25},
            "lift 2 (stoop), LI 1.25",
        ),
        (
            {"lift": 3, "style": "semi_squat", "li_origin": None, "li_destination": None},
            "lift 3 (semi-squat)",
        ),
        (
            {"lift": 4, "style": "unknown", "li_origin": 2.0, "li_destination": None},
            "lift 4, LI 2.00",
        ),
    ],
)
def test_a_lift_is_named_with_its_style_and_worst_lifting_index(
    lift: dict[str, object], text: str
) -> None:
    assert lift_text(lift) == text


def test_a_report_without_video_has_no_pictures_but_says_why(result: Result) -> None:
    r = replace(result, outputs={k: v for k, v in result.outputs.items() if k != "video"})
    doc = render_report(r)
    assert len(pictures(doc)) == 1  # the timeline only
    assert "no annotated video" in doc


def test_row_at_picks_the_nearest_frame(result: Result) -> None:
    a = result.analysis
    assert row_at(a, -5.0) == 0
    assert row_at(a, 1e6) == a.n_frames - 1
    assert row_at(a, float(a.t_s[10]) + 0.4 / FPS) == 10
    assert row_at(a, float(a.t_s[10]) + 0.6 / FPS) == 11


def test_the_report_module_imports_no_streamlit() -> None:
    code = "import sys, posture.report; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_riskiest_lifts_rank_by_lifting_index_then_trunk_bend_in_time_order() -> None:
    rows = [
        {"lift": k, "li_origin": li, "li_destination": None, "peak_trunk_flexion_deg": bend}
        for k, (li, bend) in enumerate(
            [(None, 40.0), (1.5, 10.0), (None, 70.0), (0.5, 20.0), (None, 70.0)], 1
        )
    ]
    assert [r["lift"] for r in riskiest_lifts(rows, 5)] == [1, 2, 3, 4, 5]
    # the two with a lifting index first, then the deeper bend; of two alike, the earlier
    assert [r["lift"] for r in riskiest_lifts(rows, 3)] == [2, 3, 4]
    assert riskiest_lifts([], 3) == []


def test_a_long_recordings_report_lists_its_riskiest_lifts_and_says_so(
    result: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond REPORT_MAX_LIFTS lifts both lift tables list the riskiest, in time order, with a
    note pointing to lifts.csv (the PDF engine's time and memory grow with every row)."""
    (row,) = lift_rows(result)
    n = REPORT_MAX_LIFTS + 10
    rows = [
        row | {"lift": k, "peak_trunk_flexion_deg": 30.0 + (k % 7), "li_origin": None}
        for k in range(1, n + 1)
    ]
    rows[4]["li_origin"] = 2.5  # the one lift with a lifting index ranks first
    monkeypatch.setattr("posture.report.scores.lift_rows", lambda _: rows)
    shown = riskiest_lifts(rows, REPORT_MAX_LIFTS)
    assert len(shown) == REPORT_MAX_LIFTS and rows[4] in shown
    assert [r["lift"] for r in shown] == sorted(r["lift"] for r in shown)
    for section in (lifts_section(result), niosh_section(result)):
        table = section.split('<table class="wide">')[1].split("</table>")[0]
        numbers = [int(m) for m in re.findall(r"<tr><td>(\d+)</td>", table)]
        assert numbers == [r["lift"] for r in shown]
        assert f"{n} lifts: the {REPORT_MAX_LIFTS} riskiest are listed" in section
        assert "lifts.csv lists every lift" in section
    monkeypatch.setattr("posture.report.scores.lift_rows", lambda _: rows[:REPORT_MAX_LIFTS])
    assert "riskiest are listed" not in lifts_section(result)


def test_the_timeline_labels_only_the_lifts_whose_labels_do_not_overlap() -> None:
    # lifts every 18 s over 10 minutes: a label every other lift (0.06 x 600 s = 36 s apart)
    xs = [9.0 + 18.0 * k for k in range(33)]
    labelled = spaced(xs, 600.0)
    assert labelled[:4] == [True, False, True, False]
    shown = [x for x, ok in zip(xs, labelled, strict=True) if ok]
    assert min(np.diff(shown)) >= 36.0
    # a short clip's lifts are all labelled; none is lost at the edges
    assert spaced([2.0, 9.0, 16.0], 20.0) == [True, True, True]
    assert spaced([], 20.0) == []


def test_a_long_timeline_is_drawn_through_each_stretch_lowest_and_highest() -> None:
    t = np.arange(10_000) / 30.0
    v = np.sin(t)
    v[3000:3400] = np.nan  # a stretch the view could not tell
    v[7777] = 90.0  # one frame's peak
    short_t, short_v = t[:2000], v[:2000]
    same_t, same_v = envelope(short_t, short_v)
    assert same_t is short_t and same_v is short_v  # as is
    et, ev = envelope(t, v)
    assert len(et) == len(ev) == 2000 and np.all(np.diff(et) >= 0)
    assert np.nanmax(ev) == 90.0 and np.nanmin(ev) == np.nanmin(v)  # no peak is lost
    gap = (et > t[3010]) & (et < t[3390])
    assert gap.any() and np.isnan(ev[gap]).all()  # the gap stays a gap
    assert not np.isnan(ev[~((et >= t[3000]) & (et <= t[3399]))]).any()
