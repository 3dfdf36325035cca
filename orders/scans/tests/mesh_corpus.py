"""The scan corpus: foot surfaces and impressions of known size, built in code (no binaries).

Used by the tests (``test_corpus.py``), the benchmarks (``benchmarks/bench_mesh.py``) and, through
``orders.tests.foot_meshes``, older tests.

The foot is a closed "lens" over a foot outline: a disk (s, θ) is mapped to the outline, the sole is
flat except for a medial arch, the dorsum is a dome that meets the sole at the outline. Built as a
RIGHT foot in the foot frame (+x heel to toes, +z up, +y = the foot's left = medial for a right foot);
``mirror=True`` gives the left foot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


# --- Impressions: a foam patch with the foot pressed in ----------------------------------------


def plantar_height(x: np.ndarray, y: np.ndarray, length: float = LENGTH) -> np.ndarray:
    """Height of the foot's underside above the ground at (x, y) mm (NaN outside its outline), for
    the right foot of ``foot_mesh(length=length)`` (mirror y for the left)."""
    f = length / LENGTH
    xs, ys = x / f, y / f
    a = 2 * xs / LENGTH - 1
    hws = half_width_scale(xs)
    b = (ys - TOE_SHIFT * _smoothstep(xs / LENGTH, 0.7, 1.0)) / hws
    root = np.sqrt(np.clip(1 - a * a, 0, None))
    inside = (np.abs(a) < 1) & (np.abs(b) < root)
    v = np.clip(np.where(root > 1e-9, b / np.where(root > 1e-9, root, 1), 0.0), -1, 1)
    u = xs / LENGTH
    bump = np.where((u > 0.3) & (u < 0.65), np.sin(np.pi * (u - 0.3) / 0.35) ** 2, 0.0)
    z = f * ARCH * bump * _smoothstep(v, -0.2, 0.7)
    return np.where(inside, z, np.nan)


def truth(length: float = LENGTH) -> tuple[float, float]:
    """(ball width, heel width) in mm of ``foot_mesh(length=length)`` (a uniformly scaled foot)."""
    ball, heel = expected_widths(LENGTH)
    return ball * length / LENGTH, heel * length / LENGTH


def impression_mesh(
    *,
    length: float = LENGTH,
    patch: tuple[float, float, float] = (371.0, 173.0, 48.0),
    press_mm: float = 22.0,
    vertices_target: int = 50_000,
    walls: bool = True,
    closed: bool = False,
    mirror: bool = False,
    holes: int = 0,
    noise_mm: float = 0.0,
    rotate_seed: int | None = 11,
    upside_down: bool = False,
    seed: int = 0,
) -> trimesh.Trimesh:
    """A foam patch (``patch`` = length, width, thickness in mm) with a foot pressed ``press_mm``
    deep: an open heightfield (the foam's top), with side walls down to the thickness when
    ``walls`` (a foam box scanned from above) and its underside too when ``closed`` (a block scanned
    all round). In mm, centred in the patch."""
    p_len, p_wid, p_thick = patch
    step = np.sqrt(p_len * p_wid / vertices_target)
    nu, nv = int(p_len / step) + 1, int(p_wid / step) + 1
    gu = np.linspace(0, p_len, nu)
    gv = np.linspace(-p_wid / 2, p_wid / 2, nv)
    uu, vv = np.meshgrid(gu, gv, indexing="ij")
    heel_at = (p_len - length) / 2
    fy = -vv if mirror else vv
    plantar = plantar_height(uu - heel_at, fy, length)
    depth = np.where(np.isnan(plantar), 0.0, np.clip(press_mm - np.nan_to_num(plantar), 0, None))
    top = p_thick - depth
    verts = np.column_stack([uu.ravel(), vv.ravel(), top.ravel()])
    idx = np.arange(nu * nv).reshape(nu, nv)
    a, b = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
    c, d = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    faces = np.vstack([np.column_stack([a, b, c]), np.column_stack([a, c, d])])
    if walls:
        ring = np.concatenate([idx[:, 0], idx[-1, 1:], idx[-2::-1, -1], idx[0, -2:0:-1]])
        base = len(verts)
        bottom = verts[ring] * np.array([1.0, 1.0, 0.0])
        verts = np.vstack([verts, bottom])
        k = len(ring)
        j = np.arange(k)
        t0, t1 = ring[j], ring[(j + 1) % k]
        b0, b1 = base + j, base + (j + 1) % k
        faces = np.vstack([faces, np.column_stack([t0, b0, b1]), np.column_stack([t0, b1, t1])])
        if closed:  # the block's underside: a fan from its centre, so the block is watertight
            centre = len(verts)
            verts = np.vstack([verts, [[p_len / 2, 0.0, 0.0]]])
            faces = np.vstack([faces, np.column_stack([np.full(k, centre), b1, b0])])
    rng = np.random.default_rng(seed)
    if holes:
        centroids = verts[faces].mean(axis=1)
        keep = np.ones(len(faces), dtype=bool)
        for _ in range(holes):  # holes in the rim and in the imprint, never at heel or toe tip
            cu = rng.uniform(heel_at + 0.2 * length, heel_at + 0.8 * length)
            cv = rng.uniform(-p_wid / 3, p_wid / 3)
            keep &= np.hypot(centroids[:, 0] - cu, centroids[:, 1] - cv) > 6.0
        faces = faces[keep]
    if noise_mm:
        verts = verts + rng.normal(0, noise_mm, verts.shape)
    mesh = trimesh.Trimesh(vertices=verts, faces=faces, process=False)
    if upside_down:
        mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi, [1, 0, 0]))
    if rotate_seed is not None:
        r = np.random.default_rng(rotate_seed)
        matrix = trimesh.transformations.random_rotation_matrix(r.random(3))
        matrix[:3, 3] = r.uniform(-300, 300, 3)
        mesh.apply_transform(matrix)
    return mesh


def foot_variant(
    *,
    length: float = LENGTH,
    mirror: bool = False,
    open_top: bool = False,
    holes: int = 0,
    noise_mm: float = 0.0,
    rotate_seed: int | None = 7,
    upside_down: bool = False,
    rings: int = 40,
    segments: int = 160,
    seed: int = 0,
) -> trimesh.Trimesh:
    """``foot_mesh`` with the corpus's damage: holes (away from heel and toe tips), noise, flips."""
    mesh = foot_mesh(
        rings=rings,
        segments=segments,
        length=length,
        mirror=mirror,
        rotate_seed=None,
        open_top=open_top,
    )
    rng = np.random.default_rng(seed)
    verts, faces = mesh.vertices.copy(), mesh.faces.copy()
    if holes:
        centroids = verts[faces].mean(axis=1)
        keep = np.ones(len(faces), dtype=bool)
        for _ in range(holes):
            cu = rng.uniform(0.25 * length, 0.75 * length)
            keep &= np.hypot(centroids[:, 0] - cu, centroids[:, 2] - 40 * length / LENGTH) > 8.0
        faces = faces[keep]
    if noise_mm:
        verts = verts + rng.normal(0, noise_mm, verts.shape)
    mesh = trimesh.Trimesh(vertices=verts, faces=faces, process=False)
    if upside_down:
        mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi, [1, 0, 0]))
    if rotate_seed is not None:
        r = np.random.default_rng(rotate_seed)
        matrix = trimesh.transformations.random_rotation_matrix(r.random(3))
        matrix[:3, 3] = r.uniform(-500, 500, 3)
        mesh.apply_transform(matrix)
    return mesh


# --- The corpus: cases with their truth -----------------------------------------------------------

UNIT_FILE_SCALE = {"mm": 1.0, "cm": 0.1, "inch": 1 / 25.4}


@dataclass(frozen=True)
class Case:
    """One corpus file: how to build it (in mm), how to write it, and what the analysis must say."""

    name: str
    kind: str  # "foot_surface" | "impression"
    side: str
    unit: str  # "mm" | "cm" | "inch" | "arbitrary"
    file_scale: float  # file units per mm
    length_mm: float
    build: Callable[[], trimesh.Trimesh]
    file_type: str = "stl"
    shoe_size: str | None = None  # "uk:5.5"

    @property
    def expect_known(self) -> bool:
        """Arbitrary scales end "scale unknown": a shoe size checks standard units, never invents one."""
        return self.unit != "arbitrary"

    @property
    def truth(self) -> tuple[float, float, float]:
        ball, heel = truth(self.length_mm)
        return self.length_mm, ball, heel


def _case(name, kind, side, unit, length, build, *, scale=None, file_type="stl", size=None):
    return Case(
        name=name,
        kind=kind,
        side=side,
        unit=unit,
        file_scale=scale if scale is not None else UNIT_FILE_SCALE[unit],
        length_mm=length,
        build=build,
        file_type=file_type,
        shoe_size=size,
    )


def corpus_cases() -> list[Case]:
    """Foot surfaces and impressions: damaged, turned, in mm, cm, inch and arbitrary scales, both
    sides, with and without the order's shoe size (EU 41 ≈ 258 mm, UK 5.5 ≈ 241 mm, UK 8 ≈ 267)."""
    foot, imp = "foot_surface", "impression"
    return [
        _case("foot closed mm R", foot, "right", "mm", 260, lambda: foot_variant(), size="eu:41"),
        _case("foot closed cm L", foot, "left", "cm", 260, lambda: foot_variant(mirror=True)),
        _case(
            "foot closed inch R (UK 5.5)",
            foot,
            "right",
            "inch",
            241,
            lambda: foot_variant(length=241),
            size="uk:5.5",
        ),
        _case(
            "foot open sole mm L",
            foot,
            "left",
            "mm",
            260,
            lambda: foot_variant(mirror=True, open_top=True),
            file_type="obj",
        ),
        _case(
            "foot holes cm R", foot, "right", "cm", 275, lambda: foot_variant(length=275, holes=3)
        ),
        _case(
            "foot noise inch L",
            foot,
            "left",
            "inch",
            260,
            lambda: foot_variant(mirror=True, noise_mm=0.3),
            file_type="ply",
        ),
        _case(
            "foot upside down mm R",
            foot,
            "right",
            "mm",
            260,
            lambda: foot_variant(upside_down=True, rotate_seed=None),
        ),
        _case(
            "foot tilted inch L",
            foot,
            "left",
            "inch",
            250,
            lambda: foot_variant(length=250, mirror=True, rotate_seed=21),
        ),
        _case("foot arbitrary x3.7 R", foot, "right", "arbitrary", 260, foot_variant, scale=3.7),
        _case(
            "foot arbitrary x0.37 L (EU 41)",
            foot,
            "left",
            "arbitrary",
            260,
            lambda: foot_variant(mirror=True),
            scale=0.37,
            size="eu:41",
        ),
        _case(
            "impression foam box mm R",
            imp,
            "right",
            "mm",
            260,
            lambda: impression_mesh(),
            size="eu:41",
        ),
        _case(
            "impression closed block inch L (EU 41)",
            imp,
            "left",
            "inch",
            260,
            lambda: impression_mesh(mirror=True, closed=True, rotate_seed=8),
            size="eu:41",
        ),
        _case(
            "impression open surface cm L",
            imp,
            "left",
            "cm",
            260,
            lambda: impression_mesh(mirror=True, walls=False),
        ),
        _case(
            "impression holes inch R (UK 5.5)",
            imp,
            "right",
            "inch",
            241,
            lambda: impression_mesh(length=241, holes=4),
            size="uk:5.5",
        ),
        _case(
            "impression noise mm L",
            imp,
            "left",
            "mm",
            275,
            lambda: impression_mesh(length=275, mirror=True, noise_mm=0.3),
            file_type="ply",
        ),
        _case(
            "impression tilted cm R",
            imp,
            "right",
            "cm",
            260,
            lambda: impression_mesh(rotate_seed=5),
            file_type="obj",
        ),
        _case(
            "impression upside down inch L",
            imp,
            "left",
            "inch",
            250,
            lambda: impression_mesh(length=250, mirror=True, upside_down=True, rotate_seed=None),
        ),
        _case(
            "impression arbitrary x0.05 R (UK 8)",
            imp,
            "right",
            "arbitrary",
            260,
            lambda: impression_mesh(),
            scale=0.05,
            size="uk:8",
        ),
        _case(
            "impression arbitrary x7.3 L",
            imp,
            "left",
            "arbitrary",
            260,
            lambda: impression_mesh(mirror=True),
            scale=7.3,
        ),
        real_world_case(),
    ]


def real_world_case() -> Case:
    """Like the public insole-project scans of issue 15: a 14.6 x 6.8 x 1.9 inch foam patch (open
    surface, ~50k vertices, binary PLY) with a UK 5.5 foot (241 mm) pressed in."""
    patch = (14.6 * 25.4, 6.8 * 25.4, 1.9 * 25.4)
    return _case(
        "real-world foam patch inch R (UK 5.5)",
        "impression",
        "right",
        "inch",
        241,
        lambda: impression_mesh(
            length=241, patch=patch, vertices_target=50_000, press_mm=24, rotate_seed=None
        ),
        file_type="ply",
        size="uk:5.5",
    )


def write_case(case: Case, folder) -> Path:
    """Writes the case's file (binary where the format has it) and returns its path."""
    path = Path(folder) / (
        case.name.replace(" ", "_").replace("(", "").replace(")", "") + "." + case.file_type
    )
    save(case.build(), path, file_type=case.file_type, scale=case.file_scale)
    return path


def run_case(case: Case, folder) -> dict:
    """Writes and inspects one case through ``inspect_mesh`` (the upload path); the row to judge."""
    from orders.scans.meshes import SizeHint, inspect_mesh

    path = write_case(case, folder)
    hint = SizeHint.from_text(case.shoe_size) if case.shoe_size else None
    report = inspect_mesh(path, filename=path.name, size_hint=hint)
    m = report.measurements
    length, ball, heel = case.truth
    return {
        "case": case.name,
        "report": report,
        "kind_ok": report.kind == case.kind,
        "scale_ok": (report.scale.status == "resolved") == case.expect_known
        and (not case.expect_known or report.scale.unit == case.unit),
        "truth": (length, ball, heel),
        "measured": (m.length_mm, m.ball_width_mm, m.heel_width_mm),
        "errors": (m.length_mm - length, m.ball_width_mm - ball, m.heel_width_mm - heel),
    }


def corpus_table(rows: list[dict]) -> str:
    """The error table for the report: truth and measured length / ball / heel in mm."""
    head = (
        f"{'case':<40}{'kind':<14}{'scale':<22}{'truth L/B/H mm':<20}"
        f"{'measured L/B/H mm':<22}{'error L/B/H mm':<20}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        report = row["report"]
        scale = report.scale
        scale_text = f"{scale.status}:{scale.unit or '-'}"
        kind = ("ok " if row["kind_ok"] else "BAD ") + report.kind.split("_")[0]
        t = "/".join(f"{v:.0f}" for v in row["truth"])
        m = "/".join(f"{v:.0f}" for v in row["measured"])
        e = (
            "/".join(f"{v:+.1f}" for v in row["errors"])
            if scale.status != "unknown"
            else "(flagged)"
        )
        ok = "" if row["scale_ok"] else " BAD"
        lines.append(f"{row['case']:<40}{kind:<14}{scale_text + ok:<22}{t:<20}{m:<22}{e:<20}")
    return "\n".join(lines)
