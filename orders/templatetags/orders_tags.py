"""Template helpers for money in integer minor units (`fitsperfect.money`)."""

from django import template

from fitsperfect.money import money, signed_money

register = template.Library()
register.filter("money", money)
register.filter("signed_money", signed_money)
