"""The shared photo sanitiser: only clean JPEG/PNG pixels get through."""

import io
import zlib

import pytest
from PIL import Image

from fitsperfect.images import PhotoRejected, sanitise_photo


def jpeg_with_gps(size=(40, 20), orientation=None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 0.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 0.0)
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return buffer.getvalue()


def test_gps_exif_and_comments_are_gone_after_sanitising():
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    result = sanitise_photo(io.BytesIO(original))
    assert result.format == "JPEG" and (result.width, result.height) == (40, 20)
    with Image.open(io.BytesIO(result.content)) as after:
        assert dict(after.getexif()) == {}
        assert "comment" not in after.info and "exif" not in after.info
    assert b"PhoneMaker" not in result.content and b"secret comment" not in result.content


def test_exif_orientation_is_applied_before_the_metadata_goes():
    # Orientation 6 = rotate 90 degrees clockwise to display: a 40x20 image becomes 20x40.
    result = sanitise_photo(io.BytesIO(jpeg_with_gps(orientation=6)))
    assert (result.width, result.height) == (20, 40)


def test_png_keeps_its_format_and_loses_text_chunks():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "where I live")
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 255, 128)).save(buffer, format="PNG", pnginfo=info)
    result = sanitise_photo(io.BytesIO(buffer.getvalue()))
    assert result.format == "PNG" and result.content_type == "image/png"
    assert b"where I live" not in result.content


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG that claims a huge canvas (all-zero rows compress to almost nothing)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("pixels", [(10_000, 10_000), (5_000, 5_000)])
def test_a_decompression_bomb_is_rejected(pixels):
    bomb = png_bomb(*pixels)
    assert len(bomb) < 10_000
    with pytest.raises(PhotoRejected, match="too large"):
        sanitise_photo(io.BytesIO(bomb), max_pixels=20_000_000)


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF",
        bytes(range(256)) * 4,
        b"",
    ],
)
def test_not_an_image_is_rejected(content):
    with pytest.raises(PhotoRejected, match="JPEG or PNG"):
        sanitise_photo(io.BytesIO(content))


def test_gif_is_not_accepted_even_though_pillow_reads_it():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="GIF")
    with pytest.raises(PhotoRejected, match="JPEG or PNG"):
        sanitise_photo(io.BytesIO(buffer.getvalue()))


def test_a_truncated_jpeg_is_rejected():
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 64).convert("RGB").save(buffer, format="JPEG")
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    with pytest.raises(PhotoRejected, match="could not be read"):
        sanitise_photo(io.BytesIO(truncated))


def test_photo_rejected_is_a_value_error_with_a_message():
    error = PhotoRejected("x")
    assert isinstance(error, ValueError) and error.message == "x"
