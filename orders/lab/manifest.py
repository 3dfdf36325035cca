"""The manifest the lab receives with each submission, and the files it lists.

Validated against `schemas/lab_manifest.schema.json` (the contract with the lab, kept in this app).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

import jsonschema

from orders.scans.meshes import FootMeasurements, MeshReport

from .errors import LabPermanentError

SCHEMA_VERSION = "2.0"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_PATH = SCHEMA_DIR / "lab_manifest.schema.json"
# Every version the lab has been sent: stored manifests of an older version still validate
# against their own schema; new manifests are always SCHEMA_VERSION.
SCHEMA_PATHS = {"1.0": SCHEMA_DIR / "lab_manifest.v1.schema.json", SCHEMA_VERSION: SCHEMA_PATH}
MANIFEST_NAME = "manifest.json"
SCAN_ROLES = ("left_scan", "right_scan")
PHOTO_ROLES = ("left_photo", "right_photo", "other_photo")
CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class LabFile:
    """One file of a submission. ``path`` is where we read it from; ``name`` is the lab's file name.

    With ``storage`` set, ``path`` is a name in that Django storage (local folder or S3) and the
    bytes are read through the storage API; without it, ``path`` is a local file.

    Scans carry ``triangle_count``, ``bbox_mm`` (x, y, z size in mm) and the unit the file's own
    coordinates are in (``source_unit``, ``scale_to_mm``): STL has no units, so the lab must know.
    """

    role: str
    path: str
    format: str
    sha256: str
    bytes: int
    triangle_count: int | None = None
    bbox_mm: tuple[float, float, float] | None = None
    source_unit: str | None = None
    scale_to_mm: float | None = None
    name: str | None = None
    storage: Any = field(default=None, compare=False, repr=False)

    @property
    def lab_name(self) -> str:
        return self.name or f"{self.role}.{self.format}"

    def size(self) -> int:
        """The stored file's size now; ``LabPermanentError`` when it is gone."""
        try:
            if self.storage is not None:
                return int(self.storage.size(self.path))
            return Path(self.path).stat().st_size
        except FileNotFoundError as exc:
            raise LabPermanentError(f"A file of the submission is missing: {self.path}") from exc

    def open(self) -> IO[bytes]:
        """The stored file opened for reading; ``LabPermanentError`` when it is gone."""
        try:
            if self.storage is not None:
                return self.storage.open(self.path, "rb")
            return open(self.path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            raise LabPermanentError(f"A file of the submission is missing: {self.path}") from exc

    @classmethod
    def for_scan(cls, *, role: str, path: str | os.PathLike, report: MeshReport) -> LabFile:
        """A scan entry from its validation report (sha256, size, triangles, box, unit)."""
        if role not in SCAN_ROLES:
            raise ValueError(f"{role!r} is not a scan role")
        return cls(
            role=role,
            path=str(path),
            format=report.file_format,
            sha256=report.sha256,
            bytes=report.size_bytes,
            triangle_count=report.triangle_count,
            bbox_mm=report.bbox_size_mm,
            source_unit=report.unit.unit,
            scale_to_mm=report.unit.scale_to_mm,
        )

    @classmethod
    def for_photo(cls, *, role: str, path: str | os.PathLike, format: str) -> LabFile:  # noqa: A002
        """A photo entry (``format`` "jpeg" or "png"); hashes the file."""
        if role not in PHOTO_ROLES:
            raise ValueError(f"{role!r} is not a photo role")
        target = Path(path)
        return cls(
            role=role,
            path=str(target),
            format=format,
            sha256=sha256_of(target),
            bytes=target.stat().st_size,
        )


@dataclass(frozen=True)
class LabPayload:
    """Everything the lab needs for one order revision; ``submission_id`` is the idempotency key."""

    submission_id: str
    order_number: str
    revision: int
    created_at: datetime
    customer_reference: str
    product: str
    options: dict[str, Any]
    shoe_size: str
    shoe_size_system: str
    measurements: dict[str, FootMeasurements]
    files: list[LabFile]
    clinician_notes: str = ""
    # Schema 2.0: the clinician's current prescription (`Prescription.for_lab()`), the foot-posture
    # scores (None without an assessment) and the delivery ({"ships_to": ..., "address": ...}).
    prescription: dict[str, Any] | None = None
    posture: dict[str, Any] | None = None
    delivery: dict[str, Any] | None = None


@cache
def manifest_schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    return json.loads(SCHEMA_PATHS[version].read_text(encoding="utf-8"))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise LabPermanentError("created_at must be timezone-aware (UTC).")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_manifest(payload: LabPayload) -> dict[str, Any]:
    """The manifest the lab receives (JSON-ready), validated against the repository's schema.
    No prescription, no manifest: the lab never makes a device from free-text notes alone."""
    if not payload.prescription:
        raise LabPermanentError(
            "No current prescription: a clinician must complete one in the clinic before the "
            "order goes to the lab."
        )
    files = []
    for item in payload.files:
        entry: dict[str, Any] = {
            "role": item.role,
            "name": item.lab_name,
            "format": item.format,
            "bytes": item.bytes,
            "sha256": item.sha256,
        }
        if item.role in SCAN_ROLES:
            entry.update(
                units="mm",
                source_unit=item.source_unit or "mm",
                scale_to_mm=item.scale_to_mm if item.scale_to_mm is not None else 1.0,
                triangle_count=item.triangle_count,
                bbox_mm=list(item.bbox_mm) if item.bbox_mm is not None else None,
            )
        files.append(entry)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "submission_id": payload.submission_id,
        "order_number": payload.order_number,
        "revision": payload.revision,
        "created_at": _iso(payload.created_at),
        "customer_reference": payload.customer_reference,
        "product": {"code": payload.product, "options": dict(payload.options)},
        "shoe_size": {"value": str(payload.shoe_size), "system": payload.shoe_size_system},
        "measurements": {
            side: {
                "units": "mm",
                "length": m.length_mm,
                "forefoot_width": m.ball_width_mm,  # the lab schema's name for the ball width
                "heel_width": m.heel_width_mm,
                "arch_height": m.arch_height_mm,
            }
            for side, m in sorted(payload.measurements.items())
        },
        "clinician_notes": payload.clinician_notes,
        # Deep copies: the manifest is the lab's; changing it never changes the payload.
        "prescription": copy.deepcopy(payload.prescription),
        "posture": copy.deepcopy(payload.posture) if payload.posture else None,
        "delivery": copy.deepcopy(payload.delivery or {"ships_to": "fits_perfect"}),
        "files": files,
    }
    validate_manifest(manifest)
    return manifest


@cache
def _manifest_validator(version: str = SCHEMA_VERSION) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        manifest_schema(version), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def validate_manifest(manifest: dict[str, Any]) -> None:
    """Raises ``LabPermanentError`` naming the first problem when the manifest breaks the schema
    of its own `schema_version` (the current one when it names none we know)."""
    version = manifest.get("schema_version") if isinstance(manifest, dict) else None
    validator = _manifest_validator(version if version in SCHEMA_PATHS else SCHEMA_VERSION)
    errors = sorted(validator.iter_errors(manifest), key=lambda error: list(error.path))
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.path) or "(root)"
        raise LabPermanentError(f"Invalid lab manifest at {where}: {first.message}")


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
