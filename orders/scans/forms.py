"""The customer's scans upload form, rendered through the house crispy pack.

The files themselves are streamed to disk by `uploads` (a size cap per field) and checked by the
scan services; this form only says what to choose and carries the errors those return, so the
page shows them the way every other form does (summary, message at the field)."""

from __future__ import annotations

from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm, Question

SCAN_ACCEPT = ".stl,.obj,.ply"
PHOTO_ACCEPT = "image/jpeg,image/png"


def _file(label: str, accept: str) -> forms.FileField:
    return forms.FileField(
        label=label, required=False, widget=forms.FileInput(attrs={"accept": accept})
    )


class ScanUploadForm(GovForm, forms.Form):
    """Either scan and either photo may come alone: a customer often replaces one foot."""

    left_scan = _file(_("Left foot scan"), SCAN_ACCEPT)
    right_scan = _file(_("Right foot scan"), SCAN_ACCEPT)
    left_photo = _file(_("Photo of the left foot"), PHOTO_ACCEPT)
    right_photo = _file(_("Photo of the right foot"), PHOTO_ACCEPT)

    def __init__(self, *args, max_scan_bytes: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_scan_bytes = max_scan_bytes

    def show_errors(self, errors: dict[str, str]) -> None:
        """The errors the upload path returned, by field, shown at their fields."""
        self.is_valid()  # bound to the POST without its files: valid, with cleaned_data
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)

    @property
    def helper(self):
        helper = super().helper
        scans_hint = _(
            "STL, OBJ or PLY files, up to %(size)s each. Uploading a new scan of a foot replaces "
            "the old one."
        ) % {"size": filesizeformat(self.max_scan_bytes)}
        photos_hint = _("JPEG or PNG. We remove location and camera details from photos.")
        helper.layout = Layout(
            Fieldset(
                _("Upload or replace scans"),
                HTML(format_html('<p class="hint">{}</p>', scans_hint)),
                Question("left_scan"),
                Question("right_scan"),
            ),
            Fieldset(
                _("Foot photos (optional)"),
                HTML(format_html('<p class="hint">{}</p>', photos_hint)),
                Question("left_photo"),
                Question("right_photo"),
            ),
        )
        return helper
