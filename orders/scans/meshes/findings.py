"""Warnings and review reasons for one analysed scan (every message names the file)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .measure import heel_ball_sane
from .types import FootMeasurements, ScaleResolution, SideGuess

KIND_REVIEW_BELOW = 0.6
"""A foot/impression call less sure than this goes to staff."""


def review_findings(
    *,
    filename: str,
    watertight: bool,
    kind,
    scale: ScaleResolution,
    raw_length: float,
    measurements: FootMeasurements,
    side: SideGuess,
) -> tuple[list[str], list[str], list[str]]:
    """(warnings, review reasons, review codes). Codes: scale_unknown, kind_unsure,
    heel_not_narrower, proportions; each code has one reason sentence with the figures."""
    warnings: list[str] = []
    review: list[str] = []
    codes: list[str] = []
    name = {"name": filename}
    if kind.kind == "impression":
        warnings.append(
            _(
                "“%(name)s” is an impression (a foam box or cast): it was measured on the imprint "
                "of the foot, not on the block."
            )
            % name
        )
    elif not watertight:
        warnings.append(
            _(
                "“%(name)s” is an open surface (not watertight). That is normal for scans of the "
                "sole; the lab will close it."
            )
            % name
        )
    if kind.confidence < KIND_REVIEW_BELOW:
        codes.append("kind_unsure")
        review.append(
            _(
                "We are not sure whether “%(name)s” is a foot or an impression (%(pct)d%% sure it "
                "is %(kind)s); a member of staff will check it."
            )
            % {
                **name,
                "pct": round(kind.confidence * 100),
                "kind": _("an impression") if kind.kind == "impression" else _("a foot"),
            }
        )
    if scale.status == "unknown":
        codes.append("scale_unknown")
        review.append(
            _(
                "Scale unknown for “%(name)s” (%(raw)s file units long): %(why)s "
                "A member of staff will set the scale."
            )
            % {**name, "raw": f"{raw_length:.4g}", "why": scale.explanation}
        )
    elif scale.status == "resolved" and scale.confidence < 0.9 and scale.size_range_mm:
        warnings.append(
            _("“%(name)s”: %(why)s") % {**name, "why": scale.explanation},
        )
    if side.side is None:
        warnings.append(
            _("We could not tell from its shape whether “%(name)s” is a left or a right foot.")
            % name
        )
    if not heel_ball_sane(measurements):
        codes.append("heel_not_narrower")
        review.append(
            _(
                "In “%(name)s” the heel (%(heel)d mm) is not narrower than the ball of the foot "
                "(%(ball)d mm): the scan may show the block, not the foot."
            )
            % {
                **name,
                "heel": round(measurements.heel_width_mm),
                "ball": round(measurements.ball_width_mm),
            }
        )
    ratio = measurements.ball_width_mm / max(measurements.length_mm, 1e-6)
    if not 0.2 <= ratio <= 0.7:
        codes.append("proportions")
        review.append(
            _(
                "“%(name)s” does not have the proportions of a foot (%(length)d mm long, "
                "%(ball)d mm wide); a member of staff will check it."
            )
            % {
                **name,
                "length": round(measurements.length_mm),
                "ball": round(measurements.ball_width_mm),
            }
        )
    return warnings, review, codes
