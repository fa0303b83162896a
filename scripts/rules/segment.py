"""Rule segment: sentences with offsets and context, words by the configured segmenter."""
import logging

from reportdiag import runlog
from reportdiag.io import read_jsonl, write_jsonl
from reportdiag.segment import segment_document
from reportdiag.tokenize import Tokenizer

log = runlog.setup(snakemake.log[0])  # noqa: F821
tok = Tokenizer(snakemake.input.userdict, backend=snakemake.params.segmenter)  # noqa: F821


def sentences():
    n_docs = n_sent = 0
    for doc in read_jsonl(snakemake.input.docs):  # noqa: F821
        rows = segment_document(doc, tok)
        n_docs += 1
        n_sent += len(rows)
        if n_docs % 100 == 0:
            log.info("segmented %d reports, %d sentences", n_docs, n_sent)
        yield from rows
    log.info("batch done: %d reports, %d sentences (%s)", n_docs, n_sent, tok.backend)


write_jsonl(snakemake.output[0], sentences())  # noqa: F821
logging.shutdown()
