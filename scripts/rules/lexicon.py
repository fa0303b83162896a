"""Rule lexicon: cue coverage, co-occurrence and precision, and candidate new cues for review."""
import json

from reportdiag import runlog
from reportdiag.codebook import load_codebook
from reportdiag.lexicon import write_lexicon

runlog.setup(snakemake.log[0])  # noqa: F821
i, o, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
with open(i.model_meta, encoding="utf-8") as fh:
    thresholds = json.load(fh)["thresholds"]
write_lexicon(list(i.parts), list(i.status), load_codebook(i.codebook, p.codebook_extend or None),
              thresholds, [*i.training, *i.annotations], p.cfg, o.diagnostics, o.candidates)
