"""The standard ergonomic scores, as pure numpy over whole sequences, with their tables as data.

REBA and RULA score every frame of a sequence of joint angles; OWAS gives the back code; the
revised NIOSH lifting equation gives the recommended weight limit and lifting index of lifts.
Every band, table and constant is read from ``posture/data/scoring/*.toml`` (sources cited
there), checked on load. Imports neither cv2, mediapipe nor streamlit.
"""

from posture.scoring.niosh import (
    LiftAssessment,
    Multipliers,
    NioshTables,
    check_applicable,
    coupling_multiplier,
    frequency_multiplier,
    load_niosh_tables,
    multipliers,
    recommended_weight_limit,
)
from posture.scoring.owas import OwasTables, load_owas_tables, owas_back_code
from posture.scoring.reba import (
    RebaInputs,
    RebaResult,
    RebaSide,
    RebaTables,
    load_reba_tables,
    reba,
)
from posture.scoring.rula import (
    RulaInputs,
    RulaResult,
    RulaSide,
    RulaTables,
    load_rula_tables,
    rula,
)
from posture.scoring.tables import UNKNOWN, Bands, Interval, Levels

__all__ = [
    "UNKNOWN",
    "Bands",
    "Interval",
    "Levels",
    "LiftAssessment",
    "Multipliers",
    "NioshTables",
    "OwasTables",
    "RebaInputs",
    "RebaResult",
    "RebaSide",
    "RebaTables",
    "RulaInputs",
    "RulaResult",
    "RulaSide",
    "RulaTables",
    "check_applicable",
    "coupling_multiplier",
    "frequency_multiplier",
    "load_niosh_tables",
    "load_owas_tables",
    "load_reba_tables",
    "load_rula_tables",
    "multipliers",
    "owas_back_code",
    "reba",
    "recommended_weight_limit",
    "rula",
]
