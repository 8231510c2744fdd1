"""The pose model without its person mask (``posture.video.prune``): what is taken out, what is
left as it was, the copy made once, and on a real clip the same landmarks as the model file."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import flatbuffers
import numpy as np
import pytest
from mediapipe.tasks.metadata import schema_py_generated as schema

from posture.core.config import DEFAULTS
from posture.video.pose import (
    ModelInfo,
    _landmarker,
    build_bundle_from_wheel,
    lean_model,
    resolve_model,
)
from posture.video.prune import lean_bundle, without_segmentation

MEDIA = Path(__file__).resolve().parents[1] / ".." / "shared" / "media"
CLIP = MEDIA / "bodyweight_squats_side.mp4"


@pytest.fixture(scope="module", autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bundles these tests make go to a cache of their own, not the user's."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="module")
def bundle(own_cache: Path) -> Path:
    return build_bundle_from_wheel()


def _edited(model: bytes, edit: Callable[[Any, int], None]) -> bytes:
    """``model`` with ``edit(its subgraph, its mask's tensor index)`` made to it."""
    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    graph = tree.subgraphs[0]
    edit(graph, graph.outputs[2])
    builder = flatbuffers.Builder(len(model))
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _part(bundle: Path, name: str) -> bytes:
    with zipfile.ZipFile(bundle) as zf:
        return zf.read(name)


def _graph(model: bytes) -> object:
    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0)).subgraphs[0]


def test_the_mask_and_only_the_mask_is_taken_out(bundle: Path) -> None:
    full = _part(bundle, "pose_landmarks_detector.tflite")
    lean = without_segmentation(full)
    assert lean is not None
    before, after = _graph(full), _graph(lean)
    shapes = [list(before.tensors[o].shape) for o in before.outputs]
    # landmarks, presence, mask, heatmap, world landmarks: all five still there, as they were
    assert shapes == [[1, 195], [1, 1], [1, 256, 256, 1], [1, 64, 64, 39], [1, 117]]
    assert [list(after.tensors[o].shape) for o in after.outputs] == shapes
    assert list(after.outputs) == list(before.outputs)
    # 46 operations compute the mask alone; the other 286 are kept in their order
    assert (len(before.operators), len(after.operators)) == (332, 286)
    kept = [(list(op.inputs), list(op.outputs)) for op in after.operators]
    everything = [(list(op.inputs), list(op.outputs)) for op in before.operators]
    assert kept == [op for op in everything if op in kept]
    # the mask is now a constant of zeros that nothing computes
    mask = after.tensors[after.outputs[2]]
    model = schema.Model.GetRootAsModel(lean, 0)
    data = model.Buffers(mask.buffer).DataAsNumpy()
    assert data.size == 256 * 256 * 4 and not data.any()
    assert all(after.outputs[2] not in op.outputs for op in after.operators)


def test_models_without_a_mask_are_left_as_they_are(bundle: Path) -> None:
    assert without_segmentation(_part(bundle, "pose_detector.tflite")) is None


def test_a_model_with_files_packed_in_it_is_left_as_it_is(bundle: Path) -> None:
    """A rewrite would lose them (MediaPipe's metadata writer packs a model's labels so)."""
    full = _part(bundle, "pose_landmarks_detector.tflite")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as zf:
        zf.writestr("labels.txt", "person\n")
    assert without_segmentation(full + packed.getvalue()) is None


def test_a_mask_that_the_other_outputs_need_or_that_is_no_float_picture_is_kept(
    bundle: Path,
) -> None:
    full = _part(bundle, "pose_landmarks_detector.tflite")

    def read_by_the_landmarks(graph: Any, mask: int) -> None:
        last = next(op for op in graph.operators if graph.outputs[0] in op.outputs)
        last.inputs = [*last.inputs, mask]

    def of_bytes(graph: Any, mask: int) -> None:
        graph.tensors[mask].type = schema.TensorType.UINT8

    assert without_segmentation(_edited(full, lambda g, m: None)) is not None
    assert without_segmentation(_edited(full, read_by_the_landmarks)) is None
    assert without_segmentation(_edited(full, of_bytes)) is None


def test_the_lean_copy_is_made_once_and_only_when_it_loads(bundle: Path, tmp_path: Path) -> None:
    calls: list[Path] = []

    def loads(path: Path) -> bool:
        calls.append(path)
        return True

    first = lean_bundle(bundle, tmp_path, loads)
    assert first is not None and first.parent == tmp_path and len(calls) == 1
    assert lean_bundle(bundle, tmp_path, loads) == first and len(calls) == 1
    with zipfile.ZipFile(first) as zf:
        assert sorted(zf.namelist()) == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        # the detector is copied as it was
        assert zf.read("pose_detector.tflite") == _part(bundle, "pose_detector.tflite")
    elsewhere = tmp_path / "refused"
    assert lean_bundle(bundle, elsewhere, lambda _: False) is None
    assert not list(elsewhere.glob("*"))  # nothing left behind


def test_files_that_are_no_bundle_are_run_as_they_are(tmp_path: Path) -> None:
    junk = tmp_path / "junk.task"
    junk.write_bytes(b"not a model")
    assert lean_bundle(junk, tmp_path, lambda _: True) is None
    odd = tmp_path / "odd.task"
    with zipfile.ZipFile(odd, "w") as zf:
        zf.writestr("model.tflite", b"\x00" * 64)
        zf.writestr("readme.txt", "hello")
    assert lean_bundle(odd, tmp_path, lambda _: True) is None
    info = ModelInfo(junk, "user", junk.name, "0" * 64)
    assert lean_model(info, DEFAULTS.pose) == info


@pytest.mark.parametrize("kind", ["landmark model alone", "deflated oddly"])
def test_bundles_the_writer_or_the_zip_reader_refuse_are_run_as_they_are(
    bundle: Path, tmp_path: Path, kind: str
) -> None:
    odd = tmp_path / f"{kind}.task"
    full = _part(bundle, "pose_landmarks_detector.tflite")
    with zipfile.ZipFile(odd, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pose_landmarks_detector.tflite", full)
        if kind == "deflated oddly":
            zf.writestr("pose_detector.tflite", _part(bundle, "pose_detector.tflite"))
    if kind == "deflated oddly":  # a compression method zipfile cannot read
        raw = bytearray(odd.read_bytes())
        entry = raw.index(b"PK\x01\x02")  # the first entry's record in the zip's directory
        raw[entry + 10 : entry + 12] = (99).to_bytes(2, "little")
        odd.write_bytes(bytes(raw))
    info = ModelInfo(odd, "user", odd.name, "1" * 64)
    assert lean_model(info, DEFAULTS.pose) == info


def test_a_cache_that_cannot_be_written_runs_the_model_as_it_is(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # the cache's folder cannot be made
    info = ModelInfo(bundle, "official", bundle.name, "0" * 64)
    assert lean_model(info, DEFAULTS.pose) == info


def test_the_setting_turns_the_pruning_off() -> None:
    lean = resolve_model(DEFAULTS.pose)
    as_is = resolve_model(dataclasses.replace(DEFAULTS.pose, skip_segmentation=False))
    assert lean.pruned_from == as_is.sha256 and not as_is.pruned_from
    assert lean.path != as_is.path and lean.as_dict()["pruned_from"] == as_is.sha256
    assert "pruned_from" not in as_is.as_dict()


@pytest.mark.media
@pytest.mark.skipif(not CLIP.is_file(), reason="../shared/media is not available")
def test_the_lean_model_finds_the_same_landmarks_on_a_real_clip() -> None:
    """Three squats (150 frames) through MediaPipe's video graph: the same landmarks to the last
    bit, with the person mask and without."""
    settings = dataclasses.replace(DEFAULTS.pose, model_threads=1)
    found = {}
    for model in (
        resolve_model(settings),
        resolve_model(dataclasses.replace(settings, skip_segmentation=False)),
    ):
        mp, landmarker = _landmarker(dataclasses.replace(settings, num_poses=1), model, video=True)
        cap = cv2.VideoCapture(str(CLIP))
        rows = []
        for k in range(150):
            ok, bgr = cap.read()
            assert ok
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            got = landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), k * 33
            )
            rows.append(
                [(p.x, p.y, p.z, p.visibility) for p in got.pose_landmarks[0]]
                + [(p.x, p.y, p.z, 0.0) for p in got.pose_world_landmarks[0]]
                if got.pose_landmarks
                else []
            )
        cap.release()
        landmarker.close()
        found[model.pruned_from != ""] = rows
    assert sum(1 for r in found[True] if r) > 140  # someone in (nearly) every frame
    assert [np.asarray(r).tolist() for r in found[True]] == [
        np.asarray(r).tolist() for r in found[False]
    ]


def test_a_models_hash_is_read_once_and_again_when_the_file_changes(tmp_path: Path) -> None:
    """``_sha256`` remembers a file's hash while its size and time of change stay the same."""
    import hashlib
    import os

    from posture.video.pose import _sha256, _sha256_of

    f = tmp_path / "m.task"
    f.write_bytes(b"one")
    assert _sha256(f) == hashlib.sha256(b"one").hexdigest()
    misses = _sha256_of.cache_info().misses
    assert _sha256(f) == hashlib.sha256(b"one").hexdigest()
    assert _sha256_of.cache_info().misses == misses, "the unchanged file was read again"
    f.write_bytes(b"three")
    os.utime(f, ns=(1, 2_000_000_000))
    assert _sha256(f) == hashlib.sha256(b"three").hexdigest()
