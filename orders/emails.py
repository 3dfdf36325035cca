"""Renders and sends the customer emails (HTML and plain text) for an `OrderEmail` row."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import OrderEmail


def email_context(email: OrderEmail) -> dict:
    order = email.order
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "order_url": settings.SITE_URL + order.get_absolute_url(),
        "site_url": settings.SITE_URL,
        "kind": email.kind,
    }


def render_email(email: OrderEmail) -> tuple[str, str, str]:
    """(subject, text, html) for the email's kind."""
    context = email_context(email)
    base = f"orders/emails/{email.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    text = render_to_string(f"{base}.txt", context)
    html = render_to_string(f"{base}.html", context)
    return subject, text, html


def send_email(email: OrderEmail) -> None:
    subject, text, html = render_email(email)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.order.email],
    )
    message.attach_alternative(html, "text/html")
    message.send()
