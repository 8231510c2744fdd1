"""``make run`` on a fresh account, with no terminal and no input, as a service or a script
starts it: the dashboard answers, with no prompt, one line with its address, the project's
Streamlit settings read, and no connection to anything but this computer.

"No outside connection" is checked where it can be: every Python process of the run
(``posture dashboard`` and the Streamlit server it starts) carries an audit hook (a
``sitecustomize`` on ``PYTHONPATH``) that logs each socket it binds or connects and each name
it looks up, whether or not the network would have answered; and the browser records every
request the page makes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import _free_port
from dashboard_driver import ROOT, SCREENSHOTS, Watched

pytestmark = pytest.mark.browser

#: Logs socket.bind / socket.connect / socket.getaddrinfo of every Python process (one JSON
#: object a line) to $POSTURE_NETLOG.
SITECUSTOMIZE = """
import json, os, sys
_log = os.environ.get("POSTURE_NETLOG")
def _hook(event, args):
    if event in ("socket.bind", "socket.connect", "socket.getaddrinfo", "socket.sendto"):
        where = args[1] if event != "socket.getaddrinfo" else args[:2]
        with open(_log, "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "event": event, "where": repr(where)}) + "\\n")
if _log:
    sys.addaudithook(_hook)
"""
LOCAL = ("'localhost'", "'127.0.0.1'", "'::1'", "'0.0.0.0'", "'::'", "None")


def _is_local(where: str) -> bool:
    """A logged address (its repr) names this computer: loopback, any-address (a server's
    bind) or a Unix socket path."""
    inner = where.strip("()[] ")
    host = inner.split(",")[0].strip()
    return host in LOCAL or host.startswith("'/")


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _wait_for_line(path: Path, proc: subprocess.Popen[bytes], timeout_s: float) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = path.read_text()
        if "posture dashboard: " in text:
            return text
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    raise AssertionError(f"no address line within {timeout_s:.0f} s; output: {path.read_text()}")


def test_make_run_serves_the_dashboard_unattended_and_privately(
    browser: Any, tmp_path: Path
) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    if not (ROOT / ".venv" / "bin" / "posture").exists():
        pytest.skip("make run uses .venv/bin/posture, which is not installed here")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    netlog = tmp_path / "net.jsonl"
    home = tmp_path / "home"  # a fresh account: no ~/.streamlit, no caches, no credentials
    home.mkdir()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STREAMLIT_", "XDG_", "POSTURE_"))
    }
    env |= {"HOME": str(home), "PYTHONPATH": str(hooks), "POSTURE_NETLOG": str(netlog)}
    port = _free_port()
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    started = time.monotonic()
    with out.open("wb") as o, err.open("wb") as e:
        # -o: never reinstall here (make test installed it); started from another folder
        make = subprocess.Popen(
            ["make", "-s", "-o", ".venv/.installed", "-C", str(ROOT), "run", f"PORT={port}"],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=o,
            stderr=e,
            start_new_session=True,
        )
        try:
            _wait_for_line(out, make, timeout_s=120)
            ready_s = time.monotonic() - started
            url = f"http://localhost:{port}"
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            w = Watched(context.new_page(), url)
            w.page.on("request", lambda r: w.requests.append(r.url))
            w.page.goto(url)
            w.page.get_by_text("What to analyse", exact=True).wait_for(timeout=60_000)
            button = w.page.get_by_role("button", name="Analyse the demo")
            colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            w.page.screenshot(path=str(SCREENSHOTS / "00_unattended_start.png"))
            outside = w.outside_requests()
            context.close()
            # stop it as a service manager would: SIGTERM to `posture dashboard`
            (posture,) = _children(make.pid)
            os.kill(posture, signal.SIGTERM)
            assert make.wait(timeout=30) == 0
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
                make.wait()
    stdout, stderr = out.read_text(), err.read_text()
    assert stdout.splitlines() == [f"posture dashboard: http://localhost:{port} (Ctrl-C to stop)"]
    for word in ("Welcome", "Email", "usage statistics", "External URL", "Network URL"):
        assert word not in stdout + stderr
    assert stderr.strip() == "", stderr
    assert ready_s < 120
    # the project's theme (app/.streamlit/config.toml) is applied though make ran elsewhere
    assert colour == "rgb(31, 95, 191)"
    assert outside == []
    events = [json.loads(line) for line in netlog.read_text().splitlines()]
    # the hook ran in the server: it saw it bind the port
    assert any(ev["event"] == "socket.bind" and f", {port})" in ev["where"] for ev in events)
    # and nothing reached, or looked up, anything but this computer
    assert [ev for ev in events if not _is_local(ev["where"])] == []
    assert not (home / ".streamlit" / "credentials.toml").exists()
    print(f"dashboard answered {ready_s:.1f} s after make run", file=sys.stderr)
