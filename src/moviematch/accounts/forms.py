"""Forms of the account pages; the services make the accounts, the forms only read input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from moviematch.accounts.errors import AccountError, UsernameTakenError
from moviematch.accounts.services import GUEST_PREFIX


class AccountForm(forms.Form):
    """A name and a password (typed twice): sign-up, and a guest saving their account."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @/./+/-/_ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_("Never shown to anyone."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        name: str = self.cleaned_data["username"].strip()
        if name.lower().startswith(GUEST_PREFIX):
            raise forms.ValidationError(
                _("Usernames may not start with “%(prefix)s”."), params={"prefix": GUEST_PREFIX}
            )
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data

    def credentials(self) -> dict[str, str]:
        """``username``, ``password`` and ``email`` for the account services."""
        data = self.cleaned_data
        return {"username": data["username"], "password": data["password1"], "email": data["email"]}

    def add_account_error(self, error: AccountError) -> None:
        """Show a service's refusal next to the field it is about."""
        if isinstance(error, UsernameTakenError):
            self.add_error("username", _("This username is already taken."))
            return
        field = {"password": "password1"}.get(error.field or "", error.field)
        self.add_error(field if field in self.fields else None, error.messages)
