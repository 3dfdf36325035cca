"""Signals the clinic sends, so the lab hand-off reacts without the clinic importing it.

`prescription_recorded` is sent inside the transaction that saved a new prescription version; the
lab (`orders.lab.receivers`) writes the outbox row for an approved order that was waiting for one.
"""

from django.dispatch import Signal

# kwargs: order (Order), prescription (Prescription)
prescription_recorded = Signal()
