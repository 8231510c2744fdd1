"""What runs on a Ray worker: one process per worker that keeps the pose model, and analyses
the recordings sent to it, as bytes, into a temporary folder of its own; or one segment of a
long recording (analysed, or drawn), the recording's copy kept for its next segments.

No shared disk is assumed: the recording arrives as chunks through Ray's object store and the
outputs go back the same way; the driver (where ``posture analyze`` runs) reads the inputs and
writes the outputs. Every node needs posture installed, the same version (the code is not
shipped). Ray is imported lazily: this module is safe to import without it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from posture.core.config import Settings
from posture.core.errors import InputError, NoPersonError, PostureError
from posture.core.gravity import GravityCue

#: Files travel in pieces of this size: neither end holds a whole long recording in memory.
CHUNK_BYTES = 64 << 20
#: How often a worker reports its progress (frames analysed) to the driver.
PROGRESS_EVERY_S = 0.5
#: Failures that are the input's own (not a video, no person in view): the same every time,
#: so they are not retried.
INPUT_ERRORS = (InputError, NoPersonError)


@dataclass(frozen=True)
class Task:
    """One unit of work: a whole recording (``segment`` None), or one piece of a long one cut
    by :mod:`posture.run.segments` (``segment`` a ``SegmentJob`` to analyse or a ``RenderJob``
    to draw: :meth:`PoseWorker.segment`, :meth:`PoseWorker.render`)."""

    key: str  # unique in the batch: the job's output folder name
    name: str  # the input's file name (the temporary copy is named the same)
    source: str  # the input as the user gave it: written into the results in place of the copy
    landmarks: bool
    settings: Settings
    max_frames: int = 0
    segment: Any = None
    cues: tuple[GravityCue, ...] = ()  # as analyze_source's


def read_chunks(path: Path, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(size):
            yield block


def put_file(path: Path) -> list[Any]:
    """The file's bytes into the object store, chunk by chunk: a list of object refs."""
    import ray

    return [ray.put(block) for block in read_chunks(path)]


def get_file(refs: Sequence[Any], path: Path) -> None:
    """Write the chunks behind ``refs`` to ``path``, one chunk in memory at a time."""
    import ray

    with open(path, "wb") as f:
        for ref in refs:
            f.write(ray.get(ref))


class PoseWorker:
    """The body of a Ray actor (``ray.remote(PoseWorker)``): made once per worker process, with
    the model the driver uses (its bytes), kept for every recording the worker analyses.

    The pose graph itself is made fresh for each recording: MediaPipe's video mode carries each
    frame's result into the next, and a recording must not start from the last one's people
    (the results would differ from a sequential run)."""

    def __init__(
        self,
        model_bytes: bytes,
        model_fields: dict[str, str],
        progress: Any,
        scratch: str | None = None,
    ) -> None:
        from posture.video.pose import ModelInfo, share_cores, usable_cores

        # an actor holds one CPU of its machine (``num_cpus=1``), other actors the others: its
        # models compute on one thread
        share_cores(usable_cores())
        # the recordings' copies go under ``scratch`` (a local instance's own folder, removed
        # with it) or the temporary folder; each is removed when its analysis ends
        self._dir = Path(tempfile.mkdtemp(prefix="posture-worker-", dir=scratch))
        model_path = _model_file(model_bytes, model_fields)
        self.driver_model_path = model_fields["path"]
        self.model = ModelInfo(
            model_path,
            model_fields["source"],
            model_fields["name"],
            model_fields["sha256"],
            model_fields.get("pruned_from", ""),
        )
        self.progress = progress
        self.node = _node()
        # the recordings cut into segments: a local copy each (by the task's key), made at
        # the first segment this worker takes and kept for its next ones and their drawing
        self._copies: dict[str, Path] = {}

    def where(self) -> dict[str, str]:
        return self.node

    def analyze(self, task: Task, chunks: Sequence[Any]) -> dict[str, Any]:
        """Analyse one recording sent as chunks; returns the Result (its paths the driver's),
        the output files as chunk refs, and where it ran. An error is raised again with the
        temporary path replaced by the input's name."""
        work = Path(tempfile.mkdtemp(dir=self._dir))
        try:
            src = work / task.name
            get_file(chunks, src)
            out = work / "out"
            try:
                result = self._analyze(task, src, out)
            except PostureError as exc:
                raise type(exc)(str(exc).replace(str(src), task.source)) from None
            _as_driver_sees_it(result, str(src), task.source, self.driver_model_path)
            from posture.run.recorded import write_outputs

            write_outputs(result, out)  # again, with the input's own path in them
            files = {
                p.name: put_file(p)
                for p in (Path(v) for v in result.outputs.values())
                if p.is_file()
            }
            result.outputs = {}
            return {"result": result, "files": files, "node": self.node}
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def segment(self, task: Task, chunks: Sequence[Any]) -> dict[str, Any]:
        """Analyse one segment (``task.segment``, a ``SegmentJob``) of a recording whose
        chunks are fetched only if this worker has no copy of it yet; returns the
        ``SegmentResult`` (its error, if any, naming the input, not the copy) and where it
        ran."""
        from posture.run.segments import analyze_segment

        src = self._copy(task, chunks)
        job = replace(task.segment, source=str(src), model=self.model)
        key = f"{task.key}/{job.segment.index}"  # the driver adds the segments up
        total = job.segment.stop_frame - job.segment.lead_in_frame
        result = analyze_segment(job, progress=self._reporter(key, total))
        if result.error:
            result = replace(result, error=result.error.replace(str(src), task.source))
        return {"result": result, "node": self.node}

    def render(self, task: Task, chunks: Sequence[Any]) -> dict[str, Any]:
        """Draw one segment of the annotated video (``task.segment``, a ``RenderJob``); returns
        the encoded piece as chunk refs."""
        from posture.run.segments import render_segment

        src = self._copy(task, chunks)
        work = Path(tempfile.mkdtemp(dir=self._dir))
        try:
            job = replace(task.segment, source=str(src))
            try:
                piece = render_segment(job, work / f"{job.index:04d}.mp4")
            except PostureError as exc:
                raise type(exc)(str(exc).replace(str(src), task.source)) from None
            return {"piece": put_file(piece), "node": self.node}
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def forget(self, key: str) -> None:
        """The recording ``key`` is done: its copy is removed."""
        copy = self._copies.pop(key, None)
        if copy is not None:
            shutil.rmtree(copy.parent, ignore_errors=True)

    def close(self) -> None:
        """The batch is done: every copy is removed (before the driver stops this worker)."""
        self._copies.clear()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _copy(self, task: Task, chunks: Sequence[Any]) -> Path:
        """This worker's copy of the task's recording: the chunks travel once per worker."""
        if task.key not in self._copies:
            src = Path(tempfile.mkdtemp(dir=self._dir)) / task.name
            try:
                get_file(chunks, src)
            except BaseException:  # no half copy left behind (a full disk, Ctrl-C)
                shutil.rmtree(src.parent, ignore_errors=True)
                raise
            self._copies[task.key] = src
        return self._copies[task.key]

    def _reporter(self, key: str, total: int) -> Callable[[int], None]:
        """``progress(frames done)`` sent to the board at most every PROGRESS_EVERY_S."""
        last = [0.0]

        def progress(done: int) -> None:
            now = time.monotonic()
            if self.progress is not None and (now - last[0] >= PROGRESS_EVERY_S or done == total):
                last[0] = now
                self.progress.report.remote(key, done, total)

        return progress

    def _analyze(self, task: Task, src: Path, out: Path) -> Any:
        from posture.run.recorded import analyze_landmarks, analyze_source

        if task.landmarks:
            return analyze_landmarks(src, task.settings, out, cues=task.cues)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if self.progress is not None and (now - last[0] >= PROGRESS_EVERY_S or done == total):
                last[0] = now
                self.progress.report.remote(task.key, done, total)

        return analyze_source(
            src,
            task.settings,
            out,
            progress=progress,
            model=self.model,
            max_frames=task.max_frames,
            cues=task.cues,
        )


def _model_file(data: bytes, fields: dict[str, str]) -> Path:
    """The model's bytes in a file of this machine, once per model (named by its hash)."""
    folder = Path(tempfile.gettempdir()) / "posture-models"
    folder.mkdir(exist_ok=True)
    path = folder / f"{fields['sha256'][:16]}-{Path(fields['name']).name}"
    if not path.is_file() or path.stat().st_size != len(data):
        tmp = folder / f".{path.name}.{os.getpid()}"
        tmp.write_bytes(data)
        os.replace(tmp, path)  # whole, even with several workers writing it at once
    return path


def _as_driver_sees_it(result: Any, tmp: str, source: str, model_path: str) -> None:
    """The worker's temporary paths replaced by the driver's, so the results read as a
    sequential run's."""
    if result.source.get("source") == tmp:
        result.source = {**result.source, "source": source}
    meta = dict(result.recording.meta)
    if meta.get("source") == tmp:
        meta["source"] = source
        result.recording = replace(result.recording, meta=meta)
    if isinstance(result.model, dict) and "path" in result.model:
        result.model = {**result.model, "path": model_path}
    result.warnings = [w.replace(tmp, source) for w in result.warnings]


def _node() -> dict[str, str]:
    try:
        import ray

        ctx = ray.get_runtime_context()
        return {
            "node_id": ctx.get_node_id(),
            "ip": ray.util.get_node_ip_address(),
            "pid": str(os.getpid()),
        }
    except Exception:  # outside Ray (tests of the body alone)
        return {"node_id": "", "ip": "", "pid": str(os.getpid())}


class ProgressBoard:
    """The body of a small Ray actor the workers report frames analysed to; the driver reads it
    for its one progress bar."""

    def __init__(self) -> None:
        self.frames: dict[str, tuple[int, int]] = {}

    def report(self, key: str, done: int, total: int) -> None:
        self.frames[key] = (done, total)

    def read(self) -> dict[str, tuple[int, int]]:
        return dict(self.frames)
