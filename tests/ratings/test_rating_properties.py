"""Property tests of rating input: whatever is sent, a clear refusal or the right stored
rating; never a crash, never a partial write.

``stars_parse`` and ``rating_upsert`` (the services the pages use), the page's rating
endpoint and the API's ``PUT /api/me/ratings/{id}/``, each fed any value Hypothesis can
make: numbers of every kind (huge, tiny, NaN, infinities, many digits), numeric strings
with spaces, exponents and Unicode digits, JSON values of every type, raw bodies.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from moviematch.accounts.models import User
from moviematch.catalog.models import Movie
from moviematch.ratings.errors import InvalidStarsError, MovieNotRateableError
from moviematch.ratings.models import STAR_VALUES, Rating
from moviematch.ratings.services import rating_upsert, stars_parse

#: Through the database (and the pages or the API): fewer examples, so that the suite stays fast.
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

#: Text that looks like a number, nearly: the values a form or a script could send.
numeric_text = st.builds(
    lambda pre, sign, digits, point, frac, exp, post: (
        f"{pre}{sign}{digits}{point}{frac}{exp}{post}"
    ),
    st.sampled_from(["", " ", "\t", "\n", "\u00a0", "+"]),
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789٣５", max_size=4),
    st.sampled_from(["", ".", ","]),
    st.text("05", max_size=3),
    st.sampled_from(["", "e0", "E1", "e-1", "e999999", "e-999999999"]),
    st.sampled_from(["", " ", "\n", "x", "\x00"]),
)
any_stars = st.one_of(
    st.sampled_from([*STAR_VALUES, 0, 5.5, 3.3, "NaN", "sNaN", "inf", "-0", "", " ", "½"]),
    numeric_text,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.booleans(),
    st.none(),
    st.lists(st.integers(0, 5), max_size=2),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def _expected(value: Any) -> Decimal | None:
    """The stars ``value`` stands for, by the rule the services document (None: refused)."""
    if isinstance(value, bool | list) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    if not number.is_finite():
        return None
    # a comparison, not set membership: the rule is about the value (5.0 == 5 == 5.00)
    return next((s for s in STAR_VALUES if s == number), None)


@given(any_stars)
@settings(max_examples=300, deadline=None)
def test_stars_parse_returns_an_allowed_value_or_refuses(value: Any) -> None:
    expected = _expected(value)
    if expected is None:
        with pytest.raises(InvalidStarsError) as refused:
            stars_parse(value)
        assert isinstance(refused.value, ValueError)  # a ValueError-type error, as documented
        assert "stars must be a number from 0.5 to 5" in str(refused.value)
        return
    parsed = stars_parse(value)
    assert parsed == expected
    assert parsed in STAR_VALUES
    assert parsed.as_tuple().exponent == -1  # one decimal place, as stored


@pytest.fixture
def rater(db: None) -> User:
    Movie.objects.create(id=1, title="Film", year=2000, in_catalogue=True, excluded_reason="")
    Movie.objects.create(id=2, title="Left out", year=2000)
    return User.objects.create_user(username="rater", password="a long secret 42")


@pytest.fixture
def page_client(rater: User) -> Client:
    client = Client()
    client.force_login(rater)
    return client


@pytest.fixture
def api_client(rater: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(rater)
    return client


def _stored(user: User) -> dict[int, Decimal]:
    return dict(Rating.objects.filter(user=user).values_list("movie_id", "stars"))


@FAST
@given(
    before=st.sampled_from([None, *STAR_VALUES]),
    stars=any_stars,
    movie_id=st.one_of(
        st.sampled_from([1, 2, 3, 0, -1]), st.integers(-(2**70), 2**70), st.just(2**31)
    ),
)
def test_rating_upsert_stores_the_right_stars_or_changes_nothing(
    rater: User, before: Decimal | None, stars: Any, movie_id: int
) -> None:
    Rating.objects.filter(user=rater).delete()
    if before is not None:
        Rating.objects.create(user=rater, movie_id=1, stars=before)
    initial = _stored(rater)
    expected = _expected(stars)
    if expected is None or movie_id != 1:
        with pytest.raises((InvalidStarsError, MovieNotRateableError)) as refused:
            rating_upsert(user=rater, movie_id=movie_id, stars=stars)
        if expected is None:  # the stars are checked first
            assert isinstance(refused.value, InvalidStarsError)
        assert _stored(rater) == initial
        return
    rating = rating_upsert(user=rater, movie_id=movie_id, stars=stars)
    assert rating.stars == expected
    assert _stored(rater) == {1: expected}


@FAST
@given(stars=st.one_of(any_stars.map(str), st.text(max_size=30)), as_json=st.booleans())
def test_the_pages_rating_endpoint_saves_or_answers_400(
    rater: User, page_client: Client, stars: str, as_json: bool
) -> None:
    if "\x00" in stars:  # a form field cannot carry NUL (Django refuses the request)
        stars = stars.replace("\x00", "")
    client = page_client
    Rating.objects.filter(user=rater).delete()
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    response = client.post("/ratings/1/", {"stars": stars, "next": "/me/ratings/"}, **headers)
    expected = _expected(stars) if stars.strip() else None
    if not stars.strip():  # empty: the rating is cleared
        assert response.status_code in (200, 302)
        assert _stored(rater) == {}
    elif expected is None:
        assert response.status_code == 400
        if as_json:
            assert "half a star to five stars" in response.json()["error"]
        assert _stored(rater) == {}
    else:
        assert response.status_code == (200 if as_json else 302)
        assert _stored(rater) == {1: expected}
        if as_json:
            assert Decimal(response.json()["stars"]) == expected


@FAST
@given(stars=json_values | any_stars.filter(lambda v: isinstance(v, int | float | str)))
def test_the_api_stores_a_json_number_of_half_stars_and_refuses_anything_else(
    rater: User, api_client: APIClient, stars: Any
) -> None:
    client = api_client
    Rating.objects.filter(user=rater).delete()
    Rating.objects.create(user=rater, movie_id=1, stars=Decimal("3.0"))
    try:
        body = json.dumps({"stars": stars}, allow_nan=False)
    except ValueError:
        return  # NaN and infinities are not JSON
    response = client.put("/api/me/ratings/1/", body, content_type="application/json")
    is_number = isinstance(stars, int | float) and not isinstance(stars, bool)
    expected = _expected(stars) if is_number else None
    if expected is None:
        assert response.status_code == 400, response.content
        error = response.json()
        assert list(error["fields"]) == ["stars"]
        assert error["code"] in ("invalid", "invalid_stars")
        assert _stored(rater) == {1: Decimal("3.0")}
    else:
        assert response.status_code == 200, response.content
        assert response.json()["stars"] == float(expected)
        assert _stored(rater) == {1: expected}


@FAST
@given(
    body=st.one_of(
        st.binary(max_size=60),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.text(max_size=40).map(str.encode),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
        ]
    ),
    movie=st.sampled_from(["1", "2", "0", "-1", "1.5", "abc", str(2**31), "9" * 30]),
)
def test_any_body_to_the_api_is_a_clear_4xx_or_a_correct_rating(
    rater: User, api_client: APIClient, body: bytes, content_type: str, movie: str
) -> None:
    client = api_client
    Rating.objects.filter(user=rater).delete()
    response = client.put(f"/api/me/ratings/{movie}/", body, content_type=content_type)
    assert response.status_code in (200, 400, 415), (response.status_code, response.content)
    error = response.json()
    if response.status_code == 200:
        stars = json.loads(body)["stars"]
        assert movie == "1"
        assert _stored(rater) == {1: _expected(stars)}
    else:
        assert set(error) == {"detail", "code", "fields"}
        assert _stored(rater) == {}
