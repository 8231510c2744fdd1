"""A batch on a Ray cluster: ``posture analyze INPUTS... --out DIR --ray [ADDRESS]``.

Ray is the engine (no scheduler of our own): without an address a local Ray instance is
started, sized to this machine, and stopped at the end; with one (``host:port``, ``auto``) the
batch joins that cluster. A pool of actors (:class:`posture.run.ray_worker.PoseWorker`, one
CPU each, by default one per CPU of the cluster) each keep the pose model; the inputs are read
here and sent through the object store in chunks, the outputs come back the same way and are
written here, so the workers need no shared disk.

A recording that fails is tried once more (on a fresh worker if its worker died), except when
the input itself is at fault (not a video, nobody in view: the answer would be the same), then
marked failed with the reason; the others go on. Ctrl-C cancels the remote work (the workers
are stopped) and marks what had not finished. Every job gets an outcome, as in a sequential
batch (:func:`posture.run.batch.run`), so the overview is written in every case.

Ray's usage statistics and its dashboard are off: the tool sends nothing anywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posture.core.config import Settings
from posture.core.errors import PostureError
from posture.core.gravity import GravityCue
from posture.run.batch import Job, Outcome
from posture.run.ray_worker import INPUT_ERRORS, PoseWorker, ProgressBoard, Task, get_file, put_file

#: Tries per recording: the first and one retry.
TRIES = 2
POLL_S = 0.5


class RayUnavailable(PostureError):
    """Ray is not installed, or the cluster cannot be reached."""


@dataclass
class Options:
    address: str | None = None  # None: a local instance sized to this machine
    workers: int = 0  # 0: one per CPU of the cluster
    max_frames: int = 0
    cues: tuple[GravityCue, ...] = ()  # what else is known of the camera (a calibration clip)


@dataclass
class _Running:
    job: Job
    task: Task
    actor: Any
    chunks: list[Any]
    tries: int
    started: float = field(default_factory=time.monotonic)


def _import_ray() -> Any:
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # before ray is imported: no usage report
    os.environ.setdefault("RAY_DISABLE_IMPORT_WARNING", "1")
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable(
            "--ray needs Ray installed: pip install -e '.[ray]' (make test installs it)"
        ) from exc
    return ray


def connect(address: str | None) -> tuple[Any, bool, Path | None]:
    """(the ray module, whether this call connected (to leave again), the folder of the local
    instance it started, or None). Joins
    ``address`` or starts a local instance with this machine's CPUs, no dashboard, quiet, its
    logs and spilled objects in a temporary folder of its own (removed with it: they name the
    recordings)."""
    import logging

    ray = _import_ray()
    if ray.is_initialized():
        return ray, False, None
    kwargs: dict[str, Any] = {
        "include_dashboard": False,
        "logging_level": logging.ERROR,
        "log_to_driver": False,  # the workers' native logs stay in Ray's log files
        "configure_logging": True,
    }
    # short: Ray's socket paths must fit in 107 characters
    temp = None if address else Path(tempfile.mkdtemp(prefix="posture-ray-", dir="/tmp"))
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            # on the loopback address: the instance serves this machine only
            ray.init(
                num_cpus=os.cpu_count() or 1,
                _node_ip_address="127.0.0.1",
                _temp_dir=str(temp),
                **kwargs,
            )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        where = address or "a local instance"
        raise RayUnavailable(f"cannot start or join Ray ({where}): {exc}") from exc
    return ray, True, temp


def run(
    jobs: Sequence[Job],
    settings: Settings,
    finish: Callable[[Job, Any], Any],
    *,
    options: Options,
    on_done: Callable[[int, Outcome], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    worker: type = PoseWorker,
) -> list[Outcome]:
    """Analyse ``jobs`` on Ray; every job gets an outcome (the order of ``jobs``).

    ``finish(job, result)`` runs here once a job's files are written into ``job.out`` (the
    report, the library) and returns the result; ``on_done(index, outcome)`` as in
    :func:`posture.run.batch.run`; ``progress(frames done, frames expected)`` for the whole
    batch. ``worker`` is the actor's class (a test's subclass that fails on purpose)."""
    ray, connected, local = connect(options.address)
    try:
        scratch = str(local) if local is not None else None
        batch = _Batch(ray, jobs, settings, finish, options, on_done, progress, worker, scratch)
        return batch.run()
    finally:
        if connected:  # leave the cluster (a local instance stops with it)
            ray.shutdown()
        if local is not None:
            shutil.rmtree(local, ignore_errors=True)


class _Batch:
    def __init__(
        self,
        ray: Any,
        jobs: Sequence[Job],
        settings: Settings,
        finish: Callable[[Job, Any], Any],
        options: Options,
        on_done: Callable[[int, Outcome], None] | None,
        progress: Callable[[int, int], None] | None,
        worker: type,
        scratch: str | None,
    ) -> None:
        self.ray, self.jobs, self.settings = ray, list(jobs), settings
        self.worker, self.scratch = worker, scratch
        self.finish, self.options = finish, options
        self.on_done, self.progress = on_done, progress
        self.outcomes: dict[int, Outcome] = {}
        self.expected = {job.out.name: _expected_frames(job, options.max_frames) for job in jobs}

    # -----------------------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        from posture.video.pose import resolve_model

        model = resolve_model(self.settings.pose)  # the driver's model, on every worker
        model_ref = self.ray.put(Path(model.path).read_bytes())
        fields = {k: str(v) for k, v in model.as_dict().items()}
        self.board = self.ray.remote(num_cpus=0)(ProgressBoard).remote()
        self.actor_class = self.ray.remote(num_cpus=1)(self.worker)
        self.make_actor = lambda: self.actor_class.remote(
            model_ref, fields, self.board, self.scratch
        )
        size = self.options.workers or max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        idle = [self.make_actor() for _ in range(min(size, len(self.jobs)) or 1)]
        queue = list(range(len(self.jobs)))
        running: dict[Any, tuple[int, _Running]] = {}
        try:
            while queue or running:
                while queue and idle:
                    i = queue.pop(0)
                    ref, state = self._submit(i, idle.pop(0), tries=1)
                    if state is not None:
                        running[ref] = (i, state)
                self._show_progress()
                if not running:
                    continue
                ready, _ = self.ray.wait(list(running), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    i, state = running.pop(ref)
                    actor, retry = self._collect(i, ref, state)
                    if retry is not None:
                        running[retry[0]] = (i, retry[1])
                    elif actor is not None:
                        idle.append(actor)
        except KeyboardInterrupt:
            self._cancel(running)
        finally:
            for actor in idle:
                with contextlib.suppress(Exception):
                    self.ray.kill(actor)
        for i, job in enumerate(self.jobs):
            if i not in self.outcomes:
                self._done(i, Outcome(job, "not run", note="the batch was interrupted"))
        return [self.outcomes[i] for i in range(len(self.jobs))]

    def _submit(self, i: int, actor: Any, tries: int) -> tuple[Any, _Running | None]:
        job = self.jobs[i]
        task = Task(
            key=job.out.name,
            name=job.source.name,
            source=str(job.source),
            landmarks=job.is_landmarks,
            settings=self.settings,
            max_frames=self.options.max_frames,
            cues=self.options.cues,
        )
        try:
            chunks = put_file(job.source)
        except OSError as exc:
            self._done(i, Outcome(job, "failed", note=f"cannot read {job.source}: {exc}"))
            return None, None
        ref = actor.analyze.remote(task, chunks)
        return ref, _Running(job, task, actor, chunks, tries)

    def _collect(
        self, i: int, ref: Any, state: _Running
    ) -> tuple[Any, tuple[Any, _Running] | None]:
        """The finished job's files written and its outcome made, or a retry submitted.
        Returns (the actor, free again or None if it died; the retry's (ref, state))."""
        ray = self.ray
        try:
            reply = ray.get(ref)
        except ray.exceptions.RayActorError as exc:  # the worker process died
            return None, self._retry(i, state, f"its worker stopped: {_first_line(exc)}")
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause if isinstance(getattr(exc, "cause", None), Exception) else exc
            if isinstance(cause, INPUT_ERRORS):
                self._done(i, Outcome(state.job, "failed", note=str(cause)))
                return state.actor, None
            why = str(cause) if isinstance(cause, PostureError) else _internal(cause)
            retry = self._retry(i, state, why, actor=state.actor)
            return (None if retry else state.actor), retry
        self._write(i, state, reply)
        return state.actor, None

    def _retry(
        self, i: int, state: _Running, why: str, actor: Any = None
    ) -> tuple[Any, _Running] | None:
        if state.tries >= TRIES:
            note = f"{why} (tried {state.tries} times)"
            self._done(i, Outcome(state.job, "failed", note=note))
            return None
        ref, new = self._submit(i, actor or self.make_actor(), state.tries + 1)
        return (ref, new) if new is not None else None

    def _write(self, i: int, state: _Running, reply: dict[str, Any]) -> None:
        job, result = state.job, reply["result"]
        try:
            job.out.mkdir(parents=True, exist_ok=True)
            for name, refs in reply["files"].items():
                final = job.out / name
                tmp = job.out / f".{name}.partial"
                get_file(refs, tmp)
                os.replace(tmp, final)
                result.outputs[_OUTPUT_KEYS.get(name, name)] = final
            result = self.finish(job, result)
        except (PostureError, OSError) as exc:
            self._done(i, Outcome(job, "failed", note=str(exc)))
            return
        node = reply["node"]
        warnings = list(result.warnings)
        self._done(
            i,
            Outcome(
                job,
                "partial" if warnings else "ok",
                result.summary(),
                "; ".join(warnings),
                dict(result.outputs),
                where=f"node {node['node_id'][:8]} ({node['ip']}, pid {node['pid']})",
            ),
        )

    def _cancel(self, running: dict[Any, tuple[int, _Running]]) -> None:
        """Ctrl-C: stop the remote work (the workers themselves), mark what was running."""
        for ref, (i, state) in running.items():
            with contextlib.suppress(Exception):
                self.ray.cancel(ref)
            with contextlib.suppress(Exception):
                self.ray.kill(state.actor)
            self._done(i, Outcome(state.job, "failed", note="interrupted", interrupted=True))

    def _done(self, i: int, outcome: Outcome) -> None:
        self.outcomes[i] = outcome
        if self.on_done is not None:
            self.on_done(i, outcome)

    def _show_progress(self) -> None:
        if self.progress is None:
            return
        with contextlib.suppress(Exception):
            frames = self.ray.get(self.board.read.remote(), timeout=5)
            done = sum(d for d, _ in frames.values())
            total = sum(max(self.expected[k], frames.get(k, (0, 0))[1]) for k in self.expected)
            self.progress(done, total)


#: Output file -> its key in ``Result.outputs`` (as :func:`posture.run.recorded.write_outputs`).
_OUTPUT_KEYS = {
    "annotated.mp4": "video",
    "frames.csv": "frames",
    "lifts.csv": "lifts",
    "landmarks.npz": "landmarks",
    "summary.json": "summary",
}


def _expected_frames(job: Job, max_frames: int) -> int:
    """Frames the job's video declares (0 when unknown: a landmark file, an odd header)."""
    if job.is_landmarks:
        return 0
    try:
        from posture.video.io import open_video

        with open_video(job.source) as v:
            n = int(v.info.n_frames or 0)
    except (PostureError, OSError):
        return 0
    return min(n, max_frames) if max_frames else n


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _internal(exc: BaseException) -> str:
    return f"internal error: {type(exc).__name__}: {_first_line(exc)}"
