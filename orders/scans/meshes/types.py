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
MAX_TRIANGLES = 2_000_000
"""More faces than this is not a foot scan we can use (1M triangles is already sub-millimetre
detail): refused from the file header or a count of face lines before any array is built. At the cap
a worker peaks under 500 MB RSS in every format (``benchmarks/bench_mesh.py``)."""
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
class SizeHint:
    """What the order says about the foot: its shoe size (system + size) and any typed length.

    ``system`` uses the catalogue's ``SizeSystem`` values ("uk", "eu", "us"), plus "us_men" and
    "us_women" when the order says which US scale it is ("us" alone covers both).
    """

    system: str | None = None
    size: str | None = None
    foot_length_mm: float | None = None

    @classmethod
    def from_text(cls, text: str | None, *, foot_length_mm: float | None = None) -> SizeHint:
        """``"uk:5.5"`` → SizeHint("uk", "5.5"); ``None``/"" → only the typed length."""
        system = size = None
        if text:
            system, sep, size = text.strip().partition(":")
            if not sep or not size.strip():
                raise ValueError(f"Shoe size must look like 'uk:5.5', not {text!r}")
            system, size = system.strip().lower(), size.strip().replace(",", ".")
        return cls(system=system, size=size, foot_length_mm=foot_length_mm)

    @property
    def is_empty(self) -> bool:
        return not (self.system and self.size) and not self.foot_length_mm

    def label(self) -> str:
        """ "UK 5.5" (for explanations)."""
        if not (self.system and self.size):
            return ""
        system = {"us_men": "US men's", "us_women": "US women's"}.get(
            self.system, self.system.upper()
        )
        return f"{system} {self.size}"


@dataclass(frozen=True)
class ScaleOverride:
    """Staff's decision: "the unit is inch", or "scale so the foot is N mm long"."""

    unit: str | None = None
    foot_length_mm: float | None = None


@dataclass(frozen=True)
class ScaleResolution:
    """How the file's numbers became millimetres, in one self-consistent statement.

    ``status``: "resolved" (a standard unit fits the order's size / typed length, or a plausible
    size when there is no hint), "unknown" (none fits: measurements use ``scale_to_mm`` as a best
    guess and are flagged), "set_by_staff" (a ``ScaleOverride``). ``size_range_mm`` is the foot
    length range of the order's shoe size from ``orders/scans/data/shoe_sizes.csv``.
    ``scale_to_mm`` is the factor the measurements were computed with: for "unknown" it is the best
    guess (the nearest standard unit, named in ``explanation``; 1.0 when none is plausible) and
    ``unit`` is None.
    """

    status: str
    unit: str | None
    scale_to_mm: float | None
    confidence: float
    size_range_mm: tuple[float, float] | None
    typed_length_mm: float | None
    explanation: str

    @property
    def is_known(self) -> bool:
        return self.status != "unknown"


@dataclass(frozen=True)
class FootMeasurements:
    """Measurements in millimetres; the arch values are None when the surface there is missing.

    Stored rows written before issue 15 say ``forefoot_width_mm``: read them with ``from_dict``.
    """

    length_mm: float
    ball_width_mm: float
    heel_width_mm: float
    arch_height_mm: float | None = None
    arch_length_mm: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FootMeasurements:
        """Tolerant reader for stored JSON (old rows: ``forefoot_width_mm``, no arch length)."""
        ball = data.get("ball_width_mm", data.get("forefoot_width_mm"))
        return cls(
            length_mm=data["length_mm"],
            ball_width_mm=ball,
            heel_width_mm=data["heel_width_mm"],
            arch_height_mm=data.get("arch_height_mm"),
            arch_length_mm=data.get("arch_length_mm"),
        )


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
    """The unit step, kept consistent with ``scale`` (same unit, scale and confidence)."""
    bbox_min_mm: tuple[float, float, float]
    bbox_max_mm: tuple[float, float, float]
    measurements: FootMeasurements
    side: SideGuess
    foot_box_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Length, width and height of the foot in its own frame (the file's box is ``bbox_*_mm``)."""
    kind: str = "foot_surface"
    """"foot_surface" (the foot itself) or "impression" (foam box / cast: measured on the imprint)."""
    kind_confidence: float = 1.0
    scale: ScaleResolution | None = None
    warnings: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    review_codes: list[str] = field(default_factory=list)
    """One code per review reason: scale_unknown, kind_unsure, heel_not_narrower, proportions."""
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
