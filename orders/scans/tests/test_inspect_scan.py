"""`manage.py inspect_scan`: what the upload path computes, printed for staff, the lab and audits."""

import json

import pytest
from django.core.management import CommandError, call_command

from orders.scans.meshes import SizeHint, inspect_mesh
from orders.scans.tests.mesh_corpus import foot_mesh, real_world_case, save, write_case


@pytest.fixture(scope="module")
def real_world(tmp_path_factory):
    return write_case(real_world_case(), tmp_path_factory.mktemp("scan"))


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("inspect_scan", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_the_text_report_names_kind_scale_measurements_and_side(real_world):
    text = _run(real_world, "--shoe-size", "uk:5.5")

    assert "Kind: impression (measured on the imprint), 100% sure" in text
    assert "Scale: resolved; unit inch, 97% sure; 25.4 mm per file unit" in text
    assert "inside UK 5.5 (239–243 mm)" in text
    assert "Measurements (mm): length 24" in text and "ball width" in text
    assert "Side guess: right" in text
    assert "Triangles: " in text and "open surface" in text
    assert "Needs review: no" in text


def test_json_is_the_same_report_the_upload_path_stores(real_world):
    data = json.loads(_run(real_world, "--shoe-size", "uk:5.5", "--json"))
    report = inspect_mesh(real_world, filename=real_world.name, size_hint=SizeHint("uk", "5.5"))

    assert data == json.loads(json.dumps(report.to_dict(), default=list))
    assert data["kind"] == "impression" and data["scale"]["status"] == "resolved"
    assert data["measurements"]["ball_width_mm"] > data["measurements"]["heel_width_mm"]


def test_a_wrong_shoe_size_makes_the_scale_unknown_with_both_figures(real_world):
    text = _run(real_world, "--shoe-size", "eu:46")

    assert "Scale: resolved" not in text and "scale unknown" in text
    assert "NOT CONFIDENT: scale unknown" in text
    assert "review (scale_unknown)" in text and "EU 46 (" in text


def test_a_typed_foot_length_checks_the_unit_too(real_world):
    text = _run(real_world, "--foot-length-mm", "240")
    assert "inside the typed 240 mm (230–250 mm)" in text


def test_staff_scale_decisions_can_be_tried(tmp_path, real_world):
    text = _run(real_world, "--set-length-mm", "250", "--preview", tmp_path / "p.png")
    assert "Scale: set_by_staff" in text and "length 250.0" in text
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")

    path = tmp_path / "foot.stl"
    save(foot_mesh(), path, scale=0.1)
    assert "Staff set the unit to inches" in _run(path, "--unit", "inch")


def test_a_rejected_file_is_an_error_naming_the_reason(tmp_path):
    path = tmp_path / "photo.stl"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 2000)

    with pytest.raises(CommandError, match=r"Rejected \(not_a_mesh\).*JPEG"):
        _run(path)
    assert json.loads(_run(path, "--json"))["rejected"] == "not_a_mesh"


def test_a_malformed_shoe_size_is_explained(real_world):
    with pytest.raises(CommandError, match="uk:5.5"):
        _run(real_world, "--shoe-size", "5.5")
