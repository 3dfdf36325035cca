"""The clinic's pages: the queue, reviewing an assessment, photos, calibration and customers'
messages. Clinicians only (`clinician_required`, which the orders clinic pages use too)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import calibration, clinic_questions, selectors, services
from .forms import (
    CalibrationFilterForm,
    ClinicAnswerForm,
    ClinicQuestionForm,
    ClinicReplyForm,
    QueueFilterForm,
    ReviewForm,
)
from .models import Assessment
from .signals import clinic_blocking_work, clinic_panels
from .views import footprint_evidence, photo_response, private_response, summary_rows

REVIEW_PERMISSION = services.REVIEW_PERMISSION

clinician_required = [login_required, permission_required(REVIEW_PERMISSION, raise_exception=True)]


def _clinician(view):
    for decorator in reversed(clinician_required):
        view = decorator(view)
    return never_cache(view)


QUEUE_MESSAGES = 10  # waiting messages shown under the queue; the rest on the messages page


@_clinician
def clinic_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = selectors.QueueFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.QueueFilters(**form.cleaned_data)
    page = Paginator(selectors.clinic_queue(filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    waiting = list(selectors.clinic_messages_waiting()[: QUEUE_MESSAGES + 1])
    blocking = [
        row
        for _receiver, rows in clinic_blocking_work.send(sender=Assessment)
        for row in (rows or [])
    ]
    return private_response(
        render(
            request,
            "assessments/clinic/queue.html",
            {
                "blocking": blocking,
                "now": timezone.now(),
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "waiting": waiting[:QUEUE_MESSAGES],
                "waiting_count": (
                    len(waiting)
                    if len(waiting) <= QUEUE_MESSAGES
                    else selectors.clinic_messages_waiting().count()
                ),
            },
        )
    )


@_clinician
def clinic_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.clinic_assessment(pk)
    if assessment is None:
        raise Http404
    may_back_order = selectors.assessment_may_back_order(assessment=assessment)
    if request.method == "POST":
        form = ReviewForm(request.POST, may_back_order=may_back_order)
        if form.is_valid():
            try:
                services.review_create(
                    assessment=assessment,
                    reviewer=request.user,
                    decision=form.cleaned_data["decision"],
                    notes=form.cleaned_data["notes"],
                    fpi=form.fpi(),
                )
            except services.AssessmentClosedForOrders as refused:
                form.add_error("decision", str(refused))
            else:
                messages.success(request, _("Your review has been recorded."))
                next_url = request.POST.get("next", "")
                if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                    return redirect(next_url)
                return redirect("assessments:clinic_assessment", pk=pk)
    else:
        # A revision starts from the latest FPI rating; decision and notes are asked afresh.
        latest = next(iter(assessment.reviews.all()), None)
        initial = {}
        if latest is not None:
            initial = {
                f"{side}_{item}": value
                for side in ("left", "right")
                for item, value in latest.fpi_items(side).items()
            }
        form = ReviewForm(initial=initial, may_back_order=may_back_order)
    return _assessment_page(request, assessment, form, may_back_order, ClinicQuestionForm())


def _assessment_page(request, assessment, form, may_back_order, question_form):
    return private_response(
        render(
            request,
            "assessments/clinic/assessment.html",
            {
                "assessment": assessment,
                "may_back_order": may_back_order,
                "form": form,
                "sections": summary_rows(assessment),
                "reviews": assessment.reviews.all(),
                "photos": assessment.photos.all(),
                "footprint": footprint_evidence(assessment),
                "question_form": question_form,
                "questions": assessment.questions.select_related("asked_by"),
                "question_email": clinic_questions.assessment_email(assessment),
                "panels": [
                    panel
                    for _receiver, panel in clinic_panels.send(
                        sender=Assessment, assessment=assessment
                    )
                    if panel
                ],
            },
        )
    )


@require_POST
@_clinician
def clinic_question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    """A clinician emails the customer a question; the reply comes back to this assessment."""
    assessment = selectors.clinic_assessment(pk)
    if assessment is None:
        raise Http404
    question_form = ClinicQuestionForm(request.POST)
    if question_form.is_valid():
        try:
            asked = clinic_questions.question_ask(
                assessment=assessment,
                clinician=request.user,
                question=question_form.cleaned_data["question"],
            )
        except clinic_questions.QuestionUndeliverable as refused:
            question_form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Your question will be emailed to %(email)s with a link to reply.")
                % {"email": asked.email},
            )
            return redirect("assessments:clinic_assessment", pk=pk)
    may_back_order = selectors.assessment_may_back_order(assessment=assessment)
    return _assessment_page(
        request,
        assessment,
        ReviewForm(may_back_order=may_back_order),
        may_back_order,
        question_form,
    )


@never_cache
def question_reply(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's reply to a clinician's question, from the emailed link (no sign-in)."""
    try:
        question = clinic_questions.question_by_token(token)
    except clinic_questions.ReplyLinkExpired:
        return private_response(
            render(request, "assessments/clinic/reply.html", {"state": "expired"}, status=410)
        )
    except clinic_questions.ReplyLinkInvalid:
        return private_response(
            render(request, "assessments/clinic/reply.html", {"state": "invalid"}, status=404)
        )
    form = ClinicReplyForm(request.POST if request.method == "POST" else None)
    state = "answered" if question.is_answered else "open"
    if request.method == "POST" and state == "open" and form.is_valid():
        try:
            clinic_questions.question_reply(question=question, reply=form.cleaned_data["reply"])
        except clinic_questions.QuestionAlreadyAnswered:
            state = "answered"  # a second tab or a double submit: the first reply stands
        else:
            state = "sent"
    return private_response(
        render(
            request,
            "assessments/clinic/reply.html",
            {"state": state, "question": question, "form": form},
        )
    )


@_clinician
def clinic_photo(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    found = selectors.photo_for_clinic(pk, kind)
    if found is None:
        raise Http404
    return photo_response(found)


CALIBRATION_UNITS = {
    calibration.UNIT_FEET: _lazy("All feet"),
    calibration.UNIT_LEFT: _lazy("Left feet"),
    calibration.UNIT_RIGHT: _lazy("Right feet"),
    calibration.UNIT_PEOPLE: _lazy("People (higher-scoring foot)"),
}


@_clinician
def clinic_calibration(request: HttpRequest) -> HttpResponse:
    """Self-scores against clinicians' ratings, per model version, for tuning the thresholds."""
    versions = selectors.calibration_versions()
    form = CalibrationFilterForm(request.GET or None, versions=versions)
    chosen = form.cleaned_data["version"] if form.is_bound and form.is_valid() else ""
    records = selectors.calibration_records(version=chosen)
    sections = []
    for version in [chosen] if chosen else versions:
        figures = calibration.figures(records, version=version)
        units = [(CALIBRATION_UNITS[row.unit], row) for row in figures.agreements]
        sections.append({"figures": figures, "agreements": units})
    return private_response(
        render(
            request,
            "assessments/clinic/calibration.html",
            {"form": form, "sections": sections, "versions": versions},
        )
    )


@_clinician
def clinic_messages(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.clinic_messages(), 50).get_page(request.GET.get("page"))
    return private_response(render(request, "assessments/clinic/messages.html", {"page": page}))


@_clinician
def clinic_message(request: HttpRequest, pk: int) -> HttpResponse:
    """One message; a clinician answers it here and the answer is emailed to the person."""
    found = selectors.clinic_message(pk)
    if found is None:
        raise Http404
    form = ClinicAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not found.is_answered and form.is_valid():
        try:
            services.clinic_message_answer(
                message=found, clinician=request.user, answer=form.cleaned_data["answer"]
            )
        except services.MessageAlreadyAnswered:
            messages.error(request, _("Another clinician has already answered this message."))
        else:
            messages.success(
                request,
                _("Your answer has been recorded and will be emailed to %(email)s.")
                % {"email": found.email},
            )
        return redirect("assessments:clinic_message", pk=pk)
    return private_response(
        render(
            request,
            "assessments/clinic/message.html",
            {"clinic_message": found, "form": form},
            status=400 if form.errors else 200,
        )
    )
