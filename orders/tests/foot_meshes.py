"""Foot-like test meshes with known dimensions, built in code (used by tests and benchmarks).

The foot is a closed "lens" over a foot outline: a disk (s, θ) is mapped to the outline, the sole is
flat except for a medial arch, the dorsum is a dome that meets the sole at the outline. Built as a
RIGHT foot in the foot frame (+x heel to toes, +z up, +y = the foot's left = medial for a right foot);
``mirror=True`` gives the left foot.
"""

from __future__ import annotations

import numpy as np
import trimesh

LENGTH = 260.0
ARCH = 15.0
TOE_SHIFT = 12.0
HEEL_G = 37.5
BALL_G = 54.5


def _smoothstep(t, a, b):
    u = np.clip((t - a) / (b - a), 0.0, 1.0)
    return u * u * (3 - 2 * u)


def half_width_scale(x: np.ndarray, length: float = LENGTH) -> np.ndarray:
    return HEEL_G + (BALL_G - HEEL_G) * _smoothstep(x / length, 0.3, 0.7)


def outline_width(x: np.ndarray, length: float = LENGTH) -> np.ndarray:
    """Full width of the outline at distance x from the heel."""
    a = 2 * x / length - 1
    return 2 * half_width_scale(x, length) * np.sqrt(np.clip(1 - a * a, 0, None))


def expected_widths(length: float = LENGTH) -> tuple[float, float]:
    """(ball width, heel width) as the measurement defines them (``BALL_WINDOW``, ``HEEL_WINDOW``)."""
    from orders.scans.meshes.measure import BALL_WINDOW, HEEL_WINDOW

    ball = outline_width(
        np.linspace(BALL_WINDOW[0] * length, BALL_WINDOW[1] * length, 2001), length
    )
    heel = outline_width(
        np.linspace(HEEL_WINDOW[0] * length, HEEL_WINDOW[1] * length, 2001), length
    )
    return float(ball.max()), float(heel.max())


def foot_mesh(
    *,
    rings: int = 30,
    segments: int = 120,
    length: float = LENGTH,
    arch: float = ARCH,
    toe_shift: float = TOE_SHIFT,
    mirror: bool = False,
    rotate_seed: int | None = 7,
    open_top: bool = False,
) -> trimesh.Trimesh:
    """A closed, consistently wound foot of ``4 * rings * segments`` triangles (approximately), in mm.

    Other lengths than ``LENGTH`` are the same foot scaled uniformly (a child's foot is a small foot).
    """
    factor = length / LENGTH
    length = LENGTH
    s = np.linspace(0, 1, rings + 1)[1:]
    theta = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    ss, tt = np.meshgrid(s, theta, indexing="ij")  # (rings, segments)
    a = ss * np.cos(tt)
    b = ss * np.sin(tt)
    x = length / 2 * (1 + a)
    root = np.sqrt(np.clip(1 - a * a, 0, None))
    v = np.where(root > 1e-9, b / np.where(root > 1e-9, root, 1), 0.0)
    v = np.clip(v, -1, 1)
    y = toe_shift * _smoothstep(x / length, 0.7, 1.0) + half_width_scale(x, length) * b
    u = x / length
    bump = np.where((u > 0.3) & (u < 0.65), np.sin(np.pi * (u - 0.3) / 0.35) ** 2, 0.0)
    z_bottom = arch * bump * _smoothstep(v, -0.2, 0.7)
    thickness = 22 + 43 * (1 - _smoothstep(u, 0.45, 0.95))
    z_top = z_bottom + thickness * np.sqrt(np.clip(1 - v * v, 0, None)) * np.sqrt(root)

    centre_x = length / 2
    centre_y = toe_shift * float(_smoothstep(np.array(0.5), 0.7, 1.0))
    centre_top = 22 + 43 * (1 - float(_smoothstep(np.array(0.5), 0.45, 0.95)))
    bottom = np.column_stack([x.ravel(), y.ravel(), z_bottom.ravel()])
    top = np.column_stack([x[:-1].ravel(), y[:-1].ravel(), z_top[:-1].ravel()])
    n_ring = rings * segments
    vertices = np.vstack(
        [
            bottom,
            top,
            [[centre_x, centre_y, 0.0], [centre_x, centre_y, centre_top]],
        ]
    )
    centre_b = len(vertices) - 2
    centre_t = len(vertices) - 1

    def bottom_index(i, j):
        return i * segments + (j % segments)

    def top_index(i, j):
        if i == rings - 1:  # the outline ring is shared
            return bottom_index(i, j)
        return n_ring + i * segments + (j % segments)

    faces = []
    j = np.arange(segments)
    for index, centre, flip in ((bottom_index, centre_b, True), (top_index, centre_t, False)):
        if open_top and not flip:
            continue
        fan = np.column_stack([np.full(segments, centre), index(0, j), index(0, j + 1)])
        quads = []
        for i in range(rings - 1):
            p00, p01 = index(i, j), index(i, j + 1)
            p10, p11 = index(i + 1, j), index(i + 1, j + 1)
            quads.append(np.column_stack([p00, p10, p11]))
            quads.append(np.column_stack([p00, p11, p01]))
        block = np.vstack([fan, *quads])
        faces.append(block[:, ::-1] if flip else block)
    faces = np.vstack(faces)
    if mirror:
        vertices = vertices * np.array([1.0, -1.0, 1.0])
        faces = faces[:, ::-1]
    mesh = trimesh.Trimesh(vertices=vertices * factor, faces=faces, process=False)
    if rotate_seed is not None:
        rng = np.random.default_rng(rotate_seed)
        matrix = trimesh.transformations.random_rotation_matrix(rng.random(3))
        matrix[:3, 3] = rng.uniform(-500, 500, 3)
        mesh.apply_transform(matrix)
    return mesh


def save(mesh: trimesh.Trimesh, path, *, file_type: str | None = None, scale: float = 1.0) -> None:
    """Writes ``mesh`` (in mm) scaled by ``scale`` (e.g. 0.1 for centimetres)."""
    copy = mesh.copy()
    copy.apply_scale(scale)
    kind = file_type or str(path).rsplit(".", 1)[-1]
    data = copy.export(file_type=kind)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as handle:
        handle.write(data)
