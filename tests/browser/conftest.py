"""Fixtures for driving the dashboard in headless Chromium (Playwright).

The dashboard runs as users start it (``posture dashboard``) on a free port, with
its own empty cache folder; one Chromium (Debian's, no download) is shared by the tests, with a
fake webcam that plays a real clip. Each test gets a fresh page that records console errors
and every request, so a test can check that nothing left this computer.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard_driver import (
    CAMERA_CLIP,
    CHROMIUM,
    CHROMIUM_ARGS,
    MEDIA,
    ROOT,
    SERVER_LOGS,
    SERVER_PIDS,
    Watched,
)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def needs_browser() -> None:
    pytest.importorskip("playwright", reason="the Python package playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")


@pytest.fixture(scope="session")
def needs_media() -> None:
    if not MEDIA.is_dir():
        pytest.skip(f"the shared clips are not here ({MEDIA})")


@pytest.fixture(scope="session")
def server(needs_browser: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard started like a user would (``posture dashboard``), on a free port; stopped
    after the session."""
    port = _free_port()
    cache = tmp_path_factory.mktemp("dashboard-cache")
    env = {**os.environ, "POSTURE_DASHBOARD_CACHE": str(cache)}
    log = open(cache / "streamlit.log", "w")  # noqa: SIM115  # closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture.cli", "dashboard", "--port", str(port), "--headless"],
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://localhost:{port}"
    SERVER_LOGS[url], SERVER_PIDS[url] = cache / "streamlit.log", proc.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start: {(cache / 'streamlit.log')}")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A real clip as Chromium's fake webcam (Y4M), or None without the clip or ffmpeg."""
    if not CAMERA_CLIP.is_file() or shutil.which("ffmpeg") is None:
        return None
    out = tmp_path_factory.mktemp("camera") / "clip.y4m"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(CAMERA_CLIP),
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def browser(needs_browser: None, fake_camera: Path | None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    args = list(CHROMIUM_ARGS)
    if fake_camera is not None:
        args += [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={fake_camera}",
        ]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield b
        b.close()


@pytest.fixture
def watched(browser: Any, server: str, request: pytest.FixtureRequest) -> Iterator[Watched]:
    height = getattr(request, "param", 1100)
    context = browser.new_context(
        viewport={"width": 1400, "height": height},
        permissions=["camera"],
        accept_downloads=True,
    )
    page = context.new_page()
    w = Watched(page, server)
    page.on("console", lambda m: w.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: w.errors.append(f"page error: {e}"))
    page.on("request", lambda r: w.requests.append(r.url))
    page.on("response", lambda r: w.bad_responses.append(r.url) if r.status >= 400 else None)
    page.set_default_timeout(60_000)  # generous: the 2 cores are shared with the server
    page.goto(server)
    page.get_by_text("What to analyse", exact=True).wait_for()
    yield w
    context.close()
