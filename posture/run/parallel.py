"""Every core on a recording, and on a batch: segments analysed by a pool of processes.

:class:`Workers` is this machine's pool: ``workers - 1`` processes started with ``spawn`` (no
state inherited from this one), plus this process itself, each keeping its pose model loaded
from one job to the next (:func:`posture.run.segments.graph_pool`). It hands out jobs one at a
time, so a worker that finishes early takes the next. A batch keeps one pool for all its
recordings. :func:`analyze_in_segments` runs the steps of :mod:`posture.run.segments` on it
(or on any other ``map``, e.g. Ray's).

Ctrl-C stops every worker's segment (the pool processes ignore it; this one tells them): each
returns what it had analysed, and the recording is kept up to the first segment that stopped
early, as a sequential run keeps what it had analysed.
"""

from __future__ import annotations

import concurrent.futures as cf
import concurrent.futures.process  # noqa: F401  (cf.process: the pool breaking)
import contextlib
import itertools
import multiprocessing as mp
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from pathlib import Path
from typing import Any, Generic, TypeVar

from posture.core.assessment import Assessment
from posture.core.config import Settings
from posture.core.errors import InputError, NoPersonError
from posture.core.gravity import GravityCue
from posture.run.export import write_json
from posture.run.recorded import Result, check_output_dir, prompt_gil_handover, write_outputs
from posture.run.segments import (
    RenderJob,
    SegmentError,
    SegmentJob,
    SegmentResult,
    analyze_segment,
    finish,
    graph_pool,
    join_segments,
    join_videos,
    plan_segments,
    release_graphs,
    render_jobs,
    render_segment,
)
from posture.video.native_logs import quiet_environment
from posture.video.pose import ModelInfo, memory_back_to_system, share_cores, usable_cores

J = TypeVar("J")
R = TypeVar("R")
T = TypeVar("T")
Progress = Callable[[int, int], None]  # (frames done, frames expected)

# --- a worker process's state (set by _start) -----------------------------------------------
_done: Any = None  # a shared counter of frames analysed
_cancel: Any = None  # set: stop the current segment


def _start(settings: Settings, model: ModelInfo, done: Any, cancel: Any, workers: int) -> None:
    """A pool process starts: keep the shared counter and flag, load the pose model now (on
    its share of the cores: ``workers`` models run side by side)."""
    global _done, _cancel
    _done, _cancel = done, cancel
    share_cores(workers)
    # Ctrl-C reaches the whole process group: the parent sets ``cancel`` and every worker
    # ends its segment cleanly, returning what it analysed
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    quiet_environment()
    graph_pool(settings, model).warm()


def _count(step: int = 1) -> None:
    if _done is not None:
        with _done.get_lock():
            _done.value += step


def _analyze(job: SegmentJob) -> SegmentResult:
    """:func:`analyze_segment` in a pool process (or this one), counting frames as it goes."""
    counted = 0

    def progress(n: int) -> None:
        nonlocal counted
        if n - counted >= 10:
            _count(n - counted)
            counted = n

    def stop() -> bool:
        return _cancel is not None and _cancel.is_set()

    with prompt_gil_handover():
        result = analyze_segment(job, progress=progress, stop=stop)
    _count(result.frames - counted)
    return result


def _render(item: tuple[RenderJob, Path]) -> Path:
    return render_segment(*item)


class _Peekable(Generic[T]):
    """An iterator that says whether it has an item left (without taking it), and can be
    emptied."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items = iter(items)
        self._next: list[T] = []

    def __bool__(self) -> bool:
        if not self._next:
            self._next.extend(itertools.islice(self._items, 1))
        return bool(self._next)

    def pop(self) -> T:
        if not self:
            raise IndexError("no job left")
        return self._next.pop()

    def clear(self) -> None:
        self._next.clear()
        self._items = iter(())


class Workers:
    """``workers`` processes (this one included) analysing segments; see the module
    docstring. Use as a context manager."""

    def __init__(self, workers: int, settings: Settings, model: ModelInfo) -> None:
        if workers < 1:
            raise InputError("--workers must be 1 or more")
        self.workers = workers
        ctx = mp.get_context("spawn")
        self._done = ctx.Value("q", 0)
        self._cancel = ctx.Event()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._pool_args = (settings, model, self._done, self._cancel, workers)
        self._ctx = ctx
        self._here = cf.ThreadPoolExecutor(1, thread_name_prefix="posture-segment")
        # this process counts into the same counter as the pool
        global _done, _cancel
        _done, _cancel = self._done, self._cancel
        self.stop: Callable[[], bool] | None = None

    @property
    def frames_done(self) -> int:
        return int(self._done.value)

    def map(
        self,
        fn: Callable[[J], R],
        jobs: Iterable[J],
        progress: Callable[[], None] | None = None,
    ) -> list[R]:
        """``fn`` over ``jobs`` on every worker, one job at a time each; results in the jobs'
        order. Each job is taken from ``jobs`` only when a worker is free for it (a lazy
        iterable's jobs are never all made at once). ``progress()`` is called a few times a
        second while they run."""
        if not isinstance(jobs, Sized) or len(jobs) > 1:
            self._start_pool()
        todo = _Peekable(enumerate(jobs))
        results: dict[int, R] = {}
        running: dict[cf.Future[R], tuple[int, str]] = {}
        busy = {"here": 0, "pool": 0}
        capacity = {"here": 1, "pool": self.workers - 1}
        while todo or running:
            executors: tuple[tuple[str, cf.Executor | None], ...] = (
                ("pool", self._pool),
                ("here", self._here),
            )
            for where, executor in executors:
                while todo and executor is not None and busy[where] < capacity[where]:
                    k, job = todo.pop()
                    running[executor.submit(fn, job)] = (k, where)
                    busy[where] += 1
            try:
                finished, _ = cf.wait(running, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            except KeyboardInterrupt:
                self._cancel.set()
                todo.clear()
                continue
            if self.stop is not None and self.stop():
                self._cancel.set()
                todo.clear()
            for future in finished:
                k, where = running.pop(future)
                busy[where] -= 1
                try:
                    results[k] = future.result()
                except cf.process.BrokenProcessPool as exc:
                    raise SegmentError(f"a worker process stopped unexpectedly ({exc})") from exc
            if progress is not None:
                progress()
        return [results[k] for k in sorted(results)]

    def start(self) -> None:
        """Start the pool's processes now (they import and load the pose model while this
        process gets ready), when it is known that a recording will need them."""
        self._start_pool()

    def _start_pool(self) -> None:
        """The pool's processes, started when a first recording has more than one segment (a
        short clip alone never pays for them); they load the pose model as they start."""
        if self._pool is None and self.workers > 1:
            share_cores(self.workers)  # this process analyses segments beside the pool's
            self._pool = cf.ProcessPoolExecutor(
                self.workers - 1,
                mp_context=self._ctx,
                initializer=_start,
                initargs=self._pool_args,
            )

    @property
    def cancelled(self) -> bool:
        return bool(self._cancel.is_set())

    def reset(self) -> None:
        """Ready for the next recording (counter to 0, not cancelled)."""
        self._cancel.clear()
        with self._done.get_lock():
            self._done.value = 0

    def close(self) -> None:
        self._here.shutdown(wait=True)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            share_cores(1)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def analyze_in_segments(
    path: str | Path,
    settings: Settings,
    out_dir: Path | None,
    workers: Workers,
    *,
    progress: Progress | None = None,
    max_frames: int = 0,
    cues: Sequence[GravityCue] = (),
    assessment: Assessment | None = None,
) -> Result:
    """A video file analysed in segments on ``workers`` and joined, with every output of
    :func:`posture.run.recorded.analyze_source` (the annotated video drawn per segment on the
    same workers and joined without re-encoding); ``cues`` and ``assessment`` as there."""
    t_start = time.perf_counter()
    workers.reset()
    plan = plan_segments(path, settings, workers.workers, max_frames=max_frames)
    total = plan.n_frames

    def tick() -> None:
        if progress is not None:
            progress(min(workers.frames_done, total), total)

    parts = workers.map(_analyze, plan.jobs, tick)
    release_graphs()  # this process's: the pool's are kept for the next recording
    timings = {"analyze_frames": time.perf_counter() - t_start}
    joined = join_segments(plan, parts, interrupted=workers.cancelled)
    del parts  # joined (a long recording's landmarks are never held twice)
    if workers.cancelled:
        if joined.frames == 0:  # stopped before a frame was analysed
            raise KeyboardInterrupt
        note = f"interrupted after {joined.frames} frames; the results cover those frames"
        joined.warnings = (note,)
    if joined.frames == 0:
        raise InputError(f"{plan.source}: no frame could be read")
    try:
        result = finish(plan, joined, settings, out_dir, cues)
    except NoPersonError:
        # stopped by Ctrl-C before anyone came into view: interrupted, not empty (as
        # analyze_source)
        if not workers.cancelled:
            raise
        raise KeyboardInterrupt from None
    result.assessment = assessment or Assessment()
    result.timings.update(timings)
    result.timings["segments"] = float(len(plan.segments))
    if out_dir is not None and settings.output.video:
        t0 = time.perf_counter()
        _video(plan.source, result, render_jobs(plan, result), out_dir, workers)
        result.timings["finish_video"] = time.perf_counter() - t0
    result.timings["total"] = time.perf_counter() - t_start
    if out_dir is not None:
        write_json(out_dir / "summary.json", result.summary())
    return result


def _video(
    source: str, result: Result, jobs: Iterable[RenderJob], out_dir: Path, workers: Workers
) -> None:
    """Draw the pieces on the workers, join them into annotated.mp4."""
    tmp = out_dir / ".annotated.segments"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        pieces = workers.map(_render, ((job, tmp / f"{job.index:04d}.mp4") for job in jobs))
        final = out_dir / "annotated.mp4"
        join_videos(pieces, final)
        result.outputs["video"] = final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        memory_back_to_system()  # the encoder's and decoder's buffers of the pieces drawn here


def default_workers() -> int:
    """The machine's cores (this process may use)."""
    return usable_cores()


@contextlib.contextmanager
def maybe_workers(workers: int, settings: Settings, model: ModelInfo) -> Iterator[Workers | None]:
    """A pool when ``workers`` > 1, else None."""
    if workers <= 1:
        yield None
        return
    with Workers(workers, settings, model) as pool:
        yield pool


__all__ = [
    "Workers",
    "analyze_in_segments",
    "check_output_dir",
    "default_workers",
    "maybe_workers",
    "write_outputs",
]
