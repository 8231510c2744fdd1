"""Live coaching: the webcam in the browser, the skeleton and the current cue drawn on the
video, live readings, a rolling chart, and a session summary when the camera stops.

The video goes from the browser to this server and back over WebRTC with no outside server
(``iceServers: []``: only this computer's own addresses are used). The analysis runs in the
video callback's thread (``app.live_worker``); the page polls it in a fragment that reruns on
its own twice a second, so the rest of the page is not redrawn.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from app import charts
from app.live_worker import LiveWorker
from app.settings_panel import PageSettings
from app.widgets import RISK_HEX, guarded, risk_pill, share_bar
from posture.core.measure_info import MEASURE_INFO, label
from posture.report import lift_count
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
    with panel:
        if playing:
            st.session_state["live_was_playing"] = True
            _readings(worker)
        else:
            _after(worker)


def _worker(page: PageSettings) -> LiveWorker:
    """The session's worker: kept across reruns, replaced after a session has been finished."""
    worker: LiveWorker | None = st.session_state.get("live_worker")
    if worker is None:
        worker = LiveWorker(page.settings, history_s=WINDOW_S)
        st.session_state["live_worker"] = worker
    return worker


def _after(worker: LiveWorker) -> None:
    """When the camera is off: finish a session that just ended, show its summary."""
    if st.session_state.pop("live_was_playing", False):
        with st.spinner("Summarising the session…"):
            result = worker.finish()
        del st.session_state["live_worker"]
        st.session_state["live_summary"] = result if result is not None else "nobody"
    summary = st.session_state.get("live_summary")
    if summary is None:
        st.info("Press **START** and allow the camera. Readings and cues appear here.")
    elif summary == "nobody":
        st.warning("Nobody was seen during the last session.")
    else:
        _summary(summary)


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


def _summary(result: object) -> None:
    """The finished session: time in each risk level, cues, lifts, downloads."""
    from posture.run.recorded import Result

    assert isinstance(result, Result)
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
    st.download_button(
        "Session summary (JSON)",
        json.dumps(s, indent=2, default=str),
        "live-session-summary.json",
        "application/json",
    )
    st.caption("Press START for a new session.")
