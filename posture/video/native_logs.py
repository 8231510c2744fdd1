"""MediaPipe's and TensorFlow Lite's own log lines, kept off the user's terminal.

MediaPipe writes C++ log lines straight to the process's standard error when a pose model is
built and when it first runs ("GPU suport is not available ... Unable to initialize EGL",
"Created TensorFlow Lite XNNPACK delegate for CPU", "Feedback manager requires a model with a
single signature ...", "Using NORM_RECT without IMAGE_DIMENSIONS ..."). Two things keep them
away:

* the logging variables of glog and TensorFlow (``GLOG_minloglevel``,
  ``TF_CPP_MIN_LOG_LEVEL``), set before mediapipe is imported (:func:`quiet_environment`);
* mediapipe 0.10's absl logging and TensorFlow Lite's own messages obey no variable: file
  descriptor 2 is pointed at ``/dev/null`` while a model is built and first run
  (:func:`native_stderr_hidden`), Python's ``sys.stderr`` meanwhile writing to the real one.

``POSTURE_NATIVE_LOGS=1`` in the environment (``--verbose`` sets it) shows them all.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

#: Set to 1 to see the native log lines (``posture --verbose``).
NATIVE_LOGS_ENV = "POSTURE_NATIVE_LOGS"
#: glog: 2 = errors only; TensorFlow: 3 = no info, warning or error lines.
QUIET_ENVIRONMENT = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}


def native_logs_shown() -> bool:
    """True when the user asked to see the native log lines."""
    return os.environ.get(NATIVE_LOGS_ENV, "").strip() not in ("", "0")


def quiet_environment() -> None:
    """Set the native libraries' logging variables (unless the user set them or asked for the
    logs); to take effect, before mediapipe is imported."""
    if native_logs_shown():
        return
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


_lock = threading.Lock()
_depth = 0
_saved_fd = -1
_python_stderr: Any = None
_own_stderr: IO[str] | None = None


def _enter() -> None:
    global _depth, _saved_fd, _python_stderr, _own_stderr
    with _lock:
        _depth += 1
        if _depth > 1:
            return
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        _saved_fd = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        _python_stderr = sys.stderr
        if _writes_to_fd2(sys.stderr):  # Python's own messages still reach the user
            _own_stderr = os.fdopen(
                os.dup(_saved_fd), "w", buffering=1, encoding="utf-8", errors="replace"
            )
            sys.stderr = _own_stderr


def _leave() -> None:
    global _depth, _saved_fd, _python_stderr, _own_stderr
    with _lock:
        _depth -= 1
        if _depth > 0:
            return
        if _own_stderr is not None:
            with contextlib.suppress(Exception):
                _own_stderr.flush()
                _own_stderr.close()
            if sys.stderr is _own_stderr:
                sys.stderr = _python_stderr
            _own_stderr = None
        os.dup2(_saved_fd, 2)
        os.close(_saved_fd)
        _saved_fd = -1
        _python_stderr = None


def _writes_to_fd2(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.fileno() == 2)
    except (AttributeError, OSError, ValueError):  # a test's capture, pythonw's None
        return False


@contextlib.contextmanager
def native_stderr_hidden(hide: bool = True) -> Iterator[None]:
    """Native code's standard error goes to ``/dev/null`` inside the block (Python's
    ``sys.stderr`` keeps writing to the real one). Nestable and safe across threads: the
    first block in redirects, the last one out restores. Does nothing when ``hide`` is False
    or the user asked for the native logs."""
    if not hide or native_logs_shown():
        yield
        return
    _enter()
    try:
        yield
    finally:
        _leave()
