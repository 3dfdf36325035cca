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


def sanitise_photo(fileobj: BinaryIO, *, max_pixels: int = 40_000_000) -> SanitisedImage:
    """Return a clean re-encoded copy of a JPEG/PNG upload, or raise PhotoRejected."""
    previous_limit = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow warns above MAX_IMAGE_PIXELS and errors above twice that; we refuse both.
            Image.MAX_IMAGE_PIXELS = max_pixels
            try:
                if hasattr(fileobj, "seek"):
                    fileobj.seek(0)
                with Image.open(fileobj, formats=list(ALLOWED_FORMATS)) as image:
                    source_format = image.format
                    if image.width * image.height > max_pixels:
                        raise PhotoRejected(_("This photo is too large. Use a smaller photo."))
                    image.load()
                    upright = ImageOps.exif_transpose(image)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                raise PhotoRejected(_("This photo is too large. Use a smaller photo.")) from error
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
    return _rebuild(upright, source_format)


def _rebuild(image: Image.Image, source_format: str) -> SanitisedImage:
    """Copy only the pixels into a new image, so no metadata block can come along."""
    if source_format == "JPEG":
        mode = "L" if image.mode in ("L", "1") else "RGB"
    else:
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    pixels = image.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    output = io.BytesIO()
    if source_format == "JPEG":
        clean.save(output, format="JPEG", quality=90, optimize=True)
    else:
        clean.save(output, format="PNG", optimize=True)
    return SanitisedImage(
        content=output.getvalue(), format=source_format, width=clean.width, height=clean.height
    )
