from django.urls import path

from . import views

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
    path("clinic/", views.clinic_queue, name="clinic_queue"),
    path("clinic/calibration/", views.clinic_calibration, name="clinic_calibration"),
    path("clinic/messages/", views.clinic_messages, name="clinic_messages"),
    path("clinic/messages/<int:pk>/", views.clinic_message, name="clinic_message"),
    path("clinic/assessments/<int:pk>/", views.clinic_assessment, name="clinic_assessment"),
    path(
        "clinic/assessments/<int:pk>/photos/<slug:kind>/",
        views.clinic_photo,
        name="clinic_photo",
    ),
]
