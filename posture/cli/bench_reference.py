"""The reference ``posture bench`` compares with: MediaPipe's pose model alone over a video, as
anyone would run it instead of posture. A process of its own: OpenCV decodes the file, each
frame goes to ``PoseLandmarker.detect_for_video`` (``--num-poses``: 1 is the one-person graph,
the speed a user gets from MediaPipe alone; posture's own setting for the same-settings
comparison), nothing else. It imports only OpenCV, numpy and mediapipe, and prints its stages
as JSON on the last line of its output (seconds: ``imports``, ``model``, ``decode``,
``inference``, ``frames``).

Run: ``python -m posture.cli.bench_reference VIDEO --model FILE.task [--num-poses N]
[--frames N]``. The whole process is what ``posture bench`` times, from start to exit.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    p = argparse.ArgumentParser(prog="python -m posture.cli.bench_reference")
    p.add_argument("video")
    p.add_argument(
        "--model", required=True, help="the .task file (posture bench gives the file as it is)"
    )
    p.add_argument("--num-poses", type=int, default=1)
    p.add_argument("--frames", type=int, default=0, help="the first N frames only (0: all)")
    args = p.parse_args(argv)
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    t_imports = time.perf_counter()
    landmarker = vision.PoseLandmarker.create_from_options(
        vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=args.model),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=args.num_poses,
        )
    )
    t_model = time.perf_counter()
    cap = cv2.VideoCapture(args.video)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    decode = infer = 0.0
    n = 0
    while not args.frames or n < args.frames:
        a = time.perf_counter()
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        b = time.perf_counter()
        landmarker.detect_for_video(
            mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), round(n * 1000 / fps)
        )
        decode += b - a
        infer += time.perf_counter() - b
        n += 1
    cap.release()
    landmarker.close()
    stages = {
        "imports": round(t_imports - t0, 3),
        "model": round(t_model - t_imports, 3),
        "decode": round(decode, 3),
        "inference": round(infer, 3),
        "frames": n,
    }
    print(json.dumps(stages))
    return 0 if n else 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
