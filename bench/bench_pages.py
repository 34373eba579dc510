"""Page speed: server time of the home page (10 and 200 ratings) and of the movie page,
against a static page measured in the same run, on the ml-latest-small catalogue.

Targets (issue 8, "Speed"), each printed with PASS/FAIL:

1. the home page within 3× the static page (median);
2. no page above 50 ms at the 95th percentile, on this machine.

What is measured: Django's request handling in this process, through Django's test client
(the whole middleware stack, URL routing, the view, the database and the templates; no
HTTP server and no network), with the production settings (``MOVIEMATCH_DEBUG=0``: no SQL
logging, cached templates; ``MOVIEMATCH_CACHE=file``, the cache gunicorn's workers share)
except the static-file storage (the plain one, so that no
``collectstatic`` is needed; a manifest lookup is a dictionary read). Signed-in visitors:

* ``about`` — the about page: static text in the site's page shell (header, footer,
  session and user), **the static page of the targets**; ``plain`` — a trivial view that
  returns a few bytes with no template (added only here, through a bench URLconf), for
  scale;
* ``home-10`` / ``home-200`` — ``/home/`` (the first answer: two rows of cards with
  predicted stars) for a visitor with the first 10 / the first 200 ratings of a real
  MovieLens user who rated at least 200 catalogue movies, the feed in the feed cache (a
  second look, or the rows fetched on scroll); ``home-10-fresh`` / ``home-200-fresh`` —
  the same with the feed cache emptied before each request (outside the timing), as for
  the first view after a rating: the engine's fold-in, ranking and grouping included;
* ``movie-10`` / ``movie-200`` — ``/movies/<id>/`` for the same visitors, cycling through
  20 popular films neither rated, and ``similar`` — the similar-movies fragment the movie
  page loads below the fold (visitor with 10 ratings).

Then, to say where the home page's time goes, the CPU time of its parts (the engine's feed,
the cards, the template, and the star widgets alone) for each visitor.

Pages are requested in turn (round robin, after a warm-up), so that the machine's load
falls on all of them alike; wall and CPU time of each request are recorded. The SQL
queries of one request of each page are counted (they must not depend on the number of
ratings: the tests assert it too).

The data: ``manage.py setup --from ml-latest-small --no-eval`` into ``--data-dir`` (a
temporary directory by default; an existing one is reused, setup skips what is done), a
SQLite file. The visitors are created for the run and deleted afterwards.

Run: ``python bench/bench_pages.py [--repeat 300] [--data-dir DIR] [--profile PAGE]``.
``--profile home-200`` prints where that page's time goes (cProfile) instead.
Results: ``bench/results/pages.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
DATASETS = Path(os.environ.get("MOVIEMATCH_DATASETS", ROOT.parent / "shared" / "datasets"))
RESULTS = ROOT / "bench" / "results" / "pages.json"
RATIO_TARGET = 3.0
P95_TARGET_MS = 50.0
FEW, MANY = 10, 200
MOVIES_CYCLED = 20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def git_state() -> dict[str, Any]:
    def run(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {"commit": run("rev-parse", "HEAD"), "dirty": bool(run("status", "--porcelain"))}


def build(data_dir: Path, movielens: Path) -> float:
    """Setup in a subprocess (the site's own settings), as the site would be set up."""
    from tests.live_site import build_site, server_env

    return build_site(data_dir, movielens=movielens, env=server_env(data_dir))


def configure(data_dir: Path) -> None:
    """Django in this process, on the data directory, with production settings."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "moviematch.config.settings.base",
            "MOVIEMATCH_DATA_DIR": str(data_dir),
            "MOVIEMATCH_DEBUG": "0",
            "MOVIEMATCH_SECRET_KEY": "bench-pages-" + "x" * 50,
            "MOVIEMATCH_SECURE_COOKIES": "0",
            # plain HTTP in-process: no redirect to HTTPS (everything else as in production)
            "MOVIEMATCH_SSL_REDIRECT": "0",
            "MOVIEMATCH_CACHE": "file",
            "OPENBLAS_NUM_THREADS": "1",
        }
    )
    for name in ("DATABASE_URL", "TMDB_API_KEY"):
        os.environ.pop(name, None)
    import warnings

    import django
    from django.conf import settings

    # WhiteNoise warns that STATIC_ROOT was never collected: static files are not measured.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The bench URLconf: the site's, plus the trivial page.
    import types

    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

    def plain(request: HttpRequest) -> HttpResponse:
        return HttpResponse(b"ok", content_type="text/plain")

    urls = types.ModuleType("bench_pages_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/plain/", plain),
        path("", include("moviematch.config.urls")),
    ]
    sys.modules["bench_pages_urls"] = urls
    settings.ROOT_URLCONF = "bench_pages_urls"


def real_user_ratings(movielens: Path, catalogue: set[int], n: int) -> list[tuple[int, float]]:
    """The first ``n`` ratings (by time) of catalogue films of the first MovieLens user who
    rated at least ``n`` of them."""
    by_user: dict[int, list[tuple[int, int, float]]] = {}
    with (movielens / "ratings.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            movie = int(row["movieId"])
            if movie in catalogue:
                by_user.setdefault(int(row["userId"]), []).append(
                    (int(row["timestamp"]), movie, float(row["rating"]))
                )
    user = min(u for u, rows in by_user.items() if len(rows) >= n)
    return [(movie, stars) for _, movie, stars in sorted(by_user[user])[:n]]


class Visitors:
    """The bench's two signed-in visitors and their test clients."""

    def __init__(self, ratings: list[tuple[int, float]]) -> None:
        from decimal import Decimal

        from django.test import Client

        from moviematch.accounts.models import User
        from moviematch.ratings.models import Rating

        self.users = []
        self.clients: dict[int, Client] = {}
        for count in (FEW, MANY):
            User.objects.filter(username=f"bench-pages-{count}").delete()
            user = User.objects.create_user(username=f"bench-pages-{count}", password=None)
            Rating.objects.bulk_create(
                Rating(user=user, movie_id=m, stars=Decimal(str(s))) for m, s in ratings[:count]
            )
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            client.user = user  # type: ignore[attr-defined]  # whose feed to forget
            self.users.append(user)
            self.clients[count] = client

    def delete(self) -> None:
        for user in self.users:
            user.delete()


def pages(visitors: Visitors, movie_ids: list[int]) -> dict[str, Callable[[int], str]]:
    """Page name → the URL of its i-th request."""
    return {
        "plain": lambda i: "/bench/plain/",
        "about": lambda i: "/about/",
        "home-10": lambda i: "/home/",
        "home-200": lambda i: "/home/",
        "home-10-fresh": lambda i: "/home/",
        "home-200-fresh": lambda i: "/home/",
        "movie-10": lambda i: f"/movies/{movie_ids[i % len(movie_ids)]}/",
        "movie-200": lambda i: f"/movies/{movie_ids[i % len(movie_ids)]}/",
        "similar": lambda i: f"/movies/{movie_ids[i % len(movie_ids)]}/similar/?fragment=1",
    }


def client_for(visitors: Visitors, page: str) -> Any:
    return visitors.clients[MANY if page.removesuffix("-fresh").endswith("-200") else FEW]


def forget_feed(user: Any) -> None:
    """Drop ``user``'s home feed from the feed cache (that one entry: the other pages' stay)."""
    from django.core.cache import caches

    from moviematch.recommendations import views
    from moviematch.recommendations.services import home, serving

    rated = serving.user_ratings(user)[0]
    key = home._plan_key(serving.model_required(), user, rated, views.HOME_MOVIES, user.adventurous)
    caches[home.FEED_CACHE].delete(key)


def request(client: Any, url: str, fresh: bool = False) -> tuple[float, float]:
    if fresh:
        forget_feed(client.user)
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return wall * 1000, cpu * 1000


def count_queries(client: Any, url: str, fresh: bool = False) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if fresh:
        forget_feed(client.user)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def home_breakdown(visitors: Visitors, repeat: int) -> dict[str, dict[str, float]]:
    """CPU time (median, ms) of the home page's parts, for each visitor: the feed
    (``services.home_feed`` for the rows shown: ratings, the plan from the feed cache, the
    movies) and the same made afresh (``feed_fresh``: fold-in, ranking and grouping too),
    the cards (titles, posters), the template, and within it the star widgets alone."""
    from django.template import engines
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    from moviematch.recommendations import services, views

    widgets = engines["django"].from_string(
        "{% load rating_tags %}{% for row in rows %}{% for card in row.cards %}"
        "{% star_widget card.movie.pk card.stars card.title '' %}{% endfor %}{% endfor %}"
    )
    out = {}
    parts = ("feed_fresh", "feed", "cards", "template", "stars")
    with translation.override("en"):
        for count, user in zip((FEW, MANY), visitors.users, strict=True):
            times: dict[str, list[float]] = {part: [] for part in parts}
            for i in range(repeat + 5):
                request = RequestFactory(HTTP_HOST="localhost").get("/home/")
                request.user = user
                forget_feed(user)
                t0 = time.process_time()
                services.home_feed(user=user, n=views.HOME_MOVIES, stop=views.FIRST_ROWS)
                t1 = time.process_time()
                feed = services.home_feed(user=user, n=views.HOME_MOVIES, stop=views.FIRST_ROWS)
                t2 = time.process_time()
                rows, next_row = views._rows(request, feed, 0, views.FIRST_ROWS)
                t3 = time.process_time()
                context = {"feed": feed, "rows": rows, "next_row": next_row, "target": FEW}
                render_to_string("recommendations/home.html", context, request=request)
                t4 = time.process_time()
                request = RequestFactory(HTTP_HOST="localhost").get("/home/")
                request.user = user
                t5 = time.process_time()
                widgets.render(context, request=request)
                t6 = time.process_time()
                if i >= 5:  # warm
                    spans = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t6 - t5)
                    for key, value in zip(parts, spans, strict=True):
                        times[key].append(value * 1000)
            out[f"home-{count}"] = {
                **{k: round(statistics.median(v), 2) for k, v in times.items()},
                "cards_rendered": sum(len(r.cards) for r in rows),
            }
    return out


def profile(visitors: Visitors, urls: dict[str, Callable[[int], str]], page: str, n: int) -> None:
    client = client_for(visitors, page)
    for i in range(20):
        client.get(urls[page](i))
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        client.get(urls[page](i))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    print(out.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--data-dir", type=Path, help="reuse (or build) the site's data here")
    parser.add_argument("--movielens", type=Path, default=DATASETS / "ml-latest-small")
    parser.add_argument("--profile", metavar="PAGE", help="profile one page instead")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    load_start = os.getloadavg()
    temporary = None
    if args.data_dir is None:
        temporary = tempfile.TemporaryDirectory(prefix="bench-pages-")
        args.data_dir = Path(temporary.name) / "var"
    setup_seconds = build(args.data_dir, args.movielens)
    print(f"data: {args.data_dir} (setup {setup_seconds:.1f} s)")
    configure(args.data_dir)

    from moviematch.catalog.models import Movie

    catalogue = set(Movie.objects.filter(in_catalogue=True).values_list("id", flat=True))
    ratings = real_user_ratings(args.movielens, catalogue, MANY)
    rated = {m for m, _ in ratings}
    movie_ids = [
        m
        for m in Movie.objects.filter(in_catalogue=True)
        .order_by("-num_ratings", "id")
        .values_list("id", flat=True)[: MOVIES_CYCLED + MANY]
        if m not in rated
    ][:MOVIES_CYCLED]
    visitors = Visitors(ratings)
    try:
        urls = pages(visitors, movie_ids)
        if args.profile:
            profile(visitors, urls, args.profile, args.repeat)
            return 0
        results = run(visitors, urls, args.repeat, args.warmup)
        results["home_breakdown_cpu_ms"] = home_breakdown(visitors, max(20, args.repeat // 5))
    finally:
        visitors.delete()
        if temporary is not None:
            temporary.cleanup()
    return report(results, args, setup_seconds, load_start, len(catalogue), movie_ids)


def run(
    visitors: Visitors, urls: dict[str, Callable[[int], str]], repeat: int, warmup: int
) -> dict[str, Any]:
    walls: dict[str, list[float]] = {p: [] for p in urls}
    cpus: dict[str, list[float]] = {p: [] for p in urls}
    queries: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for page, url in urls.items():
        client = client_for(visitors, page)
        for i in range(warmup):
            client.get(url(i))
        queries[page] = count_queries(client, url(0), fresh=page.endswith("-fresh"))
        sizes[page] = len(client.get(url(0)).content)
    for i in range(repeat):
        for page, url in urls.items():
            wall, cpu = request(client_for(visitors, page), url(i), page.endswith("-fresh"))
            walls[page].append(wall)
            cpus[page].append(cpu)
    return {
        "pages": {
            page: {
                "url": urls[page](0),
                "queries": queries[page],
                "bytes": sizes[page],
                "wall_ms": summary(walls[page]),
                "cpu_ms": summary(cpus[page]),
            }
            for page in urls
        }
    }


def report(
    results: dict[str, Any],
    args: argparse.Namespace,
    setup_seconds: float,
    load_start: tuple[float, float, float],
    catalogue_size: int,
    movie_ids: list[int],
) -> int:
    import django

    measured = results["pages"]
    static = measured["about"]["wall_ms"]["median"]
    checks = []
    for page in ("home-10", "home-200", "home-10-fresh", "home-200-fresh"):
        ratio = measured[page]["wall_ms"]["median"] / static
        checks.append(
            {
                "target": f"{page} median within {RATIO_TARGET:g}x the about page",
                "value": round(ratio, 2),
                "pass": ratio <= RATIO_TARGET,
            }
        )
    for page, figures in measured.items():
        checks.append(
            {
                "target": f"{page} p95 under {P95_TARGET_MS:g} ms",
                "value": figures["wall_ms"]["p95"],
                "pass": figures["wall_ms"]["p95"] <= P95_TARGET_MS,
            }
        )
    output = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "cpus": os.cpu_count(),
            "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()],
        },
        "git": git_state(),
        "config": {
            "measured": "in-process, Django test client (middleware, view, database, templates;"
            " no HTTP server), MOVIEMATCH_DEBUG=0, SQLite file, TMDb off",
            "repeat": args.repeat,
            "warmup": args.warmup,
            "order": "round robin over the pages",
            "ratings": {"few": FEW, "many": MANY},
            "movies_cycled": movie_ids,
        },
        "data": {
            "dataset": args.movielens.name,
            "catalogue_movies": catalogue_size,
            "setup_seconds": round(setup_seconds, 1),
        },
        "pages": measured,
        "home_breakdown_cpu_ms": results["home_breakdown_cpu_ms"],
        "targets": checks,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"{'page':<10} {'median':>8} {'p95':>8} {'cpu med':>8} {'queries':>8}  (ms)")
    for page, figures in measured.items():
        wall, cpu = figures["wall_ms"], figures["cpu_ms"]
        print(
            f"{page:<10} {wall['median']:8.2f} {wall['p95']:8.2f} {cpu['median']:8.2f}"
            f" {figures['queries']:8d}"
        )
    for page, parts in results["home_breakdown_cpu_ms"].items():
        print(f"{page} CPU ms: " + ", ".join(f"{k} {v}" for k, v in parts.items()))
    for check in checks:
        print(f"{'PASS' if check['pass'] else 'FAIL'}  {check['target']}: {check['value']}")
    print(f"load average {load_start} -> {os.getloadavg()}; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
