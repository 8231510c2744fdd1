"""Where the dashboard's clips come from, and how their analyses are kept (no Streamlit)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app import sources
from app.analyses import AnalysisStore, analysis_key, pose_digest, settings_digest, with_person
from app.sources import DemoUnavailable, save_upload, source_of
from posture.assess.tables import frames_table
from posture.core.config import DEFAULTS, override
from posture.core.errors import InputError, VideoError

MEDIA = Path(__file__).resolve().parents[3] / "shared" / "media"
CLIP = MEDIA / "floor_lift_knees_bent_side.mp4"


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSTURE_DASHBOARD_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"hello", "not a video we can read"),
        ("empty.mp4", b"", "is empty"),
        ("big.mp4", b"x" * 2_000_001, "the largest accepted is 2 MB"),
        ("broken.mp4", b"\x00" * 4096, "broken.mp4"),
        ("landmarks.npz", b"not a zip", "landmarks.npz"),
    ],
)
def test_an_unusable_upload_is_refused_with_a_clear_message(
    name: str, data: bytes, message: str, cache: Path
) -> None:
    with pytest.raises(InputError, match=message):
        save_upload(name, data, max_mb=2)
    assert not any(p.is_file() and p.name == name for p in cache.rglob("*")), "nothing kept"


def test_a_broken_video_is_a_video_error() -> None:
    with pytest.raises(VideoError):
        save_upload("broken.mp4", b"\x00" * 4096)


@pytest.mark.skipif(not CLIP.is_file(), reason="../shared/media is not available")
def test_an_upload_is_kept_by_content_hash_like_the_same_file_on_disk(cache: Path) -> None:
    up = save_upload("my clip.mp4", CLIP.read_bytes())
    assert up.path.is_file() and up.path.parent.parent == cache / "uploads"
    assert up.digest == source_of(CLIP).digest  # the same content hits the same cache
    assert not up.landmarks
    again = save_upload("renamed.mp4", CLIP.read_bytes())
    assert again.digest == up.digest


def test_sample_clips_come_with_their_description() -> None:
    clips = dict(sources.sample_clips())
    if not MEDIA.is_dir():
        assert clips == {}
        return
    assert CLIP in clips
    assert clips[CLIP].startswith("side view: barbell lift from the floor")


def test_without_the_demo_file_or_its_generator_the_demo_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import builtins

    monkeypatch.setattr(sources, "DEMO_NPZ", tmp_path / "missing.npz")
    real_import = builtins.__import__

    def no_synthetic(name: str, *args: object, **kwargs: object) -> object:
        if name == "posture" and args and "synthetic" in (args[2] or ()):  # type: ignore[operator]
            raise ImportError("no posture.synthetic")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_synthetic)
    with pytest.raises(DemoUnavailable, match="Use a sample clip or your own video"):
        sources.demo_source()


def test_the_demo_is_generated_once_when_only_the_generator_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path
) -> None:
    pytest.importorskip("posture.synthetic")
    monkeypatch.setattr(sources, "DEMO_NPZ", tmp_path / "missing.npz")
    first = sources.demo_source()
    assert first.landmarks and first.path.parent == cache
    assert first.path.name.startswith("demo_landmarks-")
    assert sources.demo_source().digest == first.digest


def test_cache_keys_follow_the_settings_and_pose_keys_only_the_pose_pass() -> None:
    changed = override(DEFAULTS, {"task": {"load_kg": 12.0}})
    assert settings_digest(changed) != settings_digest(DEFAULTS)
    assert pose_digest(changed) == pose_digest(DEFAULTS)
    other_model = override(DEFAULTS, {"pose": {"num_poses": 2}})
    assert pose_digest(other_model) != pose_digest(DEFAULTS)
    assert with_person(DEFAULTS, 3).subject.person == 3
    joined = with_person(DEFAULTS, 3, [5, 8]).subject
    assert (joined.person, joined.join) == (3, "3+5+8")


@pytest.mark.media
@pytest.mark.skipif(not CLIP.is_file(), reason="../shared/media is not available")
def test_other_settings_rescore_the_saved_landmarks_and_match_a_fresh_run(tmp_path: Path) -> None:
    store = AnalysisStore(tmp_path / "store", max_items=3)
    src = source_of(CLIP)
    base = store.analyze(src, DEFAULTS)
    assert not base.rescored and base.video is not None
    assert store.analyze(src, DEFAULTS) is base  # cached
    stricter = override(DEFAULTS, {"rules": {"bend_knees": {"trunk_flexion_deg": 20.0}}})
    again = store.analyze(src, stricter)
    assert again.rescored and again.video is not None
    assert again.key == analysis_key(src, stricter)
    assert again.result.source == base.result.source  # still the clip, not the npz
    fresh = AnalysisStore(tmp_path / "fresh").analyze(src, stricter)
    a, b = frames_table(again.result.analysis), frames_table(fresh.result.analysis)
    assert a.keys() == b.keys()
    for k in a:
        if a[k].dtype.kind in "OUSb":
            assert list(a[k]) == list(b[k]), k
        else:
            np.testing.assert_allclose(a[k].astype(float), b[k].astype(float), err_msg=k)


def test_the_store_forgets_the_oldest_and_removes_its_folder(tmp_path: Path) -> None:
    synthetic = pytest.importorskip("posture.synthetic")
    from posture.core.landmarks import PoseRecording, save_npz

    store = AnalysisStore(tmp_path / "store", max_items=2)
    path = tmp_path / "rec.npz"
    lift = synthetic.synthetic_lift("squat")
    save_npz(path, PoseRecording((lift,), lift.person_id))
    src = source_of(path)
    items = [
        store.analyze(src, override(DEFAULTS, {"task": {"load_kg": float(kg)}})) for kg in (1, 2, 3)
    ]
    assert not items[0].out_dir.exists()
    assert items[1].out_dir.exists() and items[2].out_dir.exists()
    assert store.cached(src, items[0].settings) is None


def test_the_same_video_under_another_name_keeps_the_users_name(tmp_path: Path) -> None:
    """A clip uploaded again as another file (the same content) is not analysed again, and is
    shown under the name it was uploaded with."""
    synthetic = pytest.importorskip("posture.synthetic")
    from posture.core.landmarks import PoseRecording, save_npz

    store = AnalysisStore(tmp_path / "store")
    path = tmp_path / "rec.npz"
    lift = synthetic.synthetic_lift("squat")
    save_npz(path, PoseRecording((lift,), lift.person_id))
    first = store.analyze(source_of(path, "first.npz"), DEFAULTS)
    copy = tmp_path / "trainee.npz"
    copy.write_bytes(path.read_bytes())
    again = store.analyze(source_of(copy, "trainee.npz"), DEFAULTS)
    assert again.source.label == "trainee.npz" and again.result is first.result
    assert store.analyze(source_of(path, "first.npz"), DEFAULTS) is first
