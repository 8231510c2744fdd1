"""The streaming analysis core: one person's analysis, one frame at a time.

:class:`StreamingAnalysis` takes each frame's landmarks of one person (or none) and returns at
once what that frame shows and why (:class:`posture.assess.explain.FrameReport`): cleaned,
measured, lifts found, judged, cued, scored. It keeps, incrementally, what the recorded
analysis (:func:`posture.assess.analysis.analyze`) computes over a whole clip:

* cleaning: :class:`posture.core.filtering.CausalCleaner` (visibility, upside-down frames,
  short gaps held, one-euro filter);
* the body frame: :class:`posture.core.body_state.BodyState` (gravity and size as learnt so far);
* the measures: :func:`posture.core.measures.compute_measures` on the one frame, speeds from
  the frame before (a backward difference);
* lifts: :class:`posture.assess.lifts.LiftTracker`, the same detector a recording uses;
* rules, cues, risk level and scores: :class:`posture.assess.judge.Judge`, the same judge.

The time a frame takes does not depend on how long the stream has run: every state is bounded
(the lift finder keeps the last ~30 s of one signal; trailing windows are monotonic queues;
percentiles are histograms). What the stream has decided is kept, frame by frame (about 2 KB a
frame, like the landmarks), so that :meth:`StreamingAnalysis.finish` can hand the whole session
over as an :class:`~posture.assess.analysis.Analysis`, written by the same tables as a
recording: frames.csv says what was shown live at each frame.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from posture.assess.analysis import Analysis, judged, seated
from posture.assess.explain import FrameReport, frame_report
from posture.assess.judge import Judge
from posture.assess.lifts import Lift, LiftTracker, lift_rate_from_ends
from posture.assess.rules import Context
from posture.core.body_state import BodyState
from posture.core.config import Settings
from posture.core.filtering import CausalCleaner
from posture.core.gravity import GravityCue
from posture.core.landmarks import N_LANDMARKS, PoseSequence
from posture.core.measures import MEASURE_SPECS, Measures, compute_measures, velocities

NAN = float("nan")

#: Measures whose speed a stream takes from the frame before, and the angle each is the speed
#: of (its confidence is the angle's: the same landmarks, the same view).
SPEEDS = {
    "trunk_twist_velocity_deg_s": "trunk_twist_deg",
    "trunk_flexion_velocity_deg_s": "trunk_flexion_deg",
}


class _Column:
    """A growing array of rows (capacity doubled as needed: a constant time per row)."""

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.a = np.empty((64, *shape), dtype)
        self.n = 0

    def append(self, x: Any) -> None:
        if self.n == len(self.a):
            grown = np.empty((2 * len(self.a), *self.a.shape[1:]), self.a.dtype)
            grown[: self.n] = self.a
            self.a = grown
        self.a[self.n] = x
        self.n += 1

    def get(self, a: int = 0, b: int | None = None) -> np.ndarray:
        return self.a[a : self.n if b is None else b]


class _Padded(_Column):
    """A column that starts after ``missing`` rows (they read 1: nothing against them)."""

    def __init__(self, missing: int) -> None:
        super().__init__((), np.float64)
        self.a = np.ones((max(64, 2 * missing), *self.a.shape[1:]), np.float64)
        self.n = missing


class _Store:
    """Every frame of the stream, as columns: raw landmarks, body frame, measures, context."""

    def __init__(self) -> None:
        lm3, lm = (N_LANDMARKS, 3), (N_LANDMARKS,)
        self.cols: dict[str, _Column] = {
            "t": _Column((), np.float64),
            "frame": _Column((), np.int64),
            "world": _Column(lm3, np.float32),
            "image": _Column(lm3, np.float32),
            "vis": _Column(lm, np.float32),
            "view": _Column((), object),
            "yaw": _Column((), np.float64),
            "points": _Column(lm3, np.float32),
            "forward": _Column((3,), np.float64),
            "right": _Column((3,), np.float64),
            "pelvis_held": _Column((), bool),
            "turn_agreement": _Column((), np.float64),
            "in_lift": _Column((), bool),
            "rate": _Column((), np.float64),
            "seated": _Column((), bool),
        }
        for name in MEASURE_SPECS:
            self.cols[name] = _Column((), np.float64)
            self.cols[f"{name}_conf"] = _Column((), np.float64)
        self.last: Measures | None = None

    def __len__(self) -> int:
        return self.cols["t"].n

    def add(self, raw: PoseSequence, m: Measures, ctx: Context) -> None:
        c = self.cols
        for key, value in (
            ("t", raw.t_s[0]),
            ("frame", raw.frame_index[0]),
            ("world", raw.world_xyz_m[0]),
            ("image", raw.image_xyz[0]),
            ("vis", raw.visibility[0]),
            ("view", m.view[0]),
            ("yaw", m.yaw_deg[0]),
            ("points", m.body.points[0]),
            ("forward", m.body.forward[0]),
            ("right", m.body.right[0]),
            ("pelvis_held", m.body.pelvis_held[0]),
            ("turn_agreement", m.body.twist_agreement[0]),
            ("in_lift", ctx.in_lift[0]),
            ("rate", ctx.lift_rate_per_min[0]),
            ("seated", ctx.seated[0]),
        ):
            c[key].append(value)
        for name in MEASURE_SPECS:
            c[name].append(m[name][0])
            c[f"{name}_conf"].append(m.conf[name][0])
        for part, plausible in m.body.plausible.items():
            key = f"plausible_{part}"
            if key not in c:  # (not setdefault: its default would be built, padded, every frame)
                c[key] = _Padded(len(self) - 1)
            c[key].append(plausible[0])
        self.last = m

    def measures(self, a: int = 0, b: int | None = None) -> Measures:
        """The measures of rows ``a`` to ``b`` (exclusive; None: to the newest)."""
        c, last = self.cols, self.last
        assert last is not None
        body = replace(
            last.body,
            points=c["points"].get(a, b),
            forward=c["forward"].get(a, b),
            right=c["right"].get(a, b),
            yaw_deg=c["yaw"].get(a, b),
            pelvis_held=c["pelvis_held"].get(a, b),
            twist_agreement=c["turn_agreement"].get(a, b),
            plausible={
                k.removeprefix("plausible_"): col.get(a, b)
                for k, col in c.items()
                if k.startswith("plausible_")
            },
        )
        return Measures(
            c["t"].get(a, b),
            {name: c[name].get(a, b) for name in MEASURE_SPECS},
            {name: c[f"{name}_conf"].get(a, b) for name in MEASURE_SPECS},
            c["view"].get(a, b),
            c["yaw"].get(a, b),
            body,
            last.units_per_cm,
            self._info(body.pelvis_held),
        )

    def _info(self, held: np.ndarray) -> dict[str, Any]:
        """The newest frame's geometry notes, the pelvis' over the rows asked for (the newest
        frame alone says held or not: the share is the rows')."""
        assert self.last is not None
        info = dict(self.last.info)
        if len(held):
            note = (
                "pelvis hidden at times: held from its last well-seen orientation"
                if held.any()
                else ""
            )
            info["pelvis"] = {
                "held_share": round(float(np.mean(held)), 3),
                "note": note or "seen",
            }
        return info

    def sequence(self, prefix: str, size: tuple[int, int], person_id: int) -> PoseSequence:
        c = self.cols
        return PoseSequence(
            t_s=c["t"].get(),
            world_xyz_m=c[f"{prefix}world"].get(),
            image_xyz=c[f"{prefix}image"].get(),
            visibility=c["vis"].get(),
            frame_index=c["frame"].get(),
            image_size_px=size,
            person_id=person_id,
        )

    def context(self) -> Context:
        c = self.cols
        return Context(c["in_lift"].get(), c["rate"].get(), c["seated"].get())


class StreamingAnalysis:
    """One person's analysis fed frame by frame (module docstring).

    ``t0_s``: when the stream started (a static posture needs ``rules.static.static_s`` of it);
    by default the first frame pushed. Not thread-safe: push from one thread.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        image_size_px: tuple[int, int] = (0, 0),
        person_id: int = 0,
        t0_s: float | None = None,
    ) -> None:
        self.settings = settings
        self.size, self.person_id = image_size_px, person_id
        w, h = image_size_px
        self._cleaner = CausalCleaner(settings.filter, w / h if w > 0 and h > 0 else 1.0)
        self._body = BodyState(settings.view)
        self._store = _Store()
        self._lifts = LiftTracker(settings, self._measures_between)
        self._judge = Judge(settings, t0_s)
        self._t0 = t0_s
        self._prev: Measures | None = None

    def __len__(self) -> int:
        return len(self._store)

    def use_scene(self, cue: GravityCue, hfov_deg: float | None) -> None:
        """The scene's gravity, found while the stream runs (:meth:`BodyState.use_scene`)."""
        self._body.use_scene(cue, hfov_deg)

    def _measures_between(self, a: int, b: int) -> tuple[Measures, int]:
        return self._store.measures(a, b + 1), a

    # -----------------------------------------------------------------------------------------
    def push(
        self,
        t_s: float,
        frame_index: int,
        pose: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    ) -> FrameReport:
        """One frame: ``pose`` is ``(world_xyz_m (33, 3), image_xyz (33, 3), visibility (33,))``
        of this person, or None when they are not seen. Returns the frame's report."""
        raw = self._row(t_s, frame_index, pose)
        self._t0 = t_s if self._t0 is None else self._t0
        world, image = self._cleaner(raw.world_xyz_m[0], raw.image_xyz[0], raw.visibility[0], t_s)
        clean = PoseSequence(
            t_s=raw.t_s,
            world_xyz_m=world[None],
            image_xyz=image[None],
            visibility=raw.visibility,
            frame_index=raw.frame_index,
            image_size_px=self.size,
            person_id=self.person_id,
        )
        bf, scale = self._body(clean)
        m = self._with_speeds(compute_measures(clean, self.settings, body=bf, scale=scale))
        row = len(self._store)
        ctx = self._context(row, t_s, m)
        self._store.add(raw, m, ctx)
        # a frame without the person gives the lift finder no sample: it bridges a short gap
        # when they come back, as a recording's interpolation does, and ends the run when they
        # do not (the cleaner's held landmarks, still settling through the low-pass, are no
        # evidence of a movement: held alone, they made lifts as a person walked out of view)
        seen = bool(raw.pose_found[0])
        hands, trunk = (m["hand_height_cm"][0], m["trunk_flexion_deg"][0]) if seen else (NAN, NAN)
        self._lifts.push(row, t_s, float(hands), float(trunk))
        v = self._judge(m, ctx, raw.pose_found, scores=False)
        low = self._lifts.in_progress()
        lift = (self.lifts_done + 1, self._lifts.style_at(low)) if low is not None else None
        return frame_report(
            m, v.findings, v.cues, 0, self.settings, pose_found=bool(raw.pose_found[0]), lift=lift
        )

    def _row(
        self, t_s: float, frame_index: int, pose: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    ) -> PoseSequence:
        if pose is None:
            nan3 = np.full((1, N_LANDMARKS, 3), np.nan, np.float32)
            world, image, vis = nan3, nan3, np.full((1, N_LANDMARKS), np.nan, np.float32)
        else:
            world, image, vis = pose[0][None], pose[1][None], pose[2][None]
        return PoseSequence(
            t_s=np.array([t_s]),
            world_xyz_m=world,
            image_xyz=image,
            visibility=vis,
            frame_index=np.array([frame_index]),
            image_size_px=self.size,
            person_id=self.person_id,
        )

    def _with_speeds(self, m: Measures) -> Measures:
        """Speeds from the frame before (one frame has no speed of its own)."""
        prev, self._prev = self._prev, m
        if prev is None:
            return m
        pairs = {angle: np.array([prev[angle][0], m[angle][0]]) for angle in SPEEDS.values()}
        v = velocities(pairs, np.array([prev.t_s[0], m.t_s[0]]))
        for speed, angle in SPEEDS.items():
            m.values[speed] = v[speed][1:]
            m.conf[speed] = np.where(np.isfinite(v[speed][1:]), m.conf[angle], 0.0)
        return m

    def _context(self, row: int, t_s: float, m: Measures) -> Context:
        """What the rules need beyond the measures, as known at this frame: a lift is in
        progress from the moment its rise confirms it until its end is known."""
        window = self.settings.rules.repetition.window_s
        rate = lift_rate_from_ends(self._lifts.ends_s(), np.array([t_s]), window)[0]
        in_lift = self._lifts.in_progress() is not None
        return Context(np.array([in_lift]), np.array([rate]), seated(m))

    # -----------------------------------------------------------------------------------------
    @property
    def lifts_done(self) -> int:
        """Lifts whose end is known so far."""
        return len(self._lifts.ends_s())

    def risky_lifts_done(self) -> int:
        return sum(lift.risky for lift in self._lifts.lifts())

    def finish(
        self,
        t_s: np.ndarray | None = None,
        frame_index: np.ndarray | None = None,
        *,
        first_row: int = 0,
    ) -> Analysis | None:
        """The stream so far as an analysis (a lift still open ends at the last frame), or
        None before any frame. Each frame keeps what was decided live at it.

        When this person's stream covers only some frames of a session (from its row
        ``first_row``, until they were gone), ``t_s`` and ``frame_index`` give every frame of
        the session: the others are added as frames without this person."""
        n = len(self._store)
        if not n:
            return None
        self._lifts.close()
        lifts = self._lifts.lifts()
        store = self._store
        raw = store.sequence("", self.size, self.person_id)
        m, ctx = store.measures(), store.context()
        if t_s is not None and frame_index is not None:
            pad = _Padding(first_row, len(t_s) - first_row - n, t_s, frame_index)
            raw = pad.sequence(raw)
            m, ctx = pad.measures(m), pad.context(ctx)
            lifts = [pad.lift(lift) for lift in lifts]
        return judged(raw, m, ctx, lifts, self.settings, t0_s=self._t0)


class _Padding:
    """Frames without the person added before and after a stream (numpy arrays: NaN, no
    pose, nothing in progress)."""

    def __init__(self, before: int, after: int, t_s: np.ndarray, frame_index: np.ndarray) -> None:
        self.before, self.after = before, after
        self.t_s, self.frame_index = t_s.astype(np.float64), frame_index.astype(np.int64)

    def pad(self, a: np.ndarray, fill: Any) -> np.ndarray:
        out = np.full((self.before + len(a) + self.after, *a.shape[1:]), fill, dtype=a.dtype)
        out[self.before : self.before + len(a)] = a
        return out

    def sequence(self, seq: PoseSequence) -> PoseSequence:
        return PoseSequence(
            t_s=self.t_s,
            world_xyz_m=self.pad(seq.world_xyz_m, np.nan),
            image_xyz=self.pad(seq.image_xyz, np.nan),
            visibility=self.pad(seq.visibility, np.nan),
            frame_index=self.frame_index,
            image_size_px=seq.image_size_px,
            person_id=seq.person_id,
        )

    def measures(self, m: Measures) -> Measures:
        b = m.body
        body = replace(
            b,
            points=self.pad(b.points, np.nan),
            forward=self.pad(b.forward, np.nan),
            right=self.pad(b.right, np.nan),
            yaw_deg=self.pad(b.yaw_deg, np.nan),
            pelvis_held=self.pad(b.pelvis_held, False),
            twist_agreement=self.pad(b.twist_agreement, 1.0),
            plausible={k: self.pad(v, 1.0) for k, v in b.plausible.items()},
        )
        return replace(
            m,
            t_s=self.t_s,
            values={k: self.pad(v, np.nan) for k, v in m.values.items()},
            conf={k: self.pad(v, 0.0) for k, v in m.conf.items()},
            view=self.pad(m.view, "none"),
            yaw_deg=self.pad(m.yaw_deg, np.nan),
            body=body,
        )

    def context(self, ctx: Context) -> Context:
        return Context(
            self.pad(ctx.in_lift, False),
            self.pad(ctx.lift_rate_per_min, 0.0),
            self.pad(ctx.seated, False),
        )

    def lift(self, lift: Lift) -> Lift:
        k = self.before
        return replace(
            lift,
            start_row=lift.start_row + k,
            lowest_row=lift.lowest_row + k,
            end_row=lift.end_row + k,
        )
