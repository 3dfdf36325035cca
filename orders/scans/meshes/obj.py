"""A lean reader for the common OBJ (``v x y z`` and triangle ``f`` lines, ``a``, ``a/b``, ``a//c``
or ``a/b/c`` corners): numpy over newline-aligned chunks, so memory stays near the arrays' size.

trimesh's general OBJ reader peaked at 400 MB over the arrays for a 1.5M-triangle file. Anything
unusual (polygons other than triangles, negative indices, a count that does not add up) returns
None and the file goes to trimesh as before, so this can only be faster, never different.
"""

from __future__ import annotations

import warnings

import numpy as np

CHUNK = 8 << 20


def read_obj(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(vertices float64 (n, 3), faces int64 (m, 3), zero-based) or None for the general reader."""
    vertex_parts: list[np.ndarray] = []
    face_parts: list[np.ndarray] = []
    n_vertex_lines = n_face_lines = 0
    start = 0
    size = len(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a token numpy cannot read: let trimesh decide
            while start < size:
                stop = data.find(b"\n", min(start + CHUNK, size - 1))
                stop = size if stop < 0 else stop + 1
                chunk = np.frombuffer(data, dtype=np.uint8, count=stop - start, offset=start)
                result = _chunk(chunk)
                if result is None:
                    return None
                (verts, n_v), (faces, n_f) = result
                vertex_parts.append(verts)
                face_parts.append(faces)
                n_vertex_lines += n_v
                n_face_lines += n_f
                start = stop
    except (ValueError, DeprecationWarning):
        return None
    values = np.concatenate(vertex_parts) if vertex_parts else np.zeros(0)
    indices = np.concatenate(face_parts) if face_parts else np.zeros(0, dtype=np.int64)
    if not n_vertex_lines or not n_face_lines or len(indices) != 3 * n_face_lines:
        return None
    per_line = len(values) // n_vertex_lines
    if per_line * n_vertex_lines != len(values) or per_line not in (3, 4, 6, 7):
        return None  # x y z [w] [r g b]: anything else is not the simple case
    if indices.min() < 1:
        return None  # relative (negative) indices
    return values.reshape(-1, per_line)[:, :3].copy(), indices.reshape(-1, 3) - 1


def _chunk(chunk: np.ndarray):
    """Vertex floats and face indices of one newline-aligned chunk (None: not the simple case)."""
    newline = np.flatnonzero(chunk == 10)
    starts = np.concatenate([[0], newline + 1])
    starts = starts[starts < len(chunk)]
    first = chunk[starts]
    second = chunk[np.minimum(starts + 1, len(chunk) - 1)]
    space = (second == 32) | (second == 9)
    is_v = (first == ord("v")) & space
    is_f = (first == ord("f")) & space
    line = np.cumsum(chunk == 10, dtype=np.int32)
    line = np.concatenate([[0], line[:-1]])  # the newline belongs to its own line
    line_kind = np.zeros(len(starts) + 1, dtype=np.uint8)
    line_kind[: len(starts)][is_v] = 1
    line_kind[: len(starts)][is_f] = 2
    # Line numbers per byte index the starts array only where a line starts (dense numbering).
    kind = line_kind[np.minimum(line, len(starts))]
    vertices = _numbers(chunk, kind == 1, starts[is_v], np.float64)
    faces = _numbers(chunk, kind == 2, starts[is_f], np.int64)
    return (vertices, int(is_v.sum())), (faces, int(is_f.sum()))


def _numbers(chunk: np.ndarray, mask: np.ndarray, line_starts: np.ndarray, dtype) -> np.ndarray:
    """The numbers on the chosen lines, their keyword blanked (an empty text parses as [-1])."""
    if not len(line_starts):
        return np.zeros(0, dtype=dtype)
    text = np.where(mask, chunk, 32).astype(np.uint8)
    text[line_starts] = 32  # the "v" or "f" itself
    if dtype is np.int64:
        _blank_after_slashes(text)
    return np.fromstring(text.tobytes(), dtype=dtype, sep=" ")


def _blank_after_slashes(text: np.ndarray) -> None:
    """ "12/5/7" → "12   ": only the vertex index of each corner is kept."""
    slash = text == ord("/")
    if not slash.any():
        return
    position = np.arange(len(text), dtype=np.int32)
    last_slash = np.maximum.accumulate(np.where(slash, position, -1))
    white = (text == 32) | (text == 10) | (text == 13) | (text == 9)
    last_white = np.maximum.accumulate(np.where(white, position, -1))
    text[last_slash > last_white] = 32
