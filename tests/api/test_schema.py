"""The OpenAPI schema and its documentation page, and the one error body everywhere."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/api/auth/guest/", "post"),
    ("/api/auth/token/", "post"),
    ("/api/auth/signup/", "post"),
    ("/api/movies/", "get"),
    ("/api/movies/{movie_id}/", "get"),
    ("/api/movies/{movie_id}/similar/", "get"),
    ("/api/movies/{movie_id}/explanation/", "get"),
    ("/api/onboarding/", "get"),
    ("/api/me/", "get"),
    ("/api/me/", "patch"),
    ("/api/me/convert/", "post"),
    ("/api/me/ratings/", "get"),
    ("/api/me/ratings/{movie_id}/", "get"),
    ("/api/me/ratings/{movie_id}/", "put"),
    ("/api/me/ratings/{movie_id}/", "delete"),
    ("/api/me/recommendations/", "get"),
}


#: Operations outside /api/me/ that need a signed-in user.
SIGNED_IN_ONLY = {"/api/onboarding/", "/api/movies/{movie_id}/explanation/"}


def test_the_schema_generates_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=StringIO()
    )
    schema = yaml.safe_load(out.read_text())
    assert {(p, m) for p, ops in schema["paths"].items() for m in ops} == OPERATIONS


def test_every_operation_documents_its_errors_in_the_one_shape(anon: APIClient) -> None:
    response = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code", "fields"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = {int(s) for s in operation["responses"]}
            errors = {s for s in statuses if s >= 400}
            assert errors, (path, method)
            for status in errors:
                content = operation["responses"][str(status)]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}
            if path.startswith("/api/me/") or path in SIGNED_IN_ONLY:
                assert 401 in statuses, (path, method)
                assert {} not in operation["security"]  # no anonymous access
            if method in {"put", "delete"} or path == "/api/me/convert/":
                assert 403 in statuses  # CSRF
    stars = schema["components"]["schemas"]["RatingInputRequest"]["properties"]["stars"]
    assert stars == {
        "type": "number",
        "minimum": 0.5,
        "maximum": 5,
        "multipleOf": 0.5,
        "example": 4.5,
        "description": "0.5 to 5 in half steps.",
    }
    recommendations = schema["paths"]["/api/me/recommendations/"]["get"]["parameters"]
    adventurous = next(p for p in recommendations if p["name"] == "adventurous")
    assert (adventurous["in"], adventurous.get("required", False)) == ("query", False)
    assert adventurous["schema"] == {
        "type": "number",
        "format": "double",
        "minimum": 0.0,
        "maximum": 1.0,
    }
    security = schema["components"]["securitySchemes"]
    assert (security["tokenAuth"]["in"], security["tokenAuth"]["name"]) == (
        "header",
        "Authorization",
    )
    assert (security["cookieAuth"]["in"], security["cookieAuth"]["name"]) == ("cookie", "sessionid")


def test_the_docs_page_is_served_with_local_assets(anon: APIClient) -> None:
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for cdn in ("cdn", "jsdelivr", "unpkg", "//"):
        assert not re.search(rf"(src|href)=\"[^\"]*{re.escape(cdn)}", html), cdn
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        served = anon.get(asset)
        assert served.status_code == 200, asset


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("post", "/api/movies/", 405, "method_not_allowed"),
        ("delete", "/api/auth/guest/", 405, "method_not_allowed"),
        ("get", "/api/movies/1/", 404, "not_found"),
    ],
)
def test_every_error_has_the_one_body(
    anon: APIClient, method: str, path: str, status: int, code: str
) -> None:
    response = getattr(anon, method)(path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert body["code"] == code
    assert body["detail"]
