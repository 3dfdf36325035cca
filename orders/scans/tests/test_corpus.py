"""The scan corpus (``mesh_corpus.py``): every case classified right, measured within 3 mm when its
unit is standard, "scale unknown" when it is not, and the issue's real-world foam patch measured
on the imprint."""

import io

import numpy as np
import pytest
from PIL import Image

from orders.scans import meshes
from orders.scans.meshes import ScaleOverride, SizeHint, inspect_mesh
from orders.scans.tests.mesh_corpus import (
    corpus_cases,
    corpus_table,
    impression_mesh,
    real_world_case,
    run_case,
    save,
    truth,
)

CASES = corpus_cases()
TOLERANCE_MM = 3.0


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    return {case.name: run_case(case, folder) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case_is_classified_right(rows, case):
    report = rows[case.name]["report"]
    assert report.kind == case.kind
    assert report.kind_confidence >= 0.6
    assert "kind_unsure" not in report.review_codes


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.expect_known], ids=[c.name for c in CASES if c.expect_known]
)
def test_cases_in_a_standard_unit_are_measured_within_3_mm(rows, case):
    row = rows[case.name]
    report = row["report"]
    assert report.scale.status == "resolved" and report.scale.unit == case.unit
    assert report.unit.unit == case.unit  # the unit step says the same as the scale
    assert all(abs(error) <= TOLERANCE_MM for error in row["errors"]), corpus_table([row])
    m = report.measurements
    assert m.heel_width_mm < m.ball_width_mm
    assert not report.needs_review, report.review_reasons
    assert report.side.side == case.side
    assert f"{m.length_mm:.0f} mm" in report.scale.explanation


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if not c.expect_known],
    ids=[c.name for c in CASES if not c.expect_known],
)
def test_arbitrary_scales_end_scale_unknown_even_with_a_shoe_size(rows, case):
    report = rows[case.name]["report"]
    assert report.scale.status == "unknown" and report.scale.unit is None
    assert report.unit.unit == "unknown" and report.unit.confidence == 0.0
    assert report.needs_review and "scale_unknown" in report.review_codes
    reason = report.review_reasons[report.review_codes.index("scale_unknown")]
    assert "scale unknown" in reason and case.name.split()[0] not in ("",)
    if case.shoe_size:
        low, high = report.scale.size_range_mm
        assert f"{low:.0f}–{high:.0f} mm" in reason  # both figures: the size's and the scan's


def test_the_corpus_table_lists_every_case(rows):
    table = corpus_table(list(rows.values()))
    assert all(case.name in table for case in CASES)
    assert "BAD" not in table


def test_the_real_world_foam_patch_is_measured_on_the_imprint(tmp_path):
    case = real_world_case()
    row = run_case(case, tmp_path)
    report = row["report"]

    assert report.file_format == "ply" and report.encoding is None
    assert 45_000 <= report.vertex_count <= 60_000 and not report.watertight
    assert np.allclose(report.bbox_size_mm, (14.6 * 25.4, 6.8 * 25.4, 1.9 * 25.4), rtol=0.02)
    assert report.kind == "impression"
    m = report.measurements
    assert m.length_mm == pytest.approx(241, abs=TOLERANCE_MM)  # the foot, not the 371 mm patch
    assert m.heel_width_mm < m.ball_width_mm < 120
    assert report.scale.status == "resolved" and report.scale.unit == "inch"
    assert report.scale.size_range_mm == (239.2, 243.4)
    assert not report.needs_review


def test_an_impression_in_an_odd_unit_is_flagged_then_fixed_by_staff(tmp_path):
    # The "done when": a foam impression in no standard unit, with a shoe size.
    path = tmp_path / "odd.ply"
    patch = (14.6 * 25.4, 6.8 * 25.4, 1.9 * 25.4)
    save(impression_mesh(length=241, patch=patch, press_mm=24), path, scale=1 / 19.0)
    hint = SizeHint.from_text("uk:5.5")

    flagged = inspect_mesh(path, filename="odd.ply", size_hint=hint)

    assert flagged.kind == "impression"
    assert flagged.scale.status == "unknown" and "scale_unknown" in flagged.review_codes
    assert "UK 5.5 (239–243 mm)" in flagged.scale.explanation
    raw = flagged.measurements.length_mm / flagged.scale.scale_to_mm
    assert raw == pytest.approx(241 / 19.0, rel=0.02)  # measured on the imprint, in file units

    fixed = inspect_mesh(
        path, filename="odd.ply", size_hint=hint, scale_override=ScaleOverride(foot_length_mm=241)
    )

    assert fixed.scale.status == "set_by_staff" and not fixed.needs_review
    ball, heel = truth(241)
    m = fixed.measurements
    assert m.length_mm == pytest.approx(241, abs=0.5)
    assert m.ball_width_mm == pytest.approx(ball, abs=TOLERANCE_MM)
    assert m.heel_width_mm == pytest.approx(heel, abs=TOLERANCE_MM)


def test_a_foam_patch_with_no_foot_in_it_is_not_a_confident_foot(tmp_path):
    path = tmp_path / "blank.stl"
    save(impression_mesh(press_mm=0.0), path)

    report = inspect_mesh(path, filename="blank.stl", size_hint=SizeHint("eu", "41"))

    assert report.kind == "foot_surface"  # nothing is pressed in: no imprint to measure
    assert report.needs_review
    assert {"heel_not_narrower", "scale_unknown"} & set(report.review_codes)


@pytest.mark.parametrize("upside_down", [False, True])
def test_the_impression_preview_shows_the_imprint_toes_up(tmp_path, upside_down):
    path = tmp_path / "imp.stl"
    save(impression_mesh(upside_down=upside_down, rotate_seed=None if upside_down else 3), path)
    report = inspect_mesh(path, filename="imp.stl")

    png = meshes.render_sole_preview(report, side="right", size=(200, 400))

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    drawn = (pixels[30:370] != 255).any(axis=2).sum(axis=1)  # without label and scale bar
    rows = np.nonzero(drawn)[0]
    first, last = rows.min(), rows.max()
    at = lambda share: drawn[int(first + share * (last - first))]  # noqa: E731 - share from the top
    assert at(0.3) > 1.3 * at(0.85)  # the ball (70 % from the heel) above the heel (15 %)
