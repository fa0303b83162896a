"""The report step: from the diagnosis tables to what a researcher opens and an auditor checks:
manifest.json (provenance and run id), changes.csv against the previous run, the run's copy
under history/<run-id>/, diagnosis.xlsx and report.html."""
from __future__ import annotations

import logging
from pathlib import Path

from .codebook import Codebook
from .history import diff_reports, previous_reports, record_run
from .htmlreport import render, strongest_by_category
from .io import read_csv, write_csv
from .manifest import build_manifest, write_manifest
from .tally import read_parts
from .workbook import Labels, write_workbook

log = logging.getLogger(__name__)

# workbook sheet order: the diagnosis first, bookkeeping last
TABLE_ORDER = ("report_diagnosis", "recommendations", "evidence", "summary_by_category", "summary_by_unit_type",
               "summary_by_year", "summary_by_unit", "coding_matrix", "residual_themes", "changes", "rejected",
               "warnings")


def write_outputs(*, table_files: dict[str, str], status_files: list[str], context_files: list[str],
                  codebook: Codebook, codebook_extend: str, columns: str, model_file: str, model_meta: str,
                  training_files: list[str], userdict: str, segmenter: str, config: dict,
                  out: dict[str, str], history_dir: str) -> dict:
    """``table_files`` maps table names to the CSVs of the diagnose step; ``out`` names the
    manifest, changes, workbook and html paths. Returns the manifest."""
    tables = {name: read_csv(path) for name, path in table_files.items()}
    log.info("read %d tables: %d reports, %d evidence rows", len(tables), len(tables["report_diagnosis"]),
             len(tables["evidence"]))

    manifest = build_manifest(
        status_files=status_files, reports=tables["report_diagnosis"], rejected=tables["rejected"],
        codebook=codebook, codebook_extend=codebook_extend, model_file=model_file, model_meta=model_meta,
        training_files=training_files, userdict=userdict, segmenter=segmenter, config=config,
        tables=table_files, extra_files={"columns": columns})
    write_manifest(manifest, out["manifest"])
    run_id = manifest["run_id"]
    log.info("run %s: %d input files hashed", run_id, manifest["counts"]["files"])

    previous, old = previous_reports(history_dir, run_id)
    changes = diff_reports(old, tables["report_diagnosis"], codebook)
    write_csv(changes, out["changes"])
    log.info("against %s: %s", previous or "no previous run", changes["change"].value_counts().to_dict())
    kept = record_run(history_dir, run_id, previous, [*table_files.values(), out["manifest"], out["changes"]],
                      changes, len(tables["report_diagnosis"]))
    log.info("tables kept in %s", kept)

    tables["changes"] = changes
    labels = Labels(codebook, columns)
    sheets = write_workbook({t: tables[t] for t in TABLE_ORDER if t in tables}, labels, out["workbook"])
    log.info("workbook: %d sheets", len(sheets))

    n_ev = config["recommend"]["evidence_per_category"]
    top = strongest_by_category(tables["evidence"], n_ev)
    wanted = {(e.file, e.start, e.end) for e in top.itertuples(index=False)}
    contexts = {k: v for part in read_parts(context_files) for k, v in part.items() if k in wanted}
    page = render(tables, manifest, changes, codebook, labels, contexts, n_ev)
    Path(out["html"]).write_text(page, encoding="utf-8", newline="\n")
    log.info("html report: %d characters", len(page))
    return manifest
