"""Signals other apps listen to, so assessments never import them.

`assessment_approved` is sent (after the review's transaction commits) when a clinician approves an
assessment for an orthotic; `orders` listens and lets the linked order move on towards the lab.
`assessment_closed` is sent when an in-person referral closes an assessment for orders.
"""

from django.dispatch import Signal

# kwargs: assessment (Assessment), reviewer (User | None)
assessment_approved = Signal()

# Sent inside the review's transaction when a clinician first refers the person in person: the
# assessment can never back an order again, so `orders` withdraws any approval linked orders had.
# kwargs: assessment (Assessment), reviewer (User | None)
assessment_closed = Signal()

# Sent while rendering a clinician's assessment page so other apps (e.g. orders, for the 3D scan:
# left/right, units, weight-bearing or not) can add a panel without assessments importing them.
# kwargs: assessment (Assessment). A receiver returns None or a dict:
#   {"title": str, "rows": [(label, value), ...], "links": [(label, url), ...]}
# Receivers must not show payment details: clinicians see none.
clinic_panels = Signal()

# Sent while rendering the clinician's day (/clinic/) so orders can list first what blocks a
# paid order, without assessments importing orders. kwargs: none. A receiver returns a list of
#   {"label": str, "url": str, "reason": str, "waiting_since": datetime | None}
# newest payment first. Receivers must not show payment details.
clinic_blocking_work = Signal()
