"""Signals other apps listen to, so assessments never import them.

`assessment_approved` is sent (after the review's transaction commits) when a clinician approves an
assessment for an orthotic; `orders` listens and lets the linked order move on towards the lab.
"""

from django.dispatch import Signal

# kwargs: assessment (Assessment), reviewer (User | None)
assessment_approved = Signal()
