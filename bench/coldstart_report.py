"""Render bench/results/coldstart.json as the Markdown tables of docs/evaluation.md.

    python bench/coldstart_report.py            # prints the per-dataset sections
    python bench/coldstart_report.py --write    # replaces them in docs/evaluation.md

The sections sit between the "### ML-100K" heading and "## Reproducing"; everything else in
the document is prose written by hand.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "coldstart.json"
DOC = ROOT / "docs" / "evaluation.md"
START, END = "### ML-100K", "## Reproducing"
TITLES = {"ml-100k": "ML-100K", "ml-latest-small": "ml-latest-small"}
COLUMNS = (
    "| method | RMSE | MAE | P@10 | R@10 | NDCG@10 | Hit@10 | P@20 | R@20 | NDCG@20 "
    "| Cov@10 | Nov@10 |"
)
TUNED = ("l2", "dropout", "seen_weight", "stars_weight", "popularity_weight", "min_stars")
MAIN = ("popularity", "bias-only", "ease", "mf-stars", "ours", "ours-no-floor")


def _num(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def reveal_section(reveal: str, run: dict[str, Any], versus: dict[str, Any]) -> list[str]:
    split = run["split"]
    cfg = run["ranker_config"]
    head = f"**reveal = {reveal}**"
    if reveal == "picker":
        head += (
            f", mean revealed {split['mean_revealed']:.1f} after "
            f"{split['mean_proposals']:.1f} proposals"
        )
    tuned = ", ".join(f"{k}={cfg[k]}" for k in TUNED)
    lines = [
        f"{head}. Ours − EASE NDCG@10 = {versus['paired_difference']:+.4f} ± "
        f"{versus['ci95_half_width']:.4f} (paired over users, 95%; "
        f"{versus['relative']:+.1%}). Chosen on training users: ours {tuned}; "
        f"EASE λ={run['ease_l2']:g}.",
        "",
        COLUMNS,
        "|---" * 12 + "|",
    ]
    methods = [m for m in run["methods"] if m["method"] in MAIN]
    best = max(m["ndcg"]["10"] for m in methods)
    for m in methods:
        ndcg = _num(m["ndcg"]["10"])
        if m["ndcg"]["10"] == best:
            ndcg = f"**{ndcg}**"
        cells = [
            m["method"],
            _num(m["rmse"]),
            _num(m["mae"]),
            _num(m["precision"]["10"]),
            _num(m["recall"]["10"]),
            ndcg,
            _num(m["hit_rate"]["10"]),
            _num(m["precision"]["20"]),
            _num(m["recall"]["20"]),
            _num(m["ndcg"]["20"]),
            _num(m["coverage"]["10"]),
            _num(m["novelty"]["10"], 2),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def dataset_section(name: str, entry: dict[str, Any]) -> list[str]:
    first = next(iter(entry["reveal"].values()))["split"]
    lines = [
        f"### {TITLES.get(name, name)}",
        "",
        f"{first['users']} users: {first['train_users']} train, "
        f"{first['evaluated_test_users']} evaluated test users "
        f"({first['skipped_test_users']} skipped); catalogue {first['catalogue_items']} "
        f"movies; item-item models restricted to movies with ≥ {entry['min_item_ratings']} "
        "training ratings.",
        "",
    ]
    for reveal, run in entry["reveal"].items():
        lines += reveal_section(reveal, run, entry["ours_vs_ease_ndcg10"][reveal])
    pruning = entry.get("pruning")
    if pruning:
        lines += [
            "**Pruning** (random reveal, same users; ours with the tuned config):",
            "",
            "| neighbours kept | NDCG@10 | vs dense | bytes, this dataset | bytes at 10k films |",
            "|---|---|---|---|---|",
        ]
        for row in pruning["rows"]:
            kept = "all (dense)" if row["top_k"] == 0 else str(row["top_k"])
            lines.append(
                f"| {kept} | {row['ndcg10']:.4f} | {row['ndcg10_vs_dense']:+.2%} | "
                f"{row['serving_bytes_this_dataset'] / 1e6:.1f} MB | "
                f"{row['serving_bytes_at_10k_items'] / 1e6:.1f} MB |"
            )
        lines.append("")
    s = entry["surprise"]
    lines += [
        f"**RMSE target** (random reveal, {s['test_users']} users, {s['heldout_ratings']} "
        f"held-out ratings): our fold-in {s['ours_foldin']['rmse']:.4f} (MAE "
        f"{s['ours_foldin']['mae']:.4f}) vs Surprise SVD retrained with the revealed ratings "
        f"included {s['surprise_svd_retrained_default']['rmse']:.4f} (its defaults) / "
        f"{s['surprise_svd_retrained_same_hyperparameters']['rmse']:.4f} "
        "(our MF hyperparameters).",
        "",
    ]
    cv = entry["mf_cross_validation"]
    lines += [
        f"**MF {cv['folds']}-fold CV** (ratings split, warm start): RMSE {cv['rmse']:.4f}, "
        f"MAE {cv['mae']:.4f}.",
        "",
    ]
    return lines


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    for name, entry in results["datasets"].items():
        lines += dataset_section(name, entry)
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
