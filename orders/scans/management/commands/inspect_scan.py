"""`python manage.py inspect_scan FILE [--shoe-size uk:5.5] [--foot-length-mm N] [--json]`.

For staff, the lab and audits: what the upload path computes for one scan file (kind, unit and
scale, measurements in mm, warnings, review reasons, side guess, triangle count), through the same
``inspect_mesh`` the validation task calls. ``--unit`` / ``--set-length-mm`` try a staff scale
decision; ``--preview`` / ``--viewer-mesh`` write the PNG and the 3D view's STL. Nothing is read from
or written to the database.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orders.scans.meshes import (
    DEFAULT_MAX_BYTES,
    UNIT_SCALES_TO_MM,
    ScaleOverride,
    ScanRejected,
    SizeHint,
    inspect_mesh,
    render_sole_preview,
    viewer_mesh,
)


class Command(BaseCommand):
    help = "Inspect one foot scan file (STL, OBJ, PLY) exactly as the upload path does."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--shoe-size", help='the order\'s shoe size, e.g. "uk:5.5", "eu:38"')
        parser.add_argument("--foot-length-mm", type=float, help="a foot length the customer typed")
        parser.add_argument("--unit", choices=sorted(UNIT_SCALES_TO_MM), help="staff: the unit is")
        parser.add_argument("--set-length-mm", type=float, help="staff: scale so the foot is N mm")
        parser.add_argument("--side", choices=["left", "right"], help="label for --preview")
        parser.add_argument("--preview", type=Path, help="write the sole preview PNG here")
        parser.add_argument("--viewer-mesh", type=Path, help="write the 3D view's STL here")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            hint = SizeHint.from_text(
                options["shoe_size"], foot_length_mm=options["foot_length_mm"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        override = None
        if options["unit"] or options["set_length_mm"]:
            override = ScaleOverride(unit=options["unit"], foot_length_mm=options["set_length_mm"])
        try:
            report = inspect_mesh(
                path,
                filename=path.name,
                max_bytes=DEFAULT_MAX_BYTES,
                size_hint=None if hint.is_empty else hint,
                scale_override=override,
            )
        except ScanRejected as rejected:
            if options["json"]:
                self.stdout.write(
                    json.dumps({"rejected": rejected.code, "message": rejected.message})
                )
                return
            raise CommandError(f"Rejected ({rejected.code}): {rejected.message}") from None
        if options["preview"]:
            options["preview"].write_bytes(render_sole_preview(report, side=options["side"]))
        if options["viewer_mesh"]:
            options["viewer_mesh"].write_bytes(viewer_mesh(report))
        report.aligned = None
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), indent=2, default=list))
            return
        self.stdout.write("\n".join(describe(report)))


def describe(report) -> list[str]:
    """The report as short lines of text (the figures a person checks first)."""
    m, scale, side = report.measurements, report.scale, report.side
    kind = "impression (measured on the imprint)" if report.kind == "impression" else "foot surface"
    unit = scale.unit or "unknown"
    lines = [
        f"File: {report.filename} ({report.file_format.upper()}"
        + (f", {report.encoding}" if report.encoding else "")
        + f", {report.size_bytes:,} bytes, sha256 {report.sha256[:12]}…)",
        f"Triangles: {report.triangle_count:,} ({report.vertex_count:,} vertices), "
        + ("closed surface" if report.watertight else "open surface"),
        f"Kind: {kind}, {report.kind_confidence:.0%} sure",
        f"Scale: {scale.status}; unit {unit}, {scale.confidence:.0%} sure; "
        f"{scale.scale_to_mm:.4g} mm per file unit"
        + (" (best guess)" if unit == "unknown" else ""),
        f"  {scale.explanation}",
        "Measurements (mm"
        + (", NOT CONFIDENT: scale unknown" if scale.status == "unknown" else "")
        + f"): length {m.length_mm}, ball width {m.ball_width_mm}, heel width {m.heel_width_mm}, "
        f"arch height {_mm(m.arch_height_mm)}, arch length {_mm(m.arch_length_mm)}",
        f"Side guess: {side.side or 'unsure'} ({side.confidence:.0%})",
        f"Needs review: {'yes' if report.needs_review else 'no'}",
    ]
    lines += [f"  review ({code}): {reason}" for code, reason in _pairs(report)]
    lines += [f"  warning: {warning}" for warning in report.warnings]
    return lines


def _mm(value: float | None) -> str:
    return "n/a" if value is None else str(value)


def _pairs(report) -> list[tuple[str, str]]:
    codes = list(report.review_codes) + ["-"] * len(report.review_reasons)
    return list(zip(codes, report.review_reasons, strict=False))
