from django.urls import path

from . import clinic_views, views

app_name = "assessments"

urlpatterns = [
    path("assessment/", views.start, name="start"),
    path("assessment/your-health-information/", views.consent, name="consent"),
    path("assessment/questions/<slug:slug>/", views.consent_required(views.step), name="step"),
    path("assessment/check-your-answers/", views.check, name="check"),
    path("assessment/mine/", views.my_assessments, name="mine"),
    path("assessment/result/<str:token>/", views.result, name="result"),
    path("assessment/result/<str:token>/email/", views.email_link, name="email_link"),
    path("assessment/result/<str:token>/photos/<slug:kind>/", views.photo, name="photo"),
    path(
        "assessment/result/<str:token>/talk-to-a-clinician/",
        views.message,
        name="result_message",
    ),
    path("assessment/talk-to-a-clinician/", views.message, name="message"),
    path("assessment/talk-to-a-clinician/sent/", views.message_sent, name="message_sent"),
    path("assessment/reply/<str:token>/", clinic_views.question_reply, name="question_reply"),
    path("clinic/", clinic_views.clinic_queue, name="clinic_queue"),
    path(
        "clinic/assessments/<int:pk>/question/",
        clinic_views.clinic_question_ask,
        name="clinic_question_ask",
    ),
    path("clinic/calibration/", clinic_views.clinic_calibration, name="clinic_calibration"),
    path("clinic/messages/", clinic_views.clinic_messages, name="clinic_messages"),
    path("clinic/messages/<int:pk>/", clinic_views.clinic_message, name="clinic_message"),
    path("clinic/assessments/<int:pk>/", clinic_views.clinic_assessment, name="clinic_assessment"),
    path(
        "clinic/assessments/<int:pk>/photos/<slug:kind>/",
        clinic_views.clinic_photo,
        name="clinic_photo",
    ),
]
