"""Topology and the analysis that turns a parsed mesh into a `MeshReport`."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from django.utils.translation import gettext as _

from .findings import review_findings
from .impression import align_imprint, classify
from .measure import align, measure_foot, principal_frame
from .scale import resolve_scale
from .types import AlignedMesh, MeshReport, ScaleOverride, ScanRejected, SizeHint


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
    over rows for the 3 million corners of a million-triangle scan. Temporaries are dropped as soon
    as they are used (the 600 MB budget at the face cap).
    """
    single = vertices.dtype == np.float32
    dtype = np.float32 if single else np.float64
    contiguous = np.ascontiguousarray(vertices, dtype=dtype) + dtype(0.0)  # -0.0 becomes 0.0
    del vertices
    keys = _hash_rows(contiguous.view(np.uint32 if single else np.uint64).reshape(-1, 3))
    order = np.argsort(keys)  # any order among equal keys will do; quicksort is 4x faster
    keys = keys[order]
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    del keys
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    unique_vertices = contiguous[order[starts]].astype(np.float64)
    del order, starts, contiguous
    return unique_vertices, inverse[faces]


def _is_watertight(faces: np.ndarray) -> bool:
    """Every edge shared by exactly two faces (after welding)."""
    n = len(faces)
    stride = np.int64(int(faces.max()) + 1)
    keys = np.empty(3 * n, dtype=np.int64)
    for i, (a, b) in enumerate(((0, 1), (1, 2), (2, 0))):
        u, v = faces[:, a], faces[:, b]
        keys[i * n : (i + 1) * n] = np.minimum(u, v) * stride + np.maximum(u, v)
    keys.sort()
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    del keys
    counts = np.diff(np.append(np.nonzero(starts)[0], len(starts)))
    return bool((counts == 2).all())


def analyse(
    vertices: np.ndarray,
    faces: np.ndarray,
    *,
    filename: str,
    file_format: str,
    encoding: str | None,
    sha256: str,
    size_bytes: int,
    size_hint: SizeHint | None = None,
    scale_override: ScaleOverride | None = None,
) -> MeshReport:
    """Weld → classify (foot or impression) → measure the foot's raw length → resolve the scale →
    align in mm → measure → review reasons. Never rejects for size: a foot-shaped mesh in no
    standard unit is "scale unknown" and goes to review."""
    vertices, faces = _merged_topology(vertices, faces)
    watertight = _is_watertight(faces)
    surface = principal_frame(vertices, faces)
    kind = classify(vertices, faces, surface)
    imprint = kind.imprint if kind.kind == "impression" else None
    if imprint is not None:
        # Linear in the scale: align once in file units, scale the result.
        unit_points, unit_mesh = align_imprint(imprint, 1.0)
        raw_length = float(np.ptp(unit_points[:, 0]))
    else:
        raw_length = float(np.ptp((vertices - surface.centre) @ surface.axes[0]))
    if not np.isfinite(raw_length) or raw_length <= 0:
        raise ScanRejected(
            filename,
            "implausible_size",
            _("“%(name)s” has no extent: all its points are in one place.") % {"name": filename},
        )
    for _round in range(2):
        scale, unit = resolve_scale(raw_length, size_hint=size_hint, scale_override=scale_override)
        factor = float(scale.scale_to_mm or 1.0)
        if imprint is not None:
            measured, aligned = unit_points * factor, unit_mesh * factor
            aligned_faces = imprint.faces
        else:
            aligned, _diagnostics = align(vertices, faces, surface, factor)
            measured, aligned_faces = aligned, faces
        measurements, side = measure_foot(measured)
        if scale.status == "set_by_staff" or measurements.length_mm <= 0:
            break
        # The scale's sentence quotes the measured length, so it agrees with the measurements.
        raw_length = measurements.length_mm / factor
        again, _unit = resolve_scale(raw_length, size_hint=size_hint, scale_override=scale_override)
        if again.scale_to_mm == scale.scale_to_mm:
            scale, unit = again, _unit
            break
    del surface
    if scale.status == "set_by_staff" and scale.unit is None and measurements.length_mm > 0:
        # "Scale so the foot is N mm long" means the measured length, not the raw axis extent.
        correction = float(scale_override.foot_length_mm) / measurements.length_mm
        aligned = aligned * correction
        measured = aligned if measured is aligned else measured * correction
        factor *= correction
        scale = replace(scale, scale_to_mm=factor)
        unit = replace(unit, scale_to_mm=factor)
        measurements, side = measure_foot(measured)
    warnings, review, codes = review_findings(
        filename=filename,
        watertight=watertight,
        kind=kind,
        scale=scale,
        raw_length=raw_length,
        measurements=measurements,
        side=side,
    )
    box_min = vertices.min(axis=0) * factor
    box_max = vertices.max(axis=0) * factor
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
        bbox_min_mm=tuple(round(float(v), 3) for v in box_min),
        bbox_max_mm=tuple(round(float(v), 3) for v in box_max),
        measurements=measurements,
        side=side,
        foot_box_mm=tuple(round(float(v), 1) for v in np.ptp(measured, axis=0)),
        kind=kind.kind,
        kind_confidence=kind.confidence,
        scale=scale,
        warnings=warnings,
        review_reasons=review,
        review_codes=codes,
        aligned=AlignedMesh(vertices=aligned, faces=aligned_faces),
    )
