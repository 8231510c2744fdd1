"""Every default of the project, in one place.

The settings are a tree of frozen dataclasses. The CLI, the dashboard and the tests read them
from here; a user overrides any of them with a TOML file (``posture analyze --config my.toml``)
whose tables and keys mirror the tree, e.g.::

    [task]
    load_kg = 12.0
    [rules.bend_knees]
    trunk_flexion_deg = 45.0

``posture config`` prints the whole tree with its defaults as a TOML file to start from.
Each field carries its help text, unit and valid range in its metadata
(:func:`posture.core.config_io.setting`); checking and loading live in
:mod:`posture.core.config_io`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from posture.core.config_io import (
    as_dict,
    dump_toml,
    field_at,
    help_for,
    load_toml_over,
    nested,
    override,
    setting,
    settings_markdown,
)

__all__ = [
    "DEFAULTS",
    "Settings",
    "as_dict",
    "dump_toml",
    "field_at",
    "help_for",
    "load_config",
    "nested",
    "override",
    "setting",
    "settings_markdown",
]


@dataclass(frozen=True)
class PoseSettings:
    """The pose model (MediaPipe PoseLandmarker)."""

    model: str = setting(
        "",
        "path to a pose_landmarker .task file; empty: an official .task in models/, "
        "else a bundle built from the weights inside the installed mediapipe",
    )
    variant: str = setting(
        "full",
        "which official model to prefer when several are in models/",
        choices=("lite", "full", "heavy"),
    )
    num_poses: int = setting(4, "most people detected per frame", lo=1, hi=10)
    max_fps: float = setting(
        0.0,
        "analyse at most this many frames per second, passing over the others (a long "
        "recording in a fraction of the time; the annotated video shows the frames analysed); "
        "0: every frame",
        lo=0.0,
        hi=240.0,
        unit="1/s",
    )
    search_every_s: float = setting(
        1.0,
        "while anyone is in view, how often the whole picture is searched for people who came "
        "into view (the person detector; the people already found are followed by the landmark "
        "model alone); with nobody in view, every frame; 0: every frame",
        lo=0.0,
        hi=60.0,
        unit="s",
    )
    skip_segmentation: bool = setting(
        True,
        "run the pose model without the part that only computes a mask of the person (posture "
        "never uses it): the same landmarks for some 40 % less CPU a frame; off: the model file "
        "as it is",
    )
    model_threads: int = setting(
        0,
        "threads each pose model computes on; 0: the machine's cores shared among the models "
        "running at once, up to 4 (every core for a recording analysed in one piece, one each "
        "when its segments run side by side; a live camera leaves a core to its analysis and "
        "drawing)",
        lo=0,
        hi=64,
    )
    min_detection_confidence: float = setting(
        0.5, "minimum score for a person to be detected", lo=0.0, hi=1.0
    )
    min_presence_confidence: float = setting(
        0.5, "minimum score for a pose to be kept", lo=0.0, hi=1.0
    )
    min_tracking_confidence: float = setting(
        0.5, "minimum score to keep tracking between frames", lo=0.0, hi=1.0
    )


@dataclass(frozen=True)
class TrackingSettings:
    """Keeping one identity per person across frames."""

    max_match_distance: float = setting(
        2.0,
        "largest jump of a person's torso centre between frames still counted as the same "
        "person, in torso sizes",
        lo=0.05,
        hi=10.0,
    )
    max_speed: float = setting(
        1.5,
        "how far a person out of view may have moved per second and keep their identity, in "
        "torso sizes",
        lo=0.0,
        hi=20.0,
    )
    max_missing_s: float = setting(
        2.0,
        "how long a person may be out of view and keep their identity",
        lo=0.0,
        hi=60.0,
        unit="s",
    )
    min_track_s: float = setting(
        0.3, "shorter tracks are dropped as spurious detections", lo=0.0, hi=10.0, unit="s"
    )
    recover_s: float = setting(
        1.0,
        "a person the pose model loses is looked for again in a crop of the frame around "
        "where they were (e.g. while two people overlap), while that finds them and up to this "
        "long after it last did, never past max_missing_s after the pose model last saw them; "
        "0: never",
        lo=0.0,
        hi=10.0,
        unit="s",
    )


@dataclass(frozen=True)
class FilterSettings:
    """Cleaning landmark trajectories before measuring."""

    min_visibility: float = setting(
        0.5, "landmarks less visible than this are treated as not seen", lo=0.0, hi=1.0
    )
    max_gap_s: float = setting(
        0.3,
        "gaps up to this long are interpolated; longer ones keep the last value this long, then "
        "stay empty",
        lo=0.0,
        hi=5.0,
        unit="s",
    )
    lowpass_cutoff_hz: float = setting(
        6.0,
        "cut-off of the zero-phase low-pass filter for recorded video",
        lo=0.5,
        hi=30.0,
        unit="Hz",
    )
    lowpass_order: int = setting(2, "order of the Butterworth low-pass filter", lo=1, hi=8)
    live: str = setting(
        "lowpass",
        "filter of live video: lowpass, the same low-pass run forward only (what a recording "
        "runs forward and backward, without the backward pass a stream cannot run); one_euro, "
        "the one-euro filter (smoother when still, slower when moving)",
        choices=("lowpass", "one_euro"),
    )
    one_euro_min_cutoff_hz: float = setting(
        1.5, "one-euro filter (live video): cut-off when still", lo=0.01, hi=30.0, unit="Hz"
    )
    one_euro_beta: float = setting(
        0.3, "one-euro filter: how fast the cut-off rises with speed", lo=0.0, hi=10.0
    )
    one_euro_d_cutoff_hz: float = setting(
        1.0, "one-euro filter: cut-off of the speed estimate", lo=0.01, hi=30.0, unit="Hz"
    )


@dataclass(frozen=True)
class ViewSettings:
    """Which view the camera has of the person, and how far to trust each measure."""

    hint: str = setting(
        "auto",
        "the camera's view of the person if you know it; auto: estimate it per frame",
        choices=("auto", "side", "front", "back", "oblique"),
    )
    front_max_deg: float = setting(
        25.0,
        "body yaw (0 = facing the camera) up to which the view counts as front",
        lo=0.0,
        hi=90.0,
        unit="deg",
    )
    side_min_deg: float = setting(
        65.0,
        "body yaw from which the view counts as side (up to 180 minus it)",
        lo=0.0,
        hi=90.0,
        unit="deg",
    )
    min_confidence: float = setting(
        0.5,
        "a measure with a lower confidence (0-1) is reported as 'low confidence' and "
        "raises no confident alarm",
        lo=0.0,
        hi=1.0,
    )
    correct_tilt: bool = setting(
        True,
        "find the camera's pitch and roll (from the scene, the person and what you give below) "
        "and correct them; off: the camera is taken as level",
    )
    camera_pitch_deg: float | None = setting(
        None,
        "the camera's pitch if you know it, degrees below the horizon (a camera looking down: "
        "positive); empty: found from the video",
        lo=-90.0,
        hi=90.0,
        unit="deg",
    )
    camera_roll_deg: float | None = setting(
        None,
        "the camera's roll if you know it: the direction a plumb line through the picture's "
        "centre takes, degrees from straight down, positive toward the picture's right; empty: "
        "found from the video",
        lo=-90.0,
        hi=90.0,
        unit="deg",
    )
    scene_gravity: bool = setting(
        True, "look for vertical lines in the scene (walls, doors, shelves) to find gravity"
    )
    body_gravity: bool = setting(
        True,
        "use the person to find gravity: moments standing upright and still, and balance "
        "(standing still, the body's centre of mass is over the feet)",
    )
    camera_hfov_deg: float | None = setting(
        None,
        "the camera's horizontal field of view, used to undo perspective and for the pitch "
        "the scene shows; empty: from the scene when it shows it, else 60 (a typical webcam or "
        "phone: 55-75)",
        lo=10.0,
        hi=170.0,
        unit="deg",
    )
    calibration_s: float = setting(
        1.0,
        "upright, still time after which the person's own evidence of gravity counts as "
        "settled (live video and a camera's annotated video, drawn as it goes)",
        lo=0.1,
        hi=60.0,
        unit="s",
    )
    max_tilt_deg: float = setting(
        40.0,
        "a larger tilt found from the person alone is not trusted (camera assumed level)",
        lo=0.0,
        hi=90.0,
        unit="deg",
    )


@dataclass(frozen=True)
class SceneSettings:
    """The camera's gravity from the scene: vertical lines and their vanishing point."""

    sample_interval_s: float = setting(
        0.5,
        "time between the frames sampled for the scene (a static camera's estimate is "
        "pooled over them)",
        lo=0.02,
        hi=60.0,
        unit="s",
    )
    max_frames: int = setting(
        24, "most frames sampled for the scene (a long clip's are spread over it)", lo=1, hi=200
    )
    detect_max_px: int = setting(
        960, "frames are shrunk to this long side before line segments are found", lo=240, hi=4096
    )
    min_segment: float = setting(
        0.03,
        "shortest line segment used, as a share of the picture's diagonal (shorter: texture, text)",
        lo=0.005,
        hi=0.5,
    )
    inlier_deg: float = setting(
        1.5,
        "a segment belongs to a vanishing point when it points at it within this angle",
        lo=0.1,
        hi=10.0,
        unit="deg",
    )
    max_roll_deg: float = setting(
        45.0,
        "largest camera roll looked for (beyond it 'vertical' and 'horizontal' swap)",
        lo=5.0,
        hi=80.0,
        unit="deg",
    )
    max_pitch_deg: float = setting(
        45.0,
        "largest camera pitch looked for: the verticals' vanishing point lies farther from "
        "the picture's centre than the focal length, the floor's receding lines' nearer",
        lo=5.0,
        hi=80.0,
        unit="deg",
    )
    max_pitch_up_deg: float = setting(
        20.0,
        "largest upward camera pitch looked for: a camera filming work looks level or down, "
        "and a floor seen from high up shows lines that would pass for the verticals of a "
        "camera looking up",
        lo=0.0,
        hi=80.0,
        unit="deg",
    )
    max_false_alarms: float = setting(
        0.1,
        "lines meeting in a point count only if a picture of as many randomly oriented lines "
        "would show fewer such points than this (a-contrario number of false alarms)",
        lo=1e-12,
        hi=100.0,
    )
    min_hfov_deg: float = setting(
        25.0,
        "narrowest lens considered when its field of view is not given",
        lo=5.0,
        hi=170.0,
        unit="deg",
    )
    max_hfov_deg: float = setting(
        100.0,
        "widest lens considered when its field of view is not given",
        lo=5.0,
        hi=170.0,
        unit="deg",
    )
    plumb_sigma_deg: float = setting(
        1.0,
        "how far from plumb one object's edges may be (walls, door frames, shelves, table "
        "legs): 1 sigma, independent from object to object",
        lo=0.0,
        hi=10.0,
        unit="deg",
    )
    min_sigma_deg: float = setting(
        0.5,
        "the least uncertainty claimed, whatever the number of lines (the lens's centre is "
        "not exactly the picture's; a building is not exactly plumb)",
        lo=0.0,
        hi=10.0,
        unit="deg",
    )
    max_roll_sigma_deg: float = setting(
        5.0,
        "a roll less certain than this (1 sigma) gives no estimate",
        lo=0.5,
        hi=45.0,
        unit="deg",
    )
    moved_deg: float = setting(
        2.0,
        "sampled frames whose tilts differ by more than this (and by 3 sigma) show a camera "
        "that moved",
        lo=0.1,
        hi=45.0,
        unit="deg",
    )
    person_margin: float = setting(
        0.1,
        "the people are left out of the scene with this margin around their limbs, head and "
        "hands, in torso lengths (boxes: in box sizes); bodies have near-vertical edges that "
        "are not plumb",
        lo=0.0,
        hi=2.0,
    )


@dataclass(frozen=True)
class SubjectSettings:
    """The person analysed."""

    person: int = setting(
        0,
        "track id of the person to analyse; 0: the person most visible over the clip",
        lo=0,
        hi=10_000,
    )
    join: str = setting(
        "",
        "people the tracker kept apart who are one worker, joined into the first of each group: "
        "track ids joined by '+', groups separated by ',' (e.g. '2+5' or '2+5, 3+7')",
    )
    height_cm: float = setting(
        170.0,
        "the person's standing height, used to turn body proportions into cm",
        lo=100.0,
        hi=230.0,
        unit="cm",
    )


@dataclass(frozen=True)
class TaskSettings:
    """What the person handles: inputs of REBA, RULA and the NIOSH lifting equation."""

    load_kg: float = setting(
        0.0,
        "weight of the load handled; 0: unknown (no lifting index)",
        lo=0.0,
        hi=200.0,
        unit="kg",
    )
    lift_frequency_per_min: float = setting(
        0.0,
        "lifts per minute for NIOSH; 0: measured from the clip when it is a minute or longer, "
        "else 0.2 assumed",
        lo=0.0,
        hi=20.0,
        unit="1/min",
    )
    duration_h: float = setting(
        1.0,
        "how long the task goes on per shift (NIOSH duration: <=1 h, <=2 h, <=8 h)",
        lo=0.0,
        hi=8.0,
        unit="h",
    )
    coupling: str = setting(
        "fair",
        "how well the hands grip the load (NIOSH, REBA)",
        choices=("good", "fair", "poor", "unacceptable"),
    )
    shock_or_rapid_force: bool = setting(False, "the load is applied with a shock (REBA, RULA)")


@dataclass(frozen=True)
class BendKneesRule:
    """Bending at the back instead of the knees (seeds 000, 001, 002)."""

    trunk_flexion_deg: float = setting(
        30.0, "trunk flexion from which bending counts (medium)", lo=0.0, hi=120.0, unit="deg"
    )
    trunk_flexion_high_deg: float = setting(
        60.0,
        "trunk flexion from which bending is high risk (REBA's top band, >60)",
        lo=0.0,
        hi=150.0,
        unit="deg",
    )
    knee_flexion_max_deg: float = setting(
        45.0, "the knees count as not bent below this flexion", lo=0.0, hi=150.0, unit="deg"
    )


@dataclass(frozen=True)
class TwistRule:
    """Twisting combined with lifting, and sudden twisting (seeds 000, 001, 003)."""

    twist_deg: float = setting(
        20.0,
        "trunk twist (shoulders vs. hips) that counts while handling a load",
        lo=0.0,
        hi=90.0,
        unit="deg",
    )
    twist_high_deg: float = setting(
        35.0, "trunk twist that is high risk", lo=0.0, hi=90.0, unit="deg"
    )
    side_bend_deg: float = setting(
        20.0, "trunk side bend that counts while handling a load", lo=0.0, hi=90.0, unit="deg"
    )
    velocity_deg_s: float = setting(
        90.0, "twist speed that counts as sudden twisting", lo=0.0, hi=1000.0, unit="deg/s"
    )
    loaded_hand_height_cm: float = setting(
        60.0,
        "hands lower than this count as handling a load (hands hanging at the sides sit at "
        "knuckle height, about 75 cm)",
        lo=0.0,
        hi=250.0,
        unit="cm",
    )
    loaded_hand_distance_cm: float = setting(
        40.0,
        "hands farther than this from the ankles count as handling a load",
        lo=0.0,
        hi=150.0,
        unit="cm",
    )
    loaded_upper_arm_deg: float = setting(
        45.0,
        "where the hands' distance cannot be measured (feet hidden, e.g. a seated worker "
        "behind a table), an upper arm raised this far forward counts as holding a load out "
        "(REBA's upper-arm band from 45 deg)",
        lo=0.0,
        hi=180.0,
        unit="deg",
    )


@dataclass(frozen=True)
class ShouldersRule:
    """Shoulders rolled forward / rounded upper back (seed 000)."""

    shoulders_forward_deg: float = setting(
        20.0, "forward-rolled shoulders from this angle (medium)", lo=0.0, hi=90.0, unit="deg"
    )
    shoulders_forward_high_deg: float = setting(
        35.0, "forward-rolled shoulders that are high risk", lo=0.0, hi=90.0, unit="deg"
    )
    min_duration_s: float = setting(
        2.0, "held at least this long before it is raised", lo=0.0, hi=600.0, unit="s"
    )


@dataclass(frozen=True)
class LoadFarRule:
    """Load far from the body (seed 000 lifting mechanics; NIOSH horizontal distance)."""

    hand_distance_cm: float = setting(
        40.0,
        "hands this far from the ankles while lifting or bent (NIOSH HM 0.63)",
        lo=0.0,
        hi=150.0,
        unit="cm",
    )
    hand_distance_high_cm: float = setting(
        55.0, "hand distance that is high risk (NIOSH HM 0.45)", lo=0.0, hi=150.0, unit="cm"
    )
    bent_trunk_deg: float = setting(
        20.0,
        "outside a lift, the rule applies when the trunk is flexed beyond this",
        lo=0.0,
        hi=90.0,
        unit="deg",
    )


@dataclass(frozen=True)
class StaticRule:
    """Sustained static or prolonged flexed posture, long sitting (seeds 001, 003)."""

    static_s: float = setting(
        60.0,
        "a posture held this long without change counts as static (REBA)",
        lo=1.0,
        hi=3600.0,
        unit="s",
    )
    still_range_deg: float = setting(
        10.0,
        "the trunk staying within this range counts as unchanged",
        lo=1.0,
        hi=90.0,
        unit="deg",
    )
    flexed_deg: float = setting(
        20.0, "trunk flexion that counts as a flexed posture", lo=0.0, hi=90.0, unit="deg"
    )
    flexed_s: float = setting(
        30.0, "a flexed trunk held this long is prolonged flexion", lo=1.0, hi=3600.0, unit="s"
    )
    sitting_s: float = setting(
        1800.0,
        "sitting this long without a break counts as long sitting",
        lo=10.0,
        hi=28800.0,
        unit="s",
    )


@dataclass(frozen=True)
class RepetitionRule:
    """Repetitive lifting (seed 001 'constant lifting'; REBA activity, NIOSH frequency)."""

    lifts_per_min: float = setting(
        4.0,
        "more lifts per minute than this count as repetitive (REBA: more than 4/min)",
        lo=0.1,
        hi=60.0,
        unit="1/min",
    )
    lifts_per_min_high: float = setting(
        9.0, "more lifts per minute than this are high risk", lo=0.1, hi=60.0, unit="1/min"
    )
    window_s: float = setting(
        60.0, "the rate is counted over this trailing window", lo=5.0, hi=3600.0, unit="s"
    )


@dataclass(frozen=True)
class AsymmetryRule:
    """Left/right asymmetry: weight on one leg, uneven knees (seed 000 'body asymmetries')."""

    knee_difference_deg: float = setting(
        25.0,
        "left and right knee flexion differing by this much while loaded",
        lo=0.0,
        hi=180.0,
        unit="deg",
    )
    hip_shift: float = setting(
        0.6,
        "mid-hip shifted sideways over one foot by this share of the feet's spacing",
        lo=0.0,
        hi=5.0,
    )
    min_duration_s: float = setting(
        1.0, "held at least this long before it is raised", lo=0.0, hi=600.0, unit="s"
    )


@dataclass(frozen=True)
class CueSettings:
    """How cues turn on and off, so they do not flicker.

    The finding itself (risk_level, the severity columns) has neither delay nor linger."""

    on_s: float = setting(
        0.3, "a finding must last this long before its cue shows", lo=0.0, hi=10.0, unit="s"
    )
    off_s: float = setting(
        1.0, "a cue stays this long after its finding ends", lo=0.0, hi=10.0, unit="s"
    )


@dataclass(frozen=True)
class RulesSettings:
    """The risk factors from the source documents, as rules with thresholds."""

    bend_knees: BendKneesRule = field(default_factory=BendKneesRule)
    twist: TwistRule = field(default_factory=TwistRule)
    shoulders: ShouldersRule = field(default_factory=ShouldersRule)
    load_far: LoadFarRule = field(default_factory=LoadFarRule)
    static: StaticRule = field(default_factory=StaticRule)
    repetition: RepetitionRule = field(default_factory=RepetitionRule)
    asymmetry: AsymmetryRule = field(default_factory=AsymmetryRule)
    cues: CueSettings = field(default_factory=CueSettings)


@dataclass(frozen=True)
class LiftSettings:
    """Finding lifts in the motion and telling their style."""

    min_drop_cm: float = setting(
        25.0,
        "the hands must go down at least this far and come up again for a lift",
        lo=5.0,
        hi=200.0,
        unit="cm",
    )
    min_duration_s: float = setting(
        0.4, "shorter dips of the hands are not lifts", lo=0.0, hi=60.0, unit="s"
    )
    max_duration_s: float = setting(
        20.0, "longer dips are not counted as one lift", lo=1.0, hi=600.0, unit="s"
    )
    max_carry_s: float = setting(
        5.0,
        "after the rise, the lift goes on while the hands stay up (the load carried and put "
        "down) for at most this long",
        lo=0.0,
        hi=600.0,
        unit="s",
    )
    min_trunk_drop_deg: float = setting(
        30.0,
        "without the hands in view, the trunk must bend at least this far and straighten again",
        lo=5.0,
        hi=120.0,
        unit="deg",
    )
    min_bend_trunk_deg: float = setting(
        20.0,
        "at the lowest point of a lift the trunk bends at least this far, or the knees bend past "
        "min_bend_knee_deg (otherwise the hands only swung)",
        lo=0.0,
        hi=120.0,
        unit="deg",
    )
    min_bend_knee_deg: float = setting(45.0, "see min_bend_trunk_deg", lo=0.0, hi=180.0, unit="deg")
    squat_knee_deg: float = setting(
        90.0,
        "knee flexion at the lowest point from which a lift is a squat",
        lo=0.0,
        hi=180.0,
        unit="deg",
    )
    stoop_knee_max_deg: float = setting(
        45.0,
        "knees bent less than this at the lowest point make a stoop",
        lo=0.0,
        hi=180.0,
        unit="deg",
    )
    stoop_trunk_deg: float = setting(
        45.0, "a stoop bends the trunk at least this far", lo=0.0, hi=180.0, unit="deg"
    )
    back_lift_trunk_deg: float = setting(
        60.0,
        "a trunk bent this far at the lowest point makes a stoop unless the knees are bent past "
        "the squat angle (the back does the lifting)",
        lo=0.0,
        hi=180.0,
        unit="deg",
    )
    one_hand_height_cm: float = setting(
        30.0,
        "at the lowest point, one hand this much lower than the other makes a one-handed lift "
        "(the NIOSH equation covers two-handed lifts only)",
        lo=5.0,
        hi=200.0,
        unit="cm",
    )


@dataclass(frozen=True)
class ScoreSettings:
    """Turning measures into the yes/no inputs of REBA, RULA and OWAS."""

    twisted_deg: float = setting(
        20.0, "trunk twist counted as 'twisted' (REBA, RULA, OWAS)", lo=0.0, hi=90.0, unit="deg"
    )
    side_bent_deg: float = setting(
        15.0,
        "trunk side bend counted as 'side-bent' (REBA, RULA, OWAS)",
        lo=0.0,
        hi=90.0,
        unit="deg",
    )
    arm_abducted_deg: float = setting(
        45.0,
        "upper-arm abduction counted as 'abducted' (REBA, RULA)",
        lo=0.0,
        hi=180.0,
        unit="deg",
    )
    rapid_change_deg_s: float = setting(
        90.0,
        "trunk bending or twisting faster than this is a 'rapid large change' (REBA activity)",
        lo=0.0,
        hi=1000.0,
        unit="deg/s",
    )


@dataclass(frozen=True)
class OutputSettings:
    """What `posture analyze` writes."""

    video: bool = setting(True, "write annotated.mp4")
    video_max_height: int = setting(
        720,
        "the annotated video is scaled down to at most this many rows",
        lo=120,
        hi=4320,
        unit="px",
    )
    blur_faces: bool = setting(False, "blur faces in the annotated video")


@dataclass(frozen=True)
class RunSettings:
    """How `posture analyze` uses the machine."""

    workers: int = setting(
        0,
        "processes analysing at once, each with its own pose model: a recording is cut into "
        "time segments analysed side by side and joined (a batch shares them); 0: one per "
        "core; 1: one process",
        lo=0,
        hi=256,
    )
    segment_min_s: float = setting(
        8.0,
        "a recording is cut into segments no shorter than this (shorter ones cost more in "
        "start-up and lead-in than they gain)",
        lo=0.5,
        hi=3600.0,
        unit="s",
    )
    lead_in_s: float = setting(
        1.0,
        "each segment but the first starts this much earlier, to join its people with the "
        "previous segment's",
        lo=0.2,
        hi=30.0,
        unit="s",
    )


@dataclass(frozen=True)
class Settings:
    """The whole tree of settings."""

    pose: PoseSettings = field(default_factory=PoseSettings)
    tracking: TrackingSettings = field(default_factory=TrackingSettings)
    filter: FilterSettings = field(default_factory=FilterSettings)
    view: ViewSettings = field(default_factory=ViewSettings)
    scene: SceneSettings = field(default_factory=SceneSettings)
    subject: SubjectSettings = field(default_factory=SubjectSettings)
    task: TaskSettings = field(default_factory=TaskSettings)
    lifts: LiftSettings = field(default_factory=LiftSettings)
    scores: ScoreSettings = field(default_factory=ScoreSettings)
    rules: RulesSettings = field(default_factory=RulesSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    run: RunSettings = field(default_factory=RunSettings)


DEFAULTS = Settings()


def load_config(path: str | Path | None, base: Settings = DEFAULTS) -> Settings:
    """Settings from a TOML file laid over ``base`` (the defaults); ``None`` gives ``base``."""
    return load_toml_over(path, base)
