"""Alignment into the foot frame and the measurements (length, widths, arch, side)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import FootMeasurements, SideGuess


@dataclass
class _Surface:
    """Per-triangle geometry computed once (centroids and area-scaled normals, float32)."""

    centroids: np.ndarray  # relative to ``origin`` (float32 keeps precision near the origin only)
    normals: np.ndarray
    centre: np.ndarray  # absolute, float64
    axes: np.ndarray
    origin: np.ndarray


SURFACE_SAMPLE = 250_000
"""Axes and the sole's direction come from at most this many triangles (every k-th): the answer
does not change in the third decimal, and a 1M-triangle scan then costs a quarter."""


def principal_frame(vertices: np.ndarray, faces: np.ndarray) -> _Surface:
    """Centre and principal axes (rows, largest variance first) of the surface, area-weighted.

    Triangle centroids weighted by area, so a densely scanned toe does not pull the axes.
    """
    if len(faces) > SURFACE_SAMPLE:
        faces = faces[:: -(-len(faces) // SURFACE_SAMPLE)]
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


def align(
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
    surface = surface if surface is not None else principal_frame(vertices, faces)
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


SLICE_MM = 5.0
"""Cross-sections at least this thick: a coarse scan (a vertex every few mm along the outline) then
still has both sides of the foot in each slice, instead of one side and the middle."""


def _slices(start: float, stop: float, most: int) -> int:
    return int(np.clip((stop - start) // SLICE_MM, 2, most))


def _max_width(x: np.ndarray, y: np.ndarray, start: float, stop: float, bins: int = 10) -> float:
    """Widest cross-section (max y - min y within a thin x slice) between ``start`` and ``stop``."""
    bins = min(bins, _slices(start, stop, bins))
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


BALL_WINDOW = (0.60, 0.75)
"""Ball of the foot (metatarsal heads): the widest cross-section in this share of the length."""
HEEL_WINDOW = (0.10, 0.20)
"""Heel: the widest cross-section here, below the ankle (malleoli excluded by height)."""


def measure_foot(aligned: np.ndarray) -> tuple[FootMeasurements, SideGuess]:
    """Measurements and a left/right guess from vertices already in the foot frame (mm).

    - Length: extent along the long axis (heel to the tip of the longest toe).
    - Ball width: the widest cross-section in ``BALL_WINDOW`` of the length from the heel (over the
      metatarsal heads); arch length is the distance from the heel to that cross-section (the
      Brannock "heel to ball" length), None when the forefoot has no surface.
    - Heel width: the widest cross-section in ``HEEL_WINDOW``, using only the surface within 25 mm
      of the ground so the ankle bones (malleoli) do not count.
    - Arch height: in the midfoot (35-60 % of the length), the lowest point of the surface within the
      medial 12 % of each cross-section's width is the underside of the medial arch; its highest
      value above the ground is the arch height. The medial side comes from the left/right guess;
      None when that guess is unsure or the scan has no surface there.
    """
    x, y, z = aligned[:, 0], aligned[:, 1], aligned[:, 2]
    length = float(x.max() - x.min())
    x0 = float(x.min())
    ball, ball_at = _max_width_at(x, y, x0 + BALL_WINDOW[0] * length, x0 + BALL_WINDOW[1] * length)
    low = z <= z.min() + 25.0
    heel = _max_width(x[low], y[low], x0 + HEEL_WINDOW[0] * length, x0 + HEEL_WINDOW[1] * length)
    side = _guess_side(aligned, length)
    arch = None
    if side.side is not None:
        medial_sign = 1.0 if side.side == "right" else -1.0
        arch = _arch_height(aligned, length, medial_sign)
    arch_length = None if ball <= 0 else ball_at - x0
    return (
        FootMeasurements(
            length_mm=round(length, 1),
            ball_width_mm=round(ball, 1),
            heel_width_mm=round(heel, 1),
            arch_height_mm=None if arch is None else round(arch, 1),
            arch_length_mm=None if arch_length is None else round(arch_length, 1),
        ),
        side,
    )


def heel_ball_sane(measurements: FootMeasurements) -> bool:
    """A heel at least 5 % narrower than the ball: a box (or a patch measured as a foot) fails."""
    return measurements.heel_width_mm < 0.95 * measurements.ball_width_mm


def orient_plan(points: np.ndarray, x_axis: np.ndarray, up: np.ndarray) -> np.ndarray:
    """``x_axis`` or its opposite, whichever points to the wider (forefoot) end."""
    y_axis = np.cross(up, x_axis)
    local_x = points @ x_axis
    y_vals = points @ y_axis
    length = float(np.ptp(local_x))
    start = float(local_x.min())
    stop = float(local_x.max())
    rear = _max_width(local_x, y_vals, start + 0.05 * length, start + 0.3 * length)
    front = _max_width(local_x, y_vals, stop - 0.4 * length, stop - 0.2 * length)
    return -x_axis if rear > front else x_axis


def _max_width_at(
    x: np.ndarray, y: np.ndarray, start: float, stop: float, bins: int = 20
) -> tuple[float, float]:
    """(widest cross-section, x of its slice centre) between ``start`` and ``stop``."""
    bins = _slices(start, stop, bins)
    mask = (x >= start) & (x <= stop)
    if mask.sum() < 3:
        return 0.0, start
    xs, ys = x[mask], y[mask]
    edges = np.linspace(start, stop, bins + 1)
    index = np.clip(np.searchsorted(edges, xs, side="right") - 1, 0, bins - 1)
    high = np.full(bins, -np.inf)
    low = np.full(bins, np.inf)
    np.maximum.at(high, index, ys)
    np.minimum.at(low, index, ys)
    widths = np.where(np.isfinite(high) & np.isfinite(low), high - low, -np.inf)
    best = int(np.argmax(widths))
    if not np.isfinite(widths[best]):
        return 0.0, start
    return float(widths[best]), float(0.5 * (edges[best] + edges[best + 1]))


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
