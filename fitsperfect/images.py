"""Sanitise uploaded photos before they are stored: health data must not carry location or device data.

`sanitise_photo` accepts only JPEG and PNG, refuses decompression bombs and truncated files, applies
the EXIF orientation, and rebuilds the image from its pixels so no EXIF, GPS, XMP, ICC or comment
survives. Used by the assessment photos and, later, by scans.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG")


class PhotoRejected(ValueError):
    """The upload is not a photo we accept; `message` is safe to show the person."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SanitisedImage:
    content: bytes
    format: str  # "JPEG" or "PNG"
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return "image/jpeg" if self.format == "JPEG" else "image/png"

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "JPEG" else "png"


# 12 megapixels is plenty for a foot photo (and what most phone cameras take). Larger JPEGs (48 MP
# phones) are decoded at 1/2, 1/4 or 1/8 scale straight from the file (`Image.draft`: the smaller
# image is all that is ever in memory), up to JPEG_DRAFT_MAX_SCALE squared times the cap. Other
# images over the cap are refused from their header, before a pixel is decoded: a 39.7 MP PNG of
# 115 KB took a web worker to 750 MB.
MAX_PIXELS = 12_000_000
JPEG_DRAFT_MAX_SCALE = 4


def _draft_scale(width: int, height: int, max_pixels: int) -> int | None:
    """The smallest JPEG decoding reduction (1, 2, 4...) that brings the image under the cap."""
    scale = 1
    while width * height > max_pixels * scale * scale:
        scale *= 2
        if scale > JPEG_DRAFT_MAX_SCALE:
            return None
    return scale


def sanitise_photo(fileobj: BinaryIO, *, max_pixels: int = MAX_PIXELS) -> SanitisedImage:
    """Return a clean re-encoded copy of a JPEG/PNG upload, or raise PhotoRejected."""
    too_large = _("This photo is too large. Use a smaller photo.")
    previous_limit = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow warns above MAX_IMAGE_PIXELS and errors above twice that; we refuse both.
            # Up to the draft limit here: the real cap is checked below, per format.
            Image.MAX_IMAGE_PIXELS = max_pixels * JPEG_DRAFT_MAX_SCALE**2
            try:
                if hasattr(fileobj, "seek"):
                    fileobj.seek(0)
                with Image.open(fileobj, formats=list(ALLOWED_FORMATS)) as image:
                    source_format = image.format
                    width, height = image.size
                    scale = _draft_scale(width, height, max_pixels)
                    if scale is None or (scale > 1 and source_format != "JPEG"):
                        raise PhotoRejected(too_large)
                    if scale > 1:
                        mode = "L" if image.mode in ("L", "1") else "RGB"
                        image.draft(mode, (-(-width // scale), -(-height // scale)))
                    if image.width * image.height > max_pixels:
                        raise PhotoRejected(too_large)
                    image.load()
                    ImageOps.exif_transpose(image, in_place=True)  # no copy when already upright
                    clean = _pixels_only(image, source_format)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                raise PhotoRejected(too_large) from error
            except UnidentifiedImageError as error:
                raise PhotoRejected(_("The photo must be a JPEG or PNG image.")) from error
            except (OSError, SyntaxError, ValueError) as error:
                if isinstance(error, PhotoRejected):
                    raise
                raise PhotoRejected(
                    _("This photo could not be read. It may be damaged: try another one.")
                ) from error
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    return _encode(clean, source_format)


def _pixels_only(image: Image.Image, source_format: str) -> Image.Image:
    """Copy only the pixels into a new image, so no metadata block can come along.

    `paste` converts the mode itself where needed, so an image already in the right mode costs
    one full-size copy, not two.
    """
    if source_format == "JPEG":
        mode = "L" if image.mode in ("L", "1") else "RGB"
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    source = image if image.mode == mode else image.convert(mode)
    clean = Image.new(mode, source.size)
    clean.paste(source)
    return clean


def _encode(clean: Image.Image, source_format: str) -> SanitisedImage:
    output = io.BytesIO()
    if source_format == "JPEG":
        # Not optimize=True: its second pass holds every coefficient of the image (+36 MB at 12 MP)
        # for a file about 5% smaller.
        clean.save(output, format="JPEG", quality=90)
    else:
        clean.save(output, format="PNG", optimize=True)
    return SanitisedImage(
        content=output.getvalue(), format=source_format, width=clean.width, height=clean.height
    )
