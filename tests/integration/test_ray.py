"""Batches on Ray, with the real pose model on real clips: a local instance (started by the
batch, as ``--ray`` with no address does) and a real two-node cluster on this machine (``ray
start --head`` and a second ``ray start --address=...``, separate processes on the loopback
address, stopped afterwards). Results must equal a sequential run's, file for file.

Ray starts slowly (seconds per node, per worker): the local instance is shared by the tests of
this module, and the clips are the three shortest.
"""

from __future__ import annotations

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

from .conftest import MEDIA

pytestmark = [pytest.mark.media, pytest.mark.slow]
ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")

CLIPS = (
    "floor_lift_knees_bent_side.mp4",
    "hip_hinge_straight_knees_side.mp4",
    "static_upright_rear_oblique.mp4",
)
COMPARED = ("frames.csv", "lifts.csv", "overview")


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
    assert cli.main(["analyze", str(clips), "--out", str(out), "--quiet", "--no-library"]) == 0
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


def assert_same_results(a: Path, b: Path) -> None:
    """The same files, byte for byte, and the same summary (but the time it took)."""
    for clip in CLIPS:
        name = Path(clip).stem
        for f in ("frames.csv", "lifts.csv"):
            assert (a / name / f).read_bytes() == (b / name / f).read_bytes(), (name, f)
        sa, sb = (json.loads((d / name / "summary.json").read_text()) for d in (a, b))
        sa.pop("timings_s"), sb.pop("timings_s")
        assert sa == sb, name
        for f in ("annotated.mp4", "report.html", "landmarks.npz"):
            assert (a / name / f).stat().st_size > 0, (name, f)
    assert (a / "overview.csv").read_text() == (b / "overview.csv").read_text()


def test_a_local_instance_gives_a_sequential_runs_results(
    clips: Path,
    sequential: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    local_ray: list[Path],
) -> None:
    lib = tmp_path / "lib.sqlite3"
    code = cli.main(
        ["analyze", str(clips), "--out", str(tmp_path / "out"), "--ray", "--library", str(lib)]
    )
    out = capfd.readouterr().out
    assert code == 0, out
    assert_same_results(tmp_path / "out", sequential)
    assert "On Ray (a local Ray instance)" in out
    listed = cli.main(["library", "--library", str(lib), "list", "--json"])
    rows = json.loads(capfd.readouterr().out)
    assert listed == 0 and sorted(r["origin"] for r in rows) == ["ray"] * 3


def _job(clips: Path, out: Path, name: str) -> batch.Job:
    return batch.plan([clips / name], out)[0]


def test_a_failure_is_retried_once_then_marked_with_its_reason(
    clips: Path, tmp_path: Path, local_ray: list[Path]
) -> None:
    marker = tmp_path / "crashed-once"

    class CrashesOnce(PoseWorker):  # defined here: Ray ships it to the workers by value
        def analyze(self, task: Any, chunks: Any) -> Any:
            if task.name.startswith("static") and not os.path.exists(marker):
                open(marker, "w").close()
                os._exit(1)  # the worker process dies mid-recording
            if task.name.startswith("hip"):
                raise RuntimeError("disk full")  # every time
            return super().analyze(task, chunks)

    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    jobs = batch.plan([clips / CLIPS[2], clips / CLIPS[1], not_video], tmp_path / "out")
    start_local(local_ray)
    outcomes = distributed.run(
        jobs,
        DEFAULTS,
        lambda job, result: result,
        options=distributed.Options(workers=2),
        worker=CrashesOnce,
    )
    crashed, always, bad = outcomes
    assert marker.exists() and crashed.status == "ok"  # retried on a fresh worker
    assert always.status == "failed" and always.note == (
        "internal error: RuntimeError: disk full (tried 2 times)"
    )
    assert bad.status == "failed" and "tried" not in bad.note  # the input's fault: not retried
    assert "notes.mp4" in bad.note and tempfile.gettempdir() not in bad.note


def test_ctrl_c_cancels_the_remote_work_and_every_job_has_an_outcome(
    clips: Path, tmp_path: Path, local_ray: list[Path]
) -> None:
    jobs = batch.plan([clips / c for c in CLIPS], tmp_path / "out")
    start_local(local_ray)

    def interrupt(done: int, total: int) -> None:
        if done > 0:
            raise KeyboardInterrupt  # as Ctrl-C would, while the workers are analysing

    outcomes = distributed.run(
        jobs,
        DEFAULTS,
        lambda job, result: result,
        options=distributed.Options(workers=1),
        progress=interrupt,
    )
    assert [o.status for o in outcomes] == ["failed", "not run", "not run"]
    assert outcomes[0].interrupted
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
    tmp_path: Path,
    cluster: Cluster,
    capfd: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    code = cli.main(
        ["analyze", str(clips), "--out", str(out), "--ray", cluster.address, "--no-library"]
    )
    printed = capfd.readouterr().out
    assert code == 0, printed
    assert_same_results(out, sequential)
    nodes = {line.split("(node ")[1][:8] for line in printed.splitlines() if "(node " in line}
    assert len(nodes) == 2, printed  # work ran on both nodes
    assert not ray.is_initialized()  # the batch left the cluster; the cluster stays up
    assert all(p.poll() is None for p in cluster.procs)
