"""Where the dashboard's clips come from: the demo, the sample clips, uploads. No Streamlit.

Sample clips are read in place from ``../shared/media`` (never copied into the repository);
uploads are kept in the dashboard's cache folder under their content hash.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from posture.core.errors import InputError, PostureError
from posture.core.landmarks import load_npz, save_npz
from posture.video.io import VIDEO_SUFFIXES, open_video

ROOT = Path(__file__).resolve().parent.parent
DEMO_NPZ = ROOT / "sample_videos" / "demo_landmarks.npz"
SHARED_MEDIA = ROOT.parent / "shared" / "media"
UPLOAD_SUFFIXES = (*VIDEO_SUFFIXES, ".npz")
#: Largest upload accepted, MB (Streamlit's own limit is ``server.maxUploadSize``).
MAX_UPLOAD_MB = 500


class DemoUnavailable(PostureError):
    """Neither the demo recording nor the generator that makes it is installed."""


def cache_dir() -> Path:
    """Where analyses and uploads are kept (``POSTURE_DASHBOARD_CACHE`` overrides)."""
    env = os.environ.get("POSTURE_DASHBOARD_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "posture" / "dashboard"
    base.mkdir(parents=True, exist_ok=True)
    return base


@dataclass(frozen=True)
class Source:
    """One clip the dashboard can analyse."""

    label: str  # what the user sees
    path: Path
    digest: str  # content hash: the cache key
    landmarks: bool  # a landmarks.npz, analysed without the pose model

    @property
    def name(self) -> str:
        return self.path.name


@functools.lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content (16 hex digits); remembered while the file is unchanged."""
    st = path.stat()
    return _digest(str(path), st.st_size, st.st_mtime_ns)


def source_of(path: Path, label: str | None = None) -> Source:
    return Source(label or path.name, path, file_digest(path), path.suffix.lower() == ".npz")


# ---------------------------------------------------------------------------------------------
def demo_source() -> Source:
    """The demo recording: sample_videos/demo_landmarks.npz, or generated once into the cache
    by ``posture.synthetic.demo_recording()``; raises :class:`DemoUnavailable` otherwise."""
    label = "Demo: synthetic lifts (no camera needed)"
    if DEMO_NPZ.is_file():
        return source_of(DEMO_NPZ, label)
    try:
        from posture import synthetic
    except ImportError:
        raise DemoUnavailable(
            "The demo recording is not installed yet (sample_videos/demo_landmarks.npz is "
            "missing and posture.synthetic is not available). Use a sample clip or your own "
            "video instead."
        ) from None
    # one file per version of the generator, so a changed generator makes a new demo
    package = Path(synthetic.__file__ or "").parent
    code = b"".join(p.read_bytes() for p in sorted(package.glob("*.py")))
    generated = cache_dir() / f"demo_landmarks-{hashlib.sha256(code).hexdigest()[:8]}.npz"
    if generated.is_file():
        return source_of(generated, label)
    made = synthetic.demo_recording()
    if isinstance(made, str | Path):
        return source_of(Path(made), label)
    tmp = generated.with_name(f".{generated.stem}.{os.getpid()}.npz")
    save_npz(tmp, made)
    os.replace(tmp, generated)  # another session never reads half a file
    return source_of(generated, label)


def _manifest_notes() -> dict[str, str]:
    """file name -> "camera view: what happens", from the media folder's MANIFEST.md table."""
    notes: dict[str, str] = {}
    manifest = SHARED_MEDIA / "MANIFEST.md"
    if not manifest.is_file():
        return notes
    for line in manifest.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[0].endswith(".mp4"):
            notes[cells[0]] = f"{cells[4]} view: {cells[5]}"
    return notes


def sample_clips() -> list[tuple[Path, str]]:
    """The clips in ../shared/media with a one-line description ([] when absent)."""
    if not SHARED_MEDIA.is_dir():
        return []
    notes = _manifest_notes()
    return [
        (p, notes.get(p.name, ""))
        for p in sorted(SHARED_MEDIA.iterdir())
        if p.suffix.lower() in VIDEO_SUFFIXES
    ]


# ---------------------------------------------------------------------------------------------
def save_upload(name: str, data: bytes, max_mb: float = MAX_UPLOAD_MB) -> Source:
    """Check an uploaded file (type, size, readable) and keep it in the cache by content hash.

    Raises :class:`InputError` (or a :class:`~posture.core.errors.VideoError`) with a message the
    user can act on.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        kinds = ", ".join(s.lstrip(".") for s in UPLOAD_SUFFIXES)
        raise InputError(f"{name}: not a video we can read (accepted: {kinds})")
    if not data:
        raise InputError(f"{name} is empty (0 bytes)")
    if len(data) > max_mb * 1e6:
        raise InputError(
            f"{name} is {len(data) / 1e6:.0f} MB; the largest accepted is {max_mb:.0f} MB "
            "(trim the clip or lower its resolution)"
        )
    digest = hashlib.sha256(data).hexdigest()[:16]
    folder = cache_dir() / "uploads" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    if not path.is_file():
        tmp = path.with_name(f".{path.name}.part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    try:
        if suffix == ".npz":
            load_npz(path)
        else:
            open_video(path).close()
    except PostureError:
        path.unlink(missing_ok=True)
        raise
    return Source(Path(name).name, path, digest, suffix == ".npz")
