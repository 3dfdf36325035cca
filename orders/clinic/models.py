"""The clinician's prescription: what the lab makes the device from. Versioned per order: each
change is a new row, and the highest version is the current one, the one the lab receives."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fitsperfect.audit_trail import AuditedQuerySet

# Clinical ranges (degrees and mm) the form, the model and the lab manifest's schema all check.
POST_DEGREES_MIN, POST_DEGREES_MAX = -8, 10  # + varus (medial), − valgus (lateral)
HEEL_CUP_MM_MIN, HEEL_CUP_MM_MAX = 8, 30
ARCH_ADJUST_MM_MIN, ARCH_ADJUST_MM_MAX = -5, 5
HEEL_LIFT_MM_MIN, HEEL_LIFT_MM_MAX = 0, 12
DRESS_HEEL_CUP_MM_MAX = 14  # a deeper cup does not fit a slim shoe
NOTES_MAX = 2000


class Prescription(models.Model):
    class DeviceType(models.TextChoices):
        FUNCTIONAL = "functional", _("Functional (controls motion)")
        ACCOMMODATIVE = "accommodative", _("Accommodative (cushions and offloads)")
        SPORTS = "sports", _("Sports")
        DRESS = "dress", _("Dress (slim shoes)")

    class ShellMaterial(models.TextChoices):
        POLYPROPYLENE = "polypropylene", _("Polypropylene")
        CARBON_COMPOSITE = "carbon_composite", _("Carbon composite")
        NYLON = "nylon", _("Nylon (PA12, printed)")
        EVA = "eva", _("EVA foam")

    class Rigidity(models.TextChoices):
        FLEXIBLE = "flexible", _("Flexible")
        SEMI_RIGID = "semi_rigid", _("Semi-rigid")
        RIGID = "rigid", _("Rigid")

    class TopCover(models.TextChoices):
        NONE = "none", _("None")
        EVA = "eva", _("EVA")
        PORON = "poron", _("Poron (shock-absorbing)")
        LEATHER = "leather", _("Leather")
        NEOPRENE = "neoprene", _("Neoprene (sports)")

    class Extension(models.TextChoices):
        NONE = "none", _("None (three-quarter length)")
        SULCUS = "sulcus", _("To the sulcus")
        FULL_LENGTH = "full_length", _("Full length")
        MORTONS = "mortons", _("Morton's extension (under the big toe joint)")
        REVERSE_MORTONS = "reverse_mortons", _("Reverse Morton's extension")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="prescriptions"
    )
    version = models.PositiveSmallIntegerField(editable=False)
    device_type = models.CharField(_("device type"), max_length=20, choices=DeviceType.choices)
    shell_material = models.CharField(
        _("shell material"), max_length=20, choices=ShellMaterial.choices
    )
    shell_rigidity = models.CharField(_("shell rigidity"), max_length=20, choices=Rigidity.choices)
    _post = [MinValueValidator(POST_DEGREES_MIN), MaxValueValidator(POST_DEGREES_MAX)]
    rearfoot_post_left = models.SmallIntegerField(
        _("rearfoot post, left (degrees; + varus, − valgus)"), default=0, validators=_post
    )
    rearfoot_post_right = models.SmallIntegerField(
        _("rearfoot post, right (degrees; + varus, − valgus)"), default=0, validators=_post
    )
    forefoot_post_left = models.SmallIntegerField(
        _("forefoot post, left (degrees; + varus, − valgus)"), default=0, validators=_post
    )
    forefoot_post_right = models.SmallIntegerField(
        _("forefoot post, right (degrees; + varus, − valgus)"), default=0, validators=_post
    )
    heel_cup_depth_mm = models.PositiveSmallIntegerField(
        _("heel cup depth (mm)"),
        validators=[MinValueValidator(HEEL_CUP_MM_MIN), MaxValueValidator(HEEL_CUP_MM_MAX)],
    )
    arch_height_adjustment_mm = models.SmallIntegerField(
        _("arch height adjustment (mm; + raise, − lower)"),
        default=0,
        validators=[MinValueValidator(ARCH_ADJUST_MM_MIN), MaxValueValidator(ARCH_ADJUST_MM_MAX)],
    )
    top_cover = models.CharField(_("top cover"), max_length=20, choices=TopCover.choices)
    extension = models.CharField(
        _("extension"), max_length=20, choices=Extension.choices, default=Extension.NONE
    )
    metatarsal_pad = models.BooleanField(_("metatarsal pad"), default=False)
    heel_lift_mm = models.PositiveSmallIntegerField(
        _("heel lift (mm)"),
        default=0,
        validators=[MinValueValidator(HEEL_LIFT_MM_MIN), MaxValueValidator(HEEL_LIFT_MM_MAX)],
    )
    notes = models.TextField(
        _("notes for the lab"),
        blank=True,
        max_length=NOTES_MAX,
        validators=[MaxLengthValidator(NOTES_MAX)],
    )
    # What prescribing.suggest proposed (for audit: what the clinician confirmed or changed).
    suggested = models.JSONField(default=dict, blank=True, editable=False)
    prescribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["order", "version"], name="prescription_order_version")
        ]
        verbose_name = _("prescription")
        verbose_name_plural = _("prescriptions")

    def __str__(self) -> str:
        return _("Prescription v%(version)s") % {"version": self.version}

    def clean(self) -> None:
        """The clinical rules between fields (each field's own range is its validators')."""
        errors: dict[str, list] = {}
        if self.device_type == self.DeviceType.ACCOMMODATIVE and self.shell_rigidity == (
            self.Rigidity.RIGID
        ):
            errors.setdefault("shell_rigidity", []).append(
                _("An accommodative device cushions: choose a flexible or semi-rigid shell.")
            )
        if self.shell_material == self.ShellMaterial.EVA and self.shell_rigidity == (
            self.Rigidity.RIGID
        ):
            errors.setdefault("shell_rigidity", []).append(_("An EVA foam shell cannot be rigid."))
        if (
            self.device_type == self.DeviceType.DRESS
            and self.heel_cup_depth_mm is not None
            and self.heel_cup_depth_mm > DRESS_HEEL_CUP_MM_MAX
        ):
            errors.setdefault("heel_cup_depth_mm", []).append(
                _("A dress device's heel cup is at most %(mm)s mm deep, to fit a slim shoe.")
                % {"mm": DRESS_HEEL_CUP_MM_MAX}
            )
        if self.device_type == self.DeviceType.DRESS and self.top_cover == self.TopCover.NEOPRENE:
            errors.setdefault("top_cover", []).append(
                _("Neoprene is too thick for a slim shoe: choose another top cover.")
            )
        if self.extension in (self.Extension.MORTONS, self.Extension.REVERSE_MORTONS) and (
            self.metatarsal_pad
        ):
            errors.setdefault("metatarsal_pad", []).append(
                _("Choose either a Morton's extension or a metatarsal pad, not both.")
            )
        if errors:
            raise ValidationError(errors)

    def posts(self) -> dict[str, dict[str, dict[str, int | str]]]:
        """The posts as the lab reads them: direction and degrees per foot."""

        def post(degrees: int) -> dict[str, int | str]:
            direction = "varus" if degrees > 0 else "valgus" if degrees < 0 else "none"
            return {"direction": direction, "degrees": abs(int(degrees))}

        return {
            "rearfoot_post": {
                "left": post(self.rearfoot_post_left),
                "right": post(self.rearfoot_post_right),
            },
            "forefoot_post": {
                "left": post(self.forefoot_post_left),
                "right": post(self.forefoot_post_right),
            },
        }

    def for_lab(self) -> dict:
        """The prescription as the lab manifest carries it (see schemas/)."""
        return {
            "version": self.version,
            "prescribed_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "device_type": self.device_type,
            "shell": {"material": self.shell_material, "rigidity": self.shell_rigidity},
            **self.posts(),
            "heel_cup_depth_mm": self.heel_cup_depth_mm,
            "arch_height_adjustment_mm": self.arch_height_adjustment_mm,
            "top_cover": self.top_cover,
            "extension": self.extension,
            "additions": {"metatarsal_pad": self.metatarsal_pad, "heel_lift_mm": self.heel_lift_mm},
            "notes": self.notes,
        }
