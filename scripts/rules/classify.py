"""Rule classify: score every sentence of one batch in one pass."""
from reportdiag import runlog
from reportdiag.classify import score_file

log = runlog.setup(snakemake.log[0])  # noqa: F821
n = score_file(snakemake.input.sentences, snakemake.output[0], snakemake.params.model_dir,  # noqa: F821
               snakemake.input.codebook, snakemake.params.codebook_extend or None)  # noqa: F821
log.info("batch done: %d sentences scored", n)
