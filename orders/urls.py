from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("orthotics/", views.catalogue, name="catalogue"),
    path("orthotics/<slug:slug>/", views.product_detail, name="product_detail"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/test-payment/<str:token>/", views.test_payment, name="test_payment"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
    path("orders/", views.order_lookup, name="order_lookup"),
    path("orders/<str:token>/", views.order_detail, name="order_detail"),
    path("accounts/signup/", views.signup, name="signup"),
    path("account/", views.account, name="account"),
]
