"""Assessment pages: the question steps, check your answers, the result, and the clinic.

Views stay thin: forms validate, services write, selectors read. Progress is kept in the session
until a draft row is needed, then in that row (`progress`), so refresh, Back or coming back later
loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fitsperfect import pagecache

from . import calibration, footprint, progress, questions, scoring, selectors, services, summary
from .consent import ConsentMissing, consent_from_session, consent_give
from .forms import (
    AboutForm,
    ActivityForm,
    CalibrationFilterForm,
    ClinicAnswerForm,
    ClinicMessageForm,
    EmailLinkForm,
    HealthDataConsentForm,
    PainForm,
    PhotosForm,
    PostureForm,
    QueueFilterForm,
    RedFlagForm,
    ReviewForm,
    SubmitForm,
)
from .models import Assessment, AssessmentPhoto
from .signals import clinic_panels

SESSION_DRAFT = progress.SESSION_DRAFT
SESSION_ANSWERS = progress.SESSION_ANSWERS
SESSION_ENTRY = "assessment_entry"
REVIEW_PERMISSION = services.REVIEW_PERMISSION

FORM_FOR_STEP = {
    "about": AboutForm,
    "pain": PainForm,
    "red_flags": RedFlagForm,
    "activity": ActivityForm,
    "photos": PhotosForm,
}


def _step_url(step: questions.Step, *, change: bool = False) -> str:
    url = reverse("assessments:step", kwargs={"slug": step.slug})
    return f"{url}?change=1" if change else url


def _to_step(step: questions.Step) -> HttpResponseRedirect:
    # (`redirect(url)` would first try the URL as a view name to reverse, and fail.)
    return HttpResponseRedirect(_step_url(step))


def _make_form(step: questions.Step, **kwargs):
    if step.key in ("left", "right"):
        return PostureForm(side=step.key, **kwargs)
    return FORM_FOR_STEP[step.key](**kwargs)


def _entry(request: HttpRequest) -> dict:
    return request.session.get(SESSION_ENTRY, {})


def start(request: HttpRequest) -> HttpResponse:
    """The start page; `?article=<slug>&area=<area>` carries an article's context into the flow."""
    article = slugify(request.GET.get("article", ""))[:200]
    area = request.GET.get("area", "")
    if article or area:
        request.session[SESSION_ENTRY] = {
            "article": article,
            "area": area if area in questions.PAIN_AREA_CODES else "",
        }
    answers = progress.progress_of(request.session).answers
    next_step = questions.first_incomplete_step(answers)
    continue_url = _step_url(next_step) if next_step else reverse("assessments:check")
    return render(
        request,
        "assessments/start.html",
        {"answers": answers, "continue_url": continue_url, "steps": questions.STEPS},
    )


@never_cache
def consent(request: HttpRequest) -> HttpResponse:
    """Asks for consent to store health data before the first answer is stored."""
    if request.method == "POST":
        form = HealthDataConsentForm(request.POST)
        if form.is_valid():
            consent_give(request.session)
            return _to_step(questions.STEPS[0])
    else:
        form = HealthDataConsentForm(
            initial={"agree": consent_from_session(request.session) is not None}
        )
    return render(
        request,
        "assessments/consent.html",
        {"form": form, "retention_days": services.DRAFT_RETENTION.days},
    )


def consent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Question pages store answers: without consent in this visit (or a draft row, which
    carries its own) they send the visitor to the consent page first."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        session = request.session
        if consent_from_session(session) is None and not session.get(SESSION_DRAFT):
            return redirect("assessments:consent")
        try:
            return view(request, *args, **kwargs)
        except ConsentMissing:  # a draft row is due and the consent given is no longer current
            return redirect("assessments:consent")

    return wrapped


@never_cache
def step(request: HttpRequest, slug: str) -> HttpResponse:
    """One question page: GET shows it with what was answered before; POST validates and moves on."""
    current = questions.STEP_BY_SLUG.get(slug)
    if current is None:
        raise Http404
    if request.method == "GET" and _nothing_of_their_own(request):
        # A visitor with no answers yet sees a blank page, the same for everyone but the CSRF
        # token: rendered once per process (it depends on nothing but the code and settings).
        return pagecache.form_page(
            request,
            f"assessments:step:{current.slug}",
            lambda csrf_token: _step(
                request, current, progress.Progress(answers={}), csrf_token=csrf_token
            ),
            seconds=300,
            blank=True,
        )
    return _step(request, current, progress.progress_of(request.session))


def _nothing_of_their_own(request: HttpRequest) -> bool:
    """No answers or draft yet, no entry from an article, not signed in, no messages waiting:
    the page shows nothing personal (their consent, given or not, does not show on it)."""
    session = request.session
    return (
        not session.get(SESSION_DRAFT)
        and not progress.session_answers(session)
        and not _entry(request)
        and not request.user.is_authenticated
        and not len(messages.get_messages(request))
    )


def _step(
    request: HttpRequest,
    current: questions.Step,
    so_far: progress.Progress,
    *,
    csrf_token: str | None = None,
) -> HttpResponse:
    answers, draft = so_far.answers, so_far.draft
    missing = questions.first_incomplete_step(answers)
    number = questions.step_number(current.slug)
    if missing is not None and number > questions.step_number(missing.slug):
        return _to_step(missing)
    changing = request.GET.get("change") == "1" and missing is None
    photos = list(draft.photos.all()) if draft and current.key == "photos" else []

    if request.method == "POST":
        if current.key == "photos" and draft and request.POST.get("remove"):
            services.assessment_photo_delete(assessment=draft, kind=request.POST["remove"])
            return redirect(request.get_full_path())
        form = _make_form(current, data=request.POST, files=request.FILES)
        if form.is_valid():
            answers = _save_step(request, draft, current, form)
            if current.key in ("about", "red_flags") and services.red_flags_in(answers):
                referred = _refer(request, draft)
                return redirect("assessments:result", token=referred.token)
            if changing or number == len(questions.STEPS):
                return redirect("assessments:check")
            return _to_step(questions.STEPS[number])
    else:
        initial = answers.get(current.key)
        if initial is None and current.key == "pain" and _entry(request).get("area"):
            initial = {"areas": [_entry(request)["area"]]}
        form = _make_form(current, initial=initial or {})

    if changing:
        back_url = reverse("assessments:check")
    elif number > 1:
        back_url = _step_url(questions.STEPS[number - 2])
    else:
        back_url = reverse("assessments:start")
    context = {
        "form": form,
        "step": current,
        "number": number,
        "total": len(questions.STEPS),
        "back_url": back_url,
        "photos": photos,
        "draft": draft,
        "answers": answers,
        "entry": _entry(request),
    }
    if csrf_token is not None:
        context["csrf_token"] = csrf_token
    return render(request, f"assessments/steps/{current.key}.html", context)


def _save_step(request: HttpRequest, draft: Assessment | None, current, form) -> dict:
    """One write for a question step: to the session until there is a draft row, then to the row.
    The photos step makes the row (photos belong to it), with the answers from the session."""
    if current.key != "photos":
        if draft is None:
            return progress.session_answers_save(
                session=request.session, step_key=current.key, data=form.cleaned_data
            )
        services.assessment_save_step(
            assessment=draft, step_key=current.key, data=form.cleaned_data
        )
        return draft.answers
    with transaction.atomic():
        if draft is None:
            draft = _new_draft(request)
        kinds = []
        for kind in AssessmentPhoto.Kind.values:
            image = form.cleaned_data.get(kind)
            if image is not None:
                services.assessment_photo_save(assessment=draft, kind=kind, image=image)
                kinds.append(kind)
        services.assessment_save_step(
            assessment=draft, step_key=current.key, data={"uploaded_now": kinds}
        )
    return draft.answers


def _new_draft(request: HttpRequest) -> Assessment:
    """The visitor's draft row, with the answers so far from the session in the same INSERT."""
    draft = services.assessment_start_draft(
        consent=consent_from_session(request.session),
        user=request.user,
        source_article_slug=_entry(request).get("article", ""),
        answers=progress.session_answers(request.session),
    )
    progress.session_draft_set(session=request.session, draft=draft)
    return draft


def _refer(request: HttpRequest, draft: Assessment | None) -> Assessment:
    """A red flag: the answers go to a clinician as a referral (made a row first if need be)."""
    with transaction.atomic():
        referred = services.assessment_refer(assessment=draft or _new_draft(request))
    progress.session_progress_clear(request.session)
    return referred


@never_cache
def check(request: HttpRequest) -> HttpResponse:
    """Check your answers, with change links; submitting scores in one transaction."""
    so_far = progress.progress_of(request.session)
    if not so_far.answers:
        return redirect("assessments:start")
    missing = questions.first_incomplete_step(so_far.answers)
    if missing is None and so_far.draft is None:  # only the photos step makes a row
        missing = questions.STEP_BY_SLUG["photos"]
    if missing is not None:
        return _to_step(missing)
    draft = so_far.draft
    if request.method == "POST":
        form = SubmitForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["contact_email"]
            submitted = services.assessment_submit(
                assessment=draft, contact_email=email, user=request.user
            )
            progress.session_progress_clear(request.session)
            return redirect("assessments:result", token=submitted.token)
    else:
        form = SubmitForm()
    return render(
        request,
        "assessments/check.html",
        {
            "form": form,
            "draft": draft,
            "sections": _summary(draft),
            "photos": list(draft.photos.all()),
        },
    )


def _summary(assessment: Assessment) -> list[dict]:
    """Rows for "check your answers" and the clinic page: (question, answer, change step)."""
    return summary.answer_rows(assessment.answers)


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    # Referrer-Policy is set for every private page by fitsperfect.security.SensitivePageMiddleware.
    return response


def result(request: HttpRequest, token: str) -> HttpResponse:
    """The result for whoever holds the token: the band explained, or the referral page."""
    assessment = selectors.result_by_token(token)
    if assessment is None:
        raise Http404
    if assessment.red_flags:
        context = {
            "assessment": assessment,
            "email_form": EmailLinkForm(),
            "v2": assessment.model_version == scoring.MODEL_VERSION_V2,
        }
        return _private(render(request, "assessments/referral.html", context))
    email_form = EmailLinkForm(initial={"email": assessment.contact_email})
    return _private(
        render(request, "assessments/result.html", _result_context(assessment, email_form))
    )


def _result_context(assessment: Assessment, email_form: EmailLinkForm) -> dict:
    """What the result page shows. A result is explained in the words of its own model version:
    v1 results with the v1 template sections, v2 results with the v2 includes."""
    context = {
        "assessment": assessment,
        "result": assessment.result,
        "footprint": _footprint(assessment),
        "email_form": email_form,
        # No order offer once the assessment is closed (a clinician referred the person in person).
        "order_url": (
            f"/orthotics/{assessment.suggested_product_slug}/?assessment={assessment.token}"
            if assessment.suggested_product_slug
            and selectors.assessment_may_back_order(assessment=assessment)
            else ""
        ),
        "v2": assessment.model_version == scoring.MODEL_VERSION_V2,
    }
    if context["v2"]:
        slug = assessment.suggested_product_slug
        load_codes = {code for code, _points in assessment.result.get("load_factors", [])}
        context |= {
            "product_reason": (
                questions.product_reason(
                    slug=slug,
                    answers=assessment.answers,
                    foot_type=assessment.result.get("foot_type", ""),
                )
                if slug
                else ""
            ),
            "knee_or_hip_pain": questions.knee_or_hip_pain(assessment.answers),
            "weight_advice": bool(load_codes & {"bmi_30_or_more", "bmi_27_to_30"}),
            "training_advice": "impact_or_training_jump" in load_codes,
        }
    return context


def _footprint(assessment: Assessment) -> dict | None:
    """The wet-footprint arch index beside the self-score: evidence, never added to it."""
    photo = next(
        (p for p in assessment.photos.all() if p.kind == AssessmentPhoto.Kind.FOOTPRINT), None
    )
    if photo is None or photo.arch_index is None:
        return None
    result = assessment.result or {}
    side = result.get("scoring_foot") or ""
    band = (result.get(side) or {}).get("posture_band") if side else None
    return {
        "value": photo.arch_index,
        "category": photo.arch_category,
        "agreement": footprint.agreement(photo.arch_category, band),
    }


@require_POST
def email_link(request: HttpRequest, token: str) -> HttpResponse:
    assessment = selectors.result_by_token(token)
    if assessment is None:
        raise Http404
    form = EmailLinkForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_request_link_email(
                assessment=assessment, email=form.cleaned_data["email"]
            )
        except services.TooManyLinkEmails:
            messages.error(
                request, _("The link has been emailed several times already. Try again later.")
            )
            return redirect("assessments:result", token=token)
        messages.success(
            request,
            _("We have sent a link to your result to %(email)s.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("assessments:result", token=token)
    if assessment.red_flags:
        template = "assessments/referral.html"
        context = {
            "assessment": assessment,
            "email_form": form,
            "v2": assessment.model_version == scoring.MODEL_VERSION_V2,
        }
    else:
        template, context = "assessments/result.html", _result_context(assessment, form)
    return _private(render(request, template, context, status=400))


def _photo_response(photo: AssessmentPhoto) -> HttpResponse:
    """A photo the caller may see: streamed from local storage, or (S3) a redirect to a signed URL
    that expires within AWS_QUERYSTRING_EXPIRE seconds."""
    from fitsperfect.storage import private_file_redirect

    extension = "png" if photo.content_type == "image/png" else "jpg"
    redirect = private_file_redirect(
        photo.file, content_type=photo.content_type, filename=f"{photo.kind}.{extension}"
    )
    if redirect is not None:
        return _private(redirect)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = f'inline; filename="{photo.kind}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return _private(response)


def photo(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    """A photo for the holder of its assessment's token; the storage itself has no URL."""
    found = selectors.photo_for_token(token, kind)
    if found is None:
        raise Http404
    return _photo_response(found)


@never_cache
def message(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """ "Talk to a clinician": a question for the clinic, answered by email. From a result page
    (`token`) the message is linked to that assessment, so the clinician sees the answers."""
    assessment = None
    if token is not None:
        assessment = selectors.result_by_token(token)
        if assessment is None:
            raise Http404
    if request.method == "POST":
        form = ClinicMessageForm(request.POST)
        if form.is_valid():
            services.clinic_message_create(
                **form.cleaned_data, assessment=assessment, user=request.user
            )
            return redirect("assessments:message_sent")
    else:
        user = request.user
        form = ClinicMessageForm(
            initial={
                "name": user.get_full_name() if user.is_authenticated else "",
                "email": (assessment.contact_email if assessment else "")
                or (user.email if user.is_authenticated else ""),
            }
        )
    return _private(
        render(
            request,
            "assessments/message.html",
            {"form": form, "assessment": assessment},
        )
    )


def message_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "assessments/message_sent.html")


@login_required
def my_assessments(request: HttpRequest) -> HttpResponse:
    return _private(
        render(
            request,
            "assessments/mine.html",
            {"assessments": selectors.assessments_for_user(request.user)},
        )
    )


# --- Clinic -----------------------------------------------------------------------------------

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
    return _private(
        render(
            request,
            "assessments/clinic/queue.html",
            {
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
    return _private(
        render(
            request,
            "assessments/clinic/assessment.html",
            {
                "assessment": assessment,
                "may_back_order": may_back_order,
                "form": form,
                "sections": _summary(assessment),
                "reviews": assessment.reviews.all(),
                "photos": assessment.photos.all(),
                "footprint": _footprint(assessment),
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


@_clinician
def clinic_photo(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    found = selectors.photo_for_clinic(pk, kind)
    if found is None:
        raise Http404
    return _photo_response(found)


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
    return _private(
        render(
            request,
            "assessments/clinic/calibration.html",
            {"form": form, "sections": sections, "versions": versions},
        )
    )


@_clinician
def clinic_messages(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.clinic_messages(), 50).get_page(request.GET.get("page"))
    return _private(render(request, "assessments/clinic/messages.html", {"page": page}))


@_clinician
def clinic_message(request: HttpRequest, pk: int) -> HttpResponse:
    """One message; a clinician answers it here and the answer is emailed to the person."""
    found = selectors.clinic_message(pk)
    if found is None:
        raise Http404
    form = ClinicAnswerForm(request.POST or None)
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
    return _private(
        render(
            request,
            "assessments/clinic/message.html",
            {"clinic_message": found, "form": form},
            status=400 if form.errors else 200,
        )
    )
