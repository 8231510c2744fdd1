"""The ``posture`` command line. Every failure the user can fix is one line on stderr."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from posture import __version__
from posture.cli.library import Recorder, add_library_options, cmd_library, record_once
from posture.cli.library import add_parser as add_library_parser
from posture.cli.outputs import assessment_from, write_report_files
from posture.cli.ray_batch import add_ray_options
from posture.core.config import (
    DEFAULTS,
    SubjectSettings,
    dump_toml,
    field_at,
    help_for,
    load_config,
    nested,
    override,
    settings_markdown,
)
from posture.core.errors import PostureError
from posture.video.native_logs import NATIVE_LOGS_ENV, native_stderr_hidden

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BUG = 70

ANALYZE_EPILOG = """\
examples:
  posture analyze lifting.mp4 --out results/
      analyse a recorded video; writes frames.csv, lifts.csv, summary.json,
      landmarks.npz, annotated.mp4, report.html and report.pdf into results/
  posture analyze lifting.mp4 --out results/ --load-kg 12 --task "pallet loading"
          --worker W-117 --site "Hall 3" --assessor "J. Smith" --date 2026-12-05
      the same, with the assessment written on the report
  posture analyze recordings/ --out results/ --load-kg 12
      analyse every video in the folder recordings/ (or list several files),
      each into results/<name>/; results/overview.csv and overview.html sum
      them up, riskiest first
  posture analyze lifting.mp4 --out results/ --person 2 --load-kg 12
      analyse person 2 (the people found are listed at the end of a run and in
      summary.json), lifting a 12 kg box
  posture analyze --landmarks results/landmarks.npz --out rescored/ --config my.toml
      score a previous run again with other settings, without the pose model
  posture analyze --camera 0 --out session/
      analyse the webcam until you press Ctrl-C

The outputs and every column of frames.csv are described in the README.
"""


#: Options that each set one setting: flag, the setting's path in the tree, metavar. Their type,
#: choices and help (with the default) come from the setting itself (posture.core.config).
#: ``--person`` (a track id, or ID+ID: joined tracks) and ``--join`` set ``subject.person`` and
#: ``subject.join`` together (``_overrides``).
SETTING_OPTIONS = (
    ("--height-cm", "subject.height_cm", "CM"),
    ("--load-kg", "task.load_kg", "KG"),
    ("--lift-frequency", "task.lift_frequency_per_min", "PER_MIN"),
    ("--duration-h", "task.duration_h", "HOURS"),
    ("--coupling", "task.coupling", None),
    ("--view", "view.hint", None),
    ("--camera-pitch", "view.camera_pitch_deg", "DEG"),
    ("--camera-roll", "view.camera_roll_deg", "DEG"),
    ("--camera-hfov", "view.camera_hfov_deg", "DEG"),
    ("--workers", "run.workers", "N"),
    ("--model", "pose.model", "FILE.task"),
)
#: Switches that give a setting a fixed value: the option's destination, the setting, the value.
SETTING_SWITCHES = (
    ("no_video", "output.video", False),
    ("blur_faces", "output.blur_faces", True),
)


def _group(path: str) -> str:
    """The --help group of a setting's option."""
    if path.startswith("view.camera_"):
        return "camera"
    return "settings" if path.startswith(("pose.", "run.")) else "task"


def _setting_option(group: Any, flag: str, path: str, metavar: str | None) -> None:
    cls, f, default = field_at(DEFAULTS, path)
    kwargs: dict[str, Any] = {"help": help_for(cls, f.name)}
    if f.metadata.get("choices"):
        kwargs["choices"] = f.metadata["choices"]
    else:
        # a setting unset by default (None) is a number when given
        kwargs["type"], kwargs["metavar"] = (float if default is None else type(default)), metavar
    group.add_argument(flag, **kwargs)


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    groups = {
        "task": p.add_argument_group("the person and the task"),
        "camera": p.add_argument_group("the camera (found from the video when not given)"),
        "settings": p.add_argument_group("settings and model"),
    }
    groups["task"].add_argument(
        "--person",
        metavar="ID",
        help=help_for(SubjectSettings, "person")
        + "; ID+ID...: one worker the tracker split, analysed across all those tracks",
    )
    groups["task"].add_argument("--join", metavar="ID+ID", help=help_for(SubjectSettings, "join"))
    for flag, path, metavar in SETTING_OPTIONS:
        _setting_option(groups[_group(path)], flag, path, metavar)
    groups["camera"].add_argument(
        "--calibration-clip",
        metavar="VIDEO",
        help="a short clip of the same camera (not moved since) with a person standing "
        "upright: the camera's pitch and roll found there are used for these recordings",
    )
    groups["settings"].add_argument(
        "--config",
        metavar="FILE.toml",
        help="settings file; `posture config` prints one with every default",
    )


def _add_assessment_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "the assessment (written on the report and in summary.json; no number depends on it)"
    )
    g.add_argument("--task", metavar="TEXT", help="the task assessed, e.g. 'loading pallets'")
    g.add_argument("--worker", metavar="TEXT", help="the worker's name or id")
    g.add_argument("--site", metavar="TEXT", help="the site, line or workstation")
    g.add_argument("--assessor", metavar="TEXT", help="who made the assessment")
    g.add_argument(
        "--date", metavar="YYYY-MM-DD", help="date of the assessment (default: not given)"
    )
    g.add_argument("--notes", metavar="TEXT", help="notes for the report")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the options given change (``{"task": {"load_kg": 12.0}}``)."""
    flat: dict[str, Any] = {}
    for flag, path, _ in SETTING_OPTIONS:
        value = getattr(args, flag.removeprefix("--").replace("-", "_"), None)
        if value is not None:
            flat[path] = value
    for dest, path, value in SETTING_SWITCHES:
        if getattr(args, dest, False):
            flat[path] = value
    person = getattr(args, "person", None)
    joins = [j for j in (getattr(args, "join", None),) if j]
    if person is not None:
        ids = str(person).split("+")
        if len(ids) > 1:
            joins.append(str(person))
        try:
            flat["subject.person"] = int(ids[0])
        except ValueError:
            raise PostureError(f"--person {person}: give a track id, e.g. 2, or 2+5") from None
    if joins:
        flat["subject.join"] = ", ".join(joins)
    return nested(flat)


def settings_from(args: argparse.Namespace) -> Any:
    return override(load_config(getattr(args, "config", None)), _overrides(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posture",
        description="Ergonomics and lifting-risk analysis from video: trunk bending, twisting "
        "under load, rounded shoulders, REBA/RULA/NIOSH/OWAS scores and plain-word "
        "cues. Runs offline; nothing is sent anywhere.",
    )
    parser.add_argument("--version", action="version", version=f"posture {__version__}")
    # --debug and --verbose go before or after the command (`posture analyze ... --verbose`)
    common = argparse.ArgumentParser(add_help=False)
    for p, default in ((parser, False), (common, argparse.SUPPRESS)):
        p.add_argument(
            "--debug", action="store_true", default=default, help="show full error tracebacks"
        )
        p.add_argument(
            "--verbose",
            action="store_true",
            default=default,
            help="show the pose model's and the dashboard server's own log lines "
            "(hidden by default)",
        )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add = functools.partial(sub.add_parser, parents=[common])

    a = add(
        "analyze",
        help="analyse a video, a camera or a landmark file",
        description="Analyse one person's posture in a video file, a webcam, or a landmarks.npz "
        "from an earlier run, and write the results into a folder.",
        epilog=ANALYZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    a.add_argument(
        "input",
        nargs="*",
        metavar="VIDEO",
        help="video file (mp4, mov, avi, webm, mkv ...); several files or a folder of videos "
        "make a batch: each into a folder of its own under --out, plus an overview",
    )
    a.add_argument(
        "--camera",
        type=int,
        metavar="N",
        help="analyse webcam number N (0 is the first) until Ctrl-C",
    )
    a.add_argument(
        "--landmarks",
        metavar="FILE.npz",
        help="re-score landmarks saved by an "
        "earlier run (or motion capture) without running the pose model",
    )
    a.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for the results (created if needed; files in it are replaced)",
    )
    a.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")
    a.add_argument(
        "--no-report",
        action="store_true",
        help="do not write report.html and report.pdf (the report to file; faces in its "
        "pictures are blurred)",
    )
    a.add_argument("--blur-faces", action="store_true", help="blur faces in annotated.mp4")
    a.add_argument(
        "--max-frames", type=int, default=0, metavar="N", help="stop after N frames (0: all)"
    )
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    add_ray_options(a)
    _add_analysis_options(a)
    _add_assessment_options(a)
    add_library_options(a)

    lv = add(
        "live",
        help="coach live on a webcam in a window (shop-floor PC)",
        description="Show the webcam with the skeleton, the measures and the current cue, live. "
        "Press q or Esc in the window to stop; a session summary follows.",
    )
    lv.add_argument(
        "--camera", type=int, default=0, metavar="N", help="webcam number (default: 0, the first)"
    )
    lv.add_argument(
        "--replay",
        metavar="VIDEO",
        help="feed a video file as if it were the camera: every frame in order (with --out, the "
        "live session's results compare with `posture analyze` on the same file)",
    )
    lv.add_argument(
        "--paced",
        action="store_true",
        help="with --replay: play the file at its own speed, dropping the frames the analysis "
        "cannot keep up with, as a camera would",
    )
    lv.add_argument(
        "--no-window",
        action="store_true",
        help="no window: print each new cue in the terminal instead",
    )
    lv.add_argument(
        "--no-mirror",
        action="store_true",
        help="show the picture as the camera sees it (default: mirrored, like a mirror)",
    )
    lv.add_argument(
        "--seconds", type=float, default=0.0, help="stop after this many seconds (0: until stopped)"
    )
    lv.add_argument(
        "--out",
        metavar="DIR",
        help="write the session's report (report.html, report.pdf), frames.csv, lifts.csv, "
        "summary.json and landmarks.npz here when it ends (the same files as posture analyze)",
    )
    lv.add_argument(
        "--record",
        action="store_true",
        help="also keep the annotated session video (annotated.mp4 in --out)",
    )
    _add_analysis_options(lv)
    _add_assessment_options(lv)
    add_library_options(lv)

    add_library_parser(sub)

    c = add(
        "config",
        help="print every setting with its default, as TOML",
        description="Print the settings file with every default; save it, edit "
        "it and pass it with --config.",
    )
    c.add_argument("--config", metavar="FILE.toml", help="show these settings instead")
    c.add_argument(
        "--markdown",
        action="store_true",
        help="as Markdown tables (the README's settings reference)",
    )
    c.add_argument(
        "--measures",
        action="store_true",
        help="the measures of frames.csv with their unit and meaning, as a Markdown table",
    )

    add(
        "models",
        help="show which pose model would be used (builds it if needed)",
        description="Show the pose model posture analyze would use: a --model file, else an "
        "official .task in the models folders listed, else a bundle built once, offline, from "
        "the tflite files inside the installed mediapipe wheel.",
    )

    d = add(
        "dashboard",
        help="serve the dashboard on this computer",
        description="Serve the dashboard on http://localhost:PORT, to this computer only. It "
        "needs no input and contacts no server; the address is printed once it answers. "
        "Started from a terminal on a desktop it also opens the browser.",
    )
    d.add_argument(
        "--port", type=int, default=8501, help="local port to serve it on (default 8501)"
    )
    d.add_argument("--headless", action="store_true", help="do not open a browser")
    add_library_options(d)

    b = add("bench", help="measure speed: posture analyze vs. MediaPipe's pose model alone")
    b.add_argument(
        "video", nargs="?", help="clip to measure (default: a clip from ../shared/media)"
    )
    b.add_argument("--repeat", type=int, default=1, help="runs of each measurement")
    b.add_argument("--out", metavar="DIR", help="keep the pipeline's outputs here")
    b.add_argument(
        "--frames", type=int, default=0, metavar="N", help="measure the first N frames only"
    )
    b.add_argument(
        "--no-video",
        action="store_true",
        help="the pipeline without the annotated video (shows what drawing and encoding cost)",
    )
    b.add_argument(
        "--memory",
        action="store_true",
        help="measure memory instead: the clip looped to 30 s, 5 min and 30 min, each analysed",
    )
    b.add_argument(
        "--minutes",
        metavar="M,M,...",
        help="with --memory: the lengths to loop the clip to (default 0.5,5,30); with --live: "
        "one length M, the clip looped into a session of M minutes and the cost of a frame "
        "reported minute by minute (is it flat?); otherwise one length M: the speed measured "
        "on the clip looped to M minutes (a long recording)",
    )
    b.add_argument(
        "--json", action="store_true", help="also print every run as JSON (--live --minutes: only)"
    )
    b.add_argument(
        "--live",
        action="store_true",
        help="measure live coaching's latency instead "
        "(camera frame in to annotated frame out; the clip is played as a camera)",
    )
    return parser


class ProgressBar:
    """A :class:`posture.core.progress.Progress` drawn as a bar on a terminal, made at the
    first frame (once the input has opened); nothing when stderr is not a terminal (a log
    file gets the summary lines only)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total or None,
                unit=" frames",
                file=sys.stderr,
                dynamic_ncols=True,
                leave=False,
                mininterval=0.5,
            )
        self.bar.n = done
        if done % 10 == 0:
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_analyze(args: argparse.Namespace) -> int:
    from posture.run.batch import is_batch, is_landmarks_file
    from posture.run.recorded import check_output_dir

    given = [x for x in (args.input or None, args.camera, args.landmarks) if x is not None]
    if len(given) != 1:
        raise PostureError(
            "give exactly one input: VIDEO files (or folders of videos), --camera N or "
            "--landmarks FILE.npz (see posture analyze --help)"
        )
    if args.max_frames < 0:
        raise PostureError("--max-frames must be 0 or more")
    if not args.out.strip():
        raise PostureError("--out needs a folder name (e.g. --out results/)")
    settings = settings_from(args)
    assessment_from(args)  # a bad --date is refused now, not after the analysis
    from posture.video.identity import join_groups

    join_groups(settings.subject.join)  # refused now, not after the video is analysed
    out = Path(args.out)
    if args.ray is not None:
        from posture.cli.ray_batch import check_ray_args

        check_ray_args(args)
        return _analyze_batch(args, settings, out, None)
    with _workers(args, settings) as pool:
        if args.input and is_batch(args.input):
            return _analyze_batch(args, settings, out, pool)
        check_output_dir(out)
        if args.camera is not None:
            source: str | int = args.camera
        else:
            source = args.landmarks if args.landmarks is not None else args.input[0]
        # a landmarks.npz given like a video is re-scored as with --landmarks
        landmarks = args.landmarks is not None or is_landmarks_file(str(source))
        result = _analyze_one(args, settings, source, out, landmarks=landmarks, pool=pool)
    _report(result, out)
    record_once(args, "cli", result, None if args.camera is not None else str(source), out)
    # a video file stopped by Ctrl-C: the partial results are written, but a script must not
    # take them for a finished run (130 = interrupted, as shells report it); Ctrl-C is how a
    # camera session normally ends
    interrupted = any(w.startswith("interrupted") for w in result.warnings)
    return 130 if interrupted and args.camera is None else 0


_CALIBRATED: dict[str, Any] = {}


def _calibration(args: argparse.Namespace, settings: Any) -> list[Any]:
    """The calibration clip's cue (found once per run, however many inputs), or none."""
    clip = getattr(args, "calibration_clip", None)
    if not clip:
        return []
    if clip not in _CALIBRATED:
        from posture.run.calibration import calibration_cue

        if not Path(clip).is_file():
            raise PostureError(f"calibration clip not found: {clip}")
        cue = calibration_cue(clip, settings)
        if not args.quiet:
            print(
                f"Camera from the calibration clip: looks down {cue.pitch_deg:.1f} deg "
                f"(+-{cue.sigma_pitch_deg:.1f}), rolled {cue.roll_deg:.1f} deg "
                f"(+-{cue.sigma_roll_deg:.1f})",
                flush=True,
            )
        _CALIBRATED[clip] = cue
    return [_CALIBRATED[clip]]


@contextlib.contextmanager
def _workers(args: argparse.Namespace, settings: Any) -> Iterator[Any]:
    """The process pool for video files (``run.workers``, 0: one per core), or None."""
    from posture.run.parallel import Workers, default_workers
    from posture.video.pose import resolve_model

    workers = settings.run.workers or default_workers()
    videos = args.camera is None and args.landmarks is None
    if workers <= 1 or not videos:
        yield None
        return
    with Workers(workers, settings, resolve_model(settings.pose)) as pool:
        if _will_be_cut(args, settings, workers):
            pool.start()  # its processes start up while this one does
        yield pool


def _will_be_cut(args: argparse.Namespace, settings: Any, workers: int) -> bool:
    """Whether the first input is a video long enough to be cut into segments (a folder or a
    batch: yes), known from its container without decoding."""
    from posture.run.segments import segment_count
    from posture.video.io import open_video

    inputs = args.input or []
    if len(inputs) != 1:
        return len(inputs) > 1
    path = Path(inputs[0])
    if path.is_dir():
        return True
    try:
        with open_video(path) as video:
            duration = video.info.duration_s
    except (PostureError, OSError):  # a bad file gets its own one-line error later
        return False
    return segment_count(duration, workers, settings.run.segment_min_s) > 1


def _analyze_one(
    args: argparse.Namespace,
    settings: Any,
    source: str | int,
    out: Path,
    *,
    landmarks: bool,
    pool: Any = None,
) -> Any:
    """One input into ``out``: every output, the report last (it shows the annotated video's
    worst moments). A video file goes through the process ``pool`` when there is one."""
    from posture.run.parallel import analyze_in_segments
    from posture.run.recorded import analyze_landmarks, analyze_source

    cues = _calibration(args, settings)
    assessment = assessment_from(args)
    if landmarks:
        result = analyze_landmarks(str(source), settings, out, cues=cues, assessment=assessment)
    else:
        if isinstance(source, str) and not Path(source).exists():
            raise PostureError(f"video file not found: {source}")
        progress = ProgressBar(not args.quiet)
        try:
            if pool is not None and isinstance(source, str):
                result = analyze_in_segments(
                    source,
                    settings,
                    out,
                    pool,
                    progress=progress,
                    max_frames=args.max_frames,
                    cues=cues,
                    assessment=assessment,
                )
            else:
                result = analyze_source(
                    source,
                    settings,
                    out,
                    progress=progress,
                    max_frames=args.max_frames,
                    cues=cues,
                    assessment=assessment,
                )
        finally:
            progress.close()
    return _with_report(args, result, out)


def _with_report(args: argparse.Namespace, result: Any, out: Path) -> Any:
    """The report, written last (it shows the annotated video's worst moments)."""
    if not args.no_report:
        write_report_files(result, out)
    else:  # not one left from an earlier run
        (out / "report.html").unlink(missing_ok=True)
        (out / "report.pdf").unlink(missing_ok=True)
    return result


def _analyze_batch(args: argparse.Namespace, settings: Any, root: Path, pool: Any) -> int:
    """Several inputs: each into a folder of its own, then the overview. Exit 0 when every
    input was analysed, 2 when any failed, 130 after Ctrl-C."""
    from posture.report.overview import write_overview
    from posture.run import batch
    from posture.run.recorded import check_output_dir

    jobs = batch.plan(batch.expand_inputs(args.input), root)
    check_output_dir(root)
    print(f"{len(jobs)} recordings; results under {root}/", flush=True)

    def analyze(job: batch.Job) -> Any:
        check_output_dir(job.out)
        for name in batch.RUN_OUTPUTS:  # a failure must not leave an earlier run's results
            (job.out / name).unlink(missing_ok=True)
        return _analyze_one(
            args, settings, str(job.source), job.out, landmarks=job.is_landmarks, pool=pool
        )

    on_ray = args.ray is not None
    recorder = Recorder(args, "ray" if on_ray else "batch")
    results: dict[batch.Job, Any] = {}

    def analyze_and_keep(job: batch.Job) -> Any:
        results[job] = analyze(job)
        return results[job]

    def finish(job: batch.Job, result: Any) -> Any:  # on Ray: the files are written here
        from posture.run.export import write_json

        result.assessment = assessment_from(args)
        write_json(job.out / "summary.json", result.summary())
        results[job] = _with_report(args, result, job.out)
        return results[job]

    def done(i: int, outcome: batch.Outcome) -> None:
        head = f"[{i + 1}/{len(jobs)}] {outcome.job.source.name}"
        if outcome.job in results:  # recorded as soon as it is done: Ctrl-C keeps it
            recorder.record(
                results.pop(outcome.job), outcome.job.source, outcome.job.out, quiet=True
            )
        if outcome.summary is None:
            print(f"{head}: failed: {outcome.note}", file=sys.stderr, flush=True)
            with contextlib.suppress(OSError):  # its folder, if nothing was written into it
                outcome.job.out.rmdir()
            return
        s = outcome.summary
        high = s["risk_time_share"].get("high", 0.0)
        where = f" ({outcome.where})" if outcome.where else ""
        print(f"{head}: {_lifts_line(s, tail='')}; high risk {high:.0%}{where}", flush=True)
        for w in s["warnings"]:
            print(f"{head}: warning: {w}", file=sys.stderr, flush=True)

    try:
        if on_ray:
            from posture.cli.ray_batch import run_on_ray

            for job in jobs:
                check_output_dir(job.out)
                for name in batch.RUN_OUTPUTS:
                    (job.out / name).unlink(missing_ok=True)
            cues = _calibration(args, settings)
            bar = ProgressBar(not args.quiet)
            outcomes = run_on_ray(args, settings, jobs, finish, done, bar, cues)
        else:
            outcomes = batch.run(jobs, analyze_and_keep, on_done=done)
    finally:
        recorder.close()
    written = write_overview(outcomes, root, settings)
    failed = sum(o.status == "failed" for o in outcomes)
    print(
        f"Overview: {', '.join(str(p) for p in written)}"
        + (f" ({failed} of {len(outcomes)} could not be analysed)" if failed else "")
    )
    if recorder.recorded:
        print(
            f"Recorded {len(recorder.recorded)} assessment"
            f"{'' if len(recorder.recorded) == 1 else 's'} in the library "
            f"({recorder.library.location})."
        )
    if any(o.interrupted for o in outcomes):
        return EXIT_INTERRUPTED
    return EXIT_ERROR if failed else 0


def _report(result: Any, out: Path) -> None:
    s = result.summary()
    clip = s["clip"]
    print(
        f"Analysed {clip['frames']} frames ({clip['duration_s']} s); a pose in "
        f"{clip['frames_with_pose']} of them."
    )
    if len(s["people"]) > 1:
        print(
            f"People tracked ({len(s['people'])}); analysed: person {s['subject']} "
            "(choose another with --person ID):"
        )
        for p in s["people"]:
            text = p.get("description") or f"person {p['person_id']}: {p['frames']} frames"
            print(f"  {text}")
    m = s["measures"]["trunk_flexion_deg"]
    if m:
        print(f"Trunk flexion: typical {m['median']} deg, peak {m['peak']} deg.")
    share = s["risk_time_share"]
    print("Time at risk: " + ", ".join(f"{k} {v:.0%}" for k, v in share.items() if v))
    print(_lifts_line(s))
    for name in ("reba", "rula"):
        if s[f"{name}_peak"] is not None:
            shares = s[f"{name}_time_share"]
            print(
                f"{name.upper()}: peak {s[f'{name}_peak']:g}; time "
                + ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in shares.items() if v)
            )
    if s["cues"]:
        print("Cues: " + "; ".join(f"{c['text']} ({c['seconds']} s)" for c in s["cues"][:3]))
    for w in s["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"Results in {out}/: " + ", ".join(p.name for p in result.outputs.values()))


def _lifts_line(s: dict[str, Any], tail: str = "; per lift in lifts.csv.") -> str:
    """One line on the lifts: how many of each style, and the worst lifting index."""
    from posture.assess.tables import lifting_index

    if not s["lifts"]:
        return "Lifts: none" + (tail and ".")
    styles = ", ".join(f"{n} {k.replace('_', '-')}" for k, n in s["lift_styles"].items() if n)
    line = f"Lifts: {s['lifts']} ({styles})"
    worst = s["worst_lift"] or {}
    index = lifting_index(worst)
    if index is not None:
        line += f"; worst, lift {worst['lift']}: lifting index {index:g}"
    elif not s["settings"]["task"]["load_kg"]:
        line += "; give --load-kg for the NIOSH lifting index"
    return line + tail


def cmd_config(args: argparse.Namespace) -> int:
    if args.measures:
        from posture.assess.tables import CSV_MEASURES
        from posture.core.measure_info import measures_markdown

        print(measures_markdown(CSV_MEASURES))
        return 0
    tree = load_config(args.config) if args.config else DEFAULTS
    print(settings_markdown(tree) if args.markdown else dump_toml(tree).rstrip("\n"))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from posture.video.pose import models_dirs, resolve_model

    info = resolve_model(DEFAULTS.pose)
    print(f"model: {info.path}\nsource: {info.source}\nsha256: {info.sha256}")
    if info.pruned_from:
        print(
            f"made from the model file with sha256 {info.pruned_from}, without the part that "
            "only computes the person's mask (pose.skip_segmentation)"
        )
    print("official .task files are looked for in: " + ", ".join(map(str, models_dirs())))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    if args.library:  # the dashboard's process inherits these
        os.environ["POSTURE_LIBRARY"] = args.library
    if args.no_library:
        os.environ["POSTURE_NO_LIBRARY"] = "1"
    from posture.cli.dashboard import run_dashboard

    return run_dashboard(args.port, open_browser=not args.headless, verbose=args.verbose)


def _session_minutes(text: str) -> float:
    """``--minutes`` with ``--live``: one length of session, more than 0."""
    try:
        minutes = float(text)
    except ValueError:
        minutes = 0.0
    if not minutes > 0:
        raise PostureError(f"--minutes {text}: with --live, give one length in minutes, e.g. 3")
    return minutes


def cmd_bench(args: argparse.Namespace) -> int:
    if args.live and args.minutes:
        minutes = _session_minutes(args.minutes)
        from posture.cli.bench import shared_media
        from posture.cli.bench_live import DEFAULT_CLIP
        from posture.cli.bench_session import measure_session, report

        clip = Path(args.video) if args.video else shared_media() / DEFAULT_CLIP
        if not clip.is_file():
            raise PostureError(f"clip not found: {clip}")
        print(report(measure_session(clip, minutes), as_json=args.json))
        return 0
    if args.live:
        from posture.cli.bench_live import main as bench_live

        return bench_live([*([args.video] if args.video else []), "--repeat", str(args.repeat)])
    from posture.cli.bench import run_bench

    return run_bench(args)


def cmd_live(args: argparse.Namespace) -> int:
    from posture.cli.live import run_live_command

    return run_live_command(args, settings_from(args))


COMMANDS = {
    "analyze": cmd_analyze,
    "live": cmd_live,
    "config": cmd_config,
    "models": cmd_models,
    "dashboard": cmd_dashboard,
    "bench": cmd_bench,
    "library": cmd_library,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    if args.verbose:
        os.environ[NATIVE_LOGS_ENV] = "1"  # for this process and the dashboard's server
    # MediaPipe, TensorFlow Lite and FFmpeg write their own lines to the process's stderr:
    # the user sees posture's messages only (the dashboard's server hides its own)
    hide = not (args.debug or args.verbose) and args.command != "dashboard"
    try:
        with native_stderr_hidden(hide):
            return COMMANDS[args.command](args)
    except PostureError as exc:
        if args.debug:
            raise
        print(f"posture: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("posture: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the output went to a pipe that closed (`posture config | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"posture: internal error: {type(exc).__name__}: {exc} (rerun with --debug "
            "for details)",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
