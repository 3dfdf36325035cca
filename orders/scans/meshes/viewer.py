"""A light copy of the scan for the browser's 3D view (three.js STLLoader): binary STL, in mm,
in the foot frame (+x heel to toes, +z up), decimated in the worker so the page stays light."""

from __future__ import annotations

import numpy as np

from .types import AlignedMesh, MeshReport


def viewer_mesh(report: MeshReport | AlignedMesh, *, max_triangles: int = 40_000) -> bytes:
    """Binary STL of at most ``max_triangles`` triangles of the report's aligned mesh.

    Decimation by vertex clustering: vertices are snapped to a grid whose cell is chosen so the
    clustered mesh has about ``max_triangles`` faces (refined twice), collapsed triangles dropped.
    Cheap (a few sorts), keeps the outline and the arch; detail below the cell size (~2 mm for a
    1M-triangle foot) is what the clinician's view loses. For an impression, the imprint is sent.
    """
    aligned = report.aligned if isinstance(report, MeshReport) else report
    if aligned is None:
        raise ValueError("This report has no mesh attached; inspect the file again.")
    vertices = np.asarray(aligned.vertices, dtype=np.float64)
    faces = np.asarray(aligned.faces, dtype=np.int64)
    # Outline points (impressions) come before the mesh's own vertices: keep only referenced ones.
    if len(faces) > max_triangles:
        extent = float(np.ptp(vertices[faces.ravel()], axis=0).max())
        cell = extent * np.sqrt(2.0 / max_triangles)
        for _round in range(6):
            clustered = _cluster(vertices, faces, cell)
            if len(clustered) <= max_triangles:
                break
            cell *= 1.3 * np.sqrt(len(clustered) / max_triangles)
        faces = clustered
    return _binary_stl(vertices, faces)


def _cluster(vertices: np.ndarray, faces: np.ndarray, cell: float) -> np.ndarray:
    """Faces re-pointed to one representative vertex per occupied cell; degenerate ones dropped."""
    keys = np.floor((vertices - vertices.min(axis=0)) / cell).astype(np.int64)
    span = keys.max(axis=0) + 1
    flat = (keys[:, 0] * span[1] + keys[:, 1]) * span[2] + keys[:, 2]
    _, representative = np.unique(flat, return_inverse=True)
    representative = representative.ravel()
    # Each cluster is shown at its first vertex's position (index of the first member).
    first = np.full(representative.max() + 1, len(vertices), dtype=np.int64)
    np.minimum.at(first, representative, np.arange(len(vertices)))
    mapped = first[representative][faces]
    keep = (
        (mapped[:, 0] != mapped[:, 1])
        & (mapped[:, 1] != mapped[:, 2])
        & (mapped[:, 0] != mapped[:, 2])
    )
    mapped = mapped[keep]
    if len(mapped):
        ordered = np.sort(mapped, axis=1)
        _, unique_rows = np.unique(ordered, axis=0, return_index=True)
        mapped = mapped[np.sort(unique_rows)]
    return mapped


def _binary_stl(vertices: np.ndarray, faces: np.ndarray) -> bytes:
    triangles = vertices[faces].astype(np.float32)
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(lengths > 0, normals / np.where(lengths > 0, lengths, 1), 0).astype(
        np.float32
    )
    records = np.zeros(len(faces), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    records["n"] = normals
    records["v"] = triangles
    header = b"Fits Perfect viewer mesh, mm, foot frame".ljust(80, b" ")
    return header + len(faces).to_bytes(4, "little") + records.tobytes()
