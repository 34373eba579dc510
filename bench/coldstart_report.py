"""Render bench/results/coldstart.json as the Markdown tables of docs/evaluation.md.

    python bench/coldstart_report.py            # prints the generated section
    python bench/coldstart_report.py --write    # replaces it in docs/evaluation.md

The section sits between the "## Figures" heading's marker line ``<!-- figures -->`` and
"## Reproducing"; everything else in the document is prose written by hand. Means over
seeds average each seed's figure; a paired difference's 95% half-width over two seeds
(independent splits) is √(h₀² + h₁²)/2.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "coldstart.json"
DOC = ROOT / "docs" / "evaluation.md"
START, END = "<!-- figures -->", "## Reproducing"
TITLES = {"ml-100k": "ML-100K", "ml-latest-small": "ml-latest-small"}
BASELINES = ("ease", "implicit-als", "popularity")
TABLE_METHODS = (
    "popularity",
    "bias-only",
    "ease",
    "implicit-als",
    "mf-stars",
    "ours",
    "ours-previous",
    "ours-no-damping",
    "ours-calibration-before",
    "ours-no-content",
    "ours-no-coherence",
    "ours-no-calibration",
    "ours-no-guard",
    "ours-max2000",
)


def _num(value: float | None, digits: int = 3) -> str:
    return (
        "–"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else (f"{value:.{digits}f}")
    )


def _method(run: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((m for m in run["methods"] if m["method"] == name), None)


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def _ndcg(runs: dict[str, Any], name: str) -> float | None:
    return _mean([(_method(r, name) or {}).get("ndcg", {}).get("10") for r in runs.values()])


def _beyond(runs: dict[str, Any], name: str, key: str) -> float | None:
    return _mean([(_method(r, name) or {}).get("beyond", {}).get(key) for r in runs.values()])


def _paired(runs: dict[str, Any], baseline: str) -> tuple[float, float]:
    diffs = [r["ours_minus"][baseline] for r in runs.values()]
    mean = sum(d["mean"] for d in diffs) / len(diffs)
    half = math.sqrt(sum(d["half_width_95"] ** 2 for d in diffs)) / len(diffs)
    return mean, half


def _diff(runs: dict[str, Any], baseline: str) -> str:
    mean, half = _paired(runs, baseline)
    mark = " ✓" if mean - half > 0 else (" ✗" if mean + half < 0 else "")
    return f"{mean:+.3f} ± {half:.3f}{mark}"


def _cell_order(entry: dict[str, Any]) -> list[str]:
    keys = list(entry["runs"])
    return sorted(keys, key=lambda k: (int(k.split("/")[1]) != 10, int(k.split("/")[1]), k))


def targets_table(name: str, entry: dict[str, Any]) -> list[str]:
    lines = [
        f"**{TITLES.get(name, name)}** ({entry['role']}). NDCG@10 (mean over the seeds run); "
        "paired differences ours − baseline with 95% intervals (✓ clear above zero, ✗ clear "
        "below).",
        "",
        "| reveal / n | seeds | ours | EASE | implicit ALS | popularity | ours/EASE "
        "| ours − EASE | ours − ALS | ours − popularity |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in _cell_order(entry):
        runs = entry["runs"][key]
        ours, ease = _ndcg(runs, "ours"), _ndcg(runs, "ease")
        ratio = f"{ours / ease:.2f}×" if ours and ease else "–"
        lines.append(
            f"| {key} | {','.join(sorted(runs))} | {_num(ours)} | {_num(ease)} | "
            f"{_num(_ndcg(runs, 'implicit-als'))} | {_num(_ndcg(runs, 'popularity'))} | {ratio} | "
            + " | ".join(_diff(runs, b) for b in BASELINES)
            + " |"
        )
    return [*lines, ""]


#: Ablations shown against ours: variant → (what it is, its column label).
ABLATIONS = {
    "ours-calibration-before": (
        "the calibration's target prior and the damped visitors' extra weight. Ours against "
        "the same model with the calibration before them (`ours-calibration-before`: "
        "λ = 0.5, calibration_prior 0, damped_calibration 0)",
        "before",
    ),
    "ours-no-damping": (
        "the popularity damping. Ours against the same model without it "
        "(`ours-no-damping`, popularity_damping 0: the shipped model before it)",
        "no damping",
    ),
    "ours-no-content": (
        "the content-taste term. Ours against the same model trained without it "
        "(`ours-no-content`, content_weight 0)",
        "no content",
    ),
    "ours-no-coherence": (
        "the coherence factor. Ours against the same model with one content weight for "
        "every visitor (`ours-no-coherence`, coherent_content 0)",
        "no coherence",
    ),
}


def ablation_table(name: str, entry: dict[str, Any], variant: str) -> list[str]:
    """Ours against one ablation (``ABLATIONS``), for the cells where it was run."""
    what, label = ABLATIONS[variant]
    lines = [
        f"**{TITLES.get(name, name)}: {what}:** NDCG@10, paired difference with 95% interval, "
        "C_KL@10, popularity percentile and genre diversity (ILD) of the top 10.",
        "",
        f"| reveal / n | seeds | ours | {label} | ours − {label} | C_KL ours | "
        f"C_KL {label} | Pop% ours | Pop% {label} | ILD ours | ILD {label} |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in _cell_order(entry):
        runs = entry["runs"][key]
        if not all(variant in r["ours_minus"] for r in runs.values()):
            continue
        lines.append(
            f"| {key} | {','.join(sorted(runs))} | {_num(_ndcg(runs, 'ours'))} | "
            f"{_num(_ndcg(runs, variant))} | {_diff(runs, variant)} | "
            + " | ".join(
                _num(_beyond(runs, m, k))
                for k in ("ckl", "popularity", "diversity")
                for m in ("ours", variant)
            )
            + " |"
        )
    return [*lines, ""]


def beyond_table(name: str, entry: dict[str, Any]) -> list[str]:
    lines = [
        f"**{TITLES.get(name, name)}: calibration and taste.** C_KL@10 (lower is better) and "
        "the taste-contradiction rate (share of the top 10; users with a low-rated genre), "
        "ours against EASE and against the ranker before this change (`ours-previous`).",
        "",
        "| reveal / n | C_KL ours | C_KL EASE | ours vs EASE | C_KL previous | contradiction "
        "ours | previous | ours vs previous | EASE | users |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in _cell_order(entry):
        runs = entry["runs"][key]
        ckl, ckl_e = _beyond(runs, "ours", "ckl"), _beyond(runs, "ease", "ckl")
        ckl_p = _beyond(runs, "ours-previous", "ckl")
        con, con_p = (
            _beyond(runs, "ours", "contradiction"),
            _beyond(runs, "ours-previous", "contradiction"),
        )
        rel = f"{ckl / ckl_e - 1:+.0%}" if ckl is not None and ckl_e else "–"
        rel_c = f"{con / con_p - 1:+.0%}" if con is not None and con_p else "–"
        users = _beyond(runs, "ours", "contradiction_users")
        lines.append(
            f"| {key} | {_num(ckl)} | {_num(ckl_e)} | {rel} | {_num(ckl_p)} | {_num(con)} | "
            f"{_num(con_p)} | {rel_c} | {_num(_beyond(runs, 'ease', 'contradiction'))} | "
            f"{_num(users, 0)} |"
        )
    return [*lines, ""]


def methods_table(run: dict[str, Any]) -> list[str]:
    lines = [
        "| method | RMSE | NDCG@10 | P@10 | R@10 | NDCG@20 | Cov@10 | C_KL@10 | Pop% | ILD "
        "| contradiction |",
        "|---" * 11 + "|",
    ]
    shown = [m for m in run["methods"] if m["method"] in TABLE_METHODS]
    best = max(m["ndcg"]["10"] for m in shown)
    for m in shown:
        ndcg = _num(m["ndcg"]["10"], 4)
        b = m["beyond"]
        lines.append(
            "| "
            + " | ".join(
                [
                    m["method"],
                    _num(m["rmse"], 4),
                    f"**{ndcg}**" if m["ndcg"]["10"] == best else ndcg,
                    _num(m["precision"]["10"]),
                    _num(m["recall"]["10"]),
                    _num(m["ndcg"]["20"]),
                    _num(m["coverage"]["10"]),
                    _num(b.get("ckl")),
                    _num(b.get("popularity")),
                    _num(b.get("diversity")),
                    _num(b.get("contradiction")),
                ]
            )
            + " |"
        )
    return [*lines, ""]


def adventurous_table(report: dict[str, Any]) -> list[str]:
    lines = [
        "**Familiar ↔ adventurous** (random reveal of 10, mean of seeds 0 and 1; "
        "`Model.recommend(..., adventurous=a)`; plot: `bench/results/adventurous.png`).",
        "",
        "| dataset | a | NDCG@10 | popularity percentile | C_KL@10 | coverage@10 | ILD |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, entry in report["datasets"].items():
        runs = entry["runs"].get("random/10", {})
        for a in report["adventurous"]:
            method = f"ours-a{a:.2f}"
            cov = _mean(
                [(_method(r, method) or {}).get("coverage", {}).get("10") for r in runs.values()]
            )
            lines.append(
                f"| {TITLES.get(name, name)} | {a:g} | {_num(_ndcg(runs, method))} | "
                f"{_num(_beyond(runs, method, 'popularity'))} | "
                f"{_num(_beyond(runs, method, 'ckl'))} | {_num(cov)} | "
                f"{_num(_beyond(runs, method, 'diversity'))} |"
            )
    return [*lines, ""]


def rmse_table(report: dict[str, Any]) -> list[str]:
    lines = [
        "**Fold-in RMSE against Surprise SVD retrained with the test users' revealed ratings** "
        "(seed 0, 10 revealed; the same held-out ratings).",
        "",
        "| dataset | reveal | ours (fold-in) | Surprise, its defaults | Surprise, our MF "
        "hyperparameters | held-out ratings |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in report["datasets"].items():
        for reveal, s in entry.get("surprise", {}).items():
            lines.append(
                f"| {TITLES.get(name, name)} | {reveal} | {s['ours_foldin']['rmse']:.4f} | "
                f"{s['surprise_svd_retrained_default']['rmse']:.4f} | "
                f"{s['surprise_svd_retrained_same_hyperparameters']['rmse']:.4f} | "
                f"{s['heldout_ratings']} |"
            )
    return [*lines, ""]


def render(report: dict[str, Any]) -> str:
    load = report["machine"]
    lines = [
        START,
        "",
        f"Generated from `bench/results/coldstart.json` ({report['date']}, "
        f"{report['seconds_total'] / 60:.0f} min on {load['cpus']} shared cores, load "
        f"{load['load_average_at_start'][0]} at the start) by `bench/coldstart_report.py`.",
        "",
    ]
    for name, entry in report["datasets"].items():
        lines += targets_table(name, entry)
    for variant in ABLATIONS:
        for name, entry in report["datasets"].items():
            lines += ablation_table(name, entry, variant)
    for name, entry in report["datasets"].items():
        lines += beyond_table(name, entry)
    lines += adventurous_table(report)
    lines += rmse_table(report)
    for name, entry in report["datasets"].items():
        for key in ("random/10", "popular/10", "time/10", "picker/10"):
            run = entry["runs"].get(key, {}).get("0")
            if run is None:
                continue
            split = run["split"]
            lines += [
                f"**{TITLES.get(name, name)}, {key}, seed 0** ({split['evaluated_test_users']} "
                f"users, {split['catalogue_items']} films, mean revealed "
                f"{split['mean_revealed']:.1f}; EASE λ={run['ease_l2']:g}, ALS "
                f"{run['als']['factors']} factors α={run['als']['alpha']:g} "
                f"reg={run['als']['reg']:g}, tuned on training users):",
                "",
                *methods_table(run),
            ]
        cv = entry.get("mf_cross_validation")
        if cv:
            lines += [
                f"**{TITLES.get(name, name)}, MF {cv['folds']}-fold CV** (warm start): RMSE "
                f"{cv['rmse']:.4f}, MAE {cv['mae']:.4f}.",
                "",
            ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/evaluation.md")
    args = parser.parse_args()
    text = render(json.loads(RESULTS.read_text()))
    if not args.write:
        print(text)
        return
    doc = DOC.read_text()
    start, end = doc.index(START), doc.index(END)
    DOC.write_text(doc[:start] + text + "\n" + doc[end:])


if __name__ == "__main__":
    main()
