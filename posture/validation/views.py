"""The virtual views of the validation: camera placements x yaws x trial windows.

A :class:`Placement` is a camera without its yaw (height, pitch, roll, distance, lens); a
:class:`View` is one placement at one yaw, seeing one window of the trial, with or without the
camera's true field of view given to the tool (``view.camera_hfov_deg``, which a user can set).

* :data:`DOC_VIEWS` is the full grid of ``docs/validation.md``: every placement at yaws
  0-180 deg and the other side (negative yaws), front, side and back views included, for the
  whole trial and for the trial cut to start in motion (:data:`FROM_THE_BEND_S`), plus the
  field-of-view sensitivity rows.
* :data:`TEST_VIEWS` is the trimmed grid of the acceptance tests (issue 14's "Done when": pitch
  up to 30 deg, roll up to 25 deg either way, any yaw including behind, no upright start).
"""

from __future__ import annotations

from dataclasses import dataclass

from posture.validation.camera import VirtualCamera

#: Where the trial is cut to start in motion: at 2.4 s the subject is bending (the hip-shoulder
#: line 14 deg forward and turning at 100 deg/s; the bend starts near 2.1 s). The subject still
#: stands upright, holding the box, from 4.6 s to the end (6.4 s).
FROM_THE_BEND_S = 2.4
#: From here to the end the subject stands upright again, holding the box.
UPRIGHT_AGAIN_S = 4.6
#: The bend alone (2.4-4.4 s): no upright moment anywhere in the clip.
BEND_ONLY = (2.4, 4.4)

LANDSCAPE = (1280, 720)
#: 65 deg horizontal on 16:9, a phone's main camera or a wide webcam held in landscape.
LANDSCAPE_HFOV_DEG = 65.0
PORTRAIT = (1088, 1920)
#: The calibrated lab cameras of ../shared/media/CAMERAS.md: a 1,675-1,681 px focal length on
#: a 1,088 px wide portrait picture.
PORTRAIT_HFOV_DEG = 36.0


@dataclass(frozen=True)
class Placement:
    """A camera without its yaw; ``label`` names it in the tables."""

    label: str
    height_m: float
    pitch_deg: float
    roll_deg: float = 0.0
    distance_m: float = 4.0
    image_size_px: tuple[int, int] = LANDSCAPE
    hfov_deg: float = LANDSCAPE_HFOV_DEG

    def camera(self, yaw_deg: float) -> VirtualCamera:
        return VirtualCamera(
            yaw_deg=yaw_deg,
            height_m=self.height_m,
            pitch_deg=self.pitch_deg,
            roll_deg=self.roll_deg,
            distance_m=self.distance_m,
            image_size_px=self.image_size_px,
            hfov_deg=self.hfov_deg,
        )


@dataclass(frozen=True)
class View:
    """One placement at one yaw, one window of the trial, and what the tool is told."""

    placement: Placement
    yaw_deg: float
    start_s: float = 0.0
    end_s: float | None = None
    give_hfov: bool = True

    @property
    def camera(self) -> VirtualCamera:
        return self.placement.camera(self.yaw_deg)

    @property
    def window(self) -> str:
        """``whole trial``, ``from 2.4 s`` or ``2.4-4.4 s``."""
        if self.start_s == 0.0 and self.end_s is None:
            return "whole trial"
        if self.end_s is None:
            return f"from {self.start_s:g} s"
        return f"{self.start_s:g}-{self.end_s:g} s"

    @property
    def name(self) -> str:
        """A file-name-safe identifier, unique within a grid."""
        parts = [self.camera.name]
        if self.start_s or self.end_s is not None:
            end = "end" if self.end_s is None else f"{self.end_s:g}"
            parts.append(f"t{self.start_s:g}-{end}")
        if not self.give_hfov:
            parts.append("hfov-default")
        return "_".join(parts)


#: Real placements: a level tripod at hip height, a camera at chest and head height looking a
#: little down, a shelf and a high corner looking down 20-30 deg, the calibrated lab cameras
#: (portrait, 1.9 m, 22 deg down, rolled 26 deg right and 13 deg left) and a handheld phone
#: rolled 25 deg. Distances keep the whole lift in the picture.
LEVEL = Placement("level, 1 m", 1.0, 0.0)
CHEST = Placement("1.6 m, 10 deg down", 1.6, 10.0)
SHELF = Placement("2.5 m, 20 deg down, roll -10", 2.5, 20.0, -10.0, 4.5)
HIGH = Placement("3 m, 30 deg down", 3.0, 30.0, 0.0, 3.6)
LAB_RIGHT = Placement(
    "lab-like: portrait, 1.9 m, 22 deg down, roll +25",
    1.9,
    22.0,
    25.0,
    3.0,
    PORTRAIT,
    PORTRAIT_HFOV_DEG,
)
LAB_LEFT = Placement(
    "lab-like: portrait, 1.9 m, 22 deg down, roll -13",
    1.9,
    22.0,
    -13.0,
    3.0,
    PORTRAIT,
    PORTRAIT_HFOV_DEG,
)
HANDHELD = Placement("handheld, 1.4 m, 5 deg down, roll -25", 1.4, 5.0, -25.0, 3.5)
PLACEMENTS = (LEVEL, CHEST, SHELF, HIGH, LAB_RIGHT, LAB_LEFT, HANDHELD)

#: 0 front, 90 the subject's right side, 180 behind, negative: the subject's left side.
YAWS_DEG = (0.0, 45.0, 90.0, 135.0, 180.0, -45.0, -90.0, -135.0)
WINDOWS: tuple[tuple[float, float | None], ...] = ((0.0, None), (FROM_THE_BEND_S, None))


def grid(
    placements: tuple[Placement, ...],
    yaws_deg: tuple[float, ...],
    windows: tuple[tuple[float, float | None], ...],
) -> tuple[View, ...]:
    """Every placement x yaw x window, placement-major."""
    return tuple(
        View(p, y, start, end) for p in placements for start, end in windows for y in yaws_deg
    )


#: The field of view matters where the picture's perspective is used: the lab-like portrait
#: camera (36 deg) with and without its field of view given (the tool then assumes its
#: default), from an oblique view, the whole trial and cut.
HFOV_SENSITIVITY = tuple(
    View(LAB_RIGHT, 45.0, start, end, give_hfov=False) for start, end in WINDOWS
)
DOC_VIEWS: tuple[View, ...] = (
    grid(PLACEMENTS, YAWS_DEG, WINDOWS) + grid((SHELF,), YAWS_DEG, (BEND_ONLY,)) + HFOV_SENSITIVITY
)

#: Issue 14's acceptance grid, trimmed to keep the tests short: the steepest pitch and the
#: largest roll either way at every yaw, the trial cut to start in motion; and the bend alone
#: (no upright moment at all) from a shelf camera at every yaw.
TEST_VIEWS: tuple[View, ...] = grid(
    (HIGH, LAB_RIGHT, HANDHELD), YAWS_DEG, ((FROM_THE_BEND_S, None),)
) + grid((SHELF,), YAWS_DEG, (BEND_ONLY,))
