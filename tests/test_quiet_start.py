"""A quiet terminal and an unattended dashboard: the pose model's native log lines stay hidden
unless ``--verbose``, and ``posture dashboard`` forces every private, unattended setting.

The dashboard's full start (fresh HOME, no standard input, the page loaded in a browser, no
outside connection) is ``tests/browser/test_unattended.py``.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from posture.cli.dashboard import streamlit_argv

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT.parent / "shared" / "media" / "floor_lift_knees_bent_side.mp4"
#: What MediaPipe, absl, glog and TensorFlow Lite write on their own: a glog/absl line
#: ("W0000 00:00:1796451365.013635   10331 file.cc:114] ..."), absl's preamble, TFLite's INFO.
NATIVE_LINE = re.compile(
    r"^[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]"
    r"|All log messages before absl::InitializeLog"
    r"|^INFO: Created TensorFlow Lite"
    r"|GPU suport is not available|Feedback manager requires",
    re.MULTILINE,
)


def test_the_native_line_pattern_matches_what_mediapipe_prints() -> None:
    lines = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796451364.596720   10223 task_runner.cc:85] GPU suport is not available",
        "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
        "W0000 00:00:1796451365.013635   10331 inference_feedback_manager.cc:114] Feedback ...",
    ]
    assert all(NATIVE_LINE.search(line) for line in lines)
    assert not NATIVE_LINE.search("Analysed 20 frames (0.6 s); a pose in 20 of them.")


def _analyze(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "posture.cli",
            "analyze",
            str(CLIP),
            "--out",
            str(tmp_path / "out"),
            "--max-frames",
            "20",
            "--no-video",
            "--no-report",
            "--quiet",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.media
def test_analyze_prints_no_native_log_line_unless_verbose(tmp_path: Path) -> None:
    if not CLIP.is_file():
        pytest.skip(f"the shared clips are not here ({CLIP.parent})")
    quiet = _analyze(tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "Analysed 20 frames" in quiet.stdout
    assert not NATIVE_LINE.search(quiet.stderr), quiet.stderr
    assert not NATIVE_LINE.search(quiet.stdout), quiet.stdout
    # the same run with --verbose shows them: the check above looks where they would be
    verbose = _analyze(tmp_path, "--verbose")
    assert verbose.returncode == 0, verbose.stderr
    assert NATIVE_LINE.search(verbose.stderr), verbose.stderr


#: The pose model used from Python directly (as the dashboard's server and live coaching do):
#: loaded, run until it finds the person; prints what reached stderr's file descriptor.
LIBRARY_PROBE = """
import sys
from posture.core.config import DEFAULTS
from posture.video.io import open_video
from posture.video.pose import PoseEstimator
est = PoseEstimator(DEFAULTS.pose)
found = 0
video = open_video(sys.argv[1])
for i, frame in enumerate(video):
    found += len(est.detect(frame.rgb, round(frame.t_s * 1000)))
    if i >= 10:
        break
video.close()
est.close()
print("people", found, file=sys.stderr)
"""


@pytest.mark.media
def test_the_pose_model_loads_quietly_in_any_program(tmp_path: Path) -> None:
    if not CLIP.is_file():
        pytest.skip(f"the shared clips are not here ({CLIP.parent})")
    out = subprocess.run(
        [sys.executable, "-c", LIBRARY_PROBE, str(CLIP)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert re.search(r"people [1-9]", out.stderr), out.stderr  # Python's stderr still works
    assert not NATIVE_LINE.search(out.stderr), out.stderr


# --- the dashboard's command line --------------------------------------------------------------
def _options(argv: list[str]) -> dict[str, str]:
    flags = argv[argv.index("run") + 2 :]
    return {flags[i].removeprefix("--"): flags[i + 1] for i in range(0, len(flags), 2)}


def test_the_dashboard_is_told_every_private_and_unattended_setting() -> None:
    argv = streamlit_argv(8765)
    assert argv[1:4] == ["-m", "streamlit", "run"]
    assert Path(argv[4]) == ROOT / "app" / "dashboard.py"  # its .streamlit/ is beside it
    assert (ROOT / "app" / ".streamlit" / "config.toml").is_file()
    opts = _options(argv)
    assert opts["server.port"] == "8765"
    assert opts["server.address"] == "localhost"
    assert opts["server.headless"] == "true"
    assert opts["server.showEmailPrompt"] == "false"
    assert opts["browser.gatherUsageStats"] == "false"
    assert opts["server.fileWatcherType"] == "none"
    assert opts["logger.hideWelcomeMessage"] == "true"
    assert _options(streamlit_argv(8765, verbose=True))["logger.hideWelcomeMessage"] == "false"


def test_the_dashboard_has_the_browser_cache_no_message() -> None:
    """Browser and server are on one computer: nothing is gained by the browser caching large
    messages, and a cached message it lost shows a "Connection error" instead of the element
    (streamlit/streamlit#11357). No message is large enough to be cached."""
    config = tomllib.loads((ROOT / "app" / ".streamlit" / "config.toml").read_text())
    assert config["global"]["minCachedMessageSize"] >= 1e12


def test_the_dashboard_on_a_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "posture.cli", "dashboard", "--port", str(port)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"posture: error: port {port} is in use (is the dashboard already running? choose "
        "another with --port)"
    ]
