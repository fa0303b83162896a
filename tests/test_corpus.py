from reportdiag.corpus import (batch_of, batches, default_report_id, list_corpus, metadata_from_name,
                               metadata_warnings, read_metadata, resolve_metadata)


def test_batches_are_stable_when_files_are_added():
    files = [f"dir/report_{i}.txt" for i in range(300)]
    before = batches(files, 16)
    after = batches(files + ["dir/new one 新报告.docx"], 16)
    changed = [b for b in before if before[b] != after[b]]
    assert changed == [batch_of("dir/new one 新报告.docx", 16)]
    assert sum(len(v) for v in before.values()) == 300


def test_report_id_is_stable_and_distinct():
    assert default_report_id("a/2023_国企_述职 报告.v2.docx") == default_report_id("a/2023_国企_述职 报告.v2.docx")
    assert default_report_id("a/x.txt") != default_report_id("b/x.txt")
    assert default_report_id("a/2023_国企_述职 报告.v2.docx").startswith("2023_国企_述职_报告_v2-")


def test_metadata_from_file_name():
    m = metadata_from_name("2023_国企_述职_华宇能源第三党支部.docx")
    assert (m["year"], m["unit_type"], m["genre"], m["unit"]) == (2023, "国企", "述职", "华宇能源第三党支部")
    assert metadata_from_name("无年份报告.txt")["year"] is None


def test_list_corpus_skips_hidden_and_metadata(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    for p in ["a.txt", "sub/b c.docx", ".hidden.txt", ".git/x.txt", "metadata.csv"]:
        (tmp_path / p).write_text("x")
    assert list_corpus(tmp_path) == ["a.txt", "sub/b c.docx"]


def test_metadata_rows_and_warnings(tmp_path):
    (tmp_path / "metadata.csv").write_text(
        "file,report_id,unit,unit_type,year,genre,title\n"
        "a.txt,R1,甲单位,机关,2022,总结,甲\nmissing.txt,R2,乙,机关,2023,总结,乙\nc.txt,R1,丙,学校,二〇二三,述职,丙\n",
        encoding="utf-8-sig")
    rows = read_metadata(tmp_path)
    meta, warns = resolve_metadata("c.txt", rows["c.txt"])
    assert meta["unit"] == "丙" and meta["year"] is None and warns[0][0] == "bad_year"
    codes = sorted(w["code"] for w in metadata_warnings(["a.txt", "b.txt", "c.txt"], rows))
    assert codes == ["bad_year", "duplicate_report_id", "missing_file", "no_metadata_row"]


def test_odd_file_names_are_listed_readably_and_map_back_to_disk(tmp_path):
    import os
    import unicodedata

    from reportdiag.corpus import corpus_paths, name_warnings

    nfc = "Résumé 述职.v1.2.txt"
    nfd = unicodedata.normalize("NFD", nfc)
    gbk = os.fsdecode("党建 报告.txt".encode("gb18030"))      # as unzip leaves a Chinese Windows name
    junk = os.fsdecode(b"\xff\xfe\xfd.txt")                  # not UTF-8, not GB18030 either
    for name in [nfd, gbk, junk, "党建 报告.txt"]:            # the last one collides with the GBK name
        (tmp_path / name).write_text("x")
    paths = corpus_paths(tmp_path)
    assert all(k.encode("utf-8") for k in paths)               # every table name is valid UTF-8
    assert paths[nfc] == nfd
    assert sorted(paths.values()) == sorted([nfd, gbk, junk, "党建 报告.txt"])  # nothing dropped
    assert paths["党建 报告.txt"] in {gbk, "党建 报告.txt"} and len(paths) == 4
    assert all((tmp_path / disk).exists() for disk in paths.values())
    codes = {w["file"]: w["code"] for w in name_warnings(tmp_path)}
    assert nfc in codes and set(codes.values()) == {"file_name_encoding"}
    assert list_corpus(tmp_path) == sorted(paths)
