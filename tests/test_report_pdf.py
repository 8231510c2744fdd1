"""The assessment report as a reviewer files it: report.html and report.pdf carry every score
the analysis computed, the lifts with their style and scores, the NIOSH inputs and which were
assumed, and the assessment fields; the PDF is A4, its text is text (read back here with
pypdf), its pictures are embedded. Without the PDF engine, one line and the HTML alone.

The analysis is the demo session (three lifts: a squat, a stoop, a twisted squat; synthetic
landmarks, no pose model), with a 12 kg load so that every NIOSH figure exists.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from posture.core.assessment import Assessment
from posture.core.config import DEFAULTS, override
from posture.core.errors import ConfigError
from posture.report import lift_rows, write_reports
from posture.run.recorded import Result, analyze_landmarks

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "sample_videos" / "demo_landmarks.npz"
ASSESSMENT = Assessment(
    task="Pallet loading, line 2",
    worker="W-117",
    site="Hall 3",
    assessor="J. Smith",
    date="2026-12-05",
    notes="Boxes of 12 kg from the floor to waist height.",
)

pypdf = pytest.importorskip("pypdf", reason="pypdf (the test extra) reads the PDF back")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("report")
    settings = override(DEFAULTS, {"task": {"load_kg": 12.0}})
    result = analyze_landmarks(DEMO, settings, out, assessment=ASSESSMENT)
    reports = write_reports(result, out)
    if reports.pdf is None:
        pytest.fail(f"no PDF engine here: {reports.pdf_missing}")
    return result, out


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def html_text(path: Path) -> str:
    doc = path.read_text(encoding="utf-8")
    doc = re.sub(r"<(style|pre)[^>]*>.*?</\1>", " ", doc, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", doc)).split())


def expected_figures(result: Result) -> list[str]:
    """Every figure the report must show, as text, taken from the analysis itself."""
    s = result.summary()
    want = [
        f"{s['reba_peak']:g}",
        f"{s['rula_peak']:g}",
        f"negligible {s['reba_time_share']['negligible']:.0%}",
        f"acceptable {s['rula_time_share']['acceptable']:.0%}",
        f"change now {s['rula_time_share']['change_now']:.0%}",
        f"2: bent forward (more than 20°) {s['owas_back_time_share']['2']:.0%}",
        f"3: twisted or bent sideways {s['owas_back_time_share']['3']:.0%}",
    ]
    for c in s["cues"]:
        want.append(c["text"])
    for r in lift_rows(result):
        # the lift row: number, style, ..., REBA, RULA, OWAS back, LI origin, LI destination
        want.append(
            f"{r['reba_peak']:g} {r['rula_peak']:g} {r['owas_back_worst']:g} "
            f"{r['li_origin']:.2f} {r['li_destination']:.2f}"
        )
        want.append(f"{r['lift']} {r['style']}")
        # the NIOSH row ends with the RWLs and the lifting indices
        want.append(
            f"{r['rwl_origin_kg']:.2f} {r['rwl_destination_kg']:.2f} "
            f"{r['li_origin']:.2f} {r['li_destination']:.2f}"
        )
    return want


def expected_fields() -> list[str]:
    a = ASSESSMENT
    return [
        f"Task {a.task}",
        f"Worker (name or id) {a.worker}",
        f"Site {a.site}",
        f"Assessor {a.assessor}",
        f"Date of the assessment {a.date}",
        f"Notes {a.notes}",
    ]


NIOSH_INPUTS = [
    "Load weight 12 kg (entered)",
    "0.2 per minute assumed",  # no frequency given, and the demo is under a minute
    "1 h (the default)",
    "fair (the default)",
    "asymmetry angle not visible from this view (it needs depth): 0 assumed",
]


@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_the_report_carries_every_score_the_lifts_and_the_assessment(
    analysed: tuple[Result, Path], kind: str
) -> None:
    result, out = analysed
    text = pdf_text(out / "report.pdf") if kind == "pdf" else html_text(out / "report.html")
    missing = [w for w in expected_figures(result) + expected_fields() if w not in text]
    assert missing == [], f"not in report.{kind}: {missing}"
    assert [w for w in NIOSH_INPUTS if w not in text] == []
    assert "Faces are blurred in these pictures" in text
    assert "Faces blurred: no" not in text


def test_the_pdf_is_a4_with_its_pictures_and_the_assessment_in_its_metadata(
    analysed: tuple[Result, Path],
) -> None:
    _, out = analysed
    reader = pypdf.PdfReader(str(out / "report.pdf"))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
        210,
        297,
    )
    images = sum(len(p.images) for p in reader.pages)
    assert images >= 3  # the timeline and the worst moments
    assert reader.metadata is not None
    assert reader.metadata.author == ASSESSMENT.assessor
    assert ASSESSMENT.worker in (reader.metadata.subject or "")
    # every page names the assessment and its number in the footer
    n = len(reader.pages)
    for k, page in enumerate(reader.pages, 1):
        text = " ".join(page.extract_text().split())
        assert f"page {k} of {n}" in text
        assert ASSESSMENT.worker in text


def test_summary_json_keeps_the_assessment(analysed: tuple[Result, Path]) -> None:
    _, out = analysed
    s = json.loads((out / "summary.json").read_text())
    assert s["assessment"] == ASSESSMENT.as_dict()
    assert "rula_time_share" in s and s["rula_peak"] is not None


def test_an_assessment_not_given_says_so(tmp_path: Path) -> None:
    result = analyze_landmarks(DEMO, override(DEFAULTS, {"output": {"video": False}}))
    reports = write_reports(result, tmp_path)
    text = html_text(reports.html)
    assert "Worker (name or id) not given" in text
    assert "Date of the assessment not given (report created" in text
    assert json.loads(json.dumps(result.summary()["assessment"])) == dict.fromkeys(
        ASSESSMENT.as_dict()
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("date", "5/12/2026", "YYYY-MM-DD"),
        ("date", "2026-13-01", "YYYY-MM-DD"),
        ("worker", "x" * 300, "at most 200"),
    ],
)
def test_a_bad_assessment_field_is_one_clear_error(field: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(words)):
        Assessment(**{field: value})


def _cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "posture.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_the_command_line_takes_the_assessment_and_refuses_a_bad_date_at_once(
    tmp_path: Path,
) -> None:
    bad = _cli(["analyze", "--landmarks", str(DEMO), "--out", "o", "--date", "yesterday"], tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "posture: error: the assessment date must be written YYYY-MM-DD (e.g. 2026-12-05), "
        "not 'yesterday'"
    ]
    assert not (tmp_path / "o" / "summary.json").exists()  # refused before the analysis


def test_without_the_pdf_engine_the_html_is_written_and_one_line_says_why(
    tmp_path: Path,
) -> None:
    # a weasyprint that cannot load Pango, as on a machine without the library
    fake = tmp_path / "fake" / "weasyprint"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise OSError(\"cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open "
        'shared object file: No such file or directory")\n'
    )
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "report.pdf").write_bytes(b"%PDF an earlier run's")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake")}
    r = _cli(
        ["analyze", "--landmarks", str(DEMO), "--out", "o", "--no-video", "--task", "T"],
        tmp_path,
        env,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        "posture: warning: report.pdf not written: WeasyPrint cannot load the Pango library: "
        "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object "
        "file: No such file or directory (pip install weasyprint, and the Pango library "
        "(Debian/Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0))"
    ]
    assert (tmp_path / "o" / "report.html").is_file()
    assert not (tmp_path / "o" / "report.pdf").exists()  # not the earlier run's
    assert "report.pdf" not in r.stdout
