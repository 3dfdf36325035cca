"""The lab's webhook: thin, the service verifies, records and applies the delivery."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .events import lab_webhook_receive


@csrf_exempt
@require_POST
def lab_webhook(request: HttpRequest) -> HttpResponse:
    result = lab_webhook_receive(body=request.body, headers=request.headers)
    return HttpResponse(result.message, status=result.status_code, content_type="text/plain")
