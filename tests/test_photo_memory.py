"""Photo memory (fitsperfect.images): a 39.7-megapixel PNG of ~120 KB is refused from its header,
cheaply; nothing over 12 MP is ever decoded; large JPEGs are decoded at reduced scale. Measured in
fresh processes with benchmarks/bench_photo_memory.py's helpers (peak RSS, VmHWM)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from benchmarks.bench_photo_memory import flat_png, jpeg, measure
from fitsperfect.images import MAX_PIXELS, PhotoRejected, sanitise_photo


def test_the_probes_39_7_megapixel_png_is_refused_cheaply(tmp_path):
    probe = flat_png(tmp_path / "probe.png", 7296, 5440)  # 39.69 MP
    assert probe.stat().st_size < 200 * 1024
    result = measure(probe)
    assert result["outcome"].startswith("refused") and "too large" in result["outcome"]
    assert result["extra_peak_mb"] < 10, result  # was 750 MB
    assert result["seconds"] < 0.5, result


def test_the_largest_accepted_photo_stays_near_100_mb(tmp_path):
    for path in (
        flat_png(tmp_path / "rgba.png", 4000, 3000, channels=4),
        jpeg(tmp_path / "big.jpg", 8000, 6000),  # 48 MP: decoded at half scale
    ):
        result = measure(path)
        assert result["outcome"].startswith("accepted as 4000x3000"), result
        assert result["extra_peak_mb"] < 130, result


def test_the_pixel_cap_is_12_megapixels_and_pngs_over_it_are_never_decoded(tmp_path):
    assert MAX_PIXELS == 12_000_000
    over = flat_png(tmp_path / "over.png", 4001, 3000)
    with pytest.raises(PhotoRejected, match="too large"):
        sanitise_photo(io.BytesIO(over.read_bytes()))
    at_cap = flat_png(tmp_path / "at.png", 4000, 3000, channels=1)
    assert sanitise_photo(io.BytesIO(at_cap.read_bytes())).width == 4000


def test_a_large_jpeg_is_decoded_at_reduced_scale_and_keeps_its_orientation(tmp_path):
    rotated = jpeg(tmp_path / "r.jpg", 8000, 6000, orientation=6)
    clean = sanitise_photo(io.BytesIO(rotated.read_bytes()))
    assert (clean.width, clean.height) == (3000, 4000)
    assert Image.open(io.BytesIO(clean.content)).getexif() == {}
    too_big = jpeg(tmp_path / "huge.jpg", 16001, 12000)  # over 4 x 4 x 12 MP: refused
    with pytest.raises(PhotoRejected, match="too large"):
        sanitise_photo(io.BytesIO(too_big.read_bytes()))
