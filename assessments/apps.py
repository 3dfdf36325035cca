from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Foot assessments")

    def ready(self) -> None:
        from fitsperfect.outbox import outbox_email_sent

        from .services import clinic_answer_record_sent

        def record(sender, email, **kwargs) -> None:
            clinic_answer_record_sent(email=email)

        outbox_email_sent.connect(record, weak=False, dispatch_uid="assessments-clinic-answer-sent")
