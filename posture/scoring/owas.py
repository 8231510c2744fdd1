"""OWAS back code (Karhu et al. 1977), vectorised over frames.

Back code per frame: 1 straight, 2 bent, 3 twisted or bent sideways, 4 bent and twisted (or bent
and sideways). "Bent" is a trunk flexion (+ forward, - backward, degrees from vertical) outside
the straight band of ``posture/data/scoring/owas.toml`` (by default within +-20 deg is straight).
A frame with an unknown (NaN) trunk angle gets code NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from posture.core.errors import InputError
from posture.scoring.tables import (
    Bands,
    FloatArray,
    IntArray,
    lookup,
    parse_bands,
    parse_table,
    read_table_file,
    section,
)


@dataclass(frozen=True)
class OwasTables:
    """``trunk_bent``: trunk flexion -> 0 straight / 1 bent; ``codes[bent, twisted]`` 1-4."""

    trunk_bent: Bands
    codes: IntArray

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> OwasTables:
        rows = section(data, "bands", where).get("trunk_bent")
        bent = parse_bands(f"{where} [bands].trunk_bent", rows, lo=0, hi=1)
        values = section(data, "codes", where).get("values")
        codes = parse_table(f"{where} [codes].values", values, (2, 2), lo=1, hi=4)
        return cls(bent, codes)


@lru_cache(maxsize=8)
def load_owas_tables(path: str | Path | None = None) -> OwasTables:
    """OWAS tables from ``path`` (a complete owas.toml) or the packaged defaults; cached."""
    data, where = read_table_file("owas", path)
    return OwasTables.from_dict(data, where)


def owas_back_code(
    trunk_flexion_deg: npt.ArrayLike,
    trunk_twisted: npt.ArrayLike = False,
    trunk_side_bent: npt.ArrayLike = False,
    tables: OwasTables | None = None,
) -> FloatArray:
    """OWAS back code 1-4 for every frame, ``(T,)`` float; NaN where the trunk angle is NaN.

    ``trunk_flexion_deg`` ``(T,)`` degrees; ``trunk_twisted`` and ``trunk_side_bent`` booleans,
    ``(T,)`` or scalars.
    """
    tb = tables if tables is not None else load_owas_tables()
    flexion = np.asarray(trunk_flexion_deg, dtype=np.float64)
    if flexion.ndim != 1:
        raise InputError(f"trunk_flexion_deg must be a 1-D array of frames, got {flexion.shape}")
    twisted = np.asarray(trunk_twisted)
    side_bent = np.asarray(trunk_side_bent)
    for name, a in (("trunk_twisted", twisted), ("trunk_side_bent", side_bent)):
        if a.dtype != np.bool_ or a.shape not in ((), flexion.shape):
            raise InputError(f"{name} must be true/false, one per frame or one for all")
    asymmetric = np.broadcast_to(twisted | side_bent, flexion.shape)
    bent = tb.trunk_bent.score(flexion)
    return lookup(tb.codes, bent + 1, asymmetric.astype(np.float64) + 1)
