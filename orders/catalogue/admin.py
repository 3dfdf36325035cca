"""Products and their options in the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fitsperfect.money import money

from .models import Product, ProductOption


class ProductOptionInline(admin.TabularInline):
    model = ProductOption
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "price", "turnaround_days", "is_active", "position"]
    list_editable = ["is_active", "position"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductOptionInline]

    @admin.display(description=_("price"))
    def price(self, obj: Product) -> str:
        return money(obj.base_price, obj.currency)
