"""The pose model without what posture never uses: BlazePose's person mask.

The landmark model computes, beside the landmarks, a mask of the person at its input's size
(256 x 256). posture never asks for it (MediaPipe's graph leaves it unused unless
``output_segmentation_masks`` is set), yet MediaPipe computes it on every frame: 46 of the
model's 332 operations, 9 % of its multiply-adds but some 40 % of its time on a CPU (layers at
full size wait on memory, not arithmetic). Measured on this project's squats clip (541 frames,
one thread): 18.6 ms of CPU a frame with the mask, 10.6 ms without, the landmarks identical to
the last bit.

:func:`without_segmentation` takes the operations that only the mask needs out of a TFLite
model, its mask output then a constant (zeros: the graph still finds every output where it
expects it). Every other output is computed by the same operations from the same inputs, so
it is unchanged. :func:`lean_bundle` makes, once, a copy of a ``.task`` bundle with its
landmark model so pruned, cached beside the bundles built from the wheel (never in the
repository); ``pose.skip_segmentation = false`` runs the model file as it is.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

#: Bumped when the pruning changes, so that bundles pruned before are made again.
PRUNE_VERSION = 1


def without_segmentation(model: bytes) -> bytes | None:
    """``model`` (a TFLite flatbuffer) without the operations only its person mask needs, the
    mask a constant of zeros; ``None`` when there is nothing to prune: not one subgraph, no
    single output shaped as a one-channel picture of the input's size, or files packed inside
    the model (which a rewrite would drop; an empty zip of them is dropped)."""
    import flatbuffers
    from mediapipe.tasks.metadata import schema_py_generated as schema

    if _packed_files(model):
        return None
    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model, 0))
    if len(tree.subgraphs or []) != 1:
        return None
    graph = tree.subgraphs[0]
    if len(graph.inputs) != 1:
        return None
    shape = list(graph.tensors[graph.inputs[0]].shape)
    if len(shape) != 4:
        return None
    masks = [o for o in graph.outputs if list(graph.tensors[o].shape) == [1, *shape[1:3], 1]]
    if len(masks) != 1:
        return None
    mask = masks[0]
    if graph.tensors[mask].type != schema.TensorType.FLOAT32:
        return None
    needed = _needed(graph, [o for o in graph.outputs if o != mask])
    if len(needed) == len(graph.operators):
        return None
    if any(mask in graph.operators[k].inputs or mask in graph.operators[k].outputs for k in needed):
        return None  # the other outputs need the mask: it is not the mask's alone
    graph.operators = [op for k, op in enumerate(graph.operators) if k in needed]
    zeros = schema.BufferT()
    zeros.data = np.zeros(int(np.prod(graph.tensors[mask].shape)), np.float32).view(np.uint8)
    tree.buffers.append(zeros)
    graph.tensors[mask].buffer = len(tree.buffers) - 1
    builder = flatbuffers.Builder(len(model) + zeros.data.size)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _packed_files(model: bytes) -> bool:
    """Whether files are packed in ``model`` (a zip after the flatbuffer: MediaPipe's metadata
    writer appends one, empty when the model has no files to go with it)."""
    if not zipfile.is_zipfile(io.BytesIO(model)):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(model)) as zf:
            return bool(zf.namelist())
    except (zipfile.BadZipFile, ValueError):
        return True  # something looking like a zip that cannot be read: leave the model be


def _needed(graph: object, outputs: list[int]) -> set[int]:
    """The indices of the operations ``outputs`` (tensor indices) are computed from."""
    ops = graph.operators  # type: ignore[attr-defined]
    producer = {t: k for k, op in enumerate(ops) for t in op.outputs}
    needed: set[int] = set()
    todo = list(outputs)
    while todo:
        k = producer.get(todo.pop())
        if k is not None and k not in needed:
            needed.add(k)
            todo.extend(ops[k].inputs)
    return needed


def lean_bundle(
    bundle: Path, folder: Path, loads: Callable[[Path], bool], sha256: str = ""
) -> Path | None:
    """A copy of the ``.task`` ``bundle`` (a zip of TFLite models; ``sha256`` its hash, when
    known) in ``folder``, each model with a person mask pruned (:func:`without_segmentation`),
    made once (its name carries the bundle's hash and mediapipe's version) and kept only if
    ``loads(copy)``; ``None`` when no model in it has a mask, or the bundle cannot be read or
    pruned."""
    from importlib.metadata import version

    digest = sha256 or hashlib.sha256(bundle.read_bytes()).hexdigest()
    out = folder / f"{bundle.stem}_noseg{PRUNE_VERSION}_mp{version('mediapipe')}_{digest[:12]}.task"
    if out.is_file():
        return out
    raw = bundle.read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            parts = {info.filename: zf.read(info) for info in zf.infolist()}
    except Exception:  # not a zip, or one that cannot be read (compressed oddly, encrypted, cut)
        return None
    pruned = False
    for name, data in parts.items():
        try:
            lean = without_segmentation(data) if name.endswith(".tflite") else None
        except Exception:  # any file may come in: one not understood is run as it is
            lean = None
        if lean is not None:
            parts[name], pruned = lean, True
    if not pruned:
        return None
    from mediapipe.tasks.python.metadata.metadata_writers import (
        model_asset_bundle_utils as bundle_utils,
    )

    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".task.tmp")
    os.close(fd)
    try:
        bundle_utils.create_model_asset_bundle(parts, tmp)
        if not loads(Path(tmp)):
            return None
        os.replace(tmp, out)  # atomic: a concurrent run never sees half a bundle
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


__all__ = ["PRUNE_VERSION", "lean_bundle", "without_segmentation"]
