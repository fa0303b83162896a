import numpy as np

from reportdiag.training import label_matrix
from reportdiag.evaluate import average_precision, bootstrap_macro_f1
from reportdiag.metrics import best_threshold, evaluate_sets, prf

IDS = ["goal", "responsibility", "carrier", "evaluation"]


def test_prf_hand_checked():
    assert prf(3, 1, 2) == {"precision": 0.75, "recall": 0.6, "f1": 0.6667, "support": 5, "tp": 3, "fp": 1, "fn": 2}
    assert prf(0, 0, 0)["f1"] == 0.0


def test_evaluate_sets_hand_checked():
    gold = [{"problem": ["goal"], "practice": []}, {"problem": ["goal", "carrier"], "practice": ["carrier"]},
            {"problem": [], "practice": []}, {"problem": ["evaluation"], "practice": []}]
    pred = [{"problem": ["goal"], "practice": []}, {"problem": ["carrier"], "practice": []},
            {"problem": ["goal"], "practice": ["carrier"]}, {"problem": ["responsibility"], "practice": []}]
    r = evaluate_sets(gold, pred, IDS)
    g = r["problem"]["per_category"]["goal"]
    assert (g["tp"], g["fp"], g["fn"]) == (1, 1, 1) and g["f1"] == 0.5
    assert r["problem"]["per_category"]["carrier"]["f1"] == 1.0
    assert r["problem"]["per_category"]["evaluation"]["f1"] == 0.0
    # macro over categories with gold support: goal .5, carrier 1, evaluation 0 (responsibility has none)
    assert r["problem"]["macro_f1"] == 0.5
    # micro: tp 2, fp 2 (goal, responsibility), fn 2 (goal, evaluation)
    assert r["problem"]["micro"]["f1"] == 0.5
    c = r["problem"]["confusion"]
    assert c["evaluation"]["responsibility"] == 1 and c["none"]["goal"] == 1 and c["goal"]["carrier"] == 1
    assert r["practice"]["per_category"]["carrier"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1,
                                                         "tp": 0, "fp": 1, "fn": 1}


def test_best_threshold_picks_the_separating_cut():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8])
    t, f = best_threshold(y, p)
    assert f == 1.0 and 0.3 < t <= 0.6
    # a positive scored below a negative: keeping it (tp 2, fp 1, F1 .8) beats dropping it (F1 .667)
    t2, f2 = best_threshold(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.15, 0.9]))
    assert f2 == 0.8 and 0.1 < t2 <= 0.15


def test_best_threshold_takes_the_middle_of_a_flat_maximum():
    # F1 is 1.0 only in a sliver at 0.725 and within 0.005 of it from 0.1 to 0.9: the argmax would sit
    # on the sliver's edge, the rule takes the middle of the near-best range
    y = np.array([0] * 200 + [1] * 100 + [1, 0])
    p = np.array([0.1] * 200 + [0.9] * 100 + [0.73, 0.71])
    t, f = best_threshold(y, p)
    assert 0.45 <= t <= 0.55 and f == round(202 / 203, 4)  # prf rounds to 4 places
    assert best_threshold(y, p, tolerance=0.0) == (0.725, 1.0)
    # a rare label whose best F1 is tiny (0.008, from 0.1 to 0.2) keeps that range, not the grid's middle
    y = np.array([0] * 1000 + [1, 1])
    p = np.array([0.1] * 500 + [0.25] * 500 + [0.2, 0.2])
    t, f = best_threshold(y, p)
    assert 0.1 < t <= 0.2 and f == round(4 / 504, 4)


def test_average_precision_hand_checked_and_ties():
    # ranks 1 and 3 are positives: precision 1/1 at recall .5, 2/3 at recall 1 → (1 + 2/3) / 2
    assert abs(average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) - 5 / 6) < 1e-12
    # tied scores form one step: the three rows at 0.5 (one positive) enter together, precision 2/4
    assert abs(average_precision([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.5]) - (0.5 * 1 + 0.5 * 0.5)) < 1e-12
    # the ranking, not the scale, is measured; no positive gives 0
    assert average_precision([0, 1, 1], [0.1, 0.2, 0.3]) == average_precision([0, 1, 1], [1, 50, 51]) == 1.0
    assert average_precision([0, 0], [0.3, 0.2]) == 0.0


def test_average_precision_equals_scikit_learns():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(2, 60))
        y = rng.integers(0, 2, n)
        p = np.round(rng.random(n), 1)  # coarse scores: many ties
        if y.any():
            assert abs(average_precision(y, p) - average_precision_score(y, p)) < 1e-12


def test_bootstrap_intervals_resample_documents_and_pair_the_scorers():
    gold = [{"problem": ["goal"], "practice": []}, {"problem": [], "practice": []}] * 20
    docs = [f"d{i // 4}" for i in range(40)]  # 10 documents of 4 sentences
    perfect = [dict(g) for g in gold]
    # the weak scorer misses the goal problem in the first five documents only
    weak = [{"problem": [] if i < 20 else g["problem"], "practice": []} for i, g in enumerate(gold)]
    labels = [f"{s}:{c}" for s in ("problem", "practice") for c in IDS]
    G, P, W = (label_matrix(x, labels) for x in (gold, perfect, weak))
    r = bootstrap_macro_f1(G, {"perfect": P, "weak": W}, labels, docs, resamples=300, seed=1)
    assert r["groups"] == 10
    assert r["macro_f1"]["perfect"]["problem"] == [1.0, 1.0]
    lo, hi = r["macro_f1"]["weak"]["problem"]
    point = evaluate_sets(gold, weak, IDS)["problem"]["macro_f1"]  # 0.6667: recall 1/2
    assert lo < point < hi and 0.3 < lo and hi < 0.95
    # paired: the difference is perfect − weak on the same resamples, never negative
    dlo, dhi = r["difference"]["perfect − weak"]["problem"]
    assert 0 < dlo <= dhi and abs((1 - hi) - dlo) < 1e-9
    # no practice label in the gold: no category with support, so no interval
    assert r["macro_f1"]["weak"]["practice"] == [None, None]
    # seeded: the same call gives the same intervals
    assert r == bootstrap_macro_f1(G, {"perfect": P, "weak": W}, labels, docs, resamples=300, seed=1)
