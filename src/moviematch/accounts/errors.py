"""Errors of the account services; each message is fit to show next to the form field."""

from __future__ import annotations


class AccountError(Exception):
    """Base class. ``field`` names the input the message is about (or None for the form)."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.messages = [message]
        if field is not None:
            self.field = field


class InvalidCredentialsError(AccountError):
    """A username or password that Django's validators refuse (``messages`` lists them all)."""

    def __init__(self, field: str, messages: list[str]) -> None:
        super().__init__(" ".join(messages), field=field)
        self.messages = list(messages)


class UsernameTakenError(AccountError):
    field = "username"

    def __init__(self, username: str) -> None:
        super().__init__(f"the username {username!r} is already taken")


class NotAGuestError(AccountError):
    """Only a guest account can be turned into a full account."""

    def __init__(self) -> None:
        super().__init__("this account is already a full account")
