"""A zero-copy reader for the common binary PLY (triangles, vertex x/y/z): no temporary copies.

trimesh's general PLY reader peaks at several times the arrays' size (a 1.5M-triangle file took a
worker from 170 MB to 480 MB), which breaks the 600 MB budget near the face cap. Anything this
reader does not handle (ASCII, extra elements, polygons other than triangles) returns None and goes
to trimesh as before.
"""

from __future__ import annotations

import numpy as np

TYPES = {
    "char": "i1",
    "int8": "i1",
    "uchar": "u1",
    "uint8": "u1",
    "short": "i2",
    "int16": "i2",
    "ushort": "u2",
    "uint16": "u2",
    "int": "i4",
    "int32": "i4",
    "uint": "u4",
    "uint32": "u4",
    "float": "f4",
    "float32": "f4",
    "double": "f8",
    "float64": "f8",
}


def read_binary_ply(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(vertices float64 (n, 3), faces int64 (m, 3)) or None when the file is not the simple case."""
    end = data.find(b"end_header", 0, 1 << 16)
    if not data.startswith(b"ply") or end < 0:
        return None
    newline = data.find(b"\n", end)
    if newline < 0:
        return None
    header = data[:end].decode("ascii", errors="replace").splitlines()
    order = None
    elements: list[tuple[str, int, list[tuple[str, ...]]]] = []
    for line in header:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "format":
            order = {"binary_little_endian": "<", "binary_big_endian": ">"}.get(parts[1])
        elif parts[0] == "element" and len(parts) == 3:
            elements.append((parts[1], int(parts[2]), []))
        elif parts[0] == "property" and elements:
            elements[-1][2].append(tuple(parts[1:]))
    if order is None or [name for name, _, _ in elements] != ["vertex", "face"]:
        return None
    (_, n_vertices, vertex_props), (_, n_faces, face_props) = elements
    vertex_dtype = _scalar_dtype(vertex_props, order)
    if vertex_dtype is None or not {"x", "y", "z"} <= set(vertex_dtype.names):
        return None
    face_fields = []
    for prop in face_props:
        if prop[0] == "list" and len(prop) == 4:
            count, index = TYPES.get(prop[1]), TYPES.get(prop[2])
            if count is None or index is None or any(f[0] == "v" for f in face_fields):
                return None
            face_fields += [("n", order + count), ("v", order + index, (3,))]
        elif len(prop) == 2 and prop[0] in TYPES:
            face_fields.append(("_" + prop[1], order + TYPES[prop[0]]))
        else:
            return None
    if not any(f[0] == "v" for f in face_fields):
        return None
    face_dtype = np.dtype(face_fields)
    start = newline + 1
    need = start + n_vertices * vertex_dtype.itemsize + n_faces * face_dtype.itemsize
    if len(data) < need:
        return None  # truncated or polygons of other sizes: trimesh explains
    vertex_records = np.frombuffer(data, dtype=vertex_dtype, count=n_vertices, offset=start)
    face_records = np.frombuffer(
        data, dtype=face_dtype, count=n_faces, offset=start + n_vertices * vertex_dtype.itemsize
    )
    if n_faces and not (face_records["n"] == 3).all():
        return None
    vertices = np.empty((n_vertices, 3), dtype=np.float64)
    for column, name in enumerate("xyz"):
        vertices[:, column] = vertex_records[name]
    return vertices, face_records["v"].astype(np.int64)


def _scalar_dtype(props: list[tuple[str, ...]], order: str) -> np.dtype | None:
    fields = []
    for prop in props:
        if len(prop) != 2 or prop[0] not in TYPES:
            return None
        fields.append((prop[1], order + TYPES[prop[0]]))
    try:
        return np.dtype(fields)
    except (TypeError, ValueError):
        return None
