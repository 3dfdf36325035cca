"""Foot scans: parse, validate, measure and preview 3D meshes (STL, OBJ, PLY) without Django models.

Everything here is a pure function of the uploaded file, so the Celery task that validates a scan, the
admin and the benchmarks all share one implementation. A file is *rejected* (``ScanRejected``) only when
it cannot be a foot scan at all; anything a person could still sort out (an ambiguous unit, an open
surface, an unsure left/right call) becomes a warning or ``needs_review`` on the ``MeshReport``.

Coordinates: after inspection every scan is expressed in millimetres in a *foot frame*: +x runs from
the heel to the toes, +z points up out of the sole and +y = z × x points to the foot's left (so the
medial side is +y for a right foot and -y for a left foot).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import trimesh
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

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

_MAGIC_NAMES = (
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


def inspect_mesh(
    path_or_fileobj: str | os.PathLike | IO[bytes],
    *,
    filename: str,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    expected_length_mm: float | None = None,
) -> MeshReport:
    """Parses and checks one scan; raises ``ScanRejected`` with a message naming the file and why.

    The format comes from ``filename``'s extension and is then proven by parsing: STL and OBJ have no
    magic bytes, and trimesh returns an empty mesh for garbage, so the face count is what decides.
    ``expected_length_mm`` (from the order's shoe size) settles ambiguous units and flags a scan
    whose length does not match the size for review.
    """
    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in SUPPORTED_FORMATS:
        raise ScanRejected(
            filename,
            "unsupported_format",
            _("“%(name)s” is not a 3D scan: we accept STL, OBJ and PLY files.")
            % {"name": filename},
        )
    data = _read_bytes(path_or_fileobj, filename, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    size_bytes = len(data)
    if not data or data.isspace():  # isspace() stops at the first other byte; no copy
        raise ScanRejected(filename, "empty", _("“%(name)s” is empty.") % {"name": filename})
    _reject_known_non_meshes(data, filename)
    encoding = None
    if ext == "stl":
        encoding = _check_stl_structure(data, filename)

    try:
        vertices, faces = _parse(data, ext)
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a readable mesh"
        # The parser's own words ("'vertices'", a KeyError) mean nothing to a customer: log them.
        logger.info("Mesh parse failed for %s: %s", filename, _short(exc))
        raise ScanRejected(
            filename,
            "not_a_mesh",
            _(
                "“%(name)s” could not be read as a %(format)s mesh. Export the scan again from "
                "your scanning app as STL, OBJ or PLY and upload that file."
            )
            % {"name": filename, "format": ext.upper()},
        ) from exc
    del data
    if len(faces) == 0 or len(vertices) == 0:
        raise ScanRejected(
            filename,
            "not_a_mesh",
            _("“%(name)s” does not contain a 3D surface: it is not a %(format)s mesh.")
            % {"name": filename, "format": ext.upper()},
        )
    if not np.isfinite(vertices).all():
        raise ScanRejected(
            filename,
            "non_finite",
            _("“%(name)s” contains invalid coordinates (NaN or infinite values).")
            % {"name": filename},
        )
    if len(faces) < MIN_TRIANGLES:
        raise ScanRejected(
            filename,
            "too_few_triangles",
            _("“%(name)s” has only %(count)d triangles; a foot scan needs at least %(minimum)d.")
            % {"name": filename, "count": len(faces), "minimum": MIN_TRIANGLES},
        )
    return _analyse(
        vertices,
        faces,
        filename=filename,
        file_format=ext,
        encoding=encoding,
        sha256=sha256,
        size_bytes=size_bytes,
        expected_length_mm=expected_length_mm,
    )


def _parse(data: bytes, ext: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (float64) and faces (int64) parsed by trimesh, without its post-processing.

    STL goes straight to trimesh's STL reader (binary or ASCII); wrapping a million triangles in a
    ``Trimesh`` and a ``Scene`` costs more than the parse itself.
    """
    if ext == "stl":
        from trimesh.exchange.stl import load_stl

        loaded = load_stl(io.BytesIO(data))
        vertices, faces = loaded["vertices"], loaded["faces"]
    else:
        mesh = trimesh.load_mesh(io.BytesIO(data), file_type=ext, process=False)
        if not isinstance(mesh, trimesh.Trimesh):
            return np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)
        vertices, faces = mesh.vertices, mesh.faces
    vertices = np.asarray(vertices)
    # STL is float32: keep it until the vertices are welded (a third of the memory), then float64.
    if vertices.dtype != np.float32:
        vertices = vertices.astype(np.float64, copy=False)
    vertices = vertices.reshape(-1, 3)
    faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    if len(faces) and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise ValueError("faces refer to vertices that do not exist")
    return vertices, faces


def _read_bytes(
    source: str | os.PathLike | IO[bytes], filename: str, max_bytes: int | None
) -> bytes:
    """Reads the file, refusing before parsing when it is over the cap."""
    if isinstance(source, str | os.PathLike):
        size = os.path.getsize(source)
        if max_bytes is not None and size > max_bytes:
            raise _too_large(filename, max_bytes)
        return Path(source).read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    limit = None if max_bytes is None else max_bytes + 1
    data = source.read() if limit is None else source.read(limit)
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_large(filename, max_bytes)
    return data


def _too_large(filename: str, max_bytes: int) -> ScanRejected:
    return ScanRejected(
        filename,
        "too_large",
        _("“%(name)s” is larger than %(limit)d MB.")
        % {"name": filename, "limit": max_bytes // (1024 * 1024)},
    )


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _reject_known_non_meshes(data: bytes, filename: str) -> None:
    """Names the usual wrong files (a photo or PDF renamed .stl) so the customer knows what happened."""
    for magic, kind in _MAGIC_NAMES:
        if data.startswith(magic):
            raise ScanRejected(
                filename,
                "not_a_mesh",
                _("“%(name)s” is a %(kind)s, not a 3D scan.") % {"name": filename, "kind": _(kind)},
            )


def _check_stl_structure(data: bytes, filename: str) -> str:
    """Binary STL declares its triangle count: a shorter file is truncated, not just "odd"."""
    head = data[:512].lstrip()
    looks_ascii = head[:5].lower() == b"solid" and b"\x00" not in data[:512]
    if looks_ascii:
        try:
            data[: 1 << 16].decode("ascii")
        except UnicodeDecodeError:
            looks_ascii = False
    if looks_ascii:
        tail = data[-256:].lower()
        if b"endsolid" not in tail:
            # Some binary STLs start their header with "solid"; trust the declared count if it fits.
            if len(data) >= 84:
                count = int.from_bytes(data[80:84], "little")
                if 84 + 50 * count == len(data):
                    return "binary"
            raise ScanRejected(
                filename,
                "truncated",
                _("“%(name)s” is a text STL file that ends early: it looks truncated.")
                % {"name": filename},
            )
        return "ascii"
    if len(data) < 84:
        raise ScanRejected(
            filename,
            "truncated",
            _("“%(name)s” is too short to be an STL file: it looks truncated.")
            % {"name": filename},
        )
    count = int.from_bytes(data[80:84], "little")
    expected = 84 + 50 * count
    if count > MAX_DECLARED_TRIANGLES or expected > 50 * len(data):
        # Not a cut-off scan: the header is noise (random bytes, another binary format).
        raise ScanRejected(
            filename,
            "not_a_mesh",
            _("“%(name)s” is not a valid STL file (its header is not an STL header).")
            % {"name": filename},
        )
    if len(data) < expected:
        present = max(0, (len(data) - 84) // 50)
        raise ScanRejected(
            filename,
            "truncated",
            _(
                "“%(name)s” is truncated: it declares %(declared)d triangles but holds only %(present)d."
            )
            % {"name": filename, "declared": count, "present": present},
        )
    return "binary"


# --- Units, alignment, measurements -------------------------------------------------------------


def guess_unit(
    longest_extent: float, *, expected_length_mm: float | None = None
) -> UnitGuess | None:
    """Which unit makes ``longest_extent`` a plausible foot length; None when no unit does.

    Without a hint, each unit is scored by how typical the resulting length is: 1 inside the typical
    adult range, falling off (log-normal, sigma 0.3) towards the hard limits, 0 outside them. The
    confidence is the winner's share of all scores, so "14" (140 mm child or 356 mm giant) is
    ambiguous while "26" (260 mm in cm, 660 mm in inches) is not. The cm/inch overlap (7-18 units)
    is where a prior alone can be wrong (a 110 mm child's foot in cm reads as 280 mm in inches), so
    pass ``expected_length_mm`` (from the order's shoe size, ``foot_length_from_shoe_size``): the
    score is then closeness to it (log-normal, sigma 0.12), which settles cm against inches.
    """
    scores: dict[str, float] = {}
    low, high = PLAUSIBLE_LENGTH_MM
    typ_low, typ_high = TYPICAL_LENGTH_MM
    for unit, scale in UNIT_SCALES_TO_MM.items():
        length = longest_extent * scale
        if not (low <= length <= high):
            scores[unit] = 0.0
            continue
        if expected_length_mm:
            z = math.log(length / expected_length_mm) / 0.12
        elif length < typ_low:
            z = math.log(typ_low / length) / 0.3
        elif length > typ_high:
            z = math.log(length / typ_high) / 0.3
        else:
            z = 0.0
        scores[unit] = round(math.exp(-0.5 * z * z), 4)
    total = sum(scores.values())
    if total <= 0:
        if expected_length_mm and any(
            low <= longest_extent * scale <= high for scale in UNIT_SCALES_TO_MM.values()
        ):
            # Plausible as a foot, just not this customer's: let staff decide.
            return _fallback_guess(longest_extent)
        return None
    unit = max(scores, key=scores.__getitem__)
    confidence = round(scores[unit] / total, 3)
    needs_review = confidence < UNIT_REVIEW_BELOW or scores[unit] < 0.3
    return UnitGuess(
        unit=unit,
        scale_to_mm=UNIT_SCALES_TO_MM[unit],
        confidence=confidence,
        scores=scores,
        needs_review=needs_review,
    )


def _fallback_guess(longest_extent: float) -> UnitGuess | None:
    guess = guess_unit(longest_extent)
    if guess is None:
        return None
    return UnitGuess(
        unit=guess.unit,
        scale_to_mm=guess.scale_to_mm,
        confidence=0.0,
        scores=guess.scores,
        needs_review=True,
    )


def foot_length_from_shoe_size(size: str | float, system: str) -> float | None:
    """Approximate foot length in mm for a shoe size (None when unknown): a hint, not a fitting.

    EU (Paris points): last = 6.67 mm x size; UK/US (barleycorns): last = (size + 25) / 3 inches
    for UK, US men = UK + 1, US women = UK + 2; the foot is about 15 mm shorter than the last.
    Mondopoint is the foot length in mm; JP sizes are the foot length in cm.
    """
    try:
        value = float(str(size).replace(",", "."))
    except ValueError:
        return None
    system = system.upper()
    if system == "EU":
        length = value * 20 / 3 - 15
    elif system == "UK":
        length = (value + 25) / 3 * 25.4 - 15
    elif system in {"US", "US_M"}:
        length = (value - 1 + 25) / 3 * 25.4 - 15
    elif system == "US_W":
        length = (value - 2 + 25) / 3 * 25.4 - 15
    elif system == "MONDOPOINT":
        length = value
    elif system == "JP":
        length = value * 10
    else:
        return None
    low, high = PLAUSIBLE_LENGTH_MM
    return round(length, 1) if low <= length <= high else None


@dataclass
class _Surface:
    """Per-triangle geometry computed once (centroids and area-scaled normals, float32)."""

    centroids: np.ndarray  # relative to ``origin`` (float32 keeps precision near the origin only)
    normals: np.ndarray
    centre: np.ndarray  # absolute, float64
    axes: np.ndarray
    origin: np.ndarray


def _principal_frame(vertices: np.ndarray, faces: np.ndarray) -> _Surface:
    """Centre and principal axes (rows, largest variance first) of the surface, area-weighted.

    Triangle centroids weighted by area, so a densely scanned toe does not pull the axes.
    """
    origin = vertices.mean(axis=0, dtype=np.float64)
    v = (vertices - origin).astype(np.float32)
    a, b, c = v[faces[:, 0]], v[faces[:, 1]], v[faces[:, 2]]
    centroids = (a + b + c) / np.float32(3.0)
    normals = np.cross(b - a, c - a)
    areas = 0.5 * np.sqrt(np.einsum("ij,ij->i", normals, normals, dtype=np.float64))
    total = areas.sum()
    weights = np.full(len(faces), 1.0 / len(faces)) if total <= 0 else areas / total
    relative_centre = weights @ centroids
    offsets = centroids - relative_centre.astype(np.float32)
    cov = (offsets * weights[:, None].astype(np.float32)).T.astype(np.float64) @ offsets
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    return _Surface(
        centroids=centroids,
        normals=normals,
        centre=relative_centre + origin,
        axes=vectors[:, order].T,
        origin=origin,
    )


def _align(
    vertices: np.ndarray,
    faces: np.ndarray,
    surface: _Surface | None = None,
    scale: float = 1.0,
) -> tuple[np.ndarray, dict[str, float]]:
    """Rotates a scan into the foot frame in mm (``scale`` = unit to mm); returns the vertices.

    1. Principal axes of the surface: the first is the foot's length.
    2. Up: of the four directions across the length (±2nd, ±3rd axis), the sole is the one whose
       outermost 10 mm slab holds the most downward-facing area (heel and ball lie flat; the dorsum
       and the sides are curved). Works for closed scans and for open plantar-only surfaces.
    3. Toes: the forefoot is wider than the heel, so +x points to the wider end.
    4. y = z × x keeps the frame right-handed, which is what makes left/right detectable at all.
    5. Level: principal axes tilt with the shape (the heel is taller than the toes), so the frame is
       then rotated until the foot stands on its tripod (lowest point of the heel and of each half of
       the forefoot: heel, first and fifth metatarsal heads), i.e. the ground is z = 0.
    """
    surface = surface if surface is not None else _principal_frame(vertices, faces)
    axes = surface.axes
    centre = surface.centre * scale
    vertices = vertices * scale
    # Only directions matter here: rotate centroids (in mm) and normals into the principal frame.
    depth_all = (surface.centroids * np.float32(scale)) @ axes[1:].T.astype(np.float32)
    depth_all -= (((surface.centre - surface.origin) * scale) @ axes[1:].T).astype(np.float32)
    facing_all = np.abs(surface.normals @ axes[1:].T.astype(np.float32))
    best = None
    for column, axis in ((0, 1), (1, 2)):
        for sign in (1.0, -1.0):
            depth = depth_all[:, column] * np.float32(sign)
            # |n| * |cos| = 2 * area * |cos|: independent of the triangles' winding.
            in_slab = depth >= depth.max() - 10.0
            score = float(facing_all[in_slab, column].sum(dtype=np.float64))
            if best is None or score > best[0]:
                best = (score, axis, sign)
    _, axis, sign = best
    z_axis = -sign * axes[axis]
    x_axis = axes[0]
    local_x = (vertices - centre) @ x_axis
    length = local_x.max() - local_x.min()
    y_tmp = np.cross(z_axis, x_axis)
    y_vals = (vertices - centre) @ y_tmp
    rear = _max_width(local_x, y_vals, local_x.min() + 0.05 * length, local_x.min() + 0.3 * length)
    front = _max_width(local_x, y_vals, local_x.max() - 0.4 * length, local_x.max() - 0.2 * length)
    if rear > front:
        x_axis = -x_axis
    y_axis = np.cross(z_axis, x_axis)
    rotation = np.vstack([x_axis, y_axis, z_axis])
    aligned = (vertices - centre) @ rotation.T
    for _round in range(2):
        aligned = _level_on_tripod(aligned)
    aligned -= np.array([aligned[:, 0].min(), 0.0, aligned[:, 2].min()])
    return aligned, {"front_width": float(front), "rear_width": float(rear)}


def _level_on_tripod(aligned: np.ndarray) -> np.ndarray:
    """Rotates so the plane through the heel's and the forefoot halves' lowest points is level."""
    x, y, z = aligned[:, 0], aligned[:, 1], aligned[:, 2]
    x0, length = x.min(), np.ptp(x)
    heel = x <= x0 + 0.25 * length
    fore = (x >= x0 + 0.6 * length) & (x <= x0 + 0.85 * length)
    if not heel.any() or not fore.any():
        return aligned
    mid_y = 0.5 * (y[fore].max() + y[fore].min())
    points = []
    for mask in (heel, fore & (y >= mid_y), fore & (y < mid_y)):
        if not mask.any():
            return aligned
        index = np.nonzero(mask)[0]
        points.append(aligned[index[np.argmin(z[index])]])
    h, p, q = points
    normal = np.cross(p - h, q - h)
    norm = np.linalg.norm(normal)
    if norm < 1e-9:
        return aligned
    normal /= norm
    if normal[2] < 0:
        normal = -normal
    if normal[2] < 0.8:  # more than ~37 degrees off: not a tilt to correct, leave it
        return aligned
    new_x = np.array([1.0, 0.0, 0.0]) - normal[0] * normal
    new_x /= np.linalg.norm(new_x)
    new_y = np.cross(normal, new_x)
    return aligned @ np.vstack([new_x, new_y, normal]).T


def _max_width(x: np.ndarray, y: np.ndarray, start: float, stop: float, bins: int = 10) -> float:
    """Widest cross-section (max y - min y within a thin x slice) between ``start`` and ``stop``."""
    mask = (x >= start) & (x <= stop)
    if mask.sum() < 3:
        return 0.0
    xs, ys = x[mask], y[mask]
    edges = np.linspace(start, stop, bins + 1)
    index = np.clip(np.searchsorted(edges, xs, side="right") - 1, 0, bins - 1)
    high = np.full(bins, -np.inf)
    low = np.full(bins, np.inf)
    np.maximum.at(high, index, ys)
    np.minimum.at(low, index, ys)
    widths = high - low
    widths = widths[np.isfinite(widths)]
    return float(widths.max()) if len(widths) else 0.0


def measure_foot(aligned: np.ndarray) -> tuple[FootMeasurements, SideGuess]:
    """Measurements and a left/right guess from vertices already in the foot frame (mm).

    - Length: extent along the long axis (heel to the tip of the longest toe).
    - Forefoot width: the widest cross-section between 60 % and 80 % of the length from the heel
      (the ball of the foot, over the metatarsal heads).
    - Heel width: the widest cross-section between 5 % and 25 % of the length, using only the
      surface within 25 mm of the ground so the ankle bones (malleoli) do not count.
    - Arch height: in the midfoot (35-60 % of the length), the lowest point of the surface within the
      medial 12 % of each cross-section's width is the underside of the medial arch; its highest
      value above the ground is the arch height. The medial side comes from the left/right guess;
      None when that guess is unsure or the scan has no surface there.
    """
    x, y, z = aligned[:, 0], aligned[:, 1], aligned[:, 2]
    length = float(x.max() - x.min())
    x0 = float(x.min())
    forefoot = _max_width(x, y, x0 + 0.60 * length, x0 + 0.80 * length)
    low = z <= z.min() + 25.0
    heel = _max_width(x[low], y[low], x0 + 0.05 * length, x0 + 0.25 * length)
    side = _guess_side(aligned, length)
    arch = None
    if side.side is not None:
        medial_sign = 1.0 if side.side == "right" else -1.0
        arch = _arch_height(aligned, length, medial_sign)
    return (
        FootMeasurements(
            length_mm=round(length, 1),
            forefoot_width_mm=round(forefoot, 1),
            heel_width_mm=round(heel, 1),
            arch_height_mm=None if arch is None else round(arch, 1),
        ),
        side,
    )


def _border_lows(
    aligned: np.ndarray, length: float, bins: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """Per midfoot slice: lowest z within the +y border strip and within the -y border strip."""
    x, y, z = aligned[:, 0], aligned[:, 1], aligned[:, 2]
    x0 = x.min()
    start, stop = x0 + 0.35 * length, x0 + 0.60 * length
    mask = (x >= start) & (x <= stop)
    plus = np.full(bins, np.nan)
    minus = np.full(bins, np.nan)
    if mask.sum() < 3:
        return plus, minus
    xs, ys, zs = x[mask], y[mask], z[mask]
    index = np.clip(((xs - start) / (stop - start) * bins).astype(int), 0, bins - 1)
    high = np.full(bins, -np.inf)
    low = np.full(bins, np.inf)
    np.maximum.at(high, index, ys)
    np.minimum.at(low, index, ys)
    width = high - low
    band = 0.12 * width
    in_plus = ys >= high[index] - band[index]
    in_minus = ys <= low[index] + band[index]
    zp = np.full(bins, np.inf)
    zm = np.full(bins, np.inf)
    np.minimum.at(zp, index[in_plus], zs[in_plus])
    np.minimum.at(zm, index[in_minus], zs[in_minus])
    plus[np.isfinite(zp)] = zp[np.isfinite(zp)]
    minus[np.isfinite(zm)] = zm[np.isfinite(zm)]
    return plus, minus


def _arch_height(aligned: np.ndarray, length: float, medial_sign: float) -> float | None:
    plus, minus = _border_lows(aligned, length)
    medial = plus if medial_sign > 0 else minus
    medial = medial[np.isfinite(medial)]
    if len(medial) < 3:
        return None
    return float(medial.max() - aligned[:, 2].min())


def _guess_side(aligned: np.ndarray, length: float) -> SideGuess:
    """Left or right from two mirror-asymmetric features of a foot (see ``check_pair``)."""
    x, y = aligned[:, 0], aligned[:, 1]
    plus, minus = _border_lows(aligned, length)
    both = np.isfinite(plus) & np.isfinite(minus)
    arch_signal = float(np.mean(plus[both] - minus[both])) if both.sum() >= 3 else 0.0
    x0 = x.min()
    ball = (x >= x0 + 0.6 * length) & (x <= x0 + 0.8 * length)
    tip = x >= x.max() - 0.03 * length
    toe_signal = 0.0
    if ball.sum() >= 3 and tip.sum() >= 1:
        ball_centre = 0.5 * (y[ball].max() + y[ball].min())
        ball_width = max(float(y[ball].max() - y[ball].min()), 1e-6)
        toe_signal = float((y[tip].mean() - ball_centre) / ball_width)
    arch_vote = float(np.clip(arch_signal / 5.0, -1.0, 1.0))
    toe_vote = float(np.clip(toe_signal / 0.08, -1.0, 1.0))
    score = 0.6 * arch_vote + 0.4 * toe_vote
    side = None
    if score >= 0.35:
        side = "right"
    elif score <= -0.35:
        side = "left"
    return SideGuess(
        side=side,
        confidence=round(min(1.0, abs(score)), 3),
        arch_signal_mm=round(arch_signal, 2),
        toe_signal=round(toe_signal, 3),
    )


def _hash_rows(rows: np.ndarray) -> np.ndarray:
    """A 64-bit hash per row of integers (collisions ~1e-7 for millions of rows: only affects welding)."""
    key = np.full(len(rows), 0xCBF29CE484222325, dtype=np.uint64)
    for column in range(rows.shape[1]):
        key ^= rows[:, column].astype(np.uint64)
        key *= np.uint64(0x100000001B3)
        key ^= key >> np.uint64(29)
    return key


def _merged_topology(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welds identical vertices (STL stores each triangle's corners separately).

    Hashes the exact float bits and sorts the 64-bit keys: several times faster than ``np.unique``
    over rows for the 3 million corners of a million-triangle scan.
    """
    single = vertices.dtype == np.float32
    dtype = np.float32 if single else np.float64
    contiguous = np.ascontiguousarray(vertices, dtype=dtype) + dtype(0.0)  # -0.0 becomes 0.0
    bits = contiguous.view(np.uint32 if single else np.uint64).reshape(-1, 3)
    keys = _hash_rows(bits)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    group = np.cumsum(starts) - 1
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = group
    unique_vertices = contiguous[order[starts]].astype(np.float64)
    return unique_vertices, inverse[faces]


def _is_watertight(faces: np.ndarray) -> bool:
    """Every edge shared by exactly two faces (after welding)."""
    edges = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    low = np.minimum(edges[:, 0], edges[:, 1]).astype(np.int64)
    high = np.maximum(edges[:, 0], edges[:, 1]).astype(np.int64)
    keys = low * (int(faces.max()) + 1) + high
    keys.sort()
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    counts = np.diff(np.append(np.nonzero(starts)[0], len(keys)))
    return bool((counts == 2).all())


def _analyse(
    vertices: np.ndarray,
    faces: np.ndarray,
    *,
    filename: str,
    file_format: str,
    encoding: str | None,
    sha256: str,
    size_bytes: int,
    expected_length_mm: float | None = None,
) -> MeshReport:
    vertices, faces = _merged_topology(vertices, faces)
    surface = _principal_frame(vertices, faces)
    longest = float(np.ptp((vertices - surface.centre) @ surface.axes[0]))
    unit = guess_unit(longest, expected_length_mm=expected_length_mm)
    if unit is None:
        raise ScanRejected(
            filename,
            "implausible_size",
            _(
                "“%(name)s” is %(size)s units long, which cannot be a foot in millimetres, "
                "centimetres, metres or inches."
            )
            % {"name": filename, "size": f"{longest:.4g}"},
        )
    aligned, _diagnostics = _align(vertices, faces, surface, unit.scale_to_mm)
    del surface
    measurements, side = measure_foot(aligned)
    warnings: list[str] = []
    review: list[str] = []
    watertight = _is_watertight(faces)
    if not watertight:
        warnings.append(
            _(
                "“%(name)s” is an open surface (not watertight). That is normal for foam-box "
                "impressions; the lab will close it."
            )
            % {"name": filename}
        )
    if unit.needs_review:
        review.append(
            _(
                "The unit of “%(name)s” is unclear: it is %(size)s long, which we read as %(unit)s "
                "(%(confidence)d%% sure). A member of staff will check it."
            )
            % {
                "name": filename,
                "size": f"{longest:.4g}",
                "unit": unit.unit,
                "confidence": round(unit.confidence * 100),
            }
        )
    if expected_length_mm and not unit.needs_review:
        deviation = measurements.length_mm / expected_length_mm - 1
        if abs(deviation) > 0.12:
            review.append(
                _(
                    "“%(name)s” is %(length)d mm long, which does not match the shoe size "
                    "(about %(expected)d mm)."
                )
                % {
                    "name": filename,
                    "length": round(measurements.length_mm),
                    "expected": round(expected_length_mm),
                }
            )
    if side.side is None:
        warnings.append(
            _("We could not tell from its shape whether “%(name)s” is a left or a right foot.")
            % {"name": filename}
        )
    ratio = measurements.forefoot_width_mm / max(measurements.length_mm, 1e-6)
    if not 0.2 <= ratio <= 0.7:
        warnings.append(
            _(
                "“%(name)s” does not have the proportions of a foot; a member of staff will check it."
            )
            % {"name": filename}
        )
        review.append(_("Unusual proportions for a foot."))
    return MeshReport(
        filename=filename,
        file_format=file_format,
        encoding=encoding,
        sha256=sha256,
        size_bytes=size_bytes,
        triangle_count=len(faces),
        vertex_count=len(vertices),
        watertight=watertight,
        unit=unit,
        bbox_min_mm=tuple(round(float(v) * unit.scale_to_mm, 3) for v in vertices.min(axis=0)),
        bbox_max_mm=tuple(round(float(v) * unit.scale_to_mm, 3) for v in vertices.max(axis=0)),
        measurements=measurements,
        side=side,
        foot_box_mm=tuple(round(float(v), 1) for v in np.ptp(aligned, axis=0)),
        warnings=warnings,
        review_reasons=review,
        aligned=AlignedMesh(vertices=aligned, faces=faces),
    )


# --- Preview ------------------------------------------------------------------------------------


def render_sole_preview(
    mesh_or_report: MeshReport | trimesh.Trimesh | AlignedMesh,
    *,
    size: tuple[int, int] = (400, 800),
) -> bytes:
    """A PNG of the sole, depth-shaded, drawn with numpy + Pillow (OpenGL fails headless).

    Drawn like a footprint seen from above: toes at the top, heel at the bottom, and for each pixel the
    lowest surface point (a z-buffer of the plantar surface). Colour encodes height above the ground
    (dark where the foot touches, light under the arch), with relief shading from the depth gradient.
    Triangles are rasterised in batches grouped by their on-screen size, so a million tiny triangles
    cost a few vectorised passes, and a coarse mesh still fills without holes.
    """

    if isinstance(mesh_or_report, MeshReport):
        if mesh_or_report.aligned is None:
            raise ValueError("This report has no mesh attached; inspect the file again.")
        aligned = mesh_or_report.aligned
    elif isinstance(mesh_or_report, AlignedMesh):
        aligned = mesh_or_report
    else:
        vertices = np.asarray(mesh_or_report.vertices, dtype=np.float64)
        faces = np.asarray(mesh_or_report.faces, dtype=np.int64)
        surface = _principal_frame(vertices, faces)
        unit = guess_unit(float(np.ptp((vertices - surface.centre) @ surface.axes[0])))
        scale = unit.scale_to_mm if unit else 1.0
        aligned = AlignedMesh(_align(vertices, faces, surface, scale)[0], faces)
    width, height = size
    depth = _zbuffer(aligned.vertices, aligned.faces, width, height)
    return _shade(depth)


def _zbuffer(vertices: np.ndarray, faces: np.ndarray, width: int, height: int) -> np.ndarray:
    """Lowest z per pixel (inf where empty); toes up, foot's +y (left) on the image's left."""
    x, y, z = vertices[:, 0], vertices[:, 1], vertices[:, 2]
    margin = 0.04
    span_x = max(float(np.ptp(x)), 1e-6)
    span_y = max(float(np.ptp(y)), 1e-6)
    scale = min(height * (1 - 2 * margin) / span_x, width * (1 - 2 * margin) / span_y)
    # Image column grows to the right = -y (the foot's right); row grows downwards = -x (to the heel).
    col = (y.max() - y) * scale + (width - span_y * scale) / 2
    row = (x.max() - x) * scale + (height - span_x * scale) / 2
    depth = np.full(width * height, np.inf)
    tri_c = col[faces].astype(np.float32)
    tri_r = row[faces].astype(np.float32)
    tri_z = z[faces].astype(np.float32)
    c_min = np.clip(np.floor(tri_c.min(axis=1) - 0.5).astype(np.int64) + 1, 0, width - 1)
    c_max = np.clip(np.floor(tri_c.max(axis=1) - 0.5).astype(np.int64), -1, width - 1)
    r_min = np.clip(np.floor(tri_r.min(axis=1) - 0.5).astype(np.int64) + 1, 0, height - 1)
    r_max = np.clip(np.floor(tri_r.max(axis=1) - 0.5).astype(np.int64), -1, height - 1)
    spans = np.maximum(c_max - c_min + 1, r_max - r_min + 1)
    covers = (c_max >= c_min) & (r_max >= r_min)
    # Bucket by the power of two that holds each triangle's pixel box.
    bucket = np.zeros(len(faces), dtype=np.int64)
    bucket[covers] = np.ceil(np.log2(np.maximum(spans[covers], 1))).astype(np.int64)
    for level in np.unique(bucket[covers]):
        ids = np.nonzero(covers & (bucket == level))[0]
        k = 1 << int(level)
        chunk = max(1, 4_000_000 // (k * k))
        offsets = np.arange(k)
        for start in range(0, len(ids), chunk):
            sel = ids[start : start + chunk]
            pc = c_min[sel, None, None] + offsets[None, None, :]
            pr = r_min[sel, None, None] + offsets[None, :, None]
            valid = (pc <= c_max[sel, None, None]) & (pr <= r_max[sel, None, None])
            px = pc.astype(np.float32) + 0.5
            py = pr.astype(np.float32) + 0.5
            c0, c1, c2 = (tri_c[sel, i, None, None] for i in range(3))
            r0, r1, r2 = (tri_r[sel, i, None, None] for i in range(3))
            area = (c1 - c0) * (r2 - r0) - (c2 - c0) * (r1 - r0)
            safe = np.where(np.abs(area) < 1e-12, 1.0, area)
            w0 = ((c1 - px) * (r2 - py) - (c2 - px) * (r1 - py)) / safe
            w1 = ((c2 - px) * (r0 - py) - (c0 - px) * (r2 - py)) / safe
            w2 = 1.0 - w0 - w1
            eps = -1e-4
            inside = valid & (w0 >= eps) & (w1 >= eps) & (w2 >= eps) & (np.abs(area) >= 1e-12)
            zz = (
                w0 * tri_z[sel, 0, None, None]
                + w1 * tri_z[sel, 1, None, None]
                + w2 * tri_z[sel, 2, None, None]
            )
            flat = (pr * width + pc)[inside]
            np.minimum.at(depth, flat, zz[inside].astype(np.float64))
    return depth.reshape(height, width)


def _shade(depth: np.ndarray) -> bytes:
    from PIL import Image

    filled = np.isfinite(depth)
    image = np.full(depth.shape + (3,), 255, dtype=np.uint8)
    if filled.any():
        ground = depth[filled].min()
        h = np.where(filled, depth - ground, 0.0)
        t = np.clip(h / 30.0, 0.0, 1.0)  # 0 = touching the ground, 1 = 30 mm or more above it
        gy, gx = np.gradient(np.where(filled, h, h[filled].max()))
        relief = np.clip(1.0 - 0.08 * (gx + gy), 0.55, 1.15)
        dark = np.array([20.0, 60.0, 140.0])
        light = np.array([200.0, 225.0, 245.0])
        colour = dark[None, None, :] * (1 - t[..., None]) + light[None, None, :] * t[..., None]
        colour = np.clip(colour * relief[..., None], 0, 255)
        # Contour lines every 3 mm of height (where the band changes between neighbours) make
        # the arch readable in a still image; the outline is the foot's edge.
        band = np.floor(h / 3.0)
        edge = np.zeros_like(filled)
        edge[1:, :] |= band[1:, :] != band[:-1, :]
        edge[:, 1:] |= band[:, 1:] != band[:, :-1]
        edge &= filled & (h > 0.5)
        colour[edge] = colour[edge] * 0.7 + np.array([255.0, 255.0, 255.0]) * 0.3
        image[filled] = colour[filled].astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image, mode="RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


# --- Pairs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairIssue:
    """A problem with the left/right pair; ``severity`` is "error" (must fix) or "warning"."""

    code: str
    severity: str
    message: str


def check_pair_issues(left: MeshReport, right: MeshReport) -> list[PairIssue]:
    """Same file twice, or the two feet swapped.

    Left/right heuristic: in the foot frame (+x to the toes, +z up, +y to the foot's left) the medial
    side is +y for a right foot. Two mirror-asymmetric features point to the medial side: the medial
    longitudinal arch lifts the midfoot's underside off the ground on that side only, and the tip of
    the longest toe (big or second toe) lies medial of the ball's centre line. Limits: flat feet
    (no arch), Morton's toe or hallux valgus weaken the signals; partial scans may miss the midfoot;
    a scanner that writes a mirrored coordinate system, or a foam-box negative, flips the answer.
    So an unsure call is a warning, and even a confident "swapped" is only a warning for staff.
    """
    issues: list[PairIssue] = []
    if left.sha256 == right.sha256:
        issues.append(
            PairIssue(
                "same_file",
                "error",
                _(
                    "The left and right scans are the same file (“%(left)s” and “%(right)s”). "
                    "Please upload a scan of each foot."
                )
                % {"left": left.filename, "right": right.filename},
            )
        )
        return issues
    difference = abs(left.measurements.length_mm - right.measurements.length_mm)
    if difference > PAIR_LENGTH_TOLERANCE_MM:
        issues.append(
            PairIssue(
                "length_mismatch",
                "warning",
                _(
                    "The two scans differ in length by %(difference)d mm; please check they are "
                    "both your feet and in the same unit."
                )
                % {"difference": round(difference)},
            )
        )
    lside, rside = left.side.side, right.side.side
    if lside == "right" and rside == "left":
        issues.append(
            PairIssue(
                "swapped",
                "warning",
                _(
                    "The scans look swapped: “%(left)s” looks like a right foot and “%(right)s” "
                    "like a left foot."
                )
                % {"left": left.filename, "right": right.filename},
            )
        )
    elif lside == rside and lside is not None:
        issues.append(
            PairIssue(
                "same_side",
                "warning",
                _("Both scans look like a %(side)s foot; a member of staff will check them.")
                % {"side": _("left") if lside == "left" else _("right")},
            )
        )
    elif lside == "right" or rside == "left":
        report = left if lside == "right" else right
        issues.append(
            PairIssue(
                "maybe_swapped",
                "warning",
                _("“%(name)s” may be the other foot; a member of staff will check it.")
                % {"name": report.filename},
            )
        )
    return issues


def check_pair(left: MeshReport, right: MeshReport) -> list[str]:
    """Messages about the pair (see ``check_pair_issues`` for codes, severities and the heuristic)."""
    return [issue.message for issue in check_pair_issues(left, right)]
