"""Foot scans: parse, validate, measure and preview 3D meshes (STL, OBJ, PLY) without Django models.

Everything here is a pure function of the uploaded file, so the Celery task that validates a scan, the
admin and the benchmarks all share one implementation. A file is *rejected* (``ScanRejected``) only when
it cannot be a foot scan at all; anything a person could still sort out (an ambiguous unit, an open
surface, an unsure left/right call) becomes a warning or ``needs_review`` on the ``MeshReport``.

Coordinates: after inspection every scan is expressed in millimetres in a *foot frame*: +x runs from
the heel to the toes, +z points up out of the sole and +y = z × x points to the foot's left (so the
medial side is +y for a right foot and -y for a left foot).

Modules: `types` (limits, report types), `reading` (format sniffing, parsing, `inspect_mesh`),
`impression` (foot or impression; the imprint), `units`, `sizes` + `scale` (the scale decision against
the order's shoe size), `measure` (alignment and measurements), `findings` (warnings and review
reasons), `topology` (the analysis), `preview`, `viewer` (the 3D view's light STL), `pairs`.
This package re-exports their public names.
"""

from .measure import measure_foot
from .pairs import PairIssue, check_pair, check_pair_issues
from .preview import render_sole_preview
from .reading import inspect_mesh
from .scale import resolve_scale
from .sizes import size_range_mm
from .types import (
    DEFAULT_MAX_BYTES,
    MAX_TRIANGLES,
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
    ScaleOverride,
    ScaleResolution,
    ScanRejected,
    SideGuess,
    SizeHint,
    UnitGuess,
)
from .units import foot_length_from_shoe_size, guess_unit
from .viewer import viewer_mesh

__all__ = [
    "AlignedMesh",
    "DEFAULT_MAX_BYTES",
    "FootMeasurements",
    "MAX_TRIANGLES",
    "MIN_TRIANGLES",
    "MeshReport",
    "PAIR_LENGTH_TOLERANCE_MM",
    "PLAUSIBLE_LENGTH_MM",
    "PairIssue",
    "SUPPORTED_FORMATS",
    "ScaleOverride",
    "ScaleResolution",
    "ScanRejected",
    "SideGuess",
    "SizeHint",
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
    "resolve_scale",
    "size_range_mm",
    "viewer_mesh",
]
