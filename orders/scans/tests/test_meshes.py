"""Foot scan validation: what a customer's file is accepted as, rejected for, and measured at."""

import hashlib
import io
import json
import random
import re
import struct

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from orders.scans import meshes
from orders.scans.meshes import ScanRejected, check_pair, check_pair_issues, inspect_mesh
from orders.tests.foot_meshes import ARCH, LENGTH, expected_widths, foot_mesh, save


@pytest.fixture(scope="module")
def right_foot():
    return foot_mesh(rotate_seed=7)


@pytest.fixture(scope="module")
def left_foot():
    return foot_mesh(mirror=True, rotate_seed=3)


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- Accepted formats and measurements ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "file_type", "encoding"),
    [
        ("foot.stl", "stl", "binary"),
        ("foot_ascii.stl", "stl_ascii", "ascii"),
        ("foot.obj", "obj", None),
        ("foot.ply", "ply", None),
    ],
)
def test_each_format_is_parsed_and_measured_in_mm(tmp_path, right_foot, name, file_type, encoding):
    path = tmp_path / name
    save(right_foot, path, file_type=file_type)

    report = inspect_mesh(path, filename=name)

    fore, heel = expected_widths()
    m = report.measurements
    assert report.file_format == name.rsplit(".", 1)[-1]
    assert report.encoding == encoding
    assert report.unit.unit == "mm" and not report.needs_review
    assert report.triangle_count == len(right_foot.faces)
    assert report.watertight and report.warnings == []
    assert m.length_mm == pytest.approx(LENGTH, abs=2.0)
    assert m.ball_width_mm == pytest.approx(fore, rel=0.03)
    assert m.heel_width_mm == pytest.approx(heel, rel=0.04)
    assert m.arch_height_mm == pytest.approx(ARCH, abs=1.5)
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report.size_bytes == path.stat().st_size
    assert max(report.bbox_size_mm) < LENGTH * 1.5  # rotated, so the box is bigger than the foot
    assert report.foot_box_mm[0] == pytest.approx(LENGTH, abs=2.0)
    assert report.foot_box_mm[1] == pytest.approx(fore, rel=0.03)
    stored = json.loads(json.dumps(report.to_dict()))  # what a JSONField will hold
    assert stored["measurements"]["length_mm"] == m.length_mm
    assert stored["unit"]["unit"] == "mm" and stored["needs_review"] is False
    assert "aligned" not in stored


def test_accepts_an_open_file_object(tmp_path, right_foot):
    path = tmp_path / "foot.stl"
    save(right_foot, path)
    with open(path, "rb") as handle:
        report = inspect_mesh(handle, filename="upload.stl")
    assert report.filename == "upload.stl"
    assert report.triangle_count == len(right_foot.faces)


# --- Units ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "scale"), [("mm", 1.0), ("cm", 0.1), ("m", 0.001), ("inch", 1 / 25.4)]
)
def test_the_same_foot_in_each_unit_is_recognised_and_measured_in_mm(
    tmp_path, right_foot, unit, scale
):
    path = tmp_path / f"foot_{unit}.stl"
    save(right_foot, path, scale=scale)

    report = inspect_mesh(path, filename=path.name)

    assert report.unit.unit == unit
    assert report.unit.scale_to_mm == meshes.UNIT_SCALES_TO_MM[unit]
    assert report.unit.confidence >= meshes.UNIT_REVIEW_BELOW
    assert not report.needs_review
    assert report.measurements.length_mm == pytest.approx(LENGTH, abs=2.0)


def test_an_ambiguous_unit_goes_to_review_not_rejection(tmp_path):
    # 140 units long: a 140 mm child's foot in cm, or a 356 mm foot in inches.
    mesh = foot_mesh(length=140.0)
    path = tmp_path / "ambiguous.stl"
    save(mesh, path, scale=0.1)

    report = inspect_mesh(path, filename="ambiguous.stl")

    assert report.needs_review and report.review_codes == ["scale_unknown"]
    assert report.scale.status == "unknown" and report.scale.unit is None
    assert report.unit.unit == "unknown" and report.unit.confidence == 0.0  # says the same thing
    assert report.unit.scores["cm"] > 0 and report.unit.scores["inch"] > 0
    assert re.search(
        r"could be 14\d mm in centimetres or 35\d mm in inches", report.scale.explanation
    )
    assert "ambiguous.stl" in report.review_reasons[0]


def test_guess_unit_table():
    assert meshes.guess_unit(260).unit == "mm"
    assert meshes.guess_unit(26).unit == "cm"
    assert meshes.guess_unit(0.26).unit == "m"
    assert meshes.guess_unit(10.24).unit == "inch"
    assert meshes.guess_unit(14).needs_review
    for impossible in (0.01, 1.5, 55, 600, 5000):
        assert meshes.guess_unit(impossible) is None


@settings(max_examples=300, deadline=None)
@given(
    length=st.floats(200, 310),
    unit=st.sampled_from(sorted(meshes.UNIT_SCALES_TO_MM)),
)
def test_an_adult_foot_is_never_read_in_the_wrong_unit_without_review(length, unit):
    guess = meshes.guess_unit(length / meshes.UNIT_SCALES_TO_MM[unit])
    assert guess is not None
    assert guess.unit == unit or guess.needs_review


@settings(max_examples=300, deadline=None)
@given(
    length=st.floats(100, 340),
    unit=st.sampled_from(sorted(meshes.UNIT_SCALES_TO_MM)),
    size_error=st.floats(0.92, 1.08),
)
def test_with_the_shoe_size_any_foot_gets_its_unit_right(length, unit, size_error):
    guess = meshes.guess_unit(
        length / meshes.UNIT_SCALES_TO_MM[unit], expected_length_mm=length * size_error
    )
    assert guess.unit == unit and not guess.needs_review


def test_a_childs_foot_in_cm_is_settled_by_the_shoe_size(tmp_path):
    # 11.5 units: 115 mm in cm, or 292 mm in inches.
    path = tmp_path / "child.stl"
    save(foot_mesh(length=115.0), path, scale=0.1)
    # Known limit: without the shoe size the prior favours an adult foot (292 mm in inches).
    assert inspect_mesh(path, filename="child.stl").unit.unit == "inch"

    report = inspect_mesh(path, filename="child.stl", size_hint=meshes.SizeHint("eu", "19"))

    assert report.unit.unit == "cm" and not report.needs_review
    assert report.scale.status == "resolved" and report.scale.unit == "cm"
    assert report.measurements.length_mm == pytest.approx(115.0, abs=2.0)


def test_a_scan_that_does_not_match_the_shoe_size_goes_to_review(tmp_path, right_foot):
    path = tmp_path / "foot.stl"
    save(right_foot, path)

    report = inspect_mesh(path, filename="foot.stl", size_hint=meshes.SizeHint("eu", "36"))

    assert report.needs_review and "scale_unknown" in report.review_codes
    assert report.scale.status == "unknown"
    reason = report.review_reasons[report.review_codes.index("scale_unknown")]
    assert "Length 260 mm in millimetres is outside EU 36 (222–228 mm)" in reason


@pytest.mark.parametrize(
    ("size", "system", "expected"),
    [
        ("42", "EU", 265.0),
        ("8", "UK", 264.4),
        ("9", "US", 264.4),
        ("9.5", "US_W", 260.2),
        ("265", "MONDOPOINT", 265.0),
        ("26,5", "JP", 265.0),
        ("42", "XX", None),
        ("big", "EU", None),
        ("400", "EU", None),
    ],
)
def test_foot_length_from_shoe_size(size, system, expected):
    result = meshes.foot_length_from_shoe_size(size, system)
    assert result == (pytest.approx(expected, abs=0.6) if expected else None)


# --- Warnings ----------------------------------------------------------------------------------------


def test_an_open_surface_is_a_warning_not_a_rejection(tmp_path):
    mesh = foot_mesh(open_top=True)
    path = tmp_path / "impression.stl"
    save(mesh, path)

    report = inspect_mesh(path, filename="impression.stl")

    assert not report.watertight
    assert any("impression.stl" in w and "watertight" in w for w in report.warnings)
    assert report.measurements.length_mm == pytest.approx(LENGTH, abs=2.0)


# --- Rejections --------------------------------------------------------------------------------------


def _jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 100, 50)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 100, 50)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("left.stl", _jpeg_bytes(), "not_a_mesh", "JPEG"),
        (
            "left.obj",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 50,
            "not_a_mesh",
            "PDF",
        ),
        ("left.ply", _png_bytes(), "not_a_mesh", "PNG"),
        ("left.stl", random.Random(1).randbytes(10_000), "not_a_mesh", "not a valid STL"),
        ("left.obj", random.Random(2).randbytes(10_000), "not_a_mesh", "OBJ"),
        ("left.ply", random.Random(3).randbytes(10_000), "not_a_mesh", "PLY"),
        ("left.stl", b"", "empty", "empty"),
        ("left.obj", b"   \n\n", "empty", "empty"),
        ("left.docx", b"whatever", "unsupported_format", "STL, OBJ and PLY"),
    ],
    ids=[
        "jpeg",
        "pdf",
        "png",
        "random-stl",
        "random-obj",
        "random-ply",
        "empty",
        "blank",
        "extension",
    ],
)
def test_files_that_are_not_meshes_are_rejected_with_the_name_and_reason(
    tmp_path, name, data, code, words
):
    path = _write(tmp_path, name, data)

    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename=name)

    assert name in caught.value.message
    assert caught.value.filename == name
    assert caught.value.code == code
    assert words in caught.value.message


def test_a_truncated_binary_stl_is_rejected_as_truncated(tmp_path, right_foot):
    data = right_foot.export(file_type="stl")
    path = _write(tmp_path, "cut.stl", data[: len(data) // 2])

    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename="cut.stl")

    assert caught.value.code == "truncated"
    assert "cut.stl" in caught.value.message and "truncated" in caught.value.message


def test_a_truncated_ascii_stl_is_rejected(tmp_path, right_foot):
    data = right_foot.export(file_type="stl_ascii").encode()
    path = _write(tmp_path, "cut.stl", data[: len(data) // 2])

    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename="cut.stl")

    assert caught.value.code == "truncated"


def test_too_few_triangles_is_rejected(tmp_path):
    box = trimesh.creation.box(extents=(260, 100, 60))
    path = tmp_path / "box.stl"
    save(box, path)

    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename="box.stl")

    assert caught.value.code == "too_few_triangles"
    assert "12 triangles" in caught.value.message


def _binary_stl(triangles: np.ndarray) -> bytes:
    header = b"\0" * 80 + struct.pack("<I", len(triangles))
    records = np.zeros(len(triangles), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    records["v"] = triangles
    return header + records.tobytes()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_coordinates_are_rejected(tmp_path, right_foot, bad):
    triangles = right_foot.triangles.astype(np.float32)
    triangles[10, 1, 2] = bad
    path = _write(tmp_path, "nan.stl", _binary_stl(triangles))

    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename="nan.stl")

    assert caught.value.code == "non_finite"
    assert "nan.stl" in caught.value.message


@pytest.mark.parametrize("scale", [20.0, 0.2, 0.0001], ids=["5-metre", "52-unit", "tiny"])
def test_a_foot_in_no_standard_unit_is_scale_unknown_not_rejected(tmp_path, right_foot, scale):
    # Scanning apps rescale files: the foot is there, only its unit is not. Staff set the scale.
    path = tmp_path / "huge.stl"
    save(right_foot, path, scale=scale)

    report = inspect_mesh(path, filename="huge.stl")

    assert report.scale.status == "unknown" and "scale_unknown" in report.review_codes
    assert "scale unknown" in report.scale.explanation
    fixed = inspect_mesh(
        path, filename="huge.stl", scale_override=meshes.ScaleOverride(foot_length_mm=260.0)
    )
    assert fixed.scale.status == "set_by_staff" and not fixed.needs_review
    assert fixed.measurements.length_mm == pytest.approx(260.0, abs=0.5)


def test_a_file_over_the_cap_is_refused_before_parsing(tmp_path, right_foot):
    path = tmp_path / "big.stl"
    save(right_foot, path)

    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename="big.stl", max_bytes=1000)

    assert caught.value.code == "too_large"


# --- Preview -------------------------------------------------------------------------------------------


def test_preview_is_a_png_of_the_requested_size_showing_the_sole(tmp_path, right_foot):
    path = tmp_path / "foot.stl"
    save(right_foot, path)
    report = inspect_mesh(path, filename="foot.stl")

    png = meshes.render_sole_preview(report, size=(200, 400))

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (200, 400)
    pixels = np.asarray(image.convert("RGB")).astype(int)
    foot = (pixels != 255).any(axis=2)
    # The outline fills a foot-shaped share of the picture: not blank, not a full rectangle.
    assert 0.3 < foot.mean() < 0.85
    # Depth-shaded: the raised arch is lighter than the heel, which touches the ground.
    heel_row, arch_rows = pixels[340, 60:140], pixels[170:230]
    assert np.std(pixels[foot]) > 5
    assert arch_rows[foot[170:230]].sum(axis=1).max() > heel_row.sum(axis=1).min() + 60


def test_preview_of_a_coarse_mesh_has_no_holes(tmp_path):
    coarse = foot_mesh(rings=12, segments=48)  # ~2300 large triangles
    report = meshes.render_sole_preview(coarse, size=(100, 200))
    pixels = np.asarray(Image.open(io.BytesIO(report)).convert("RGB"))
    row = (pixels[100] != 255).any(axis=1)
    inside = np.nonzero(row)[0]
    assert row[inside.min() : inside.max() + 1].all()


def test_preview_accepts_a_trimesh_directly(right_foot):
    png = meshes.render_sole_preview(right_foot)
    assert Image.open(io.BytesIO(png)).size == (400, 800)


# --- Pairs -----------------------------------------------------------------------------------------------


def test_left_and_right_are_told_apart(tmp_path, right_foot, left_foot):
    save(right_foot, tmp_path / "r.stl")
    save(left_foot, tmp_path / "l.stl")

    right = inspect_mesh(tmp_path / "r.stl", filename="r.stl")
    left = inspect_mesh(tmp_path / "l.stl", filename="l.stl")

    assert right.side.side == "right" and left.side.side == "left"
    assert check_pair(left, right) == []


def test_swapped_feet_are_caught_as_a_warning(tmp_path, right_foot, left_foot):
    save(right_foot, tmp_path / "r.stl")
    save(left_foot, tmp_path / "l.stl")
    right = inspect_mesh(tmp_path / "r.stl", filename="r.stl")
    left = inspect_mesh(tmp_path / "l.stl", filename="l.stl")

    issues = check_pair_issues(left=right, right=left)

    assert [(i.code, i.severity) for i in issues] == [("swapped", "warning")]
    assert "swapped" in check_pair(right, left)[0]


def test_the_same_file_twice_is_caught(tmp_path, right_foot):
    save(right_foot, tmp_path / "a.stl")
    save(right_foot, tmp_path / "b.stl")
    a = inspect_mesh(tmp_path / "a.stl", filename="a.stl")
    b = inspect_mesh(tmp_path / "b.stl", filename="b.stl")

    issues = check_pair_issues(a, b)

    assert [(i.code, i.severity) for i in issues] == [("same_file", "error")]
    assert "a.stl" in issues[0].message and "b.stl" in issues[0].message


def test_a_foot_without_arch_or_toe_cues_is_unsure_and_only_warns(tmp_path):
    flat = foot_mesh(arch=0.0, toe_shift=0.0)
    save(flat, tmp_path / "flat.stl")
    save(foot_mesh(rotate_seed=1), tmp_path / "r.stl")
    report = inspect_mesh(tmp_path / "flat.stl", filename="flat.stl")
    right = inspect_mesh(tmp_path / "r.stl", filename="r.stl")

    assert report.side.side is None
    assert report.measurements.arch_height_mm is None
    assert any("left or a right" in w for w in report.warnings)
    # Unsure + a clear right foot given as the left: a warning for staff, never an error.
    issues = check_pair_issues(left=right, right=report)
    assert issues and all(i.severity == "warning" for i in issues)


def test_feet_of_very_different_lengths_are_flagged(tmp_path):
    save(foot_mesh(mirror=True), tmp_path / "l.stl")
    save(foot_mesh(length=220.0), tmp_path / "r.stl")
    left = inspect_mesh(tmp_path / "l.stl", filename="l.stl")
    right = inspect_mesh(tmp_path / "r.stl", filename="r.stl")

    issues = check_pair_issues(left, right)

    assert [(i.code, i.severity) for i in issues] == [("length_mismatch", "warning")]
    assert "40 mm" in issues[0].message


def test_a_scan_far_from_the_origin_measures_the_same(tmp_path, right_foot):
    """Scanner software often places the model at its own world coordinates."""
    far = right_foot.copy()
    far.apply_translation([2.0e5, -1.5e5, 9.0e4])
    save(far, tmp_path / "far.stl")

    report = inspect_mesh(tmp_path / "far.stl", filename="far.stl")

    fore, heel = expected_widths()
    assert report.measurements.length_mm == pytest.approx(LENGTH, abs=2.0)
    assert report.measurements.ball_width_mm == pytest.approx(fore, rel=0.03)
    assert report.measurements.arch_height_mm == pytest.approx(ARCH, abs=1.5)
    assert report.side.side == "right"


def test_a_parser_failure_is_explained_without_the_parsers_internals(tmp_path):
    """The customer sees what to do, never a Python exception's text such as "('vertices')"."""
    from orders.scans.meshes import ScanRejected, inspect_mesh

    path = tmp_path / "foot.ply"
    path.write_bytes(
        b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nend_header\n1 2\n"
    )
    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename="foot.ply")
    assert caught.value.code == "not_a_mesh"
    message = str(caught.value.message)
    assert "foot.ply" in message
    assert "(" not in message and "'" not in message.replace("’", "")


# --- Issue 15: bounded cost, sizes, the 3D view's mesh, preview orientation -------------------------


@pytest.mark.parametrize("file_type", ["obj", "ply", "stl", "stl_ascii"])
def test_too_many_faces_are_refused_before_any_array_is_built(
    tmp_path, right_foot, monkeypatch, file_type
):
    from orders.scans.meshes import reading

    monkeypatch.setattr(reading, "MAX_TRIANGLES", 1000)

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed a file whose face count was already known to be too many")

    monkeypatch.setattr(reading, "_parse", no_parse)
    path = tmp_path / f"big.{file_type.split('_')[0]}"
    save(right_foot, path, file_type=file_type)

    with pytest.raises(ScanRejected) as caught:
        inspect_mesh(path, filename=path.name)

    assert caught.value.code == "too_many_triangles"
    assert path.name in caught.value.message and "1,000" in caught.value.message


def test_shoe_size_ranges_come_from_the_published_table():
    assert meshes.size_range_mm("uk", "5.5") == (239.2, 243.4)
    assert meshes.size_range_mm("UK", "5,5") == (239.2, 243.4)
    assert meshes.size_range_mm("eu", "38") == (235.0, 241.7)
    men, women = meshes.size_range_mm("us_men", "9"), meshes.size_range_mm("us_women", "9")
    assert meshes.size_range_mm("us", "9") == (women[0], men[1])  # "US" alone: either scale
    assert meshes.size_range_mm("uk", "99") is None and meshes.size_range_mm("xx", "5") is None


def test_size_hint_from_text():
    assert meshes.SizeHint.from_text("uk:5.5") == meshes.SizeHint("uk", "5.5", None)
    assert meshes.SizeHint.from_text(" EU : 38,5 ") == meshes.SizeHint("eu", "38.5", None)
    assert meshes.SizeHint.from_text(None, foot_length_mm=240).foot_length_mm == 240
    assert meshes.SizeHint.from_text("").is_empty
    with pytest.raises(ValueError):
        meshes.SizeHint.from_text("5.5")


def test_stored_measurements_from_before_the_rename_still_read():
    old = {"length_mm": 262.0, "forefoot_width_mm": 101.5, "heel_width_mm": 64.0}
    m = meshes.FootMeasurements.from_dict(old)
    assert m.ball_width_mm == 101.5 and m.arch_height_mm is None and m.arch_length_mm is None


def test_the_unit_and_the_scale_never_disagree(tmp_path, right_foot):
    path = tmp_path / "foot.stl"
    save(right_foot, path, scale=1 / 25.4)

    report = inspect_mesh(path, filename="foot.stl", size_hint=meshes.SizeHint("eu", "41"))

    assert (report.unit.unit, report.unit.scale_to_mm) == ("inch", report.scale.scale_to_mm)
    assert report.unit.confidence == report.scale.confidence
    assert "Length 260 mm in inches is inside EU 41 (255–262 mm)" in report.scale.explanation
    stored = report.to_dict()
    assert stored["scale"]["status"] == "resolved" and stored["kind"] == "foot_surface"
    assert stored["measurements"]["arch_length_mm"] == pytest.approx(0.65 * LENGTH, abs=15)


def test_a_box_shaped_scan_fails_the_heel_narrower_than_ball_check(tmp_path):
    capsule = trimesh.creation.capsule(height=160, radius=50, count=[64, 64])
    capsule.apply_scale([1.0, 1.0, 0.6])
    capsule.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [0, 1, 0]))
    path = tmp_path / "capsule.stl"
    save(capsule, path)

    report = inspect_mesh(path, filename="capsule.stl")

    assert "heel_not_narrower" in report.review_codes
    assert any("not narrower than the ball" in reason for reason in report.review_reasons)


def test_the_viewer_mesh_is_a_light_binary_stl_in_mm_in_the_foot_frame(tmp_path):
    path = tmp_path / "fine.stl"
    save(foot_mesh(rings=120, segments=400), path, scale=0.1)  # ~190k triangles, in cm
    report = inspect_mesh(path, filename="fine.stl")

    data = meshes.viewer_mesh(report, max_triangles=20_000)

    assert len(data) == 84 + 50 * int.from_bytes(data[80:84], "little")
    mesh = trimesh.load(io.BytesIO(data), file_type="stl")
    assert 5_000 < len(mesh.faces) <= 20_000
    x, y, z = np.ptp(mesh.vertices, axis=0)
    assert x == pytest.approx(LENGTH, abs=4) and x > y > 0  # mm, heel to toes along +x
    assert mesh.vertices[:, 2].min() > -3  # standing on z = 0


def test_a_small_mesh_is_sent_to_the_viewer_whole(tmp_path, right_foot):
    path = tmp_path / "foot.stl"
    save(right_foot, path)
    report = inspect_mesh(path, filename="foot.stl")
    data = meshes.viewer_mesh(report)
    assert int.from_bytes(data[80:84], "little") == report.triangle_count


@pytest.mark.parametrize("mirror", [False, True], ids=["right", "left"])
def test_the_preview_is_toes_up_and_labelled_with_the_orders_side(tmp_path, mirror):
    from orders.scans.tests.mesh_corpus import foot_variant

    path = tmp_path / "foot.stl"
    save(foot_variant(mirror=mirror, upside_down=True, rotate_seed=None), path)
    report = inspect_mesh(path, filename="foot.stl")
    side = "left" if mirror else "right"

    png = meshes.render_sole_preview(report, side=side, size=(200, 400))
    other = meshes.render_sole_preview(report, side="right" if mirror else "left", size=(200, 400))

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    drawn = (pixels[30:370] != 255).any(axis=2).sum(axis=1)
    rows = np.nonzero(drawn)[0]
    first, last = rows.min(), rows.max()
    assert (
        drawn[int(first + 0.3 * (last - first))] > 1.3 * drawn[int(first + 0.85 * (last - first))]
    )
    label = lambda raw: np.asarray(Image.open(io.BytesIO(raw)).convert("L"))[:20, :60]  # noqa: E731
    assert (label(png) < 128).any() and not np.array_equal(label(png), label(other))
    bar = np.asarray(Image.open(io.BytesIO(png)).convert("L"))[-20:, :]
    assert (bar < 64).sum() > 50  # the scale bar


def _obj_variants(mesh) -> dict[str, bytes]:
    plain = mesh.export(file_type="obj").encode()
    lines = plain.split(b"\n")

    def corners(line: bytes, pattern: bytes) -> bytes:
        if not line.startswith(b"f "):
            return line
        return b"f " + b" ".join(pattern.replace(b"i", x) for x in line.split()[1:])

    return {
        "plain": plain,
        "crlf": plain.replace(b"\n", b"\r\n"),
        "v/vt/vn": b"\n".join(corners(line, b"i/i/i") for line in lines),
        "v//vn": b"\n".join(corners(line, b"i//i") for line in lines),
        "colours": b"\n".join(
            line + b" 0.5 0.5 0.5" if line.startswith(b"v ") else line for line in lines
        ),
        "interleaved": b"\n".join(
            line + b"\nvn 0 0 1\n# note" if line.startswith(b"v ") else line for line in lines
        ),
    }


@pytest.mark.parametrize("variant", ["plain", "crlf", "v/vt/vn", "v//vn", "colours", "interleaved"])
def test_the_lean_obj_reader_agrees_with_trimesh(right_foot, variant, monkeypatch):
    from orders.scans.meshes import obj

    monkeypatch.setattr(obj, "CHUNK", 4096)  # many chunk boundaries
    data = _obj_variants(right_foot)[variant]

    vertices, faces = obj.read_obj(data)

    reference = trimesh.load(io.BytesIO(data), file_type="obj", process=False)
    assert np.allclose(vertices, reference.vertices) and np.array_equal(faces, reference.faces)


@pytest.mark.parametrize(
    "data",
    [
        b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3 4\n",
        b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf -3 -2 -1\n",
    ],
    ids=["quad", "relative-indices"],
)
def test_the_lean_obj_reader_leaves_unusual_files_to_trimesh(data):
    from orders.scans.meshes import obj

    assert obj.read_obj(data) is None


@pytest.mark.parametrize("encoding", ["binary", "binary_big", "ascii"])
def test_the_lean_ply_reader_agrees_with_trimesh_or_declines(right_foot, encoding):
    from orders.scans.meshes import ply

    if encoding == "binary_big":
        header = (
            b"ply\nformat binary_big_endian 1.0\nelement vertex %d\nproperty double x\n"
            b"property double y\nproperty double z\nproperty uchar red\nelement face %d\n"
            b"property list uchar uint vertex_indices\nend_header\n"
        ) % (len(right_foot.vertices), len(right_foot.faces))
        vertex = np.zeros(len(right_foot.vertices), dtype=[("p", ">f8", 3), ("r", "u1")])
        vertex["p"] = right_foot.vertices
        face = np.zeros(len(right_foot.faces), dtype=[("n", "u1"), ("v", ">u4", 3)])
        face["n"], face["v"] = 3, right_foot.faces
        data = header + vertex.tobytes() + face.tobytes()
    else:
        data = right_foot.export(file_type="ply", encoding=encoding)

    result = ply.read_binary_ply(data)

    if encoding == "ascii":
        assert result is None
        return
    vertices, faces = result
    assert np.allclose(vertices, right_foot.vertices, atol=1e-4)
    assert np.array_equal(faces, right_foot.faces)
