"""Moved to ``orders.scans.tests.mesh_corpus`` (issue 15: the scan corpus); kept for its importers."""

from orders.scans.tests.mesh_corpus import (  # noqa: F401
    ARCH,
    BALL_G,
    HEEL_G,
    LENGTH,
    TOE_SHIFT,
    expected_widths,
    foot_mesh,
    half_width_scale,
    outline_width,
    save,
)
