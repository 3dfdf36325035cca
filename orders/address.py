"""The delivery address: the one list of its fields. The order model, the admin, erasure
(`fitsperfect.accounts.privacy`) and log redaction (`fitsperfect.logging`) read it. No Django imports, so
the logging configuration can import it before the apps are loaded."""

ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postcode", "country")
# The parts that lead to a person (a country alone does not): redacted, erased, editable by staff.
ADDRESS_PERSONAL_FIELDS = tuple(name for name in ADDRESS_FIELDS if name != "country")
