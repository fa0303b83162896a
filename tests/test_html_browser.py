"""The HTML report in a real browser: Debian's chromium, headless, opens results/report.html from
disk with the network off; the DOM has the Chinese text and the charts, and the screenshot shows
them (not a blank page)."""
import base64
import io
import shutil
import subprocess
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from PIL import Image

import smallcorpus
from reportdiag import htmlreport
from reportdiag.codebook import load_codebook

pytestmark = pytest.mark.browser
WINDOW = (1280, 2400)


def _chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Debian's chromium is missing: run make test, whose setup installs it"
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def _chart_pixels(img: Image.Image) -> int:
    """Pixels in the charts' warm colours (heatmap cells, prevalence bars); the page's own yellow
    highlights (G ≥ 180) do not count, its thin red rules do, hence the control in the test."""
    a = np.asarray(img.convert("RGB")).astype(int)
    return int(((a[..., 0] > 150) & (a[..., 0] - a[..., 2] > 80) & (a[..., 1] < 180)).sum())


def _screenshot(tmp_path, page: Path, name: str) -> Image.Image:
    shot = tmp_path / f"{name}.png"
    _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", "--hide-scrollbars",
              page.as_uri())
    return Image.open(shot)


@pytest.fixture(scope="module")
def page(small_run):
    _, results = small_run
    return results / "report.html"


def test_page_is_self_contained_with_decodable_charts(page):
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert not soup.find_all("script") and not soup.find_all("link")
    assert "http://" not in page.read_text(encoding="utf-8") and "https://" not in page.read_text(encoding="utf-8")
    imgs = soup.find_all("img")
    assert len(imgs) == 3  # heatmap, by unit type, by year
    for img in imgs:
        head, data = img["src"].split(",", 1)
        assert head == "data:image/png;base64"
        chart = Image.open(io.BytesIO(base64.b64decode(data)))
        chart.load()
        assert chart.width > 300 and chart.height > 150
        assert np.asarray(chart.convert("L")).std() > 10
        assert _chart_pixels(chart) > 500, img["alt"]


def test_chromium_dom_has_the_chinese_text_and_charts(page, tmp_path):
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    soup = BeautifulSoup(dom, "html.parser")
    assert soup.h1.get_text() == "党建业务融合问题诊断报告"
    text = soup.get_text()
    for name in ("目标衔接不够紧密", "责任传导不够精准", "载体设计不够具体", "考核评价分离", "一体化考评机制"):
        assert name in text
    for spec in smallcorpus.REPORTS.values():
        assert spec["meta"]["unit"] in text
    assert len(soup.find_all("img", src=lambda s: s and s.startswith("data:image/png;base64,"))) == 3
    # the strongest evidence is highlighted inside its paragraph
    assert any("党建考核与业务考核分开进行" in m.get_text() for m in soup.find_all("mark"))


def test_chromium_screenshot_shows_the_charts(page, tmp_path):
    img = _screenshot(tmp_path, page, "report")
    assert img.size == WINDOW
    gray = np.asarray(img.convert("L")).astype(float)
    assert gray.std() > 20, "the screenshot is blank"
    assert (gray < 100).mean() > 0.005, "no dark text drawn"
    # control: the same page without its images; the charts must add a large area of their colours
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for tag in soup.find_all("img"):
        tag.decompose()
    bare = tmp_path / "no_charts.html"
    bare.write_text(str(soup), encoding="utf-8")
    added = _chart_pixels(img) - _chart_pixels(_screenshot(tmp_path, bare, "no_charts"))
    assert added > 20000, f"the charts did not render ({added} chart-coloured pixels)"


def test_browser_font_for_chinese_is_cjk():
    # Chromium picks fonts through fontconfig: Chinese must resolve to a real CJK face, not a fallback
    fam = subprocess.run(["fc-match", "-f", "%{family}", "sans-serif:lang=zh-cn"], capture_output=True, text=True,
                         check=True).stdout
    assert "CJK" in fam, fam


def test_chart_font_is_cjk_and_missing_glyphs_fail():
    font = htmlreport.use_cjk_font()
    assert "CJK" in font.name and Path(font.path).exists()
    fig, ax = plt.subplots()
    ax.set_title("党建与业务")
    assert htmlreport._png(fig).startswith("data:image/png;base64,")
    fig, ax = plt.subplots()
    ax.set_title("党建 \U0001F600")  # an emoji no CJK font has: an error, never a tofu box
    with pytest.raises(htmlreport.CJKFontError, match="lacks a character"):
        htmlreport._png(fig)


def test_no_cjk_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(htmlreport, "CJK_FONTS", ("No Such CJK Font",))
    with pytest.raises(htmlreport.CJKFontError, match="fonts-noto-cjk"):
        htmlreport.find_cjk_font()


def test_heatmap_caps_rows():
    cb = load_codebook()
    htmlreport.use_cjk_font()
    n = htmlreport.HEATMAP_MAX_ROWS + 5
    reports = pd.DataFrame({"file": [f"f{i}" for i in range(n)], "unit": [f"单位{i}" for i in range(n)],
                            "year": [2023] * n,
                            **{f"problem_{c}_n": list(range(n)) for c in cb.ids},
                            **{f"problem_{c}_per10k": [float(i) for i in range(n)] for c in cb.ids}})
    _, shown = htmlreport.heatmap(reports, cb)
    assert shown == htmlreport.HEATMAP_MAX_ROWS
