"""Input of the search page and the header's autocomplete."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search movies"), max_length=200, required=False, strip=True)
    page = forms.IntegerField(min_value=1, max_value=500, required=False)

    def query(self) -> str:
        """The search words ("" when absent or invalid)."""
        if not self.is_valid():
            return ""
        return str(self.cleaned_data.get("q") or "")

    def page_number(self) -> int:
        """Which page of results (1 when absent or invalid)."""
        if not self.is_valid():
            return 1
        return int(self.cleaned_data.get("page") or 1)
