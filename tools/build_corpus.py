"""Turn the written demo reports (UTF-8 .txt in corpus/) into the mix of formats real folders hold,
and write corpus/metadata.csv from data/corpus_design/*.jsonl. Idempotent: converted files are not
converted again. Run once after adding reports: .venv/bin/python tools/build_corpus.py"""
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from docbuild import write_docx, write_encoded, write_pdf  # noqa: E402

CORPUS = ROOT / "corpus"
# every 6th report by sorted name takes each format, the rest stay UTF-8 (one with a BOM)
FORMATS = ["docx", "pdf", "gb18030", "utf-8", "docx", "utf-8-bom"]


def main() -> None:
    design = [json.loads(l) for f in sorted((ROOT / "data" / "corpus_design").glob("*.jsonl"))
              for l in open(f, encoding="utf-8")]
    design.sort(key=lambda d: d["file"])
    rows = []
    for i, d in enumerate(design):
        stem = Path(d["file"]).stem
        fmt = FORMATS[i % len(FORMATS)]
        src = CORPUS / d["file"]
        if fmt in ("docx", "pdf"):
            target = CORPUS / f"{stem}.{fmt}"
            if src.exists():
                text = src.read_text(encoding="utf-8")
                (write_docx if fmt == "docx" else write_pdf)(target, text)
                src.unlink()
        else:
            target = src
            if fmt != "utf-8" and src.read_bytes()[:3] != b"\xef\xbb\xbf":
                text = src.read_text(encoding="utf-8")
                if fmt == "gb18030":
                    try:
                        text.encode("gb18030")
                        write_encoded(src, text, "gb18030")
                    except UnicodeEncodeError:
                        pass
                else:
                    write_encoded(src, text, "utf-8", bom=True)
        rows.append({"file": target.name, "report_id": f"R{i + 1:02d}", "unit": d["unit"],
                     "unit_type": d["unit_type"], "year": d["year"], "genre": d["genre"], "title": d["title"]})
    with open(CORPUS / "metadata.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} reports; metadata written")


if __name__ == "__main__":
    main()
