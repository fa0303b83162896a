"""Rule classify: score every sentence of one batch in one pass, then tally the batch for the
corpus-wide steps (reportdiag.tally) from the sentences and scores already in memory."""
from reportdiag import runlog
from reportdiag.classify import score_file
from reportdiag.codebook import load_codebook
from reportdiag.tables import scored_frame
from reportdiag.tally import PARTS, tally_batch, write_tally

log = runlog.setup(snakemake.log[0])  # noqa: F821
i, o, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
codebook = load_codebook(i.codebook, p.codebook_extend or None)
sentences, scores, meta = score_file(i.sentences, o.scores, p.model_dir, codebook)
log.info("batch done: %d sentences scored", len(scores))
parts = tally_batch(scored_frame(sentences, scores), i.docs, codebook, meta["thresholds"], p.high_confidence)
write_tally(parts, {name: o[name] for name in PARTS})
log.info("batch tallied: %d evidence contexts", len(parts["contexts"]))
