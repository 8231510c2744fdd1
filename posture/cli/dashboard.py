"""``posture dashboard``: the Streamlit dashboard, started unattended, privately and quietly.

The dashboard runs as a child process (``python -m streamlit run app/dashboard.py``) that this
command watches: it is told every setting that keeps it private and unattended on the command
line, where nothing else (a user's ``~/.streamlit/config.toml``, ``STREAMLIT_*`` variables)
can turn them back:

* ``server.headless``: no "Welcome to Streamlit! Email:" prompt (which needs a terminal and
  ends a run without one with error 255) and no browser opened by Streamlit;
* ``browser.gatherUsageStats`` off and ``server.address`` localhost: no usage statistics and
  no "External URL" lookup (Streamlit asks an outside server for it otherwise);
* ``server.fileWatcherType`` none: the dashboard's sources are not watched (nor reloaded);
* ``logger.hideWelcomeMessage`` and ``logger.level`` warning, its standard output discarded:
  this command prints the address itself, once the server answers; Streamlit's warnings and
  errors still reach standard error.

The look of the dashboard (theme, toolbar, upload limit) is in ``app/.streamlit/config.toml``,
which Streamlit reads beside the script wherever it is started from. Standard input is closed
for the child, so nothing can ever wait for an answer. ``--verbose`` shows Streamlit's own
messages and the pose model's native log lines.
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
import webbrowser
from collections.abc import Callable
from pathlib import Path

from posture.core.errors import PostureError
from posture.video.native_logs import NATIVE_LOGS_ENV

APP = Path(__file__).resolve().parents[2] / "app" / "dashboard.py"
#: How long the server may take to answer before the start counts as failed (a first start on
#: a slow machine imports Streamlit, pandas and altair: ~10 s on 2 busy cores).
START_TIMEOUT_S = 120.0
HOST = "localhost"


def streamlit_argv(port: int, *, verbose: bool = False) -> list[str]:
    """The child's command line: every option that keeps the dashboard private, unattended
    and quiet, given explicitly (a flag beats every config file and environment variable)."""
    forced = {
        "server.port": str(port),
        "server.address": HOST,  # this computer only, and no "External URL" lookup
        "server.headless": "true",  # no e-mail prompt, no browser opened by Streamlit
        "server.showEmailPrompt": "false",
        "browser.gatherUsageStats": "false",
        "server.fileWatcherType": "none",
        "server.runOnSave": "false",
        "logger.hideWelcomeMessage": "false" if verbose else "true",
        "logger.level": "info" if verbose else "warning",  # not "Uvicorn server started"
    }
    argv = [sys.executable, "-m", "streamlit", "run", str(APP)]
    for key, value in forced.items():
        argv += [f"--{key}", value]
    return argv


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _answers(url: str) -> bool:
    # no proxy: a proxy set in the environment must not see (or break) a local health check
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_stcore/health", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def _can_open_browser() -> bool:
    """A browser can be opened: an interactive start on a desktop. Never from a script or a
    service (stdin not a terminal), never on Linux without a display (Python's webbrowser
    would start a text browser in this terminal)."""
    if not sys.stdin.isatty():
        return False
    if sys.platform.startswith("linux"):
        has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        return bool(has_display) and shutil.which("xdg-open") is not None
    return True


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: a function for the child (run between fork and exec) that makes the server stop
    when this command dies, even by SIGKILL, so no orphan keeps the port. Loaded here, before
    the fork: nothing may be imported in the child."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_parent_death_signal() -> None:  # pragma: no cover - runs in the child
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return set_parent_death_signal


def run_dashboard(port: int, *, open_browser: bool = True, verbose: bool = False) -> int:
    """Start the dashboard, print its address once it answers, and wait until it stops
    (Ctrl-C or SIGTERM stop it). Raises :class:`PostureError` when it cannot start."""
    if not APP.is_file():
        raise PostureError(f"the dashboard is not installed here ({APP} is missing)")
    if not 1 <= port <= 65535:
        raise PostureError(f"--port must be between 1 and 65535, not {port}")
    if not _port_free(port):
        raise PostureError(
            f"port {port} is in use (is the dashboard already running? choose another with --port)"
        )
    env = dict(os.environ)
    if verbose:
        env[NATIVE_LOGS_ENV] = "1"
    proc = subprocess.Popen(
        streamlit_argv(port, verbose=verbose),
        stdin=subprocess.DEVNULL,
        # Streamlit prints only banners and "Stopping..." there; its warnings and errors are
        # logged to stderr, which stays this command's
        stdout=None if verbose else subprocess.DEVNULL,
        env=env,
        preexec_fn=_die_with_parent(),
    )
    url = f"http://{HOST}:{port}"
    stop = _forward_sigterm(proc)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(url):
            if proc.poll() is not None:
                raise PostureError(
                    f"the dashboard stopped while starting (exit code {proc.returncode}; "
                    "its message is above)"
                )
            if time.monotonic() > deadline:
                raise PostureError(f"the dashboard did not answer within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.25)
        print(f"posture dashboard: {url} (Ctrl-C to stop)", flush=True)
        if open_browser and _can_open_browser():
            webbrowser.open(url)
        proc.wait()
        return 0 if stop.requested or proc.returncode in (0, -signal.SIGTERM) else 1
    except KeyboardInterrupt:  # the terminal sent SIGINT to the server too
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class _Stop:
    requested = False


def _forward_sigterm(proc: subprocess.Popen[bytes]) -> _Stop:
    """SIGTERM to this command (``kill PID``, a service manager) stops the server too."""
    stop = _Stop()

    def handler(signum: int, frame: object) -> None:
        stop.requested = True
        if proc.poll() is None:
            proc.terminate()

    signal.signal(signal.SIGTERM, handler)
    return stop
