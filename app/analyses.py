"""Running analyses for the dashboard and keeping them: by file hash and settings. No Streamlit.

A video goes through the pose model once per (file, pose and tracking settings). Any other
change (thresholds, load, view hint, the person analysed, privacy) re-scores the landmarks that
pass saved (``landmarks.npz``, via :func:`posture.run.recorded.analyze_landmarks`) and redraws the
annotated video from the source (:func:`posture.run.recorded.redraw_video`): the same analysis the
CLI would give, in a fraction of the time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.sources import Source
from posture.core.config import Settings, dump_toml, override
from posture.core.progress import Progress
from posture.run.recorded import (
    Result,
    analyze_landmarks,
    analyze_source,
    redraw_video,
    write_outputs,
)


def settings_digest(settings: Any) -> str:
    """A short hash of a settings tree (or subtree)."""
    return hashlib.sha256(dump_toml(settings).encode()).hexdigest()[:12]


def pose_digest(settings: Settings) -> str:
    """Hash of the settings the pose pass depends on (model and tracking)."""
    return settings_digest(settings.pose) + settings_digest(settings.tracking)


def with_person(settings: Settings, person: int, same: Sequence[int] = ()) -> Settings:
    """``settings`` analysing ``person``, with the tracks ``same`` joined into them (one worker
    the tracker split)."""
    join = "+".join(str(int(i)) for i in (person, *same)) if same else ""
    return override(settings, {"subject": {"person": int(person), "join": join}})


@dataclass
class Analyzed:
    """A finished analysis as the dashboard keeps it."""

    source: Source
    settings: Settings
    result: Result
    out_dir: Path
    rescored: bool = False  # from saved landmarks, without the pose model
    extra: dict[str, Any] = field(default_factory=dict)  # per-analysis memo (tables, report)

    @property
    def key(self) -> str:
        return analysis_key(self.source, self.settings)

    @property
    def video(self) -> Path | None:
        v = self.result.outputs.get("video")
        return Path(v) if v is not None and Path(v).is_file() else None


def analysis_key(source: Source, settings: Settings) -> str:
    return f"{source.digest}-{settings_digest(settings)}"


def rescore(base: Result, source: Source, settings: Settings, out: Path) -> Result:
    """``base`` (a video's analysis) again with other settings, from its saved landmarks."""
    fresh = analyze_landmarks(base.outputs["landmarks"], settings)
    result = dataclasses.replace(
        fresh,
        source=base.source,
        model=base.model,
        people=base.people,
        warnings=list(base.warnings),
        outputs={},
    )
    out.mkdir(parents=True, exist_ok=True)
    if settings.output.video:
        tmp = out / ".annotated.partial.mp4"
        redraw_video(source.path, result.recording, result.analysis, tmp, settings)
        os.replace(tmp, out / "annotated.mp4")
        result.outputs["video"] = out / "annotated.mp4"
    write_outputs(result, out)
    return result


class AnalysisStore:
    """The newest analyses in memory (their output folders on disk), shared by all sessions.

    Thread-safe; an analysis evicted from memory has its output folder removed.
    """

    def __init__(self, root: Path, max_items: int = 16) -> None:
        self.root = root
        self.max_items = max_items
        self._items: OrderedDict[str, Analyzed] = OrderedDict()
        self._lock = threading.Lock()
        self._running: dict[str, threading.Lock] = {}

    def cached(self, source: Source, settings: Settings) -> Analyzed | None:
        """The analysis of this content with these settings, under the name ``source`` gives
        it (the same video uploaded as another file keeps the user's name)."""
        with self._lock:
            item = self._items.get(analysis_key(source, settings))
            if item is not None:
                self._items.move_to_end(item.key)
        if item is not None and item.source.label != source.label:
            return dataclasses.replace(item, source=source, extra={})
        return item

    def _base(self, source: Source, settings: Settings) -> Analyzed | None:
        """An analysis of the same video with the same pose pass, to re-score."""
        want = pose_digest(settings)
        with self._lock:
            for item in reversed(self._items.values()):
                if (
                    item.source.digest == source.digest
                    and not item.rescored
                    and pose_digest(item.settings) == want
                    and "landmarks" in item.result.outputs
                ):
                    return item
        return None

    def analyze(
        self, source: Source, settings: Settings, progress: Progress | None = None
    ) -> Analyzed:
        """The analysis of ``source`` with ``settings``: from memory, re-scored, or run."""
        key = analysis_key(source, settings)
        with self._lock:
            running = self._running.setdefault(key, threading.Lock())
        with running:  # the same clip asked twice at once is analysed once
            hit = self.cached(source, settings)
            if hit is not None:
                return hit
            out = self.root / key
            shutil.rmtree(out, ignore_errors=True)
            base = None if source.landmarks else self._base(source, settings)
            if source.landmarks:
                item = Analyzed(
                    source, settings, analyze_landmarks(source.path, settings, out), out
                )
            elif base is not None:
                item = Analyzed(source, settings, rescore(base.result, source, settings, out), out)
                item.rescored = True
            else:
                result = analyze_source(source.path, settings, out, progress=progress)
                item = Analyzed(source, settings, result, out)
            self._put(item)
            return item

    def _put(self, item: Analyzed) -> None:
        with self._lock:
            self._items[item.key] = item
            self._items.move_to_end(item.key)
            while len(self._items) > self.max_items:
                _, old = self._items.popitem(last=False)
                shutil.rmtree(old.out_dir, ignore_errors=True)
