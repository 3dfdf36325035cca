"""Foot surface or impression? And for an impression, the imprint (the foot pressed into the foam).

An impression (foam box, plaster cast) is a sheet: a flat *rim* all round, with the imprint as one
enclosed depression below it. A foot has no such rim: seen along its thinnest axis, the edge of its
outline is not one plane (the arch lifts the medial border, the sides curve) and nothing is enclosed.

Method (file units, so it runs before the scale is known; every threshold is relative to the sheet):
1. Project on the principal frame (u, v along the sheet, w across it) and grid the (u, v) plane
   (at most ``GRID`` cells along u). Per cell, the outermost w for each of the two sides (+w, -w).
2. Border cells = occupied cells next to the *outside* (a flood fill from the grid's edge, so holes
   in the scan are not borders). Fit a plane to the border cells' outermost w (least squares, then
   again without outliers): that is the rim.
3. Depressed cells: interior cells more than ``t`` below the rim (``t`` from the rim's own noise,
   at least 0.4 % of the sheet). The largest 4-connected group is the imprint.
4. Impression when: the rim is flat all round (few border cells off the plane), there is a rim band
   (cells at rim level), the imprint is a sensible share of the sheet and deep enough.
The imprint is then measured like a sole: its surface *is* the plantar shape (heel deepest, arch
shallower), seen from the same side, so left and right are not mirrored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRID = 160


@dataclass
class Imprint:
    """The imprint in file units: its faces (re-indexed) and the frame of the rim."""

    vertices: np.ndarray
    faces: np.ndarray
    up: np.ndarray  # out of the foam, unit vector in file coordinates
    points: np.ndarray  # vertices at or below the rim's outline level, plus the outline crossings


@dataclass
class KindCall:
    kind: str
    confidence: float
    imprint: Imprint | None = None
    features: dict | None = None


def _ramp(value: float, zero: float, one: float) -> float:
    return float(np.clip((value - zero) / (one - zero), 0.0, 1.0))


def classify(vertices: np.ndarray, faces: np.ndarray, surface) -> KindCall:
    """Foot surface or impression, with the imprint segmented for an impression."""
    axes = surface.axes
    local = (vertices - surface.centre) @ axes.T
    pu, pv, pw = local[:, 0], local[:, 1], local[:, 2]
    length = float(np.ptp(pu))
    if length <= 0:
        return KindCall("foot_surface", 0.5)
    cell = length / GRID
    iu = np.minimum(((pu - pu.min()) / cell).astype(np.int64), GRID - 1)
    nv = int(np.ptp(pv) / cell) + 1
    iv = np.minimum(((pv - pv.min()) / cell).astype(np.int64), nv - 1)
    flat = iu * nv + iv
    n_cells = GRID * nv
    top_plus = np.full(n_cells, -np.inf)
    top_minus = np.full(n_cells, -np.inf)
    np.maximum.at(top_plus, flat, pw)
    np.maximum.at(top_minus, flat, -pw)
    occupied = np.isfinite(top_plus).reshape(GRID, nv)
    occupied = _close_gaps(occupied)
    exterior = _flood_exterior(~occupied)
    border = occupied & _touches(exterior)
    interior = occupied & ~border
    centres_u = (np.arange(GRID) + 0.5) * cell + pu.min()
    centres_v = (np.arange(nv) + 0.5) * cell + pv.min()
    cu, cv = np.meshgrid(centres_u, centres_v, indexing="ij")
    best = KindCall("foot_surface", 1.0, None, {})
    best_score = -1.0
    for sign, top in ((1.0, top_plus), (-1.0, top_minus)):
        top = top.reshape(GRID, nv)
        features = _features(top, occupied, border, interior, cu, cv, length)
        if features is None:
            continue
        if features["score"] > best_score:
            best_score = features["score"]
            best = KindCall("impression", 0.0, None, {**features, "sign": sign})
    features = best.features or {}
    score = max(best_score, 0.0)
    if score < 0.5:
        return KindCall("foot_surface", round(1.0 - score, 3), None, features)
    imprint = _extract(vertices, faces, local, axes, features, flat, nv, cell, pu.min(), pv.min())
    if imprint is None:
        return KindCall("foot_surface", 0.5, None, features)
    return KindCall("impression", round(score, 3), imprint, features)


def _features(top, occupied, border, interior, cu, cv, length) -> dict | None:
    b = border & np.isfinite(top)
    if b.sum() < 8:
        return None
    design = np.column_stack([cu[b], cv[b], np.ones(int(b.sum()))])
    values = top[b]
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    residual = values - design @ coef
    mad = float(np.median(np.abs(residual - np.median(residual))))
    keep = np.abs(residual) <= max(3 * 1.4826 * mad, 1e-3 * length)
    if keep.sum() >= 8:
        coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        residual = values - design @ coef
        mad = float(np.median(np.abs(residual - np.median(residual))))
    t = max(0.004 * length, 6 * 1.4826 * mad)
    plane = coef[0] * cu + coef[1] * cv + coef[2]
    depth = np.where(occupied & np.isfinite(top), plane - top, 0.0)
    off_plane = float((np.abs(residual) > t).mean())
    depressed = interior & (depth > t)
    component = _largest_component(depressed)
    n_occ = max(int(occupied.sum()), 1)
    share = float(component.sum()) / n_occ
    rim_cells = occupied & ~component & (np.abs(depth) <= t)
    rim_share = float(rim_cells.sum()) / n_occ
    max_depth = float(depth[component].max()) if component.any() else 0.0
    score = (
        _ramp(-off_plane, -0.15, -0.05)
        * _ramp(rim_share, 0.08, 0.2)
        * _ramp(share, 0.02, 0.05)
        * _ramp(-share, -0.92, -0.85)
        * _ramp(max_depth / length, 0.01, 0.025)
    )
    return {
        "score": float(score),
        "off_plane": round(off_plane, 3),
        "rim_share": round(rim_share, 3),
        "imprint_share": round(share, 3),
        "depth_ratio": round(max_depth / length, 4),
        "max_depth": max_depth,
        "t": t,
        "coef": coef,
        "component": component,
    }


def _extract(vertices, faces, local, axes, features, flat, nv, cell, u0, v0) -> Imprint | None:
    sign = features["sign"]
    coef = features["coef"]
    t = features["t"]
    region = _dilate(features["component"], 2).ravel()
    in_region = region[flat]
    plane = coef[0] * local[:, 0] + coef[1] * local[:, 1] + coef[2]
    depth = plane - sign * local[:, 2]  # below the rim, in file units
    # Deeper than the imprint's floor is the block's underside (a closed foam block): not the foot.
    floor = features["max_depth"] + t
    face_in = in_region[faces].all(axis=1) & (depth[faces] <= floor).all(axis=1)
    if not face_in.any():
        return None
    sub = faces[face_in]
    used = np.unique(sub)
    remap = np.full(len(vertices), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    below = used[depth[used] >= t]
    edges = sub[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    d0, d1 = depth[edges[:, 0]], depth[edges[:, 1]]
    crossing = (d0 >= t) != (d1 >= t)
    e = edges[crossing]
    # The midpoint of each edge that crosses the outline level: where the wall is finely scanned
    # that is the crossing itself; where the wall is one jump between two samples it is the
    # unbiased guess (the true edge lies anywhere between them).
    cross_points = 0.5 * (vertices[e[:, 0]] + vertices[e[:, 1]])
    up = sign * axes[2]
    return Imprint(
        vertices=vertices[used],
        faces=remap[sub],
        up=up,
        points=np.vstack([vertices[below], cross_points]),
    )


def align_imprint(imprint: Imprint, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The imprint in the foot frame, in mm: (measurement points, mesh vertices).

    The measurement points are the floor below the rim's outline level plus the outline's edge
    crossings (so length and widths are the imprint's, not the rim's); the mesh vertices (imprint
    and a thin band of rim) are for the preview and the 3D view. z is up out of the foam with the
    deepest point at z = 0: the imprint's floor is the sole's shape, the right way up.
    """
    from .measure import orient_plan

    up = imprint.up / np.linalg.norm(imprint.up)
    centre = imprint.points.mean(axis=0)
    rel = (imprint.points - centre) * scale
    inplane = rel - np.outer(rel @ up, up)
    values, vectors = np.linalg.eigh(inplane.T @ inplane)
    x_axis = vectors[:, np.argmax(values)]
    x_axis = x_axis - (x_axis @ up) * up
    x_axis /= np.linalg.norm(x_axis)
    x_axis = orient_plan(rel, x_axis, up)
    rotation = np.vstack([x_axis, np.cross(up, x_axis), up]).T
    points = rel @ rotation
    mesh = ((imprint.vertices - centre) * scale) @ rotation
    shift = np.array([points[:, 0].min(), 0.0, points[:, 2].min()])
    return points - shift, mesh - shift


# --- Grid helpers (small grids: at most GRID x GRID cells) ---------------------------------------


def _close_gaps(occupied: np.ndarray) -> np.ndarray:
    """A cell with no vertex between occupied neighbours (coarse meshes) counts as occupied."""
    grown = occupied.copy()
    grown[1:-1, :] |= occupied[:-2, :] & occupied[2:, :]
    grown[:, 1:-1] |= occupied[:, :-2] & occupied[:, 2:]
    return grown


def _touches(mask: np.ndarray) -> np.ndarray:
    out = np.zeros_like(mask)
    out[1:, :] |= mask[:-1, :]
    out[:-1, :] |= mask[1:, :]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    out[0, :] = out[-1, :] = True
    out[:, 0] = out[:, -1] = True
    return out


def _dilate(mask: np.ndarray, steps: int) -> np.ndarray:
    out = mask.copy()
    for _ in range(steps):
        grown = out.copy()
        grown[1:, :] |= out[:-1, :]
        grown[:-1, :] |= out[1:, :]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        out = grown
    return out


def _flood_exterior(empty: np.ndarray) -> np.ndarray:
    """Empty cells connected (4-neighbours) to the grid's edge."""
    seeds = np.zeros_like(empty)
    seeds[0, :] = seeds[-1, :] = seeds[:, 0] = seeds[:, -1] = True
    labels = _labels(empty)
    edge_labels = np.unique(labels[seeds & empty])
    return empty & np.isin(labels, edge_labels)


def _labels(mask: np.ndarray) -> np.ndarray:
    """Connected-component labels of ``mask`` (4-neighbours; -1 outside): each cell takes the
    smallest index among its neighbours until nothing changes. Vectorised; the number of rounds is
    the longest path inside a component (a few hundred on these grids)."""
    big = np.iinfo(np.int64).max
    labels = np.where(mask, np.arange(mask.size).reshape(mask.shape), big)
    while True:
        new = labels.copy()
        np.minimum(new[1:, :], labels[:-1, :], out=new[1:, :])
        np.minimum(new[:-1, :], labels[1:, :], out=new[:-1, :])
        np.minimum(new[:, 1:], labels[:, :-1], out=new[:, 1:])
        np.minimum(new[:, :-1], labels[:, 1:], out=new[:, :-1])
        new[~mask] = big
        if np.array_equal(new, labels):
            return np.where(mask, labels, -1)
        labels = new


def _largest_component(mask: np.ndarray) -> np.ndarray:
    if not mask.any():
        return np.zeros_like(mask)
    labels = _labels(mask)
    values, counts = np.unique(labels[mask], return_counts=True)
    return labels == values[np.argmax(counts)]
