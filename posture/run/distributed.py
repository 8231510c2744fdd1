"""A batch on a Ray cluster: ``posture analyze INPUTS... --out DIR --ray [ADDRESS]``.

Ray is the engine (no scheduler of our own): without an address a local Ray instance is
started, sized to this machine, and stopped at the end; with one (``host:port``, ``auto``) the
batch joins that cluster. A pool of actors (:class:`posture.run.ray_worker.PoseWorker`, one
CPU each, by default one per CPU of the cluster) each keep the pose model; the inputs are read
here and sent through the object store in chunks, the outputs come back the same way and are
written here, so the workers need no shared disk.

A recording long enough to be cut (the rule of ``--workers N``, N the batch's workers) is
analysed in segments by several workers and joined here (:mod:`posture.run.ray_segments`); a
short one is one task. The workers take the queue's next piece as they become free: a cut
recording's segments, then its drawing, go first, so it is done as soon as it can be.

A recording (or one segment of it) that fails is tried once more (on a fresh worker if its
worker died), except when the input itself is at fault (not a video, nobody in view: the
answer would be the same), then marked failed with the reason; the others go on. Ctrl-C
cancels the remote work (the workers are stopped) and marks what had not finished. Every job
gets an outcome, as in a sequential batch (:func:`posture.run.batch.run`), so the overview is
written in every case.

Ray's usage statistics and its dashboard are off: the tool sends nothing anywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posture.core.config import Settings
from posture.core.errors import PostureError
from posture.core.gravity import GravityCue
from posture.run.batch import Job, Outcome
from posture.run.ray_segments import Cut, done, join, plan_cut, write_video
from posture.run.ray_worker import INPUT_ERRORS, PoseWorker, ProgressBoard, Task, get_file, put_file
from posture.run.segments import RenderJob

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
class _Unit:
    """A piece of work for one worker: a whole recording (``task`` None until submitted, or a
    task without ``segment``), or one segment of a recording cut into segments (``task.segment``
    a ``SegmentJob`` to analyse, or a ``RenderJob`` to draw)."""

    i: int  # the job's index
    task: Task | None = None
    tries: int = 1

    @property
    def kind(self) -> str:
        seg = None if self.task is None else self.task.segment
        return "whole" if seg is None else "render" if isinstance(seg, RenderJob) else "segment"


@dataclass
class _Running:
    unit: _Unit
    actor: Any
    chunks: list[Any]
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
        self.cuts: dict[int, Cut] = {}  # the recordings being analysed in segments
        self.actors: list[Any] = []  # every worker alive

    # -----------------------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        from posture.video.pose import resolve_model

        self.model = resolve_model(self.settings.pose)  # the driver's model, on every worker
        model_ref = self.ray.put(Path(self.model.path).read_bytes())
        fields = {k: str(v) for k, v in self.model.as_dict().items()}
        self.board = self.ray.remote(num_cpus=0)(ProgressBoard).remote()
        actor_class = self.ray.remote(num_cpus=1)(self.worker)
        self.size = self.options.workers or max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        self.make_actor = lambda: actor_class.remote(model_ref, fields, self.board, self.scratch)
        idle = [self._new_actor() for _ in range(min(self.size, len(self.jobs)) or 1)]
        queue = deque(_Unit(i) for i in range(len(self.jobs)))
        running: dict[Any, _Running] = {}
        try:
            while queue or running:
                while queue and idle:
                    unit = queue.popleft()
                    if unit.i in self.outcomes:  # its recording failed meanwhile
                        continue
                    if unit.task is None and self._cut(unit.i, queue):
                        idle += [self._new_actor() for _ in range(self.size - len(self.actors))]
                        continue
                    ref, state = self._submit(unit, idle.pop(0))
                    if state is not None:
                        running[ref] = state
                self._show_progress()
                if not running:
                    continue
                ready, _ = self.ray.wait(list(running), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    state = running.pop(ref)
                    actor, retry = self._collect(ref, state, queue)
                    if retry is not None:
                        running[retry[0]] = retry[1]
                    elif actor is not None:
                        idle.append(actor)
        except KeyboardInterrupt:
            self._cancel(running)
        finally:
            self._stop(idle)
        for i, job in enumerate(self.jobs):
            if i not in self.outcomes:
                self._done(i, Outcome(job, "not run", note="the batch was interrupted"))
        return [self.outcomes[i] for i in range(len(self.jobs))]

    def _new_actor(self) -> Any:
        actor = self.make_actor()
        self.actors.append(actor)
        return actor

    def _cut(self, i: int, queue: deque[_Unit]) -> bool:
        """A recording long enough is planned in segments (their tasks first in the queue)."""
        job = self.jobs[i]
        plan = plan_cut(job, self.settings, self.size, self.options.max_frames, self.model)
        if plan is None:
            return False
        try:
            chunks = put_file(job.source)
        except OSError as exc:
            self._done(i, Outcome(job, "failed", note=f"cannot read {job.source}: {exc}"))
            return True
        self.cuts[i] = Cut(job, plan, chunks)
        self.expected[job.out.name] = sum(s.stop_frame - s.lead_in_frame for s in plan.segments)
        queue.extendleft(reversed([_Unit(i, self._task(i, seg)) for seg in plan.jobs]))
        return True

    def _task(self, i: int, segment: Any = None) -> Task:
        job = self.jobs[i]
        return Task(
            key=job.out.name,
            name=job.source.name,
            source=str(job.source),
            landmarks=job.is_landmarks,
            settings=self.settings,
            max_frames=self.options.max_frames,
            segment=segment,
            cues=self.options.cues,
        )

    def _submit(self, unit: _Unit, actor: Any) -> tuple[Any, _Running | None]:
        job = self.jobs[unit.i]
        if unit.i in self.cuts:  # a piece of a cut recording: its file is already sent
            assert unit.task is not None
            chunks = self.cuts[unit.i].chunks
            method = actor.segment if unit.kind == "segment" else actor.render
            return method.remote(unit.task, chunks), _Running(unit, actor, chunks)
        unit.task = self._task(unit.i)
        try:
            chunks = put_file(job.source)
        except OSError as exc:
            self._done(unit.i, Outcome(job, "failed", note=f"cannot read {job.source}: {exc}"))
            return None, None
        ref = actor.analyze.remote(unit.task, chunks)
        return ref, _Running(unit, actor, chunks)

    def _collect(
        self, ref: Any, state: _Running, queue: deque[_Unit]
    ) -> tuple[Any, tuple[Any, _Running] | None]:
        """The finished unit's work kept (a whole recording's files written and its outcome
        made), or a retry submitted. Returns (the actor, free again or None if it died; the
        retry's (ref, state))."""
        ray, i = self.ray, state.unit.i
        try:
            reply = ray.get(ref)
        except ray.exceptions.RayActorError as exc:  # the worker process died
            self.actors.remove(state.actor)
            return None, self._retry(state, f"its worker stopped: {_first_line(exc)}")
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause if isinstance(getattr(exc, "cause", None), Exception) else exc
            if isinstance(cause, INPUT_ERRORS):
                self._fail(i, str(cause))
                return state.actor, None
            why = str(cause) if isinstance(cause, PostureError) else _internal(cause)
            retry = self._retry(state, why, actor=state.actor)
            return (None if retry else state.actor), retry
        if i in self.outcomes:  # a piece of a recording that failed meanwhile
            return state.actor, None
        if state.unit.kind == "whole":
            self._write(i, reply)
        else:
            self._piece(i, state.unit, reply, queue)
        return state.actor, None

    def _piece(self, i: int, unit: _Unit, reply: dict[str, Any], queue: deque[_Unit]) -> None:
        """A segment analysed or drawn; the recording joined (its drawing queued first) once
        every segment is analysed, and done once every segment is drawn."""
        cut = self.cuts[i]
        cut.ran_on(reply["node"])
        assert unit.task is not None
        try:
            if unit.kind == "segment":
                cut.parts[unit.task.segment.segment.index] = reply["result"]
                if not cut.analysed:
                    return
                join(cut, self.settings, self.options.cues)
                queue.extendleft(reversed([_Unit(i, self._task(i, r)) for r in cut.renders]))
            else:
                cut.pieces[unit.task.segment.index] = reply["piece"]
            if cut.drawn:
                if cut.renders:
                    write_video(cut)
                self._finished(i, self.finish(cut.job, done(cut)), cut.where)
        except (PostureError, OSError) as exc:
            self._fail(i, str(exc))
        except Exception as exc:  # joining here: marked as a worker's failure is, not raised
            self._fail(i, _internal(exc))

    def _retry(self, state: _Running, why: str, actor: Any = None) -> tuple[Any, _Running] | None:
        unit = state.unit
        if unit.tries >= TRIES:
            self._fail(unit.i, f"{why} (tried {unit.tries} times)")
            return None
        again = _Unit(unit.i, unit.task if unit.kind != "whole" else None, unit.tries + 1)
        ref, new = self._submit(again, actor or self._new_actor())
        return (ref, new) if new is not None else None

    def _write(self, i: int, reply: dict[str, Any]) -> None:
        job, result = self.jobs[i], reply["result"]
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
        self._finished(i, result, f"node {node['node_id'][:8]} ({node['ip']}, pid {node['pid']})")

    def _finished(self, i: int, result: Any, where: str) -> None:
        warnings = list(result.warnings)
        status = "partial" if warnings else "ok"
        summary, outputs = result.summary(), dict(result.outputs)
        job = self.jobs[i]
        self._done(i, Outcome(job, status, summary, "; ".join(warnings), outputs, where=where))

    def _fail(self, i: int, note: str) -> None:
        self._done(i, Outcome(self.jobs[i], "failed", note=note))

    def _cancel(self, running: dict[Any, _Running]) -> None:
        """Ctrl-C: stop the remote work (the workers themselves), mark what had begun."""
        for ref, state in running.items():
            with contextlib.suppress(Exception):
                self.ray.cancel(ref)
            with contextlib.suppress(Exception):
                self.ray.kill(state.actor)
            with contextlib.suppress(ValueError):
                self.actors.remove(state.actor)
        begun = {s.unit.i for s in running.values()} | set(self.cuts)
        for i in sorted(begun - set(self.outcomes)):
            self._done(i, Outcome(self.jobs[i], "failed", note="interrupted", interrupted=True))

    def _stop(self, idle: list[Any]) -> None:
        """The workers stopped, their copies of the recordings removed first."""
        with contextlib.suppress(Exception):
            self.ray.get([a.close.remote() for a in idle], timeout=10)
        for actor in idle:
            with contextlib.suppress(Exception):
                self.ray.kill(actor)

    def _done(self, i: int, outcome: Outcome) -> None:
        self.outcomes[i] = outcome
        cut = self.cuts.pop(i, None)
        if cut is not None:  # its file leaves the object store and the workers' disks
            for actor in self.actors:
                with contextlib.suppress(Exception):
                    actor.forget.remote(cut.job.out.name)
        if self.on_done is not None:
            self.on_done(i, outcome)

    def _show_progress(self) -> None:
        if self.progress is None:
            return
        with contextlib.suppress(Exception):
            frames = self.ray.get(self.board.read.remote(), timeout=5)
            done = sum(d for d, _ in frames.values())
            told: dict[str, int] = {}  # a recording's frames (its segments' added up)
            for key, (_, total) in frames.items():
                told[key.split("/")[0]] = told.get(key.split("/")[0], 0) + total
            total = sum(max(n, told.get(k, 0)) for k, n in self.expected.items())
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
