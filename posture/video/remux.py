"""Joining video files without re-encoding: the encoded packets of several pieces copied, in
order, into one file (pieces of the annotated video drawn in parallel), and a clip looped
into a longer one (benchmarks and tests of long recordings).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from posture.core.errors import VideoError


def concat_videos(pieces: Sequence[Path], dest: Path, *, offsets_s: Sequence[float] = ()) -> None:
    """Copy the video packets of ``pieces`` one after another into ``dest`` (MP4).

    Every piece must be encoded alike (same codec, size and parameter sets, e.g. pieces of one
    video encoded with the same settings). Each piece keeps its own timestamps, shifted by
    ``offsets_s[k]`` seconds when given (a clip looped: each repetition after the last).
    Raises VideoError when the pieces differ in their encoding or cannot be read.
    """
    import av

    if not pieces:
        raise VideoError("no video pieces to join")
    try:
        with av.open(str(pieces[0])) as first:
            template = first.streams.video[0]
            extradata = bytes(template.codec_context.extradata or b"")
            out = av.open(str(dest), mode="w", options={"movflags": "faststart"})
            try:
                stream = out.add_stream_from_template(template)
                last_dts = None
                for k, piece in enumerate(pieces):
                    shift = offsets_s[k] if k < len(offsets_s) else 0.0
                    last_dts = _copy(piece, out, stream, extradata, shift, last_dts)
            finally:
                out.close()
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        dest.unlink(missing_ok=True)
        raise VideoError(f"cannot join the video pieces: {exc}") from exc


def _copy(
    piece: Path, out: object, stream: object, extradata: bytes, shift_s: float, last: int | None
) -> int | None:
    """Copy one piece's packets; returns the last DTS written (in the input's time base)."""
    import av

    with av.open(str(piece)) as inp:
        src = inp.streams.video[0]
        if bytes(src.codec_context.extradata or b"") != extradata:
            raise VideoError(f"{piece.name} is encoded differently from the first piece")
        tb = src.time_base
        shift = round(shift_s / tb) if tb else 0
        for packet in inp.demux(src):
            if packet.dts is None or packet.size == 0:
                continue
            packet.pts = packet.pts + shift if packet.pts is not None else None
            packet.dts += shift
            if last is not None and packet.dts <= last:  # never back in time
                continue
            last = packet.dts
            packet.stream = stream  # type: ignore[assignment]
            out.mux(packet)  # type: ignore[attr-defined]
    return last


def loop_video(src: Path, dest: Path, times: int) -> float:
    """``src`` played ``times`` times in a row, into ``dest``, without re-encoding; returns the
    duration of one repetition (seconds: its last frame's time plus one frame)."""
    import numpy as np

    from posture.video.seek import frame_index

    t_s = frame_index(src).t_s
    step = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1 / 30
    one = float(t_s[-1] - t_s[0]) + step if len(t_s) else step
    concat_videos([src] * times, dest, offsets_s=[k * one for k in range(times)])
    return one
