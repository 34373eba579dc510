"""Accounts over the API: a guest in one call, a token for a password, sign-up, conversion.

Each answers ``{"token": ..., "user": {...}}``. Creating accounts and checking passwords are
throttled per client (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``: 429 beyond them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate, login, update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from moviematch.accounts.selectors import guest_expires_at
from moviematch.accounts.services import (
    guest_convert,
    guest_create,
    user_adventurous_set,
    user_signup,
)
from moviematch.api.authentication import SessionAuthentication, request_user
from moviematch.api.exceptions import AlreadySignedInError, ApiError
from moviematch.api.fields import AdventurousField
from moviematch.api.schema import errors
from moviematch.api.serializers import AuthSerializer, UserSerializer
from moviematch.api.services import token_get_or_create

if TYPE_CHECKING:
    from django.contrib.auth.models import _User

_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _account(user: _User) -> dict[str, Any]:
    return {
        "username": user.username,
        "is_guest": user.is_guest,
        "guest_expires_at": guest_expires_at(user=user),
        "adventurous": user.adventurous,
    }


def _signed_in(user: _User, http_status: int = status.HTTP_200_OK) -> Response:
    body = {"token": token_get_or_create(user=user), "user": _account(user)}
    return Response(AuthSerializer(body).data, status=http_status)


class CredentialsInputSerializer(serializers.Serializer[dict[str, Any]]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class AccountInputSerializer(CredentialsInputSerializer):
    email = serializers.EmailField(required=False, default="", allow_blank=True)


class GuestCreateApi(APIView):
    """A private guest account, signed in (session and token)."""

    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth.guest"

    @extend_schema(
        operation_id="auth_guest_create",
        tags=["auth"],
        summary="Start a guest session",
        description="Creates a private guest account (no password), signs this session in and "
        "returns its token. A caller already signed in as a guest gets that guest back (200).",
        request=None,
        responses={
            201: OpenApiResponse(AuthSerializer, description="A new guest account."),
            200: OpenApiResponse(AuthSerializer, description="The caller's guest account."),
            **errors(401, 403, 409, 429, s409="Signed in with a full account."),
        },
    )
    def post(self, request: Request) -> Response:
        if request.user.is_authenticated:
            current = request_user(request)
            if not current.is_guest:
                raise AlreadySignedInError()
            return _signed_in(current)
        user = guest_create()
        login(request._request, user, backend=_BACKEND)
        return _signed_in(user, status.HTTP_201_CREATED)


class _AnonymousApi(APIView):
    """Ignores any credentials sent (so no CSRF check either): throttled per address."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)


class TokenCreateApi(_AnonymousApi):
    """The token of a username and password."""

    throttle_scope = "auth.token"

    class InputSerializer(CredentialsInputSerializer):
        class Meta:
            ref_name = "TokenInput"

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Get the token of an account",
        request=InputSerializer,
        responses={200: AuthSerializer, **errors(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise ApiError(
                status.HTTP_400_BAD_REQUEST,
                "Unable to sign in with that username and password.",
                "invalid_credentials",
            )
        return _signed_in(user)


class SignupApi(_AnonymousApi):
    """A new full account and its token."""

    throttle_scope = "auth.signup"

    class InputSerializer(AccountInputSerializer):
        class Meta:
            ref_name = "SignupInput"

    @extend_schema(
        operation_id="auth_signup",
        tags=["auth"],
        summary="Create an account",
        description="Creates a full account and returns its token; the session is left as it "
        "is (sign in on the site's login page for a session). A guest keeps their ratings "
        "with `POST /api/me/convert/` instead.",
        request=InputSerializer,
        responses={201: AuthSerializer, **errors(400, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _signed_in(user_signup(**data.validated_data), status.HTTP_201_CREATED)


class GuestConvertApi(APIView):
    """The caller's guest account becomes a full one."""

    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth.signup"

    class InputSerializer(AccountInputSerializer):
        class Meta:
            ref_name = "ConvertInput"

    @extend_schema(
        operation_id="me_convert",
        tags=["me"],
        summary="Turn the guest account into a full account",
        description="Gives the guest account a username and password; its ratings and token "
        "stay, and a session stays signed in.",
        request=InputSerializer,
        responses={
            200: AuthSerializer,
            **errors(400, 401, 403, 409, 429, s409="Already a full account."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = guest_convert(user=request_user(request), **data.validated_data)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request._request, user)  # the password changed
        return _signed_in(user)


class MeApi(APIView):
    """The signed-in account."""

    @extend_schema(
        operation_id="me_retrieve",
        tags=["me"],
        summary="The signed-in account",
        responses={200: UserSerializer, **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(_account(request_user(request))).data)

    class SettingsInputSerializer(serializers.Serializer[dict[str, Any]]):
        adventurous = AdventurousField(
            required=False,
            help_text="0 (familiar) … 1 (adventurous); kept for the site's home page and "
            "`GET /api/me/recommendations/` without `adventurous=`. Left out: unchanged.",
        )

        class Meta:
            ref_name = "MeSettingsInput"

    @extend_schema(
        operation_id="me_partial_update",
        tags=["me"],
        summary="Change the account's recommendation setting",
        request=SettingsInputSerializer,
        responses={200: UserSerializer, **errors(400, 401)},
    )
    def patch(self, request: Request) -> Response:
        data = self.SettingsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request_user(request)
        if "adventurous" in data.validated_data:
            user_adventurous_set(user=user, adventurous=data.validated_data["adventurous"])
        return Response(UserSerializer(_account(user)).data)
