"""The sole preview: a small depth-shaded PNG rendered with numpy."""

from __future__ import annotations

import io

import numpy as np
import trimesh
from django.utils.translation import gettext as _

from .measure import align, principal_frame
from .types import AlignedMesh, MeshReport
from .units import guess_unit


def render_sole_preview(
    mesh_or_report: MeshReport | trimesh.Trimesh | AlignedMesh,
    *,
    side: str | None = None,
    size: tuple[int, int] = (400, 800),
) -> bytes:
    """A PNG of the sole, depth-shaded, drawn with numpy + Pillow (OpenGL fails headless).

    Drawn like a footprint seen from above, always toes at the top and heel at the bottom (the foot
    frame's +x is up the image, whatever the file's orientation), labelled "Left"/"Right" from the
    order's ``side`` (the customer's word, not our guess) and with a 50 mm scale bar. For an
    impression the aligned mesh is the imprint, so the imprint is what is drawn. For each pixel the
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
        surface = principal_frame(vertices, faces)
        unit = guess_unit(float(np.ptp((vertices - surface.centre) @ surface.axes[0])))  # a sketch
        scale = unit.scale_to_mm if unit else 1.0
        aligned = AlignedMesh(align(vertices, faces, surface, scale)[0], faces)
    width, height = size
    depth, px_per_mm = _zbuffer(aligned.vertices, aligned.faces, width, height)
    return _shade(depth, px_per_mm=px_per_mm, side=side)


def _zbuffer(
    vertices: np.ndarray, faces: np.ndarray, width: int, height: int
) -> tuple[np.ndarray, float]:
    """Lowest z per pixel (inf where empty); toes up, foot's +y (left) on the image's left."""
    x, y, z = vertices[:, 0], vertices[:, 1], vertices[:, 2]
    margin = 0.09  # room for the label above and the scale bar below
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
    return depth.reshape(height, width), float(scale)


def _shade(depth: np.ndarray, *, px_per_mm: float, side: str | None) -> bytes:
    from PIL import Image, ImageDraw

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
    picture = Image.fromarray(image, mode="RGB")
    _annotate(ImageDraw.Draw(picture), picture.size, px_per_mm=px_per_mm, side=side)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _annotate(draw, size: tuple[int, int], *, px_per_mm: float, side: str | None) -> None:
    """Side label and "toes" at the top, a 50 mm scale bar at the bottom (black on white)."""
    width, height = size
    ink = (20, 20, 20)
    label = {"left": _("Left"), "right": _("Right")}.get((side or "").lower(), "")
    if label:
        draw.text((8, 6), label, fill=ink)
    draw.text((width - 60, 6), _("toes ^"), fill=ink)
    bar_mm = 50.0
    bar = int(round(bar_mm * px_per_mm))
    if 4 <= bar <= width - 16:
        y = height - 14
        draw.line([(8, y), (8 + bar, y)], fill=ink, width=3)
        draw.line([(8, y - 5), (8, y + 5)], fill=ink, width=1)
        draw.line([(8 + bar, y - 5), (8 + bar, y + 5)], fill=ink, width=1)
        draw.text((14 + bar, y - 6), _("%(mm)d mm") % {"mm": bar_mm}, fill=ink)
