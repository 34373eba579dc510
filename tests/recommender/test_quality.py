"""Cold-start quality on real MovieLens data: the targets of issue 9 that the benchmark meets.

"Ours" is the shipped ``TrainConfig()`` model answering through ``recommend``/``predict``;
EASE and implicit ALS are tuned on training users (docs/evaluation.md). Seed 0, 10 revealed
ratings. Each cell asserts what ``bench/results/coldstart.json`` shows holding there
(NDCG@10 above EASE and implicit ALS, C_KL@10 below EASE's); cells the benchmark shows
missing are not asserted (they are listed in docs/evaluation.md). Every cell trains the
full config: the ranker's content-taste term reads the similarity slot's vectors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from moviematch.datasets.movielens import load_features, load_ratings
from moviematch.recommender.evaluation.experiment import ExperimentConfig, run_experiment
from moviematch.recommender.mf import MFConfig
from moviematch.recommender.model import TrainConfig

pytestmark = [pytest.mark.dataset, pytest.mark.slow]

#: (dataset, reveal) → the baselines ours must beat on NDCG@10, and whether C_KL@10 must be
#: below EASE's. Only what the benchmark shows holding (seed 0 and the two-seed mean).
ALL = ("ease", "implicit-als", "popularity")
CELLS = {
    # The damped visitors' stronger calibration (``damped_calibration``) brought popular-first
    # and picker lists below EASE's C_KL@10 (ML-100K seed 0: 0.627 vs 0.695, 0.610 vs 0.696).
    ("ml-100k", "random"): (ALL, True),
    ("ml-100k", "popular"): (ALL, True),
    ("ml-100k", "time"): (ALL, True),
    ("ml-100k", "picker"): (ALL, True),
    ("ml-latest-small", "random"): (ALL, True),
    ("ml-latest-small", "popular"): (ALL, True),
    ("ml-latest-small", "time"): (ALL, True),
    # Level with EASE (0.216 vs 0.216 over seeds 0 and 1, +0.001 ± 0.019): not asserted.
    ("ml-latest-small", "picker"): (("implicit-als", "popularity"), True),
}


@pytest.mark.parametrize(("dataset", "reveal"), list(CELLS), ids=[f"{d}-{r}" for d, r in CELLS])
def test_the_shipped_model_meets_the_cold_start_targets_that_hold(
    dataset: str, reveal: str, ml_100k: Path, ml_small: Path
) -> None:
    path = ml_100k if dataset == "ml-100k" else ml_small
    features = load_features(path)
    train = TrainConfig(mf=MFConfig(seed=0))
    config = ExperimentConfig(train=train, reveal=reveal, seed=0, tune_baselines=True, ks=(10,))
    result = run_experiment(load_ratings(path), config, movies=features.movies, tags=features.tags)
    by = result.by_method()
    beats, calibrated = CELLS[(dataset, reveal)]
    for baseline in beats:
        assert by["ours"].ndcg[10] > by[baseline].ndcg[10], (baseline, result.paired()[baseline])
    if calibrated:
        assert by["ours"].beyond["ckl"] < by["ease"].beyond["ckl"]
    # The taste guard: no film of a genre the user rated low and none they rated high,
    # predicted under 4★, reaches the top 10.
    assert by["ours"].beyond["contradiction"] == 0.0
    # The ranker only orders: the stars shown are the MF fold-in's.
    assert by["ours"].rmse == by["mf-stars"].rmse
    assert by["mf-stars"].rmse <= by["bias-only"].rmse + 0.01
