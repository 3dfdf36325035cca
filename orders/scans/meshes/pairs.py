"""Checks of a left/right pair (same file, swapped feet, different lengths)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .types import PAIR_LENGTH_TOLERANCE_MM, MeshReport


@dataclass(frozen=True)
class PairIssue:
    """A problem with the left/right pair; ``severity`` is "error" (must fix) or "warning"."""

    code: str
    severity: str
    message: str


def check_pair_issues(left: MeshReport, right: MeshReport) -> list[PairIssue]:
    """Same file twice, or the two feet swapped.

    Left/right heuristic: in the foot frame (+x to the toes, +z up, +y to the foot's left) the medial
    side is +y for a right foot. Two mirror-asymmetric features point to the medial side: the medial
    longitudinal arch lifts the midfoot's underside off the ground on that side only, and the tip of
    the longest toe (big or second toe) lies medial of the ball's centre line. Limits: flat feet
    (no arch), Morton's toe or hallux valgus weaken the signals; partial scans may miss the midfoot;
    a scanner that writes a mirrored coordinate system, or a foam-box negative, flips the answer.
    So an unsure call is a warning, and even a confident "swapped" is only a warning for staff.
    """
    issues: list[PairIssue] = []
    if left.sha256 == right.sha256:
        issues.append(
            PairIssue(
                "same_file",
                "error",
                _(
                    "The left and right scans are the same file (“%(left)s” and “%(right)s”). "
                    "Please upload a scan of each foot."
                )
                % {"left": left.filename, "right": right.filename},
            )
        )
        return issues
    difference = abs(left.measurements.length_mm - right.measurements.length_mm)
    if difference > PAIR_LENGTH_TOLERANCE_MM:
        issues.append(
            PairIssue(
                "length_mismatch",
                "warning",
                _(
                    "The two scans differ in length by %(difference)d mm; please check they are "
                    "both your feet and in the same unit."
                )
                % {"difference": round(difference)},
            )
        )
    lside, rside = left.side.side, right.side.side
    if lside == "right" and rside == "left":
        issues.append(
            PairIssue(
                "swapped",
                "warning",
                _(
                    "The scans look swapped: “%(left)s” looks like a right foot and “%(right)s” "
                    "like a left foot."
                )
                % {"left": left.filename, "right": right.filename},
            )
        )
    elif lside == rside and lside is not None:
        issues.append(
            PairIssue(
                "same_side",
                "warning",
                _("Both scans look like a %(side)s foot; a member of staff will check them.")
                % {"side": _("left") if lside == "left" else _("right")},
            )
        )
    elif lside == "right" or rside == "left":
        report = left if lside == "right" else right
        issues.append(
            PairIssue(
                "maybe_swapped",
                "warning",
                _("“%(name)s” may be the other foot; a member of staff will check it.")
                % {"name": report.filename},
            )
        )
    return issues


def check_pair(left: MeshReport, right: MeshReport) -> list[str]:
    """Messages about the pair (see ``check_pair_issues`` for codes, severities and the heuristic)."""
    return [issue.message for issue in check_pair_issues(left, right)]
