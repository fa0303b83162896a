"""Rule report: manifest, changes against the previous run, run history, workbook and HTML report."""
from reportdiag import runlog
from reportdiag.codebook import load_codebook
from reportdiag.report import write_outputs

runlog.setup(snakemake.log[0])  # noqa: F821
i, o, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
write_outputs(
    table_files={name: i[name] for name in p.tables},
    status_files=list(i.status), context_files=list(i.contexts),
    codebook=load_codebook(i.codebook, p.codebook_extend or None), codebook_extend=p.codebook_extend,
    columns=i.columns, model_file=i.model, model_meta=i.model_meta,
    training_files=[*i.training, *i.annotations], userdict=i.userdict, segmenter=p.segmenter, config=p.cfg,
    out={"manifest": o.manifest, "changes": o.changes, "workbook": o.workbook, "html": o.html},
    history_dir=p.history,
)
