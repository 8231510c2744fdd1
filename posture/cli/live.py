"""``posture live``: live coaching in an OpenCV window, or cues printed in the terminal."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posture.cli.library import record_once
from posture.cli.outputs import assessment_from, write_report_files
from posture.core.config import Settings
from posture.core.errors import CameraError, PostureError
from posture.run.live import LiveFrame, LiveSession, run_live
from posture.run.recorded import check_output_dir, write_outputs
from posture.run.session_video import SessionVideo
from posture.video.io import Camera, open_video

WINDOW = "posture live (q to stop)"


def _open_window() -> None:
    try:
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
    except cv2.error as exc:
        raise PostureError(
            "no screen to show a window on (use --no-window, or the dashboard's live tab)"
        ) from exc


def run_live_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.record and not args.out:
        raise PostureError("--record needs --out DIR: the session video is written there")
    assessment = assessment_from(args)  # a bad --date is refused before the camera opens
    if args.paced and not args.replay:
        raise PostureError("--paced plays a --replay video at its own speed; give --replay VIDEO")
    if args.out:
        check_output_dir(Path(args.out))
    source: Any = open_video(args.replay) if args.replay else Camera(args.camera)
    window = not args.no_window
    if window:
        _open_window()
    mirror = not args.no_mirror and not args.replay
    session = LiveSession(settings, mirror=mirror)
    video = SessionVideo(Path(args.out) / "annotated.mp4", mirrored=mirror) if args.record else None
    started = time.monotonic()
    last_cue: list[str | None] = [None]

    def show(result: LiveFrame, latency: float) -> bool:
        if args.seconds and time.monotonic() - started > args.seconds:
            return False
        if video is not None:
            video.add(result.annotated, result.t_s)
        if window:
            cv2.imshow(WINDOW, cv2.cvtColor(result.annotated, cv2.COLOR_RGB2BGR))
            if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                return False
        elif result.cue != last_cue[0]:
            stamp = f"{result.t_s:7.1f} s"
            print(f"{stamp}  {result.cue_text or '(no cue)'}", flush=True)
        last_cue[0] = result.cue
        return True

    paced = bool(args.replay) and args.paced
    try:
        stats = run_live(
            session,
            iter(source),
            pace=paced,
            on_frame=show,
            every_frame=bool(args.replay) and not paced,
        )
    except KeyboardInterrupt:
        stats = {"processed": 0, "dropped": 0, "latencies_s": []}
    finally:
        if window:
            cv2.destroyAllWindows()
    if getattr(source, "error", None):
        print(f"warning: {source.error}")
    source.close()
    info = {**source.info.as_dict(), "kind": "live replay"} if args.replay else None
    result = session.finish(info)
    session.close()
    lat = np.array(stats["latencies_s"]) * 1000
    if lat.size:
        print(
            f"Frames shown: {stats['processed']} (dropped {stats['dropped']}); latency median "
            f"{np.median(lat):.0f} ms, 95th percentile {np.percentile(lat, 95):.0f} ms."
        )
    if result is None:
        if video is not None:
            video.close()
        print("Nobody was seen during the session.")
        return 0
    result = dataclasses.replace(result, assessment=assessment)
    if video is not None:
        result = video.attach(result)
    s = result.summary()
    share = s["risk_time_share"]
    print("Session: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items() if v))
    for c in s["cues"][:3]:
        print(f"  {c['text']}: {c['seconds']} s")
    print(f"Lifts: {s['lifts']}, risky {s['risky_lifts']}.")
    if args.out:
        out = Path(args.out)
        write_outputs(result, out)
        write_report_files(result, out)  # the session report, from the video if kept
        names = ", ".join(p.name for p in result.outputs.values())
        print(f"Session results in {out}/: {names}")
    record_once(args, "live", result, args.replay, Path(args.out) if args.out else None)
    return 0


__all__ = ["CameraError", "run_live_command"]
