"""``posture analyze`` records every analysis, and ``posture library ...`` reads the library
back: on SQLite and on PostgreSQL, through the command line as a user types it."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from posture.cli import commands as cli

DEMO = Path(__file__).resolve().parents[2] / "sample_videos" / "demo_landmarks.npz"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def listed(capsys: pytest.CaptureFixture[str], library: str, *filters: str) -> list[Any]:
    # --library after the action, as users type it (the other tests put it before)
    code, out, err = run(capsys, "library", "list", "--json", "--library", library, *filters)
    assert code == 0, err
    return list(json.loads(out))


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    if not DEMO.is_file():
        pytest.skip(f"{DEMO} is missing")
    return DEMO


def analyze(capsys: pytest.CaptureFixture[str], library: str, *argv: str) -> str:
    code, out, err = run(capsys, "analyze", *argv, "--no-video", "--quiet", "--library", library)
    assert code == 0, err
    return out


def test_every_analysis_is_recorded_once_per_output_folder(
    capsys: pytest.CaptureFixture[str], library_url: str, demo: Path, tmp_path: Path
) -> None:
    out = analyze(capsys, library_url, "--landmarks", str(demo), "--out", str(tmp_path / "a"))
    assert "Recorded in the library as assessment 1" in out
    analyze(capsys, library_url, "--landmarks", str(demo), "--out", str(tmp_path / "a"))
    analyze(capsys, library_url, str(demo), "--out", str(tmp_path / "b"), "--load-kg", "15")
    rows = listed(capsys, library_url)
    assert len(rows) == 2  # the second run into a/ replaced the first's entry
    assert {Path(r["output_dir"]).name for r in rows} == {"a", "b"}
    summary = json.loads((tmp_path / "b" / "summary.json").read_text())
    b = next(r for r in rows if r["output_dir"].endswith("b"))
    assert b["lifts"] == summary["lifts"] and b["reba_peak"] == summary["reba_peak"]
    assert b["load_kg"] == 15.0 and b["recording"] == demo.name and b["origin"] == "cli"


def test_no_library_records_nothing(
    capsys: pytest.CaptureFixture[str], demo: Path, tmp_path: Path
) -> None:
    lib = tmp_path / "lib.sqlite3"
    code, out, _err = run(
        capsys,
        "analyze",
        str(demo),
        "--out",
        str(tmp_path / "a"),
        "--no-video",
        "--quiet",
        "--library",
        str(lib),
        "--no-library",
    )
    assert code == 0 and "Recorded" not in out
    assert not lib.exists()


def test_a_batch_is_recorded_and_exported(
    capsys: pytest.CaptureFixture[str], demo: Path, tmp_path: Path
) -> None:
    lib = str(tmp_path / "lib.sqlite3")
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("before.npz", "after.npz"):
        shutil.copy(demo, inputs / name)
    out = analyze(capsys, lib, str(inputs), "--out", str(tmp_path / "results"))
    assert "Recorded 2 assessments in the library" in out
    rows = listed(capsys, lib)
    assert sorted(r["recording"] for r in rows) == ["after.npz", "before.npz"]
    assert {r["origin"] for r in rows} == {"batch"}
    code, text, _ = run(capsys, "library", "--library", lib, "export")
    table = list(csv.DictReader(io.StringIO(text)))
    assert code == 0 and len(table) == 2 and table[0]["lifts"] == "3"
    target = tmp_path / "lifts.csv"
    run(capsys, "library", "--library", lib, "export", "--lifts", "--out", str(target))
    lifts = list(csv.DictReader(target.open()))
    assert len(lifts) == 6 and {row["style"] for row in lifts} >= {"squat", "stoop"}


def test_compare_two_assessments(
    capsys: pytest.CaptureFixture[str], demo: Path, tmp_path: Path
) -> None:
    lib = str(tmp_path / "lib.sqlite3")
    analyze(capsys, lib, str(demo), "--out", str(tmp_path / "a"))
    analyze(capsys, lib, str(demo), "--out", str(tmp_path / "b"), "--load-kg", "15")
    page = tmp_path / "before_after.html"
    pdf = tmp_path / "before_after.pdf"
    code, out, _ = run(
        capsys,
        "library",
        "--library",
        lib,
        "compare",
        "1",
        "2",
        "--json",
        "--html",
        str(page),
        "--pdf",
        str(pdf),
    )
    assert code == 0
    data = json.loads(out)
    reba = next(f for f in data["figures"] if f["figure"] == "reba_peak")
    assert reba["after"] > reba["before"] and reba["verdict"] == "worse"  # a load raises REBA
    assert any("load differs" in n for n in data["notes"])
    text = page.read_text()
    assert "Before / after" in text and "Worst moments" in text and "worse" in text
    pypdf = pytest.importorskip("pypdf")
    pages = pypdf.PdfReader(pdf).pages
    words = " ".join(p.extract_text() for p in pages)
    assert "Before / after" in words and "Worst moments" in words and "worse" in words


def test_delete_with_files(capsys: pytest.CaptureFixture[str], demo: Path, tmp_path: Path) -> None:
    lib = str(tmp_path / "lib.sqlite3")
    a, b = tmp_path / "a", tmp_path / "b"
    analyze(capsys, lib, str(demo), "--out", str(a))
    analyze(capsys, lib, str(demo), "--out", str(b))
    (b / "mine.txt").write_text("not posture's")
    code, out, _ = run(capsys, "library", "--library", lib, "delete", "1", "2", "--files", "--yes")
    assert code == 0 and "Deleted 2 assessments" in out
    assert not a.exists()  # every file posture wrote, then the empty folder
    assert [p.name for p in b.iterdir()] == ["mine.txt"]  # a file of the user's is kept
    assert listed(capsys, lib) == []


def test_delete_asks_when_it_cannot(
    capsys: pytest.CaptureFixture[str], demo: Path, tmp_path: Path
) -> None:
    lib = str(tmp_path / "lib.sqlite3")
    analyze(capsys, lib, str(demo), "--out", str(tmp_path / "a"))
    code, _, err = run(capsys, "library", "--library", lib, "delete", "1")
    assert code == 2 and "--yes" in err  # no terminal to ask on: nothing deleted
    assert len(listed(capsys, lib)) == 1


def test_an_unwritable_library_costs_no_analysis(
    capfd: pytest.CaptureFixture[str], demo: Path, tmp_path: Path
) -> None:
    # capfd: the warning goes to the real stderr (native logs are hidden from it meanwhile)
    code, _out, err = run(
        capfd,
        "analyze",
        str(demo),
        "--out",
        str(tmp_path / "a"),
        "--no-video",
        "--quiet",
        "--library",
        str(tmp_path),  # a folder, not a file
    )
    assert code == 0 and (tmp_path / "a" / "summary.json").is_file()
    assert err.count("\n") == 1 and "not recorded in the library" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "42"], "no assessment 42"),
        (["list", "--since", "yesterday"], "not a date"),
        (["compare", "1"], "the following arguments are required: after"),
    ],
)
def test_library_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    lib = str(tmp_path / "lib.sqlite3")
    with pytest.raises(SystemExit) if argv[0] != "show" else _nothing():
        code, _, err = run(capsys, "library", "--library", lib, *argv)
        assert code == 2 and message in err and "Traceback" not in err
    if argv[0] != "show":
        assert message in capsys.readouterr().err


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> bool:
        return False


def test_a_live_session_is_recorded_when_it_stops(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clip = Path(__file__).resolve().parents[3] / "shared" / "media"
    clip = clip / "floor_lift_knees_bent_side.mp4"  # 2 s, the lifter in view throughout
    if not clip.is_file():
        pytest.skip(f"the shared clips are not here ({clip.parent})")
    lib = str(tmp_path / "lib.sqlite3")
    code, out, err = run(capsys, "live", "--replay", str(clip), "--no-window", "--library", lib)
    assert code == 0 and "Recorded in the library" in out, err
    [row] = listed(capsys, lib)
    assert row["origin"] == "live" and row["recording"] == clip.name
    assert row["output_dir"] is None  # no --out: the library holds the session's figures alone
