from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("orthotics/", views.catalogue, name="catalogue"),
    path("orders/", views.order_lookup, name="order_lookup"),
]
