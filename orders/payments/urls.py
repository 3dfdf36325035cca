from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("checkout/test-payment/<str:token>/", views.test_payment, name="test_payment"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
    path("orders/<str:token>/receipt/", views.receipt, name="receipt"),
]
