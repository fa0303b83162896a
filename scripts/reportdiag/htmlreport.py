"""The HTML report (results/report.html): one self-contained, offline page (inline CSS, charts as
base64 PNG, no scripts, no CDN) with the corpus overview, a report × category heatmap, prevalence
by unit type and by year with bootstrap intervals, each category's strongest evidence inside its
paragraph, provenance, and a section per report.

Chart labels are Chinese, so matplotlib must draw with a real CJK font: the font is looked up
through matplotlib's font manager and a missing glyph is an error, never a tofu box."""
from __future__ import annotations

import base64
import html
import io
import logging
import warnings
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from .codebook import Codebook  # noqa: E402
from .recommend import MEASURE_SEP  # noqa: E402
from .residual import html_section as residual_section  # noqa: E402
from .workbook import Labels  # noqa: E402

log = logging.getLogger(__name__)

# Simplified-Chinese fonts first; any of them covers the labels. Debian: fonts-noto-cjk.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Source Han Sans SC",
             "Source Han Sans CN", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC")
HEATMAP_MAX_ROWS = 60   # beyond this a heatmap row is too thin to read; the most affected are shown
UNKNOWN = "未标注"
DPI = 110


class CJKFontError(RuntimeError):
    pass


@dataclass(frozen=True)
class CJKFont:
    name: str
    path: str


def find_cjk_font() -> CJKFont:
    """The first installed CJK font matplotlib can use. The font cache may predate the font's
    installation, so the system font folders are scanned once more before giving up."""
    def lookup():
        known = {f.name for f in font_manager.fontManager.ttflist}
        name = next((n for n in CJK_FONTS if n in known), None)
        return name and CJKFont(name, font_manager.findfont(
            font_manager.FontProperties(family=name), fallback_to_default=False))

    found = lookup()
    if found is None:
        known_files = {f.fname for f in font_manager.fontManager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known_files:
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue  # an unreadable font file is not ours to fix
        found = lookup()
    if found is None:
        raise CJKFontError(
            "no CJK font found for the chart labels (looked for " + ", ".join(CJK_FONTS) + "). Install one, "
            "e.g. on Debian/Ubuntu: apt-get install fonts-noto-cjk (make test does this), then run again.")
    return found


def use_cjk_font() -> CJKFont:
    font = find_cjk_font()
    plt.rcParams.update({"font.family": [font.name], "axes.unicode_minus": False})
    return font


def _png(fig) -> str:
    """The figure as a data URI. A glyph missing from the font raises instead of drawing a box."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*[Gg]lyph.*missing from")
        try:
            fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
        except UserWarning as w:
            raise CJKFontError(f"the chart font lacks a character: {w}") from w
        finally:
            plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _label(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == "":
        return UNKNOWN
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def heatmap(reports: pd.DataFrame, codebook: Codebook) -> tuple[str, int]:
    """Problem density (per 10,000 characters) per report and category, counts written in the
    cells. Returns the chart and how many reports it shows."""
    ids = codebook.ids
    total = reports[[f"problem_{c}_n" for c in ids]].sum(axis=1)
    shown = reports.assign(_t=total).sort_values(["_t", "file"], ascending=[False, True], kind="stable")
    shown = shown.head(HEATMAP_MAX_ROWS)
    dens = shown[[f"problem_{c}_per10k" for c in ids]].to_numpy(dtype=float)
    counts = shown[[f"problem_{c}_n" for c in ids]].to_numpy(dtype=int)
    rows = [f"{_label(u)}（{_label(y)}）" for u, y in zip(shown["unit"], shown["year"])]
    fig, ax = plt.subplots(figsize=(7.5, 1.6 + 0.3 * max(len(rows), 1)))
    im = ax.imshow(dens if len(rows) else np.zeros((1, len(ids))), cmap="YlOrRd", aspect="auto",
                   vmin=0, vmax=max(float(dens.max()) if dens.size else 0.0, 1e-9))
    ax.set_xticks(range(len(ids)), [codebook.category(c).get("short", c) for c in ids])
    ax.set_yticks(range(len(rows)), rows)
    ax.xaxis.tick_top()
    top = float(dens.max()) if dens.size else 0.0
    for i in range(len(rows)):
        for j in range(len(ids)):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if top and dens[i, j] > 0.6 * top else "black")
    fig.colorbar(im, ax=ax, label="每万字问题句", shrink=0.6)
    ax.set_title("报告×类别：问题句密度（格内为句数）", pad=28)
    return _png(fig), len(rows)


def prevalence_chart(summary: pd.DataFrame, by: str, codebook: Codebook) -> str:
    """Share of reports with problem evidence per group, one panel per category, with the 95%
    bootstrap interval as error bars."""
    groups = sorted(summary[by].map(_label).unique())
    ids = codebook.ids
    fig, axes = plt.subplots(1, len(ids), figsize=(3.0 * len(ids), 1.2 + 0.42 * len(groups)), sharey=True,
                             squeeze=False)
    for ax, c in zip(axes[0], ids):
        s = summary[summary["category"] == c].assign(_g=lambda d: d[by].map(_label)).set_index("_g").reindex(groups)
        share = s["share_affected"].to_numpy(dtype=float)
        err = np.vstack([share - s["ci_low"].to_numpy(dtype=float), s["ci_high"].to_numpy(dtype=float) - share])
        y = np.arange(len(groups))
        ax.barh(y, share, color="#d9634c", alpha=0.85)
        ax.errorbar(share, y, xerr=np.clip(err, 0, None), fmt="none", ecolor="black", capsize=3, lw=1)
        ax.set_xlim(0, 1.05)
        ax.set_yticks(y, [f"{g}（{int(n)}份）" for g, n in zip(groups, s["reports"].fillna(0))])
        ax.set_title(codebook.category(c).get("short", c))
        ax.set_xlabel("问题报告占比")
    axes[0][0].invert_yaxis()  # once: the panels share the axis, the first group goes on top
    return _png(fig)


def strongest_by_category(evidence: pd.DataFrame, n: int) -> pd.DataFrame:
    ev = evidence[evidence["stance"] == "problem"]
    ev = ev.sort_values(["category", "probability", "file", "sentence_no"], ascending=[True, False, True, True],
                        kind="stable")
    return ev.groupby("category", sort=False).head(n)


def _e(v) -> str:
    return html.escape(_label(v) if not isinstance(v, str) else v)


def _table(df: pd.DataFrame, labels: Labels) -> str:
    head = "".join(f"<th>{_e(labels.title(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _quote(ctx: tuple[str, str, str] | None, fallback: str) -> str:
    if ctx is None:
        return f"<blockquote><mark>{html.escape(fallback)}</mark></blockquote>"
    before, sent, after = ctx
    return f"<blockquote>{html.escape(before)}<mark>{html.escape(sent)}</mark>{html.escape(after)}</blockquote>"


CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.6}
h1{border-bottom:3px solid #b22;padding-bottom:.3em} h2{border-left:6px solid #b22;padding-left:.5em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left}
th{background:#eef2f7} img{max-width:100%;display:block;margin:1em 0}
blockquote{border-left:4px solid #ddd;margin:.6em 0;padding:.3em .8em;background:#fafafa}
mark{background:#ffd54f;padding:0 .1em} .meta{color:#666;font-size:.9em} code{font-size:.85em}
section.report{border-top:1px solid #ddd;margin-top:1.5em}
"""


TITLE = "党建业务融合问题诊断报告"


def render(tables: dict[str, pd.DataFrame], manifest: dict, changes: pd.DataFrame, codebook: Codebook,
           labels: Labels, contexts: dict, n_evidence: int) -> str:
    font = use_cjk_font()
    log.info("charts drawn with %s (%s)", font.name, font.path)
    reports = tables["report_diagnosis"]
    parts = ['<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width,initial-scale=1">',
             f"<title>{TITLE}</title><style>{CSS}</style></head><body><h1>{TITLE}</h1>",
             f'<p class="meta">运行编号 <code>{_e(manifest["run_id"])}</code>；'
             f'编码手册：{_e(codebook.data.get("source", ""))}</p>',
             _overview(tables, manifest, labels)]
    if len(reports):
        parts.append(_charts(tables, codebook))
    parts.append(_evidence_section(tables, codebook, contexts, n_evidence))
    if "residual_themes" in tables:  # what the categories miss (residual.py)
        parts.append(residual_section(tables["residual_themes"]))
    parts.append(_provenance(manifest, changes))
    parts.append("<h2>逐份报告</h2>")
    by_report: dict[str, list] = {}  # one pass over the recommendations, not one filter per report
    for x in tables["recommendations"].itertuples(index=False):
        by_report.setdefault(x.report_id, []).append(x)
    parts += [_report_section(r, by_report.get(r.report_id), codebook, n_evidence)
              for r in reports.itertuples(index=False)]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _overview(tables: dict[str, pd.DataFrame], manifest: dict, labels: Labels) -> str:
    reports, rejected = tables["report_diagnosis"], tables["rejected"]
    reasons = rejected["reason"].value_counts().sort_index()
    why = "（" + "，".join(f"{_e(r)} {n}" for r, n in reasons.items()) + "）" if len(reasons) else ""
    years = reports["year"].dropna()
    types = reports["unit_type"].map(_label).value_counts().sort_index()
    return "".join([
        "<h2>语料概况</h2><ul>",
        f"<li>文件 {manifest['counts']['files']} 个，已分析报告 {len(reports)} 份，未分析 {len(rejected)} 个{why}</li>",
        f"<li>句子 {int(reports['n_sentences'].sum())} 句，字数 {int(reports['n_chars'].sum())}</li>",
        f"<li>年度 {int(years.min())}–{int(years.max())}</li>" if len(years) else "",
        "<li>单位类型：" + "，".join(f"{_e(k)} {n} 份" for k, n in types.items()) + "</li></ul>",
        _table(tables["summary_by_category"], labels)])


def _charts(tables: dict[str, pd.DataFrame], codebook: Codebook) -> str:
    reports = tables["report_diagnosis"]
    img, shown = heatmap(reports, codebook)
    note = "" if shown == len(reports) else f"（只显示问题句最多的 {shown} 份，共 {len(reports)} 份）"
    parts = [f"<h2>报告×类别热力图</h2><p>颜色为每万字问题句数，格内数字为问题句数{note}。</p>",
             f'<img alt="报告×类别热力图" src="{img}">']
    for by, title in (("unit_type", "按单位类型的问题报告占比"), ("year", "按年度的问题报告占比")):
        chart = prevalence_chart(tables[f"summary_by_{by}"], by, codebook)
        parts += [f"<h2>{title}</h2><p>条形为有该类问题证据的报告占比，误差线为95%自助法置信区间（固定随机种子）。</p>",
                  f'<img alt="{title}" src="{chart}">']
    return "".join(parts)


def _evidence_section(tables: dict[str, pd.DataFrame], codebook: Codebook, contexts: dict, n: int) -> str:
    """Each category's most probable problem sentences, highlighted inside their paragraphs."""
    units = dict(zip(tables["report_diagnosis"]["report_id"], tables["report_diagnosis"]["unit"]))
    top = strongest_by_category(tables["evidence"], n)
    parts = ["<h2>各类问题的典型证据</h2>"]
    for c in codebook.ids:
        parts.append(f"<h3>{_e(codebook.category(c)['name'])}</h3>")
        rows = top[top["category"] == c]
        if rows.empty:
            parts.append("<p>本批报告中没有发现该类问题句。</p>")
        for e in rows.itertuples(index=False):
            parts.append(f'<p class="meta">{_e(units.get(e.report_id, ""))} · {_e(e.file)} · 第{e.sentence_no}句 · '
                         f"概率 {e.probability:.2f}</p>" + _quote(contexts.get((e.file, e.start, e.end)), e.text))
    return "".join(parts)


def _provenance(manifest: dict, changes: pd.DataFrame) -> str:
    counts = changes["change"].value_counts()
    seg = manifest["segmenter"]
    return "".join([
        "<h2>来源与可追溯</h2><ul>",
        f"<li>编码手册 SHA-256 <code>{_e(manifest['codebook']['sha256'])}</code></li>",
        f"<li>模型 SHA-256 <code>{_e(manifest['model']['sha256'])}</code>，训练数据 "
        f"<code>{_e(manifest['training_data']['sha256'])}</code></li>",
        f"<li>分词器 {_e(seg['name'])} {_e(seg['version'])}，词典 <code>{_e(seg['userdict_sha256'])}</code></li>",
        "<li>与上一次运行相比：" + "，".join(f"{t} {int(counts.get(k, 0))} 份" for k, t in
                                    (("new", "新增"), ("removed", "移除"), ("changed", "变化"))) + "</li>",
        "</ul><p>每个输入文件的哈希、配置和软件版本见 manifest.json。</p>"])


def _report_section(r, recs: list | None, codebook: Codebook, n_evidence: int) -> str:
    """One report: its counts per category and, per recommended mechanism, the measures and the
    strongest evidence."""
    rows = "".join(
        f"<tr><td>{_e(codebook.category(c)['name'])}</td><td>{getattr(r, f'problem_{c}_n')}</td>"
        f"<td>{getattr(r, f'problem_{c}_per10k'):g}</td><td>{getattr(r, f'practice_{c}_n')}</td></tr>"
        for c in codebook.ids)
    parts = [f'<section class="report" id="{_e(r.report_id)}">',
             f"<h3>{_e(r.unit)}（{_e(r.year)}，{_e(r.genre)}）</h3>",
             f'<p class="meta">{_e(r.title)} · {_e(r.file)} · 报告编号 {_e(r.report_id)} · '
             f"{r.n_sentences} 句 · {r.n_chars} 字</p>",
             "<table><thead><tr><th>类别</th><th>问题句</th><th>每万字</th><th>做法句</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>"]
    if recs is None:
        parts.append("<p>没有需要配套机制的问题（无问题证据，或已有相应做法）。</p>")
    for x in recs or []:
        measures = "".join(f"<li>{_e(m)}</li>" for m in x.measures.split(MEASURE_SEP))
        quotes = [getattr(x, f"evidence_{k}") for k in range(1, n_evidence + 1)]
        quotes = "".join(f"<blockquote><mark>{_e(q)}</mark></blockquote>" for q in quotes if isinstance(q, str) and q)
        parts.append(f"<h4>{_e(x.name)} → {_e(x.mechanism)}</h4><p>{_e(x.summary)}</p><ul>{measures}</ul>{quotes}")
    parts.append("</section>")
    return "".join(parts)
