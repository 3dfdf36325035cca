"""End to end in Chromium: a full questionnaire, the result, a clinician's approval; a red-flag pass."""

import pytest

from assessments import scoring
from assessments.models import Assessment
from assessments.tests.factories import clinician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def continue_(page):
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def answer_posture(page, value, *, cant_tell=()):
    """A foot's five picture questions, one page each."""
    for item in scoring.POSTURE_ITEMS:
        choice = "cant_tell" if item in cant_tell else value
        page.locator(f"input[name='{item}'][value='{choice}']").check()
        continue_(page)


def scoring_question(code):
    from assessments import questions

    return next(str(item.question) for item in questions.POSTURE_ITEMS if item.code == code)


def test_full_pass_result_and_clinician_approval(page, live_server):
    page.goto("/assessment/?article=hip-pain&area=hip")
    page.get_by_role("button", name="Start now").or_(
        page.get_by_role("link", name="Start now")
    ).click()
    # Consent to store health data comes before the first answer; without it, an error.
    assert page.locator("h1").inner_text() == "Before you start: your health information"
    continue_(page)
    assert "Select the box to agree" in page.locator(".error-summary").inner_text()
    page.get_by_label("I agree that Fits Perfect may store my answers", exact=False).check()
    continue_(page)
    assert page.locator("h1").inner_text() == "About you"
    assert page.get_by_text("Step 1 of 15").is_visible()

    # A validation error on the way: no age.
    page.get_by_label("Female").check()
    continue_(page)
    summary = page.locator(".error-summary")
    assert "Enter your age" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.get_by_label("Female").is_checked()  # kept
    page.get_by_label("Your age").fill("44")
    continue_(page)

    # Where it hurts: the article's area is ticked for us.
    assert page.get_by_label("Hip or outer thigh").is_checked()
    page.get_by_label("3 to 12 months").check()
    page.get_by_label("How bad is the pain").fill("6")
    page.get_by_label("Pain on the outside of the hip when lying on that side").check()
    continue_(page)

    page.get_by_label("None of these").check()
    continue_(page)

    assert page.locator(".step-caption").inner_text() == "Your left foot, question 1 of 5"
    assert page.locator("h1").inner_text() == scoring_question("ankle_curves")
    page.set_viewport_size({"width": 320, "height": 700})  # no sideways scrolling on a small phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size({"width": 1000, "height": 800})
    answer_posture(page, "2")

    # Back to the left foot's last question: the answer is still there.
    page.get_by_role("link", name="Back").click()
    page.wait_for_load_state()
    assert page.locator(".step-caption").inner_text() == "Your left foot, question 5 of 5"
    assert page.locator("input[name='toes_from_behind'][value='2']").is_checked()
    continue_(page)

    assert page.locator(".step-caption").inner_text() == "Your right foot, question 1 of 5"
    answer_posture(page, "1", cant_tell=("arch_height",))

    page.get_by_role("group", name="How often do you run").get_by_label(
        "1 or 2 times a week"
    ).check()
    for group in (
        "Have you recently increased",
        "Have you had an overuse injury",
        "Have you worn insoles",
    ):
        page.get_by_role("group", name=group).get_by_label("No").check()
    page.get_by_role("group", name="Are your joints").get_by_label("Not sure").check()
    page.get_by_label("Slim or smart shoes").check()
    continue_(page)

    assert "Photos of your feet" in page.locator("h1").inner_text()
    continue_(page)

    assert page.locator("h1").inner_text() == "Check your answers before sending them"
    page.get_by_role("button", name="Send and see my result").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Your foot assessment result"
    assert "High" in page.locator("#band-heading").inner_text()
    assessment = Assessment.objects.get()
    assert assessment.source_article_slug == "hip-pain"
    order = page.get_by_role("link", name="Order a custom orthotic")
    assert order.get_attribute("href") == f"/orthotics/dress/?assessment={assessment.token}"
    assert page.get_by_role("button", name="Print this result").is_visible()  # JS enabled it
    page.get_by_label("Email address").fill("me@example.com")
    page.get_by_role("button", name="Email me the link").click()
    page.wait_for_load_state()
    assert "We have sent a link to your result to me@example.com." in page.content()
    assert page.console_errors == []

    # A clinician signs in and approves it.
    clinician("nurse")
    page.goto("/clinic/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username or email").fill("nurse")
    page.get_by_label("Password").fill("demo-pass-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your day in the clinic"
    assert page.get_by_role("heading", name="Assessments to review").is_visible()
    page.get_by_role("link", name=f"#{assessment.pk}").click()
    page.wait_for_load_state()
    page.get_by_label("FPI 3: The tilt of the heel, seen from behind").first.select_option("2")
    page.get_by_label("Approved for orthotic").check()
    page.get_by_role("button", name="Record review").click()
    page.wait_for_load_state()
    assert "Your review has been recorded." in page.content()
    assessment.refresh_from_db()
    assert assessment.is_approved and assessment.reviews.get().left_heel_tilt == 2
    assert page.console_errors == []


def test_red_flag_pass_ends_on_the_referral_page(page, live_server):
    page.goto("/assessment/questions/about-you/")
    # Sent to the consent page first, then on to the question asked for.
    page.get_by_role("checkbox").check()
    continue_(page)
    page.get_by_label("Your age").fill("60")
    page.get_by_label("Male", exact=True).check()
    continue_(page)
    continue_(page)  # nothing hurts right now: allowed
    page.get_by_label("I have diabetes and a wound or ulcer on my foot").check()
    continue_(page)
    assert page.locator("h1").inner_text() == "Please get medical help today"
    assert page.get_by_role("link", name="Order a custom orthotic").count() == 0
    assessment = Assessment.objects.get()
    assert assessment.status == "referred" and assessment.urgent
    assert page.console_errors == []
