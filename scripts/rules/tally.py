"""Rule tally: one batch's partial results for the corpus-wide steps (see reportdiag.tally)."""
import json

from reportdiag import runlog
from reportdiag.codebook import load_codebook
from reportdiag.tally import PARTS, tally_batch, write_tally

log = runlog.setup(snakemake.log[0])  # noqa: F821
i, o, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
with open(i.model_meta, encoding="utf-8") as fh:
    thresholds = json.load(fh)["thresholds"]
parts = tally_batch(i.docs, i.sentences, i.scores, load_codebook(i.codebook, p.codebook_extend or None), thresholds,
                    p.high_confidence)
write_tally(parts, {name: o[name] for name in PARTS})
log.info("batch tallied: %d evidence contexts", len(parts["contexts"]))
