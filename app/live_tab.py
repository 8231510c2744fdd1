"""Live coaching: the webcam in the browser, the skeleton and the current cue drawn on the
video, live readings, a rolling chart, and when the camera stops the session's summary and
report (and its annotated video, if asked for before starting).

The video goes from the browser to this server and back over WebRTC with no outside server
(``iceServers: []``: only this computer's own addresses are used). The analysis runs in the
video callback's thread (``app.live_worker``); the page polls it in a fragment that reruns on
its own twice a second, so the rest of the page is not redrawn.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from app import charts, library_tab
from app.live_worker import LiveWorker, new_session_dir
from app.settings_panel import PageSettings
from app.sources import cache_dir
from app.widgets import RISK_HEX, guarded, risk_pill, share_bar
from posture.core.errors import PostureError
from posture.core.measure_info import MEASURE_INFO, label
from posture.report import Reports, lift_count, write_reports
from posture.report.pdf import pdf_unavailable
from posture.video.views import why_line

#: Local connection only: no STUN/TURN server is contacted.
RTC: dict[str, list[dict[str, str]]] = {"iceServers": []}
#: 15 fps is what the pose model keeps up with on a laptop; more frames would only be dropped
#: after costing the browser and the server an encode and a decode each.
CONSTRAINTS = {
    "video": {"width": 640, "height": 480, "frameRate": {"ideal": 15, "max": 15}},
    "audio": False,
}
WINDOW_S = 30.0
READINGS = ("trunk_flexion_deg", "trunk_twist_deg", "knee_flexion_deg")


def render(page: PageSettings) -> None:
    st.markdown(
        "Stand **side-on** to the camera, 2–4 m away, with your whole body in view. The video "
        "stays on this computer."
    )
    worker = _worker(page)
    if worker.frames == 0:  # the worker reads it at the first frame only
        keep = bool(st.session_state.get("live_keep_video"))
        worker.video_path = worker.folder / "annotated.mp4" if keep else None
    video, panel = st.columns([3, 2], gap="large")
    with video:
        ctx = webrtc_streamer(
            key="posture-live",
            mode=WebRtcMode.SENDRECV,
            rtc_configuration=RTC,
            media_stream_constraints=CONSTRAINTS,
            video_frame_callback=worker.frame_callback,
            async_processing=True,
            video_html_attrs={"autoPlay": True, "muted": True, "style": {"width": "100%"}},
        )
    playing = bool(ctx.state.playing)
    with video:
        st.toggle(
            "Keep the annotated session video",
            key="live_keep_video",
            disabled=playing,
            help="Choose before pressing START: the session as shown (skeleton, readings, "
            "cues) is kept for the session report's pictures and as a download. It stays on "
            "this computer.",
        )
    with panel:
        if playing:
            st.session_state["live_was_playing"] = True
            _readings(worker)
        else:
            _after(worker, page)


def _worker(page: PageSettings) -> LiveWorker:
    """The session's worker: kept across reruns, replaced after a session has been finished;
    each has a folder of its own for its video and reports."""
    worker: LiveWorker | None = st.session_state.get("live_worker")
    if worker is None:
        worker = LiveWorker(page.settings, history_s=WINDOW_S)
        worker.folder = new_session_dir(cache_dir() / "live")
        st.session_state["live_worker"] = worker
    return worker


def _after(worker: LiveWorker, page: PageSettings) -> None:
    """When the camera is off: finish a session that just ended, show its summary and its
    report."""
    if st.session_state.pop("live_was_playing", False):
        with st.spinner("Summarising the session…"):
            result = worker.finish()
        del st.session_state["live_worker"]
        st.session_state["live_summary"] = (
            (result, worker.folder) if result is not None else "nobody"
        )
        if result is not None:
            library_tab.remember_live(result)
    summary = st.session_state.get("live_summary")
    if summary is None:
        st.info("Press **START** and allow the camera. Readings and cues appear here.")
    elif summary == "nobody":
        st.warning("Nobody was seen during the last session.")
    else:
        result, folder = summary
        _summary(result, folder, page)


@st.fragment(run_every=0.5)
def _readings(worker: LiveWorker) -> None:
    """Redrawn on its own (a fragment); its errors stay inside it."""
    guarded(_readings_body, worker)


def _readings_body(worker: LiveWorker) -> None:
    """Live readings, polled from the worker (never written by the camera thread)."""
    latest = worker.latest()
    if latest is not None:
        st.session_state["live_latest"] = latest
    else:
        latest = st.session_state.get("live_latest")
    if worker.error:
        st.error(worker.error)
    if latest is None or not worker.started:
        st.info("Starting the camera and the pose model…")
        return
    if not latest.person_found:
        st.markdown(risk_pill("unknown", "nobody in view"), unsafe_allow_html=True)
    else:
        colour = RISK_HEX.get(latest.risk_level, RISK_HEX["unknown"])
        cue = latest.cue_text or "Good posture: no cue"
        st.markdown(
            f"{risk_pill(latest.risk_level)}<div class='cue-box' style='background:{colour};"
            f"margin-top:8px'>{cue}</div>",
            unsafe_allow_html=True,
        )
    if latest.report is not None and (why := why_line(latest.report)):
        st.caption(why)
    cols = st.columns(3)
    for col, key in zip(cols, READINGS, strict=True):
        v = latest.readings.get(key)
        trusted = latest.trusted.get(key, False)
        info = MEASURE_INFO[key]
        text = "–" if v is None or v != v else info.text(v, symbol=True) + ("" if trusted else " ?")
        col.metric(info.label, text, help=None if trusted else "low confidence from this view")
    cols = st.columns(3)
    cols[0].metric("Lifts", latest.lifts)
    cols[1].metric("Risky lifts", latest.risky_lifts)
    cols[2].metric(
        "Processing",
        f"{latest.process_ms:.0f} ms",
        help="Time to analyse and draw one frame. Frames that arrive meanwhile are skipped, "
        "so the picture never falls further behind the camera.",
    )
    st.caption(f"Behind the camera: {worker.behind_ms:.0f} ms")
    _rolling(worker)


def _rolling(worker: LiveWorker) -> None:
    hist = worker.history()
    if len(hist) < 2:
        return
    now = hist[-1].t_s
    data = pd.DataFrame(
        {
            "seconds_ago": [r.t_s - now for r in hist],
            label("trunk_flexion_deg"): [r.trunk_flexion_deg for r in hist],
            label("trunk_twist_deg"): [r.trunk_twist_deg for r in hist],
            "risk": [r.risk_level for r in hist],
        }
    )
    st.altair_chart(charts.rolling(data, WINDOW_S), width="stretch", height=charts.ROLLING_PX)


def _summary(result: object, folder: Path, page: PageSettings) -> None:
    """The finished session: time in each risk level, cues, lifts, and its report (PDF and
    HTML: lifts, cues, scores over time, the worst moments from the session video when it was
    kept), the video and the summary to download."""
    from posture.run.recorded import Result

    assert isinstance(result, Result)
    result = dataclasses.replace(result, assessment=page.assessment)
    s = result.summary()
    st.markdown("##### Last session")
    c = st.columns(3)
    c[0].metric("Duration", f"{s['clip']['duration_s']:.0f} s")
    c[1].metric("Lifts", lift_count(s))
    c[2].metric("Time at high risk", f"{s['risk_time_share'].get('high', 0):.0%}")
    share_bar(s["risk_time_share"], "Time in each risk level")
    for cue in s["cues"][:4]:
        st.markdown(f"- **{cue['text']}** · {cue['seconds']:.0f} s")
    if not s["cues"]:
        st.success("No corrective cue was raised with confidence.")
    _session_downloads(result, folder, page)
    st.caption("Press START for a new session.")


def _session_downloads(result: Any, folder: Path, page: PageSettings) -> None:
    stamp = folder.name[:15]
    faces = " Faces are blurred." if page.blur_report else " Faces are NOT blurred."
    row = st.container(horizontal=True, gap="small")

    def report(kind: str) -> bytes:
        digest = hashlib.sha256(repr((page.blur_report, page.assessment)).encode()).hexdigest()
        out = folder / f"report-{digest[:10]}"
        made = out / "report.html"
        reports = (
            write_reports(result, out, blur_faces=page.blur_report)
            if not made.is_file()
            else Reports(made, out / "report.pdf" if (out / "report.pdf").is_file() else None)
        )
        path = reports.pdf if kind == "pdf" else reports.html
        if path is None:
            raise PostureError(reports.pdf_missing or "no PDF engine")
        return path.read_bytes()

    row.download_button(
        "Session report (PDF)",
        lambda: report("pdf"),
        f"live-session-{stamp}.pdf",
        "application/pdf",
        type="primary",
        disabled=pdf_unavailable() is not None,
        help=(pdf_unavailable() or "Lifts, cues and scores over time, on A4 pages.") + faces,
        on_click="ignore",
    )
    row.download_button(
        "Session report (HTML)",
        lambda: report("html"),
        f"live-session-{stamp}.html",
        "text/html",
        help="The same report as one self-contained page." + faces,
        on_click="ignore",
    )
    video = result.outputs.get("video")
    if video is not None and Path(video).is_file():
        row.download_button(
            "Session video (MP4)",
            Path(video).read_bytes,
            f"live-session-{stamp}.mp4",
            "video/mp4",
            help="The session as it was shown: skeleton, readings and cues.",
            on_click="ignore",
        )
    row.download_button(
        "Session summary (JSON)",
        json.dumps(result.summary(), indent=2, default=str),
        "live-session-summary.json",
        "application/json",
        on_click="ignore",
    )
