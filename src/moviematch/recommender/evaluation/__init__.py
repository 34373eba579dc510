"""Cold-start evaluation: the protocol, its metrics, the baselines, and tuning.

* ``protocol``: user split, reveal strategies (random, popular, picker);
* ``metrics``: precision/recall/NDCG/hit, RMSE/MAE, coverage, novelty;
* ``baselines``: popularity, bias-only, EASE, stars ranking, and ours behind one interface;
* ``runner``: evaluates fitted methods over the test users and formats the table;
* ``tuning``: chooses the ranker's (and EASE's) hyperparameters on training users only;
* ``crossval``: k-fold RMSE of the MF model.
"""
