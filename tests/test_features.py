"""The numpy feature blocks and the reduced calibrated models equal the scikit-learn computations
they replace (scikit-learn stays for training; scoring runs without importing it)."""
import glob
import json
import re

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from conftest import ROOT
from reportdiag.codebook import load_codebook
from reportdiag.features import FeatureBuilder
from reportdiag.model import _Calibrated
from reportdiag.ngrams import CharNgramTfidf, WordTfidf
from reportdiag.tokenize import Tokenizer


@pytest.fixture(scope="module")
def rows():
    out = [json.loads(line) for f in sorted(glob.glob(str(ROOT / "data" / "training" / "*.jsonl")))
           for line in open(f, encoding="utf-8")]
    out = out[::5]  # a fifth of the training data: every register, quick to fit
    tok = Tokenizer(str(ROOT / "resources" / "userdict.txt"), backend="jieba")
    for r, t in zip(out, tok.cut_many([r["text"] for r in out])):
        r["tokens"] = " ".join(t)
    return out


def _same(A, B):
    assert A.shape == B.shape
    assert abs(A - B).max() < 1e-12


def test_char_ngrams_equal_scikit_learn(rows):
    # scikit-learn's char analyzer collapses whitespace runs; keep texts where that changes nothing
    texts = [r["text"] for r in rows if not re.search(r"\s\s", r["text"])]
    ours = CharNgramTfidf((1, 4), min_df=2).fit(texts)
    ref = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), min_df=2, lowercase=False, sublinear_tf=True).fit(texts)
    order = np.argsort(ours.get_feature_names_out().astype(str))
    assert list(ours.get_feature_names_out()[order]) == list(ref.get_feature_names_out())
    _same(ours.transform(texts)[:, order], ref.transform(texts))


def test_word_tfidf_equals_scikit_learn(rows):
    docs = [r["tokens"] for r in rows]
    ours = WordTfidf().fit(docs[:800])
    ref = TfidfVectorizer(analyzer=str.split, sublinear_tf=True).fit(docs[:800])
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())
    _same(ours.transform(docs), ref.transform(docs))  # unseen words in the rest are ignored by both


def test_reduced_calibrated_model_gives_scikit_learns_probabilities(rows):
    fb = FeatureBuilder(load_codebook(ROOT / "resources" / "codebook.yaml").data)
    X = fb.fit(rows).transform(rows)
    y = np.array([1 if "carrier" in r["problem"] else 0 for r in rows])
    assert 20 < y.sum() < len(y) - 20
    clf = CalibratedClassifierCV(LinearSVC(class_weight="balanced", random_state=0), method="sigmoid", cv=5).fit(X, y)
    np.testing.assert_allclose(_Calibrated(clf).predict_proba(X), clf.predict_proba(X), rtol=0, atol=1e-12)


def test_batch_cue_counts_equal_per_sentence_counts(rows):
    from reportdiag.cuescan import TermScanner

    codebook = load_codebook(ROOT / "resources" / "codebook.yaml")
    texts = [r["text"] for r in rows] + ["", "两张皮两张皮", "不够" * 3, "两张皮两张皮"]
    lists = [terms for c in codebook.categories
             for terms in (c["problem_cues"], c["practice_cues"] + codebook.stance["practice"])]
    matches = TermScanner([t for terms in lists for t in terms]).scan(texts)
    for terms in lists:
        pattern = codebook.cue_pattern(terms)
        counts = matches.findall_counts(terms)
        assert counts.tolist() == [len(pattern.findall(t)) for t in texts]
        assert counts.sum() > 0


def test_term_scanner_finds_every_contained_cue(rows):
    from reportdiag.cuescan import TermScanner
    from reportdiag.lexicon import cue_list

    scanner = TermScanner([c["cue"] for c in cue_list(load_codebook(ROOT / "resources" / "codebook.yaml"))])
    texts = [r["text"] for r in rows] + ["考核评价机制", "", "考核评价机制"]  # nested cues, a repeated text
    got = set(zip(*(a.tolist() for a in scanner.scan(texts).pairs())))
    want = {(i, k) for i, t in enumerate(texts) for k, term in enumerate(scanner.terms) if term in t}
    assert got == want and len(want) > 1000


def test_achieved_marker_separates_a_result_from_its_shortfall():
    from reportdiag.features import CueFeatures

    cues = CueFeatures(load_codebook(ROOT / "resources" / "codebook.yaml").data)
    names = list(cues.get_feature_names_out())
    X = cues.transform([{"text": "二是党建考核评价机制更加健全。"}, {"text": "二是党建考核评价机制不健全。"}]).toarray()
    assert X.shape[1] == len(names)
    achieved, crossed, problem = (names.index(n) for n in ("stance:achieved", "cue:evaluation:achieved", "stance:problem"))
    assert X[0, achieved] == 1 and X[0, crossed] == 1 and X[0, problem] == 0
    assert X[1, achieved] == 0 and X[1, crossed] == 0 and X[1, problem] > 0


def test_a_codebook_without_result_cues_still_loads_and_scores(tmp_path):
    import yaml
    from reportdiag.features import CueFeatures

    data = yaml.safe_load((ROOT / "resources" / "codebook.yaml").read_text(encoding="utf-8"))
    del data["stance"]["achieved"]
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    codebook = load_codebook(path)
    assert codebook.stance["achieved"] == []
    cues = CueFeatures(codebook.data)
    X = cues.transform([{"text": "二是党建考核评价机制更加健全。"}]).toarray()
    assert X[0, list(cues.get_feature_names_out()).index("stance:achieved")] == 0
