"""Limits, the rejection error and the report types every step shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext_noop

SUPPORTED_FORMATS = ("stl", "obj", "ply")
DEFAULT_MAX_BYTES = 150 * 1024 * 1024
MIN_TRIANGLES = 500
"""Fewer triangles than this cannot describe a foot's surface well enough to make a device from."""

UNIT_SCALES_TO_MM: dict[str, float] = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "inch": 25.4}
PLAUSIBLE_LENGTH_MM = (70.0, 450.0)
"""Hard limits for the longest extent of a scan (a toddler's foot up to a big foot with some ankle)."""
TYPICAL_LENGTH_MM = (200.0, 310.0)
"""Adult feet (EU 32-48) and older children: the most likely length for our customers."""
PAIR_LENGTH_TOLERANCE_MM = 15.0
"""Left and right feet of one person rarely differ by more than about a shoe size (6.7 mm)."""
UNIT_REVIEW_BELOW = 0.8
"""A unit guess with less confidence than this goes to staff review instead of being trusted."""

MAGIC_NAMES = (
    (b"\xff\xd8\xff", gettext_noop("JPEG image")),
    (b"\x89PNG\r\n\x1a\n", gettext_noop("PNG image")),
    (b"GIF8", gettext_noop("GIF image")),
    (b"%PDF", gettext_noop("PDF document")),
    (b"PK\x03\x04", gettext_noop("ZIP archive (or Office document)")),
    (b"RIFF", gettext_noop("RIFF file (WebP, AVI or WAV)")),
    (b"II*\x00", gettext_noop("TIFF image")),
    (b"MM\x00*", gettext_noop("TIFF image")),
    (b"\x1f\x8b", gettext_noop("gzip archive")),
    (b"\x00\x00\x00 ftyp", gettext_noop("HEIC image or video")),
    (b"\x00\x00\x00\x18ftyp", gettext_noop("HEIC image or video")),
    (b"\x00\x00\x00\x1cftyp", gettext_noop("HEIC image or video")),
)
MAX_DECLARED_TRIANGLES = 50_000_000
"""A binary STL header claiming more than this (2.5 GB) is not a scan, it is noise."""


class ScanRejected(ValueError):
    """The file cannot be used as a foot scan; ``message`` is safe to show to the customer."""

    def __init__(self, filename: str, code: str, message: str) -> None:
        super().__init__(message)
        self.filename = filename
        self.code = code
        self.message = message


@dataclass(frozen=True)
class UnitGuess:
    """Which unit the file's numbers are in, inferred from the size of the foot."""

    unit: str
    scale_to_mm: float
    confidence: float
    scores: dict[str, float]
    needs_review: bool


@dataclass(frozen=True)
class FootMeasurements:
    """Measurements in millimetres; ``arch_height_mm`` is None when the surface there is missing."""

    length_mm: float
    forefoot_width_mm: float
    heel_width_mm: float
    arch_height_mm: float | None


@dataclass(frozen=True)
class SideGuess:
    """Left or right foot from the foot's own shape; ``side`` is None when the evidence is weak.

    ``arch_signal_mm`` > 0 means the raised midfoot underside is on +y; ``toe_signal`` > 0 means the
    toe tip sits on +y of the forefoot's centre (fraction of forefoot width). +y medial = right foot.
    """

    side: str | None
    confidence: float
    arch_signal_mm: float
    toe_signal: float


@dataclass
class AlignedMesh:
    """The scan in the foot frame, in mm (transient: kept on the report for the preview)."""

    vertices: np.ndarray
    faces: np.ndarray


@dataclass
class MeshReport:
    """Everything we learnt about one scan file; ``to_dict()`` is JSON-ready for storage."""

    filename: str
    file_format: str
    encoding: str | None
    sha256: str
    size_bytes: int
    triangle_count: int
    vertex_count: int
    watertight: bool
    unit: UnitGuess
    bbox_min_mm: tuple[float, float, float]
    bbox_max_mm: tuple[float, float, float]
    measurements: FootMeasurements
    side: SideGuess
    foot_box_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Length, width and height of the foot in its own frame (the file's box is ``bbox_*_mm``)."""
    warnings: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    aligned: AlignedMesh | None = field(default=None, repr=False, compare=False)

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    @property
    def bbox_size_mm(self) -> tuple[float, float, float]:
        return tuple(
            round(b - a, 3) for a, b in zip(self.bbox_min_mm, self.bbox_max_mm, strict=True)
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("aligned", None)
        data["needs_review"] = self.needs_review
        data["bbox_size_mm"] = list(self.bbox_size_mm)
        return data


# --- Reading and validating ------------------------------------------------------------------
