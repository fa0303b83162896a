# reportdiag: corpus/ ──ingest──▶ segment ──classify──▶ diagnose ──report──▶ results/
# Reports are processed in stable hash batches (rules/common.smk): a report never changes batch,
# so adding one re-runs one batch plus the cheap aggregation.

include: "rules/common.smk"


rule all:
    input:
        f"{R}/tables/report_diagnosis.csv",


rule ingest:
    input:
        batch_files,
    output:
        docs=f"{R}/work/ingest/{{batch}}.docs.jsonl",
        status=f"{R}/work/ingest/{{batch}}.status.jsonl",
    params:
        corpus=CORPUS,
        files=lambda w: BATCH[w.batch],
        meta=batch_metadata,
        max_file_mb=config["max_file_mb"],
        t2s=config["traditional_to_simplified"],
    log:
        f"{R}/logs/ingest/{{batch}}.log",
    benchmark:
        f"{R}/benchmarks/ingest/{{batch}}.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/ingest.py"


rule segment:
    input:
        docs=rules.ingest.output.docs,
        userdict=config["userdict"],
    output:
        f"{R}/work/segment/{{batch}}.jsonl",
    params:
        segmenter=config["segmenter"],
    log:
        f"{R}/logs/segment/{{batch}}.log",
    benchmark:
        f"{R}/benchmarks/segment/{{batch}}.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/segment.py"


rule train:
    input:
        training=config["training"],
        annotations=ANNOTATIONS,
        codebook=config["codebook"],
        userdict=config["userdict"],
    output:
        model=f"{MODEL}/model.pkl",
        meta=f"{MODEL}/model.json",
        card=f"{MODEL}/model_card.md",
    params:
        model_dir=MODEL,
        model=config["model"],
        codebook_extend=config["codebook_extend"],
        stack=MODEL_STACK,
    log:
        f"{MODEL}/train.log",
    benchmark:
        f"{MODEL}/train.benchmark.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/train.py"


rule classify:
    input:
        sentences=rules.segment.output[0],
        model=rules.train.output.model,
        codebook=config["codebook"],
    output:
        f"{R}/work/classify/{{batch}}.jsonl",
    params:
        model_dir=MODEL,
        codebook_extend=config["codebook_extend"],
    log:
        f"{R}/logs/classify/{{batch}}.log",
    benchmark:
        f"{R}/benchmarks/classify/{{batch}}.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/classify.py"


rule diagnose:
    input:
        status=all_batches(rules.ingest.output.status),
        scores=all_batches(rules.classify.output[0]),
        codebook=config["codebook"],
    output:
        reports=f"{R}/tables/report_diagnosis.csv",
        evidence=f"{R}/tables/evidence.csv",
        summary=f"{R}/tables/summary_by_category.csv",
        rejected=f"{R}/tables/rejected.csv",
        warnings=f"{R}/tables/warnings.csv",
    params:
        corpus=CORPUS,
        tables=f"{R}/tables",
        codebook_extend=config["codebook_extend"],
        cfg={k: config[k] for k in ("recommend", "summaries")},
    log:
        f"{R}/logs/diagnose.log",
    benchmark:
        f"{R}/benchmarks/diagnose.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/diagnose.py"
