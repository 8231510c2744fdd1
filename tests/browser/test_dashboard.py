"""The dashboard in a real browser: every view, as a user would drive it.

Screenshots of each view go to test-artifacts/screenshots/ (look at them: they must look like a
product). Run with ``pytest -m browser``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from dashboard_driver import CLIP, SCREENSHOTS, Watched
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from posture.video.draw import RISK_RGB

pytestmark = pytest.mark.browser
TALL = 3400


def wait_for_results(w: Watched, timeout_s: float = 120) -> None:
    w.page.get_by_text("Frame by frame").wait_for(timeout=timeout_s * 1000)
    w.page.locator("[data-testid='stVegaLiteChart']").first.wait_for()
    time.sleep(1.5)  # charts and images finish drawing


def scrub(w: Watched, slider: Any, steps: int = 8) -> None:
    """Drag a slider by several quick key presses (each one a rerun), then let it settle."""
    slider.focus()
    for key in ["ArrowRight"] * steps + ["ArrowLeft"] * (steps // 2):
        w.page.keyboard.press(key)
        time.sleep(0.05)
    time.sleep(2.0)  # the last rerun draws its frame; a deleted image would be fetched by now


#: The assessment typed into the sidebar, as summary.json keeps it.
ASSESSMENT = {
    "task": "Floor to bench",
    "worker": "W-042",
    "site": "Goods-in",
    "assessor": "R. Quality",
    "date": "2026-12-04",
    "notes": "Filmed from the side.",
}


def fill_assessment(w: Watched) -> None:
    """Type the assessment into the sidebar's fields (each commits on Tab)."""
    labels = {
        "task": "Task",
        "worker": "Worker (name or id)",
        "site": "Site",
        "assessor": "Assessor",
        "date": "Date of the assessment",
        "notes": "Notes",
    }
    sidebar = w.page.get_by_test_id("stSidebar")
    for key, label in labels.items():
        if key == "date":  # a date picker: its text box has no label of its own
            box = sidebar.get_by_test_id("stDateInput").filter(has_text=label)
            field = box.locator("input")
        else:
            field = sidebar.get_by_label(label, exact=True)
        field.fill(ASSESSMENT[key])
        field.press("Enter" if key == "date" else "Tab")
        if key == "date":
            w.page.keyboard.press("Tab")  # out of the date box: its calendar closes
        time.sleep(0.5)


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def download(w: Watched, label: str, attempts: int = 3) -> bytes:
    """Click a download button and read what it downloads. A click that lands while the page
    is still rerunning for the click before (a report made on the server, on a loaded
    machine) can be dropped with the button it hit: it is clicked again."""
    for attempt in range(attempts):
        try:
            with w.page.expect_download(timeout=40_000) as info:
                w.page.get_by_role("button", name=label).click()
            return Path(info.value.path()).read_bytes()
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
def test_the_page_loads_offline_without_errors(watched: Watched) -> None:
    page = watched.page
    assert page.get_by_role("heading", name="posture · lifting risk").is_visible()
    for tab in ("Review a recording", "Live coaching", "Compare lifts"):
        assert page.get_by_role("tab", name=tab).is_visible()
    assert page.get_by_text("Load weight (kg)").is_visible()  # the settings sidebar
    time.sleep(1.0)
    watched.screenshot("01_start")
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []


@pytest.mark.parametrize("watched", [TALL], indirect=True)
def test_the_demo_needs_no_camera_and_no_video(watched: Watched) -> None:
    page = watched.page
    page.get_by_role("button", name="Analyse the demo").click()
    unavailable = page.get_by_text("The demo recording is not installed yet")
    results = page.get_by_text("Frame by frame")
    results.or_(unavailable).wait_for(timeout=120_000)
    if unavailable.is_visible():
        watched.screenshot("02_demo_unavailable")
        pytest.skip("the demo recording (posture.synthetic) is not in this tree")
    wait_for_results(watched)
    assert page.get_by_text("Demo: synthetic lifts").is_visible()
    assert page.locator("video").count() >= 1
    watched.screenshot("02_demo")
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []


@pytest.mark.parametrize("watched", [TALL], indirect=True)
def test_an_uploaded_clip_runs_to_timeline_lifts_and_downloads(
    watched: Watched, needs_media: None
) -> None:
    page = watched.page
    fill_assessment(watched)
    sidebar = page.get_by_test_id("stSidebar")
    # the frequency left at 0 says in words what that means, where it is entered
    assert sidebar.get_by_text(re.compile(r"^Not given \(0\): measured from the clip")).is_visible()
    load = sidebar.get_by_label("Load weight (kg)", exact=True)
    load.fill("10")
    load.press("Enter")
    time.sleep(1.0)
    page.get_by_text("Your video").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload a video")
    uploader.locator("input[type='file']").set_input_files(str(CLIP))
    wait_for_results(watched)
    assert page.get_by_role("heading", name=CLIP.name).is_visible()
    assert page.locator("video").count() >= 1  # the annotated video
    assert page.get_by_role("heading", name="Lifts").is_visible()
    # with a load, the lifting index is a headline figure
    assert page.get_by_test_id("stMetricLabel").filter(has_text="Worst lifting index").is_visible()
    details = page.get_by_text(re.compile(r"^frame \d+ · "))
    before = details.inner_text()
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "t => !document.body.innerText.includes(t)", arg=before.split(" · ")[0] + " · "
    )
    scrub(watched, page.get_by_role("slider").first)
    assert page.locator("img.frame-img").count() == 1  # the frame, drawn inline
    watched.screenshot("03_review_upload")

    frames = download(watched, "frames.csv").decode()
    assert frames.startswith("frame,time_s,")
    assert len(frames.splitlines()) == 63  # header + 62 frames
    summary = json.loads(download(watched, "summary.json"))
    assert summary["clip"]["frames"] == 62
    assert summary["assessment"] == ASSESSMENT
    assert summary["settings"]["task"]["load_kg"] == 10
    report = download(watched, "Report (HTML)").decode()
    assert "Lifting-risk report" in report and "Faces are blurred" in report
    pdf = pdf_text(download(watched, "Report (PDF)"))
    for key, value in ASSESSMENT.items():
        assert value in pdf, key
    assert f"Peak score {summary['reba_peak']:g}" in pdf  # REBA, then RULA
    assert f"Peak score {summary['rula_peak']:g}" in pdf
    assert "OWAS back posture" in pdf and "Faces are blurred in these pictures" in pdf
    if summary.get("lifts"):
        assert download(watched, "lifts.csv").decode().startswith("lift,")
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []


@pytest.mark.parametrize("watched", [2600], indirect=True)
def test_several_uploads_are_compared_riskiest_first_and_filed_in_one_zip(
    watched: Watched, needs_media: None, tmp_path: Path
) -> None:
    import io
    import zipfile

    hinge = CLIP.parent / "hip_hinge_straight_knees_side.mp4"
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video")
    page = watched.page
    page.get_by_text("Several videos").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload several videos")
    uploader.locator("input[type='file']").set_input_files([str(CLIP), str(hinge), str(notes)])
    page.get_by_role("heading", name="3 recordings").wait_for(timeout=180_000)
    # the reason in full, and the order's rule stated where the order is
    page.get_by_text(re.compile(r"^notes\.mp4 could not be analysed: .*not a video")).wait_for()
    assert page.get_by_text(re.compile("^Riskiest first: the highest lifting index")).is_visible()
    wait_for_results(watched)  # the first recording opened below the overview
    # riskiest first: the stoop is the first recording offered, and opened
    assert page.get_by_role("heading", name=hinge.name).is_visible()
    watched.screenshot("08_several_videos")
    bundle = zipfile.ZipFile(io.BytesIO(download(watched, "All results (zip)")))
    names = set(bundle.namelist())
    assert {"overview.html", "overview.csv"} <= names
    for stem in (CLIP.stem, hinge.stem):
        assert f"{stem}/report.html" in names and f"{stem}/lifts.csv" in names
    overview = bundle.read("overview.html").decode()
    assert f'href="{hinge.stem}/report.html"' in overview
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []


def test_an_unreadable_upload_gets_one_clear_line(watched: Watched, tmp_path: Path) -> None:
    broken = tmp_path / "holiday.mp4"
    broken.write_bytes(b"\x00" * 4096)
    page = watched.page
    page.get_by_text("Your video").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload a video")
    uploader.locator("input[type='file']").set_input_files(str(broken))
    alert = page.get_by_test_id("stAlert").filter(has_text="holiday.mp4")
    alert.wait_for()
    assert "not a video we can read" in alert.inner_text()
    assert page.get_by_text("Traceback").count() == 0
    watched.screenshot("07_bad_upload")
    # a file of another type replaces that alert with its own (no stale alert naming the last)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    uploader.locator("input[type='file']").set_input_files(str(notes))
    page.get_by_test_id("stAlert").filter(has_text="notes.txt").wait_for()
    assert page.get_by_test_id("stAlert").filter(has_text="holiday.mp4").count() == 0


def _risk_pixels(frame: Any) -> int:
    """Pixels of the risk colours in the video element's current frame (the skeleton and the
    panel's risk square are drawn in them; the clip itself has hardly any)."""
    colours = [list(c) for c in RISK_RGB.values()][:3]
    return int(
        frame.evaluate(
            """(colours) => {
              const v = document.querySelector('video');
              if (!v || !v.videoWidth) return -1;
              const c = document.createElement('canvas');
              c.width = v.videoWidth; c.height = v.videoHeight;
              const g = c.getContext('2d'); g.drawImage(v, 0, 0);
              const d = g.getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4)
                for (const [r, gg, b] of colours)
                  if (Math.abs(d[i]-r) < 30 && Math.abs(d[i+1]-gg) < 30 && Math.abs(d[i+2]-b) < 30)
                    { n++; break; }
              return n;
            }""",
            colours,
        )
    )


KEEP_PEER_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  if (!Original) return;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
})();
"""
WEBRTC_STATS = """
async () => {
  const out = {};
  for (const pc of window.__pcs || []) {
    const stats = await pc.getStats();
    stats.forEach(s => {
      if (s.kind !== 'video') return;
      if (s.type === 'outbound-rtp')
        Object.assign(out, {enc_t: s.totalEncodeTime, enc_n: s.framesEncoded});
      if (s.type === 'inbound-rtp')
        Object.assign(out, {dec_t: s.totalDecodeTime, dec_n: s.framesDecoded,
                            jb_t: s.jitterBufferDelay, jb_n: s.jitterBufferEmittedCount,
                            fps: s.framesPerSecond});
    });
  }
  return out;
}
"""


def _behind_ms(page: Any) -> float:
    """The live tab's "Behind the camera: N ms" (how much later than its best frame the
    newest camera frame reached the analysis)."""
    text = page.get_by_text(re.compile(r"^Behind the camera: \d+ ms$")).first.inner_text()
    return float(text.split(":")[1].split()[0])


def _browser_path(frame: Any, page: Any, window_s: float = 4.0) -> dict[str, Any]:
    """The parts of camera-to-screen latency the browser's WebRTC statistics show, over a
    window of steady streaming (not the start-up), and the server's analysis time."""
    a = frame.evaluate(WEBRTC_STATS)
    time.sleep(window_s)
    b = frame.evaluate(WEBRTC_STATS)

    def per_frame(t: str, n: str) -> float:
        return round(1000 * (b[t] - a[t]) / max(b[n] - a[n], 1), 1)

    text = page.get_by_text(re.compile(r"^\d+ ms$")).first.inner_text()
    out = {
        "browser_encode_ms": per_frame("enc_t", "enc_n"),
        "browser_decode_ms": per_frame("dec_t", "dec_n"),
        "jitter_buffer_ms": per_frame("jb_t", "jb_n"),
        "received_fps": b["fps"],
        "frames_received_in_window": b["dec_n"] - a["dec_n"],
        "server_analysis_ms": float(text.split()[0]),
    }
    out["sum_of_measured_parts_ms"] = round(
        out["browser_encode_ms"]
        + out["browser_decode_ms"]
        + out["jitter_buffer_ms"]
        + out["server_analysis_ms"],
        1,
    )
    return out


@pytest.mark.parametrize("watched", [1300], indirect=True)
def test_live_coaching_draws_the_skeleton_and_shows_readings(
    watched: Watched, fake_camera: Path | None
) -> None:
    if fake_camera is None:
        pytest.skip("no clip or no ffmpeg for the fake webcam")
    page = watched.page
    page.context.add_init_script(KEEP_PEER_CONNECTIONS)
    page.reload()
    page.get_by_text("What to analyse", exact=True).wait_for()
    page.get_by_role("tab", name="Live coaching").click()
    # asked before starting: keep the annotated session video for the session report
    page.get_by_text("Keep the annotated session video").click()
    time.sleep(1.0)
    component = page.frame_locator("iframe[title*='streamlit_webrtc']")
    component.get_by_role("button", name="START").click()
    started = time.monotonic()
    page.get_by_text("Processing").wait_for(timeout=30_000)  # live readings from the worker
    frame = next(f for f in page.frames if "streamlit_webrtc" in f.url)
    frame.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.videoWidth > 0 }",
        timeout=30_000,
    )
    first_readings = time.monotonic() - started
    t0 = frame.evaluate("() => document.querySelector('video').currentTime")
    time.sleep(2.0)
    t1 = frame.evaluate("() => document.querySelector('video').currentTime")
    assert t1 > t0, "the annotated video must keep playing"
    deadline = time.monotonic() + 10  # the clip loops: someone is in view most of the time
    while (pixels := _risk_pixels(frame)) <= 300 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert pixels > 300, "the skeleton must be drawn on the live video"
    # the camera plays a stoop: its corrective cue comes up within a few seconds
    page.get_by_text("Bend your knees, not your back").first.wait_for(timeout=15_000)
    assert page.get_by_test_id("stMain").get_by_text("Trunk bend", exact=True).first.is_visible()
    assert page.get_by_text(re.compile(r"^\d+°")).first.is_visible()  # a reading in degrees
    watched.screenshot("04_live")
    assert first_readings < 30
    behind = [_behind_ms(page)]
    path = _browser_path(frame, page)
    for _ in range(3):  # keeps up with the 30 fps camera: skips frames, never drifts behind
        behind.append(_behind_ms(page))
        time.sleep(2.0)
    behind.append(_behind_ms(page))
    path["behind_the_camera_ms_over_12_s"] = behind
    assert path["frames_received_in_window"] > 10
    assert max(behind[1:]) < 1500, f"the analysis fell behind the camera: {behind} ms"
    assert behind[-1] < behind[1] + 1000, f"the delay kept growing: {behind} ms"
    component.get_by_role("button", name="STOP").click()
    stopped = time.monotonic()
    try:
        page.get_by_text("Last session").wait_for(timeout=30_000)
    except PlaywrightTimeout:  # what the page and the server show then (it takes ~1.5 s)
        watched.screenshot("05_live_summary_missing")
        pytest.fail(
            "no session summary 30 s after STOP (START shown again: "
            f"{component.get_by_role('button', name='START').is_visible()}; summarising: "
            f"{page.get_by_text('Summarising the session').is_visible()}); the server's log "
            f"ends:\n{watched.server_log_tail(200, stacks=True)}"
        )
    path["stop_to_summary_s"] = round(time.monotonic() - stopped, 1)
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "live_browser_path.json").write_text(json.dumps(path, indent=2))
    time.sleep(1.0)
    watched.screenshot("05_live_summary")
    # the session's report: lifts, cues and scores over time, pictures from its video
    pdf = pdf_text(download(watched, "Session report (PDF)"))
    for words in ("Lifting-risk report", "live camera", "Standard scores", "Over time"):
        assert words in pdf
    assert "Bend your knees, not your back" in pdf  # the stoop's cue, raised live
    report = download(watched, "Session report (HTML)").decode()
    assert report.count('src="data:image/png;base64,') >= 2  # the timeline and a moment
    video = download(watched, "Session video (MP4)")
    assert video[4:8] == b"ftyp" and len(video) > 10_000
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []


@pytest.mark.parametrize("watched", [2400], indirect=True)
def test_compare_takes_an_upload_directly(
    watched: Watched, needs_media: None, tmp_path: Path
) -> None:
    import shutil

    clip = tmp_path / "trainee_lift.mp4"  # a clip of the user's own, not a sample
    shutil.copy(CLIP.parent / "hip_hinge_straight_knees_side.mp4", clip)
    page = watched.page
    page.get_by_role("tab", name="Compare lifts").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Or upload clip B")
    uploader.locator("input[type='file']").set_input_files(str(clip))
    # the upload is chosen for B at once
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[aria-label=\"Clip B\"]')]"
        ".some(i => i.value === 'uploaded: trainee_lift.mp4')",
        timeout=60_000,
    )
    page.get_by_role("button", name="Compare").click()
    page.get_by_role("heading", name=re.compile("^B: trainee_lift.mp4")).wait_for(timeout=180_000)
    page.get_by_text("Time from the sync point").wait_for()
    watched.screenshot("06b_compare_upload")
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []


@pytest.mark.parametrize("watched", [2400], indirect=True)
def test_compare_shows_both_clips_lined_up(watched: Watched, needs_media: None) -> None:
    page = watched.page
    page.get_by_role("tab", name="Compare lifts").click()
    page.get_by_role("button", name="Compare").click()
    page.get_by_text("Time from the sync point").wait_for(timeout=120_000)
    page.get_by_role("heading", name=re.compile("^A: floor_lift")).wait_for()
    page.get_by_role("heading", name=re.compile("^B: hip_hinge")).wait_for()
    page.locator("img.frame-img").nth(1).wait_for()
    assert page.get_by_text(re.compile("^Lined up at the lowest point of lift")).count() == 2
    scrub(watched, page.get_by_role("slider").first)
    assert page.locator("img.frame-img").count() == 2
    watched.screenshot("06_compare")
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []
