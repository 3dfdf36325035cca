"""Foot scans: parse, validate, measure and preview 3D meshes (STL, OBJ, PLY) without Django models.

Everything here is a pure function of the uploaded file, so the Celery task that validates a scan, the
admin and the benchmarks all share one implementation. A file is *rejected* (``ScanRejected``) only when
it cannot be a foot scan at all; anything a person could still sort out (an ambiguous unit, an open
surface, an unsure left/right call) becomes a warning or ``needs_review`` on the ``MeshReport``.

Coordinates: after inspection every scan is expressed in millimetres in a *foot frame*: +x runs from
the heel to the toes, +z points up out of the sole and +y = z × x points to the foot's left (so the
medial side is +y for a right foot and -y for a left foot).

Modules: `types` (limits, report types), `reading` (format sniffing, parsing, `inspect_mesh`),
`units`, `measure` (alignment and measurements), `topology` (the analysis), `preview`, `pairs`.
This package re-exports their public names.
"""

from .measure import measure_foot
from .pairs import PairIssue, check_pair, check_pair_issues
from .preview import render_sole_preview
from .reading import inspect_mesh
from .types import (
    DEFAULT_MAX_BYTES,
    MIN_TRIANGLES,
    PAIR_LENGTH_TOLERANCE_MM,
    PLAUSIBLE_LENGTH_MM,
    SUPPORTED_FORMATS,
    TYPICAL_LENGTH_MM,
    UNIT_REVIEW_BELOW,
    UNIT_SCALES_TO_MM,
    AlignedMesh,
    FootMeasurements,
    MeshReport,
    ScanRejected,
    SideGuess,
    UnitGuess,
)
from .units import foot_length_from_shoe_size, guess_unit

__all__ = [
    "AlignedMesh",
    "DEFAULT_MAX_BYTES",
    "FootMeasurements",
    "MIN_TRIANGLES",
    "MeshReport",
    "PAIR_LENGTH_TOLERANCE_MM",
    "PLAUSIBLE_LENGTH_MM",
    "PairIssue",
    "SUPPORTED_FORMATS",
    "ScanRejected",
    "SideGuess",
    "TYPICAL_LENGTH_MM",
    "UNIT_REVIEW_BELOW",
    "UNIT_SCALES_TO_MM",
    "UnitGuess",
    "check_pair",
    "check_pair_issues",
    "foot_length_from_shoe_size",
    "guess_unit",
    "inspect_mesh",
    "measure_foot",
    "render_sole_preview",
]
