"""Signals the orders app sends, so the lab hand-off (and others) can react without orders importing them.

Receivers: `order_ready_for_lab` -> `orders.lab.receivers` (writes the lab outbox row).

Both are sent INSIDE the transaction that changes the order (receivers may write in the same
transaction, e.g. the lab outbox row; they must not do network I/O; use `transaction.on_commit`).
"""

from django.dispatch import Signal

# kwargs: order, from_status, to_status, actor (User | None), note
order_status_changed = Signal()

# kwargs: order. Sent when an order reaches CLINICALLY_APPROVED: paid, scans received, approved.
order_ready_for_lab = Signal()

# kwargs: email (OrderEmail), from_status, to_status. Sent after the commit that changed it.
order_email_status_changed = Signal()
