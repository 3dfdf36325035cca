"""An email backend whose server is always down (SMTP errors), for the "never blocks" tests."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("SMTP server unavailable (test)")
