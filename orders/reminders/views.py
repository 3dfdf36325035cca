"""The follow-up emails' unsubscribe link: the page has one button; the click is recorded."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .services import reminder_unsubscribe


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the button (a mail scanner that follows links unsubscribes nobody); POST records
    it. A bad or altered link is a 400 page."""
    if request.method == "POST":
        done = reminder_unsubscribe(token=token)
        status = 200 if done else 400
        return render(
            request, "reminders/unsubscribe.html", {"done": done, "bad": not done}, status=status
        )
    return render(request, "reminders/unsubscribe.html", {"token": token})
