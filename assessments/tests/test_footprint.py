"""Arch index from synthetic wet-footprint photos with known shapes."""

import io

import pytest
from PIL import Image, ImageDraw, ImageOps

from assessments.footprint import FootprintUnreadable, arch_index_from_image


def footprint(midfoot_width: int, *, toes=True, invert=False, rotate=0) -> bytes:
    """A 300x600 print: heel, forefoot, a midfoot band of the given width, optional toes."""
    image = Image.new("L", (300, 700), 235)
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 480, 210, 640), fill=40)  # heel
    draw.ellipse((70, 130, 230, 330), fill=40)  # forefoot
    draw.rectangle((210 - midfoot_width, 300, 210, 520), fill=40)  # outer-edge midfoot band
    if toes:
        for i, x in enumerate((80, 115, 150, 180, 205)):
            draw.ellipse((x, 60 - i * 4, x + 24, 100 - i * 4), fill=40)
    if invert:
        image = ImageOps.invert(image)
    if rotate:
        image = image.rotate(rotate, expand=True, fillcolor=20 if invert else 235)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def test_a_narrow_midfoot_is_a_high_arch():
    result = arch_index_from_image(footprint(25))
    assert result.category == "high_arch" and result.value <= 0.21


def test_a_full_midfoot_is_flat():
    result = arch_index_from_image(footprint(115))
    assert result.category == "flat" and result.value >= 0.26


def test_index_rises_with_midfoot_width():
    values = [arch_index_from_image(footprint(width)).value for width in (20, 50, 80, 110)]
    assert values == sorted(values)


def test_toes_are_excluded():
    with_toes = arch_index_from_image(footprint(60)).value
    without = arch_index_from_image(footprint(60, toes=False)).value
    assert with_toes == pytest.approx(without, abs=0.01)


def test_light_print_on_dark_paper_and_a_tilted_photo_give_the_same_answer():
    plain = arch_index_from_image(footprint(60)).value
    assert arch_index_from_image(footprint(60, invert=True)).value == pytest.approx(plain, abs=0.02)
    assert arch_index_from_image(footprint(60, rotate=20)).value == pytest.approx(plain, abs=0.03)


def test_a_blank_photo_is_unreadable():
    buffer = io.BytesIO()
    Image.new("RGB", (200, 300), (240, 240, 240)).save(buffer, format="PNG")
    with pytest.raises(FootprintUnreadable):
        arch_index_from_image(buffer.getvalue())


@pytest.mark.django_db
def test_a_footprint_photo_adds_evidence_to_the_result_not_to_the_score(client):
    from assessments import services
    from assessments.tests.factories import DraftFactory, complete_answers

    draft = DraftFactory(answers=complete_answers(left="1", right="1"))
    photo = services.assessment_photo_save(
        assessment=draft, kind="footprint", upload=io.BytesIO(footprint(115))
    )
    assert photo.arch_index >= 0.26 and photo.arch_category == "flat"
    assessment = services.assessment_submit(assessment=draft)
    assert (assessment.left_score, assessment.right_score) == (5, 5)  # unchanged by the print
    html = client.get(f"/assessment/result/{assessment.token}/").content.decode()
    assert "That is in the usual flat-foot range" in html
    assert "It fits with your picture answers" in html


@pytest.mark.django_db
def test_an_unreadable_footprint_is_kept_without_an_index():
    from assessments import services
    from assessments.tests.factories import DraftFactory

    buffer = io.BytesIO()
    Image.new("RGB", (50, 80), (240, 240, 240)).save(buffer, format="PNG")
    photo = services.assessment_photo_save(
        assessment=DraftFactory(), kind="footprint", upload=buffer
    )
    assert photo.arch_index is None and photo.arch_category == ""


@pytest.mark.parametrize(
    ("category", "band", "expected"),
    [
        ("flat", "pronated", "supports"),
        ("flat", "supinated", "conflicts"),
        ("high_arch", "highly_pronated", "conflicts"),
        ("high_arch", "supinated", "supports"),
        ("typical", "typical", "neutral"),
        ("typical", "highly_pronated", "conflicts"),
    ],
)
def test_agreement_between_footprint_and_posture(category, band, expected):
    from assessments.footprint import agreement

    assert agreement(category, band) == expected
