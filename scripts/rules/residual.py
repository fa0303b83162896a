"""Rule residual: problem-stance sentences outside every category, clustered into named themes."""
from reportdiag import runlog
from reportdiag.codebook import load_codebook
from reportdiag.residual import write_residual

runlog.setup(snakemake.log[0])  # noqa: F821
i, o, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
write_residual(list(i.parts), list(i.status), load_codebook(i.codebook, p.codebook_extend or None),
               p.cfg, o.themes, o.sentences)
