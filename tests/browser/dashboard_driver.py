"""What the browser tests share: where things are, and a page that records what it did."""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MEDIA = ROOT.parent / "shared" / "media"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CLIP = MEDIA / "floor_lift_knees_bent_side.mp4"
#: The fake webcam plays a stoop (hip hinge, straight knees): the live tab must raise its cue.
CAMERA_CLIP = MEDIA / "hip_hinge_straight_knees_side.mp4"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: The dashboard at each address (the ``server`` fixture's): its log file and its process id.
SERVER_LOGS: dict[str, Path] = {}
SERVER_PIDS: dict[str, int] = {}

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Watched:
    """A page with what it logged and fetched."""

    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        local = ("http://localhost:", "ws://localhost:", "data:", "blob:", "about:")
        return [r for r in self.requests if not r.startswith(local)]

    def unexplained_errors(self) -> list[str]:
        """Console errors (all of them: none is expected)."""
        return list(self.errors)

    def server_log_tail(self, lines: int = 30, *, stacks: bool = False) -> str:
        """The last ``lines`` lines the dashboard server logged (its warnings and errors);
        ``stacks``: where each of its threads is, first (``app/dashboard.py``: SIGUSR1)."""
        pid = SERVER_PIDS.get(self.url)
        if stacks and pid is not None:
            children = Path(f"/proc/{pid}/task/{pid}/children")
            for child in children.read_text().split() if children.is_file() else ():
                os.kill(int(child), signal.SIGUSR1)  # the Streamlit server under the command
            time.sleep(1.0)
        log = SERVER_LOGS.get(self.url)
        if log is None or not log.is_file():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) or "(empty)"

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
