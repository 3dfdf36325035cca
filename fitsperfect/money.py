"""Money in integer minor units, shown to people: one formatter for pages, emails and the admin."""

from django.utils.formats import number_format

SYMBOLS = {"gbp": "£", "eur": "€", "usd": "$"}


def money(amount, currency: str = "gbp") -> str:
    """12345, "gbp" -> "£123.45" (minor units to a display amount)."""
    if amount in (None, ""):
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    major = number_format(abs(amount) / 100, decimal_pos=2, force_grouping=True)
    code = (currency or "").lower()
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{major}" if symbol else f"{sign}{major} {code.upper()}"


def signed_money(amount, currency: str = "gbp") -> str:
    """A price change: "+£15.00", or "" when there is none."""
    if not amount:
        return ""
    return ("+" if int(amount) > 0 else "") + money(amount, currency)
