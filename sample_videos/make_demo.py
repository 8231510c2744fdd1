"""Regenerate sample_videos/demo_landmarks.npz (deterministic): python sample_videos/make_demo.py"""

from pathlib import Path

from posture.core.landmarks import save_npz
from posture.synthetic import demo_recording

if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "demo_landmarks.npz"
    save_npz(out, demo_recording())
    print(f"wrote {out}")
