"""Batches on Ray, with the real pose model on real clips: a local instance (started by the
batch, as ``--ray`` with no address does) and a real two-node cluster on this machine (``ray
start --head`` and a second ``ray start --address=...``, separate processes on the loopback
address, stopped afterwards). Results must equal a sequential run's, file for file.

One clip is cut into segments (the 2-second floor lift, with segments of at least 1 s; the
other two are shorter than two): its segments are analysed and drawn by several workers and
joined. Its results must be those of ``--workers 2`` here (the same segments), file for file,
and against the sequential run: the same people and subject, frames, lifts (times within
0.1 s), as ``test_segments.py`` asks. How close each angle of a cut recording is to the
sequential run's is the segment mechanism's own matter, tested there on longer clips (on a clip
this short, cut in halves, the camera's gravity found from half-clips moves angles by up to
2 deg).

Ray starts slowly (seconds per node, per worker): the local instance is shared by the tests of
this module, and the clips are the three shortest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posture.cli import commands as cli
from posture.core.config import DEFAULTS
from posture.run import batch, distributed
from posture.run.ray_worker import PoseWorker

from .conftest import MEDIA, Run

pytestmark = [pytest.mark.media, pytest.mark.slow]
ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")

CLIPS = (
    "floor_lift_knees_bent_side.mp4",
    "hip_hinge_straight_knees_side.mp4",
    "static_upright_rear_oblique.mp4",
)
COMPARED = ("frames.csv", "lifts.csv", "overview")
#: Cut into two segments with SPLIT (the other clips are shorter than two segments).
CUT = "floor_lift_knees_bent_side"
SPLIT = {"segment_min_s": 1.0, "lead_in_s": 0.5}


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A settings file with which one of the clips is cut into segments."""
    path = tmp_path_factory.mktemp("config") / "split.toml"
    path.write_text("[run]\n" + "".join(f"{k} = {v}\n" for k, v in SPLIT.items()))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the three clips (and a file that is not a video)."""
    missing = [c for c in CLIPS if not (MEDIA / c).is_file()]
    if missing:
        pytest.skip(f"the shared clips are not here ({MEDIA}: {missing})")
    folder = tmp_path_factory.mktemp("inputs")
    for c in CLIPS:
        os.symlink(MEDIA / c, folder / c)
    return folder


@pytest.fixture(scope="module")
def sequential(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sequential")
    argv = ["analyze", str(clips), "--out", str(out), "--workers", "1"]  # frame after frame
    assert cli.main([*argv, "--quiet", "--no-library"]) == 0
    return out


@pytest.fixture(scope="module")
def local_ray() -> Iterator[list[Path]]:
    """Local instances the tests start themselves (``connect``): stopped, and their folders
    removed, at the end of the module."""
    folders: list[Path] = []
    yield folders
    if ray.is_initialized():
        ray.shutdown()
    for f in folders:
        shutil.rmtree(f, ignore_errors=True)


def start_local(folders: list[Path]) -> None:
    _, _, temp = distributed.connect(None)
    if temp is not None:
        folders.append(temp)


def _summary(path: Path) -> dict[str, Any]:
    """summary.json but the time it took and how the machine was used (``run``: the
    segments' settings change no number of a recording that is not cut)."""
    s = json.loads(path.read_text())
    s.pop("timings_s"), s["settings"].pop("run")
    return dict(s)


@pytest.fixture(scope="module")
def in_segments(clips: Path, split: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clip CUT analysed with ``--workers 2`` here: the segments two Ray workers get."""
    out = tmp_path_factory.mktemp("workers")
    argv = ["analyze", str(clips / f"{CUT}.mp4"), "--out", str(out), "--workers", "2"]
    assert cli.main([*argv, "--config", str(split), "--quiet", "--no-library"]) == 0
    return out


def assert_same_results(a: Path, b: Path, in_segments: Path) -> None:
    """The same files, byte for byte, and the same summary, for every clip but CUT, which
    ``a`` analysed in segments: as close to ``b`` as ``in_segments`` is (segments analysed by
    other processes than --workers 2's, whose pose graphs had followed other videos before:
    reset, they give the same landmarks to within the model's last digit, which moved one
    frame's rounded figure in one run of this test), in people, frames and lifts."""
    for clip in CLIPS:
        name = Path(clip).stem
        for f in ("annotated.mp4", "report.html", "landmarks.npz"):
            assert (a / name / f).stat().st_size > 0, (name, f)
        if name == CUT:
            continue
        for f in ("frames.csv", "lifts.csv"):
            assert (a / name / f).read_bytes() == (b / name / f).read_bytes(), (name, f)
        assert _summary(a / name / "summary.json") == _summary(b / name / "summary.json"), name
    assert_segments_agree(b / CUT, in_segments)
    assert_segments_agree(b / CUT, a / CUT)
    rows_a, rows_b = ((d / "overview.csv").read_text().splitlines() for d in (a, b))
    assert rows_a[0] == rows_b[0] and len(rows_a) == len(rows_b)
    for ra, rb in zip(rows_a, rows_b, strict=True):
        if CUT not in ra:
            assert ra == rb
        else:  # the same input, folder, status
            assert ra.split(",")[:3] == rb.split(",")[:3]


def assert_segments_agree(sequential: Path, segmented: Path) -> None:
    """As ``test_segments.py`` asks of one person in plain view: the same people and subject,
    frames, lifts (style, times within 0.1 s, the lowest point within 0.5 s); and the recording
    was cut, its annotated video (drawn in pieces, joined) has every frame."""
    seq, par = (Run(d.name, [], d, 0.0) for d in (sequential, segmented))
    assert par.summary["timings_s"]["segments"] == 2, "the clip was not cut"
    assert "segments" not in seq.summary["timings_s"]
    assert par.summary["subject"] == seq.summary["subject"]
    assert par.summary["clip"]["frames"] == seq.summary["clip"]["frames"]
    people = [(p["person_id"], p["frames"]) for p in par.summary["people"]]
    assert [pid for pid, _ in people] == [p["person_id"] for p in seq.summary["people"]]
    for (_, n), p in zip(people, seq.summary["people"], strict=True):
        assert abs(n - p["frames"]) <= 0.02 * seq.summary["clip"]["frames"]
    assert len(par.lifts) == len(seq.lifts)
    for x, y in zip(seq.lifts, par.lifts, strict=True):
        assert x["style"] == y["style"]
        for key, within_s in (("start_s", 0.1), ("lowest_s", 0.5), ("end_s", 0.1)):
            assert abs(float(x[key]) - float(y[key])) <= within_s, (key, x[key], y[key])
    frames = _video_frames(segmented / "annotated.mp4")
    assert frames == seq.summary["clip"]["frames"]


def _video_frames(path: Path) -> int:
    from posture.video.io import open_video

    with open_video(path) as video:
        return sum(1 for _ in video)


def test_a_local_instance_gives_a_sequential_runs_results(
    clips: Path,
    sequential: Path,
    split: Path,
    in_segments: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    local_ray: list[Path],
) -> None:
    lib = tmp_path / "lib.sqlite3"
    out_dir = tmp_path / "out"
    code = cli.main(
        [
            *("analyze", str(clips), "--out", str(out_dir), "--ray", "--library", str(lib)),
            *("--config", str(split), "--ray-workers", "2"),
        ]
    )
    out = capfd.readouterr().out
    assert code == 0, out
    assert_same_results(out_dir, sequential, in_segments)
    assert "On Ray (a local Ray instance)" in out
    assert f"{CUT}.mp4: " in out and "; 2 segments)" in out
    listed = cli.main(["library", "--library", str(lib), "list", "--json"])
    rows = json.loads(capfd.readouterr().out)
    assert listed == 0 and sorted(r["origin"] for r in rows) == ["ray"] * 3


def _job(clips: Path, out: Path, name: str) -> batch.Job:
    return batch.plan([clips / name], out)[0]


def test_a_failure_is_retried_once_then_marked_with_its_reason(
    clips: Path, tmp_path: Path, local_ray: list[Path]
) -> None:
    marker, segment_marker = tmp_path / "crashed-once", tmp_path / "segment-crashed-once"

    class CrashesOnce(PoseWorker):  # defined here: Ray ships it to the workers by value
        def analyze(self, task: Any, chunks: Any) -> Any:
            if task.name.startswith("static") and not os.path.exists(marker):
                open(marker, "w").close()
                os._exit(1)  # the worker process dies mid-recording
            if task.name.startswith("hip"):
                raise RuntimeError("disk full")  # every time
            return super().analyze(task, chunks)

        def segment(self, task: Any, chunks: Any) -> Any:
            if task.segment.segment.index == 1 and not os.path.exists(segment_marker):
                open(segment_marker, "w").close()
                os._exit(1)  # dies in the middle of one segment of a cut recording
            return super().segment(task, chunks)

    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    inputs = [clips / CLIPS[2], clips / CLIPS[1], not_video, clips / f"{CUT}.mp4"]
    jobs = batch.plan(inputs, tmp_path / "out")
    settings = dataclasses.replace(DEFAULTS, run=dataclasses.replace(DEFAULTS.run, **SPLIT))
    settings = dataclasses.replace(
        settings, output=dataclasses.replace(settings.output, video=False)
    )
    start_local(local_ray)
    outcomes = distributed.run(
        jobs,
        settings,
        lambda job, result: result,
        options=distributed.Options(workers=2),
        worker=CrashesOnce,
    )
    crashed, always, bad, cut = outcomes
    assert marker.exists() and crashed.status == "ok"  # retried on a fresh worker
    assert always.status == "failed" and always.note == (
        "internal error: RuntimeError: disk full (tried 2 times)"
    )
    assert bad.status == "failed" and "tried" not in bad.note  # the input's fault: not retried
    assert "notes.mp4" in bad.note and tempfile.gettempdir() not in bad.note
    # the segment was retried alone, the recording joined as if nothing had happened
    assert segment_marker.exists() and cut.status == "ok", cut.note
    assert cut.summary is not None and cut.summary["timings_s"]["segments"] == 2
    assert cut.where.endswith("; 2 segments")


@pytest.mark.parametrize("cut", [False, True], ids=["whole", "cut"])
def test_ctrl_c_cancels_the_remote_work_and_every_job_has_an_outcome(
    clips: Path, tmp_path: Path, local_ray: list[Path], cut: bool
) -> None:
    """One worker on the first recording, or (``cut``) two on its two segments."""
    jobs = batch.plan([clips / c for c in CLIPS], tmp_path / "out")
    start_local(local_ray)
    run = dataclasses.replace(DEFAULTS.run, segment_min_s=1.0 if cut else 8.0)

    def interrupt(done: int, total: int) -> None:
        if done > 0:
            raise KeyboardInterrupt  # as Ctrl-C would, while the workers are analysing

    outcomes = distributed.run(
        jobs,
        dataclasses.replace(DEFAULTS, run=run),
        lambda job, result: result,
        options=distributed.Options(workers=2 if cut else 1),
        progress=interrupt,
    )
    assert outcomes[0].status == "failed" and outcomes[0].interrupted
    # a worker freed by a finished segment may have begun the next recording before the Ctrl-C
    # came: it is then interrupted too; none is reported done, none is left without an outcome
    assert all(o.status == "not run" or (o.status == "failed" and o.interrupted) for o in outcomes)
    if not cut:  # one worker: nothing else had begun
        assert [o.status for o in outcomes] == ["failed", "not run", "not run"]
    deadline = time.monotonic() + 30  # the killed worker's CPU is given back to the cluster
    while ray.available_resources().get("CPU", 0) < ray.cluster_resources().get("CPU", 0):
        assert time.monotonic() < deadline, "the interrupted worker still holds its CPU"
        time.sleep(0.5)


# ---------------------------------------------------------------------------------------------
# a real two-node cluster on this machine
# ---------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """``ray start --head`` and a second ``ray start --address``, each a process of its own
    (``--block``: it stops its node's processes when terminated), on 127.0.0.1."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.temp = Path(tempfile.mkdtemp(prefix="rc-", dir="/tmp"))  # Ray's socket paths
        self.procs: list[subprocess.Popen[bytes]] = []
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        self.address = f"127.0.0.1:{self.port}"

    def _start(self, *argv: str) -> None:
        ray_cli = Path(sys.executable).parent / "ray"
        log = open(self.temp / f"node{len(self.procs)}.log", "wb")  # noqa: SIM115
        self.procs.append(
            subprocess.Popen(
                [
                    str(ray_cli),
                    "start",
                    "--block",
                    "--num-cpus=1",
                    "--node-ip-address=127.0.0.1",
                    "--disable-usage-stats",
                    *argv,
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self) -> None:
        self._start(
            "--head",
            f"--port={self.port}",
            "--include-dashboard=false",
            f"--temp-dir={self.temp}",
        )
        self._wait_nodes(1)
        self._start(f"--address={self.address}")
        self._wait_nodes(2)

    def _wait_nodes(self, n: int, timeout_s: float = 120) -> None:
        probe = (
            "import ray,sys; ray.init(address=sys.argv[1], logging_level='ERROR'); "
            "print(sum(1 for x in ray.nodes() if x['Alive']))"
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                break
            done = subprocess.run(
                [sys.executable, "-c", probe, self.address],
                capture_output=True,
                text=True,
                env=self.env,
                timeout=120,
                check=False,
            )
            if done.stdout.strip().splitlines()[-1:] == [str(n)]:
                return
            time.sleep(1.0)
        logs = " ".join(p.read_text(errors="replace")[-400:] for p in self.temp.glob("*.log"))
        raise RuntimeError(f"the cluster did not reach {n} nodes: {logs}")

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        shutil.rmtree(self.temp, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(local_ray: list[Path]) -> Iterator[Cluster]:
    if ray.is_initialized():
        ray.shutdown()  # the local instance of the tests above
    c = Cluster()
    try:
        c.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        c.stop()
        pytest.fail(f"could not start a two-node Ray cluster: {exc}")
    yield c
    if ray.is_initialized():
        ray.shutdown()
    c.stop()


def test_a_two_node_cluster_shares_the_batch_and_gives_the_same_results(
    clips: Path,
    sequential: Path,
    split: Path,
    in_segments: Path,
    tmp_path: Path,
    cluster: Cluster,
    capfd: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    code = cli.main(
        [
            *("analyze", str(clips), "--out", str(out), "--ray", cluster.address),
            *("--no-library", "--config", str(split)),
        ]
    )
    printed = capfd.readouterr().out
    assert code == 0, printed
    assert_same_results(out, sequential, in_segments)
    nodes = {n[:8] for line in printed.splitlines() for n in line.split("node ")[1:]}
    assert len(nodes) == 2, printed  # work ran on both nodes
    assert "; 2 segments)" in printed  # the cut clip's segments too
    assert not ray.is_initialized()  # the batch left the cluster; the cluster stays up
    assert all(p.poll() is None for p in cluster.procs)
