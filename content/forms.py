from django import forms
from django.utils.translation import gettext_lazy as _

from fitsperfect.formpack import GovForm

from . import selectors


class NewsletterForm(GovForm, forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We will email you a link to confirm. Unsubscribe at any time."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
            "max_length": _("Email address must be 254 characters or fewer"),
        },
    )
    article = forms.SlugField(required=False, widget=forms.HiddenInput)


class ArticleSearchForm(GovForm, forms.Form):
    """The article search (GET): a query is never an error, a long one is cut short."""

    q = forms.CharField(
        label=_("Search articles"),
        required=False,
        max_length=selectors.MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "class": "article-search-input"}),
    )
