"""Rule ingest: read one batch of corpus files."""
from reportdiag import runlog
from reportdiag.ingest import ingest_batch
from reportdiag.io import write_jsonl

runlog.setup(snakemake.log[0])  # noqa: F821
p = snakemake.params  # noqa: F821
docs, statuses = ingest_batch(p.corpus, p.files, p.meta, max_bytes=int(p.max_file_mb * 1e6), t2s=p.t2s)
write_jsonl(snakemake.output.docs, docs)  # noqa: F821
write_jsonl(snakemake.output.status, statuses)  # noqa: F821
