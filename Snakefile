# reportdiag: corpus/ ──ingest──▶ segment ──classify (+ batch tally)──▶ diagnose ──report──▶ results/
# Reports are processed in stable hash batches (rules/common.smk): a report never changes batch,
# so adding one re-runs one batch; the corpus-wide steps merge the batches' small tallies.

include: "rules/common.smk"


rule all:
    input:
        f"{R}/diagnosis.xlsx",
        f"{R}/report.html",
        f"{R}/manifest.json",
        f"{R}/tables/changes.csv",
        f"{R}/tables/residual_themes.csv",
        f"{R}/lexicon/cue_candidates.csv",


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
        training=TRAINING,
        annotations=ANNOTATIONS,
        codebook=config["codebook"],
        codebook_extend=CODEBOOK_EXTEND,
        userdict=config["userdict"],
    output:
        model=f"{MODEL}/model.pkl",
        meta=f"{MODEL}/model.json",
        card=f"{MODEL}/model_card.md",
    params:
        model_dir=lambda w, output: os.path.dirname(output.model),
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
        docs=rules.ingest.output.docs,
        model=rules.train.output.model,
        codebook=config["codebook"],
        codebook_extend=CODEBOOK_EXTEND,
    output:  # the scores, and one tally per corpus-wide step that merges them (reportdiag.tally.PARTS)
        scores=f"{R}/work/classify/{{batch}}.jsonl",
        diagnose=f"{R}/work/tally/{{batch}}.diagnose.pkl",
        lexicon=f"{R}/work/tally/{{batch}}.lexicon.pkl",
        residual=f"{R}/work/tally/{{batch}}.residual.pkl",
        contexts=f"{R}/work/tally/{{batch}}.contexts.pkl",
    params:
        model_dir=lambda w, input: os.path.dirname(input.model),
        codebook_extend=config["codebook_extend"],
        high_confidence=config["lexicon"]["high_confidence"],
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
        parts=all_batches(rules.classify.output.diagnose),
        codebook=config["codebook"],
        codebook_extend=CODEBOOK_EXTEND,
    output:  # one CSV per table, named as the table (tables.build_tables)
        report_diagnosis=report(f"{R}/tables/report_diagnosis.csv", caption="report/report_diagnosis.rst", category="表格"),
        evidence=report(f"{R}/tables/evidence.csv", caption="report/evidence.rst", category="表格"),
        summary_by_category=report(f"{R}/tables/summary_by_category.csv", caption="report/summary_by_category.rst", category="表格"),
        summary_by_unit_type=report(f"{R}/tables/summary_by_unit_type.csv", caption="report/group_summary.rst", category="表格"),
        summary_by_year=report(f"{R}/tables/summary_by_year.csv", caption="report/group_summary.rst", category="表格"),
        summary_by_unit=report(f"{R}/tables/summary_by_unit.csv", caption="report/group_summary.rst", category="表格"),
        coding_matrix=report(f"{R}/tables/coding_matrix.csv", caption="report/coding_matrix.rst", category="表格"),
        recommendations=report(f"{R}/tables/recommendations.csv", caption="report/recommendations.rst", category="表格"),
        rejected=report(f"{R}/tables/rejected.csv", caption="report/rejected.rst", category="表格"),
        warnings=report(f"{R}/tables/warnings.csv", caption="report/rejected.rst", category="表格"),
    params:
        corpus=CORPUS,
        tables=lambda w, output: os.path.dirname(output.report_diagnosis),
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


rule residual:
    input:
        parts=all_batches(rules.classify.output.residual),
        status=all_batches(rules.ingest.output.status),
        codebook=config["codebook"],
        codebook_extend=CODEBOOK_EXTEND,
    output:
        themes=report(f"{R}/tables/residual_themes.csv", caption="report/residual_themes.rst", category="表格"),
        sentences=f"{R}/tables/residual_sentences.csv",
    params:
        codebook_extend=config["codebook_extend"],
        cfg=config["residual"],
    log:
        f"{R}/logs/residual.log",
    benchmark:
        f"{R}/benchmarks/residual.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/residual.py"


rule lexicon:
    input:
        parts=all_batches(rules.classify.output.lexicon),
        status=all_batches(rules.ingest.output.status),
        model_meta=rules.train.output.meta,
        training=TRAINING,
        annotations=ANNOTATIONS,
        codebook=config["codebook"],
        codebook_extend=CODEBOOK_EXTEND,
    output:
        diagnostics=f"{R}/lexicon/cue_diagnostics.csv",
        candidates=f"{R}/lexicon/cue_candidates.csv",
    params:
        codebook_extend=config["codebook_extend"],
        cfg=config["lexicon"],
    log:
        f"{R}/logs/lexicon.log",
    benchmark:
        f"{R}/benchmarks/lexicon.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/lexicon.py"


rule report:
    input:
        unpack(lambda w: dict(rules.diagnose.output.items())),
        residual_themes=rules.residual.output.themes,
        status=all_batches(rules.ingest.output.status),
        contexts=all_batches(rules.classify.output.contexts),
        codebook=config["codebook"],
        codebook_extend=CODEBOOK_EXTEND,
        columns="resources/columns.yaml",
        model=rules.train.output.model,
        model_meta=rules.train.output.meta,
        training=TRAINING,
        annotations=ANNOTATIONS,
        userdict=config["userdict"],
    output:
        workbook=report(f"{R}/diagnosis.xlsx", caption="report/workbook.rst", category="报告"),
        html=report(f"{R}/report.html", caption="report/html.rst", category="报告"),
        manifest=report(f"{R}/manifest.json", caption="report/manifest.rst", category="报告"),
        changes=report(f"{R}/tables/changes.csv", caption="report/changes.rst", category="表格"),
    params:
        tables=[*rules.diagnose.output.keys(), "residual_themes"],
        history=f"{R}/history",
        codebook_extend=config["codebook_extend"],
        segmenter=config["segmenter"],
        cfg=config,
    log:
        f"{R}/logs/report.log",
    benchmark:
        f"{R}/benchmarks/report.tsv"
    conda:
        "environment.yml"
    script:
        "scripts/rules/report.py"
