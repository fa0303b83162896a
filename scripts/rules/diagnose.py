"""Rule diagnose: report × category tables, evidence, summaries, rejected files and warnings."""
from reportdiag import runlog
from reportdiag.codebook import load_codebook
from reportdiag.tables import write_diagnosis

runlog.setup(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
write_diagnosis(
    status_files=list(snakemake.input.status), part_files=list(snakemake.input.parts),  # noqa: F821
    codebook=load_codebook(snakemake.input.codebook, p.codebook_extend or None),  # noqa: F821
    corpus=p.corpus, out_dir=p.tables, config=p.cfg,
)
