"""Rule train: fit the default model from the project's labelled sentences (and user annotations)."""
from reportdiag import runlog
from reportdiag.codebook import load_codebook
from reportdiag.training import build_and_save

runlog.setup(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
build_and_save(
    codebook=load_codebook(snakemake.input.codebook, p.codebook_extend or None),  # noqa: F821
    training=list(snakemake.input.training),  # noqa: F821
    annotations=list(snakemake.input.annotations),  # noqa: F821
    userdict=snakemake.input.userdict,  # noqa: F821
    out_dir=p.model_dir, model_cfg=p.model,
)
