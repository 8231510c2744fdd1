"""The real calibrated clips: the camera the tool finds against the lab calibration.

``../shared/media/CAMERAS.md`` gives the true geometry of two clips of a man standing upright
(perfanalytics/pose2sim demo, Qualisys calibration). Each clip goes through the real pipeline,
``posture analyze CLIP --out DIR --no-video`` with the pose model, in several variants
(:data:`VARIANTS`): as a user would run it, with the camera's field of view given, and without
the cues the man's body gives (when the installed version offers a switch for that). The
estimated pitch and roll are compared with the truth, and the trunk flexion read with upright
(the man stands upright: 0 within 5 deg is the target).
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

import numpy as np

from posture.core.config import Settings
from posture.validation.compare import CameraEstimate, parse_geometry
from posture.validation.run import Analysis, ValidationError, analyze, cli_options

#: ../shared/media/CAMERAS.md: "Focal length about 1,675-1,681 px".
CALIBRATED_FOCAL_PX = 1678.0


@dataclass(frozen=True)
class ClipTruth:
    """One calibrated clip (``../shared/media/CAMERAS.md``): camera height, pitch (+ looking
    down), roll (gravity in the picture from straight down, + toward the right), picture
    width."""

    clip: str
    height_m: float
    pitch_deg: float
    roll_deg: float
    width_px: int

    @property
    def hfov_deg(self) -> float:
        """The horizontal field of view of the calibrated focal length on this picture."""
        return float(np.degrees(2 * np.arctan(0.5 * self.width_px / CALIBRATED_FOCAL_PX)))


CALIBRATED_CLIPS = (
    ClipTruth("static_upright_rear_oblique.mp4", 1.90, 22.5, -13.4, 1088),
    ClipTruth("static_upright_tilted_camera.mp4", 1.88, 21.8, 26.1, 1080),
)

#: Settings fields that switch off the body's gravity cues, the first the installed version
#: has is used (dotted paths in the settings tree).
BODY_CUE_SWITCHES = ("view.body_gravity", "view.gravity_from_body", "gravity.body")


@dataclass(frozen=True)
class Variant:
    """How a clip is run: with its field of view given or not, the body's cues on or off."""

    label: str
    give_hfov: bool
    body_cues: bool

    @property
    def slug(self) -> str:
        return ("hfov" if self.give_hfov else "default") + ("" if self.body_cues else "_nobody")


VARIANTS = (
    Variant("as a user runs it", give_hfov=False, body_cues=True),
    Variant("field of view given", give_hfov=True, body_cues=True),
    Variant("field of view given, no body cues", give_hfov=True, body_cues=False),
)


@dataclass(frozen=True)
class ClipResult:
    """One clip in one variant: the tool's camera and its trunk readings over the clip
    (median and largest absolute flexion and side bend, degrees; the share of frames whose
    flexion the tool trusts). ``note`` says why there is no result."""

    truth: ClipTruth
    variant: Variant
    estimate: CameraEstimate | None = None
    flexion_median_deg: float = float("nan")
    flexion_max_abs_deg: float = float("nan")
    side_bend_median_deg: float = float("nan")
    flexion_trusted_share: float = float("nan")
    note: str = ""


def _has_setting(path: str) -> bool:
    node: object = Settings()
    for part in path.split("."):
        if not is_dataclass(node) or part not in {f.name for f in fields(node)}:
            return False
        node = getattr(node, part)
    return isinstance(node, bool)


def body_cue_switch() -> str | None:
    """The settings field that switches the body's gravity cues off, if this version has one."""
    return next((p for p in BODY_CUE_SWITCHES if _has_setting(p)), None)


def variant_config(truth: ClipTruth, variant: Variant, work_dir: Path) -> Path | None:
    """The settings file of a variant (None: the defaults). Raises :class:`ValidationError`
    when the variant needs a switch this version does not have."""
    sections: dict[str, list[str]] = {}
    if variant.give_hfov:
        sections.setdefault("view", []).append(f"camera_hfov_deg = {truth.hfov_deg:.2f}")
    if not variant.body_cues:
        switch = body_cue_switch()
        if switch is None:
            raise ValidationError("this version has no setting to switch off the body's cues")
        section, key = switch.rsplit(".", 1)
        sections.setdefault(section, []).append(f"{key} = false")
    if not sections:
        return None
    text = "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())
    path = work_dir / f"{Path(truth.clip).stem}_{variant.slug}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _median(a: np.ndarray) -> float:
    return float(np.median(a[np.isfinite(a)])) if np.isfinite(a).any() else float("nan")


def summarise(truth: ClipTruth, variant: Variant, out: Analysis) -> ClipResult:
    """A :class:`ClipResult` from one analysis of the clip."""
    flex = out.columns.get("trunk_flexion_deg", np.array([np.nan]))
    side = out.columns.get("trunk_side_bend_deg", np.array([np.nan]))
    conf = out.columns.get("trunk_flexion_deg_conf", np.zeros_like(flex))
    seen = np.isfinite(flex)
    min_conf = Settings().view.min_confidence
    return ClipResult(
        truth=truth,
        variant=variant,
        estimate=parse_geometry(out.summary.get("geometry")),
        flexion_median_deg=_median(flex),
        flexion_max_abs_deg=float(np.max(np.abs(flex[seen]))) if seen.any() else math.nan,
        side_bend_median_deg=_median(side),
        flexion_trusted_share=float(np.mean(conf[seen] >= min_conf)) if seen.any() else math.nan,
    )


def validate_clips(
    media_dir: Path,
    work_dir: Path,
    clips: typing.Sequence[ClipTruth] = CALIBRATED_CLIPS,
    variants: typing.Sequence[Variant] = VARIANTS,
) -> list[ClipResult]:
    """Run every clip in every variant through ``posture analyze CLIP --no-video``.

    A missing clip, a failed run or a variant this version cannot express gives a result with
    a ``note`` instead of numbers. Outputs stay in ``work_dir``.
    """
    options = cli_options()
    work_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for truth in clips:
        video = media_dir / truth.clip
        for variant in variants:
            if not video.is_file():
                results.append(ClipResult(truth, variant, note=f"{video} not found"))
                continue
            try:
                config = variant_config(truth, variant, work_dir)
                out_dir = work_dir / f"{video.stem}_{variant.slug}"
                out = analyze([str(video)], out_dir, options, config=config)
            except ValidationError as exc:
                results.append(ClipResult(truth, variant, note=str(exc).rsplit(": ", 1)[-1]))
                continue
            results.append(summarise(truth, variant, out))
    return results
