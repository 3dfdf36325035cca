"""Reading a mesh: format sniffing, size limits, parsing, and `inspect_mesh` (the whole pipeline)."""

from __future__ import annotations

import hashlib
import io
import logging
import os
from pathlib import Path
from typing import IO

import numpy as np
import trimesh
from django.utils.translation import gettext as _

from .obj import read_obj
from .ply import read_binary_ply
from .topology import analyse
from .types import (
    DEFAULT_MAX_BYTES,
    MAGIC_NAMES,
    MAX_DECLARED_TRIANGLES,
    MAX_TRIANGLES,
    MIN_TRIANGLES,
    SUPPORTED_FORMATS,
    MeshReport,
    ScaleOverride,
    ScanRejected,
    SizeHint,
)

logger = logging.getLogger(__name__)


def inspect_mesh(
    source: str | os.PathLike | IO[bytes],
    *,
    filename: str,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    size_hint: SizeHint | None = None,
    scale_override: ScaleOverride | None = None,
) -> MeshReport:
    """Parses, classifies and measures one scan; raises ``ScanRejected`` naming the file and why.

    The one code path for the upload task, staff re-scaling and ``manage.py inspect_scan``.
    The format comes from ``filename``'s extension and is then proven by parsing: STL and OBJ have no
    magic bytes, and trimesh returns an empty mesh for garbage, so the face count is what decides.
    Face counts over ``MAX_TRIANGLES`` are refused from the header (PLY, binary STL) or a streamed
    count of face lines (OBJ, ASCII STL) before any array is built.
    ``size_hint`` (the order's shoe size, a typed foot length) checks the unit; ``scale_override``
    is staff's decision and wins.
    """
    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in SUPPORTED_FORMATS:
        raise ScanRejected(
            filename,
            "unsupported_format",
            _("“%(name)s” is not a 3D scan: we accept STL, OBJ and PLY files.")
            % {"name": filename},
        )
    data = _read_bytes(source, filename, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    size_bytes = len(data)
    if not data or data.isspace():  # isspace() stops at the first other byte; no copy
        raise ScanRejected(filename, "empty", _("“%(name)s” is empty.") % {"name": filename})
    _reject_known_non_meshes(data, filename)
    encoding = None
    if ext == "stl":
        encoding = _check_stl_structure(data, filename)
    _reject_too_many_faces(data, ext, filename)

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
    _release_freed_memory()
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
    if len(faces) > MAX_TRIANGLES:
        raise _too_many(filename, len(faces))
    if len(faces) < MIN_TRIANGLES:
        raise ScanRejected(
            filename,
            "too_few_triangles",
            _("“%(name)s” has only %(count)d triangles; a foot scan needs at least %(minimum)d.")
            % {"name": filename, "count": len(faces), "minimum": MIN_TRIANGLES},
        )
    return analyse(
        vertices,
        faces,
        filename=filename,
        file_format=ext,
        encoding=encoding,
        sha256=sha256,
        size_bytes=size_bytes,
        size_hint=size_hint,
        scale_override=scale_override,
    )


def _parse(data: bytes, ext: str) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (float64) and faces (int64) parsed by trimesh, without its post-processing.

    STL goes straight to trimesh's STL reader (binary or ASCII); wrapping a million triangles in a
    ``Trimesh`` and a ``Scene`` costs more than the parse itself.
    """
    simple = {"ply": read_binary_ply, "obj": read_obj}.get(ext, lambda _data: None)(data)
    if simple is not None:
        vertices, faces = simple
    elif ext == "stl":
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
    for magic, kind in MAGIC_NAMES:
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


def _face_count(data: bytes, ext: str) -> int | None:
    """Faces the file declares or holds, without parsing (None when the header does not say).

    PLY: ``element face N`` in the text header. Binary STL: the count at byte 80. ASCII STL and OBJ:
    ``bytes.count`` of the face keyword (C speed, no copy); an OBJ polygon line counts once.
    """
    if ext == "ply":
        end = data.find(b"end_header", 0, 1 << 16)
        header = data[: end if end >= 0 else 1 << 16]
        for line in header.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == b"element" and parts[1] == b"face":
                try:
                    return int(parts[2])
                except ValueError:
                    return None
        return None
    if ext == "stl":
        if data[:5].lower() == b"solid" and b"\x00" not in data[:512]:
            return data.count(b"facet normal") or data.count(b"facet")
        return int.from_bytes(data[80:84], "little") if len(data) >= 84 else None
    return data.count(b"\nf ") + int(data.startswith(b"f "))


def _reject_too_many_faces(data: bytes, ext: str, filename: str) -> None:
    count = _face_count(data, ext)
    if count is not None and count > MAX_TRIANGLES:
        raise _too_many(filename, count)


def _too_many(filename: str, count: int) -> ScanRejected:
    return ScanRejected(
        filename,
        "too_many_triangles",
        _(
            "“%(name)s” has %(count)s triangles; we accept up to %(limit)s. Export the scan again "
            "with less detail (most apps call it “decimate” or “reduce”)."
        )
        % {"name": filename, "count": f"{count:,}", "limit": f"{MAX_TRIANGLES:,}"},
    )


def _release_freed_memory() -> None:
    """Hands memory the parser freed back to the OS (glibc keeps it otherwise: an OBJ parse left
    ~250 MB of free heap in the worker), so the analysis starts from the arrays' real size."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass
