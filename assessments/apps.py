from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Foot assessments")
    # Health data: who viewed or changed it is recorded (fitsperfect.audit_trail).
    audited_url_names = {
        "assessments:clinic_assessment": "assessments.assessment",
        "assessments:clinic_photo": "assessments.assessment",
        "assessments:result": "assessments.assessment",
        "assessments:photo": "assessments.assessment",
        "assessments:clinic_message": "assessments.clinicmessage",
        "admin:assessments_assessment_*": "assessments.assessment",
    }
    audited_models = (
        "assessments.Assessment",
        "assessments.Review",
        "assessments.ClinicMessage",
        "assessments.ClinicQuestion",
    )

    def ready(self) -> None:
        from fitsperfect.outbox import outbox_email_sent

        from .services import clinic_answer_record_sent

        def record(sender, email, **kwargs) -> None:
            clinic_answer_record_sent(email=email)

        outbox_email_sent.connect(record, weak=False, dispatch_uid="assessments-clinic-answer-sent")
