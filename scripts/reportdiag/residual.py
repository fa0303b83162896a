"""What the categories miss: problem-stance sentences that carry none of the codebook's categories,
clustered into residual themes (a keyATM/seededlda-style "other" topic, made inspectable).

Problem stance, from the codebook's stance cues (no model is trained for it, because the training
data label sentences with problems outside the categories as "none" and so cannot teach it):
a sentence asserts a shortcoming when it has more problem markers (``stance.problem``: 不够, 缺乏,
存在 …) than practice markers (``stance.practice``: 建立了, 推行 …), or when it sits in a problem
section (a heading above it matches ``stance.headings.problem``), has no practice marker and either
a problem marker or a list-item opening (一是, （二）, 3.). Never when it is negated or resolved
(``stance.negation``), planned (``stance.planned``), or a heading that only names a section
("二、存在的问题"). On the shared development set this rule covers 63 % of the sentences labelled
with a problem and 0.4 % of those labelled with a practice only.
A residual sentence is such a sentence to which the model gives no problem label.

Themes: NMF (scikit-learn, ``init="nndsvda"``, fixed seed) over TF-IDF of the sentences' jieba
words, stance and cue markers removed so themes are about content. Each sentence goes to its
heaviest theme; themes are numbered by size and named by their top three words.
"""
from __future__ import annotations

import html
import logging
import re

import numpy as np
import pandas as pd
from .codebook import STANCE_CUES, Codebook
from .ngrams import WordTfidf, document_frequencies

log = logging.getLogger(__name__)

THEME_COLUMNS = ["theme", "theme_name", "theme_sentences", "theme_share", "theme_reports", "top_terms", "examples"]
SENTENCE_COLUMNS = ["report_id", "file", "sentence_no", "theme", "weight", "text"]
_WORD = re.compile(r"^[\u3400-\u9fff]{2,}$")
_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+是|第[一二三四五六七八九十]+)$")  # list-item openings
_ITEM = re.compile(r"^(?:[一二三四五六七八九十]{1,3}是|[（(][一二三四五六七八九十0-9]{1,3}[）)]|[0-9]{1,2}[.．、])")


def problem_stance(sentences: pd.DataFrame, codebook: Codebook) -> np.ndarray:
    """The codebook-cue rule above, as a boolean mask over ``sentences``, from one scan of the
    batch's sentences and section paths."""
    from .cuescan import TermScanner

    st = codebook.stance
    lists = {k: st[k] for k in ("problem", "practice", "negation", "planned")}
    lists.update(h_problem=st["headings"]["problem"], h_practice=st["headings"]["practice"])
    texts = sentences["text"].tolist()
    n = len(texts)
    found = TermScanner([t for terms in lists.values() for t in terms]).scan(
        texts + [s or "" for s in sentences["section"].tolist()])
    count = {k: found.findall_counts(terms) for k, terms in lists.items()}
    in_text = {k: c[:n] for k, c in count.items()}
    heading = sentences["heading_level"].fillna(0).to_numpy() > 0
    excluded = ((in_text["negation"] > 0) | (in_text["planned"] > 0)
                | (heading & ((in_text["h_problem"] > 0) | (in_text["h_practice"] > 0))))
    n_prob, n_prac = in_text["problem"], in_text["practice"]
    in_problem_section = count["h_problem"][n:] > 0
    item = np.fromiter((bool(_ITEM.match(t)) for t in texts), bool, n)
    return ~excluded & ((n_prob > n_prac) | (in_problem_section & (n_prac == 0) & ((n_prob > 0) | item)))


def residual_sentences(sentences: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    none = sentences["problem"].map(len).eq(0).to_numpy()
    return sentences[problem_stance(sentences, codebook) & none].reset_index(drop=True)


def content_word(codebook: Codebook):
    """Whether a word is one themes are made of: a Han word of two or more characters, not a stance
    marker or a list-item opening."""
    st = codebook.stance
    markers = {t for k in STANCE_CUES for t in st[k]}
    return lambda w: bool(_WORD.match(w)) and w not in markers and not _ORDINAL.match(w)


def content_words(tokens: pd.Series, codebook: Codebook) -> list[str]:
    """The content words (:func:`content_word`) of each sentence, space-separated."""
    keep = content_word(codebook)
    return [" ".join(w for w in str(t).split() if keep(w)) for t in tokens.tolist()]


def _fit(residual: pd.DataFrame, codebook: Codebook, corpus_df: tuple[dict[str, int], int] | None, n_themes: int,
         min_per_theme: int, seed: int):
    """NMF weights (sentences × themes), theme words (themes × words) and the words; None when the
    sentences are too few or share too few words for a theme."""
    from sklearn.decomposition import NMF

    k = min(n_themes, len(residual) // min_per_theme)
    if k < 1:
        return None
    docs = content_words(residual["tokens"], codebook)
    df, n_docs = corpus_df if corpus_df is not None else (document_frequencies(docs), len(docs))
    vec = WordTfidf(min_df=2).fit_counts(df, n_docs)
    if not len(vec.names_):  # no word occurs twice
        return None
    X = vec.transform(docs)
    keep = np.flatnonzero(X.getnnz(axis=0) >= 2)  # words shared by at least two residual sentences
    if len(keep) == 0:
        return None
    nmf = NMF(n_components=min(k, len(keep)), init="nndsvda", random_state=seed, max_iter=1000)
    W = nmf.fit_transform(X[:, keep])
    return W, nmf.components_, vec.get_feature_names_out()[keep]


def themes(residual: pd.DataFrame, codebook: Codebook, corpus_df: tuple[dict[str, int], int] | None = None,
           n_themes: int = 6, top_terms: int = 8, examples: int = 3, seed: int = 0,
           min_per_theme: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Theme table and the residual sentences with their theme. Word weights use the inverse
    document frequency ``corpus_df`` (content-word document frequencies over all sentences of the
    corpus, and their number; default: over the residual ones), so words common everywhere (工作,
    党建) do not make themes. Fewer than ``min_per_theme`` sentences per theme lower the number of
    themes. A sentence without any theme word (or all of
    them, when no theme can be formed) keeps an empty theme."""
    residual = residual.sort_values(["file", "sentence_no"], kind="stable").reset_index(drop=True)
    fit = _fit(residual, codebook, corpus_df, n_themes, min_per_theme, seed)
    if fit is None:
        log.info("%d residual sentences: too few, or sharing too few words, for themes", len(residual))
        W, H, terms = np.zeros((len(residual), 0)), np.zeros((0, 0)), np.array([])
    else:
        W, H, terms = fit
    has = W.max(axis=1) > 0 if W.shape[1] else np.zeros(len(residual), dtype=bool)
    assign = np.where(has, W.argmax(axis=1) if W.shape[1] else -1, -1)
    # number themes by size, then by their top words, so the numbering does not depend on NMF's order
    top = [[terms[j] for j in np.argsort(-H[t], kind="stable")[:top_terms]] for t in range(H.shape[0])]
    order = [t for t in sorted(range(H.shape[0]), key=lambda t: (-int((assign == t).sum()), top[t]))
             if (assign == t).any()]
    name = {t: f"R{n}" for n, t in enumerate(order, 1)}
    rows = []
    for t in order:
        members = np.flatnonzero(assign == t)
        best = members[np.argsort(-W[members, t], kind="stable")][:examples]
        rows.append({
            "theme": name[t], "theme_name": "、".join(top[t][:3]), "theme_sentences": len(members),
            "theme_share": round(len(members) / int(has.sum()), 4),
            "theme_reports": int(residual["report_id"].iloc[members].nunique()), "top_terms": "、".join(top[t]),
            "examples": " ‖ ".join(f"{residual['source'].iat[i]}〔{residual['file'].iat[i]} #{residual['sentence_no'].iat[i]}〕"
                                   for i in best),
        })
    sentences = pd.DataFrame({
        "report_id": residual["report_id"], "file": residual["file"], "sentence_no": residual["sentence_no"],
        "theme": [name.get(a, "") for a in assign],
        "weight": [round(float(W[i, a]), 4) if a >= 0 else 0.0 for i, a in enumerate(assign)],
        "text": residual["source"]}, columns=SENTENCE_COLUMNS)
    return pd.DataFrame(rows, columns=THEME_COLUMNS), sentences


def html_section(table: pd.DataFrame, n_residual: int | None = None) -> str:
    """An HTML fragment for the report: the residual themes with top terms and examples."""
    e = html.escape
    head = ("<section id=\"residual-themes\"><h2>编码类别之外的问题（残余主题）</h2>"
            "<p>以下句子指出了问题，但模型未将其归入编码手册中的任何类别；按用词聚类，供研究者判断是否需要新增类别。</p>")
    if table.empty:
        return head + "<p>没有足够的此类句子形成主题。</p></section>"
    n = f"<p>共 {int(n_residual)} 句。</p>" if n_residual is not None else ""
    rows = "".join(
        f"<tr><td>{e(str(r.theme))}</td><td>{e(str(r.theme_name))}</td><td>{int(r.theme_sentences)}</td>"
        f"<td>{int(r.theme_reports)}</td>"
        f"<td>{e(str(r.top_terms))}</td><td><ul>{''.join(f'<li>{e(x)}</li>' for x in str(r.examples).split(' ‖ '))}</ul></td></tr>"
        for r in table.itertuples(index=False))
    return (head + n + "<table><thead><tr><th>主题</th><th>名称</th><th>句数</th><th>报告数</th><th>主要词语</th>"
            "<th>例句</th></tr></thead><tbody>" + rows + "</tbody></table></section>")


RESIDUAL_FIELDS = ["report_id", "file", "sentence_no", "tokens", "source"]


def residual_part(sentences: pd.DataFrame, codebook: Codebook, sentence_words=None) -> dict:
    """One batch's share: its residual sentences, and per report file the sentence count and the
    content-word document frequencies (for the corpus-wide inverse document frequency). ``sentence_words``:
    the batch's :class:`reportdiag.tally.SentenceWords` when already built."""
    from .tally import SentenceWords, file_index

    files, f_of = file_index(sentences["file"])
    words, df = (sentence_words or SentenceWords(sentences["tokens"])).counts(f_of, len(files), content_word(codebook))
    return {"files": files, "n": np.bincount(f_of, minlength=len(files)), "words": words, "df": df,
            "rows": residual_sentences(sentences, codebook)[RESIDUAL_FIELDS]}


def write_residual(part_files: list[str], status_files: list[str], codebook: Codebook, cfg: dict, out_themes: str,
                   out_sentences: str) -> pd.DataFrame:
    """The rule's work: merge the batches' residual parts (see :mod:`reportdiag.tally`) for the
    diagnosed reports (:func:`reportdiag.diagnose.accepted_files`) → theme and sentence tables."""
    from .diagnose import accepted_files
    from .io import write_csv
    from .tally import add_counts, column_sums, read_parts, row_mask

    accepted = accepted_files(status_files)
    rows, df, n = [], {}, 0
    for part in read_parts(part_files):
        if part is None:
            continue
        mask = row_mask(part["files"], accepted)
        n += int(part["n"][mask].sum())
        add_counts(df, part["words"], column_sums(part["df"], mask))
        rows.append(part["rows"][part["rows"]["file"].isin(accepted)])
    residual = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=RESIDUAL_FIELDS)
    log.info("%d of %d sentences assert a problem outside every category", len(residual), n)
    table, assigned = themes(residual, codebook, (df, n), n_themes=cfg["themes"], top_terms=cfg["top_terms"],
                             examples=cfg["examples"], seed=cfg["seed"])
    write_csv(table, out_themes)
    write_csv(assigned, out_sentences)
    log.info("%d residual themes: %s", len(table), "; ".join(table["theme_name"]))
    return table
