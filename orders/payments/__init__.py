"""Payments: Stripe Checkout, the Stripe webhook and its stored events, refunds and the test payment page.

An app of its own (label `payments`) inside `orders/`. It calls the order app's services to change an
order (`orders.services.order_mark_paid`...); the order app never imports it at module level except to
wire its views and admin.
"""
