from pathlib import Path

import pytest

from knowledge.dictionaries import read_details, read_synonyms, read_word_list


def test_word_list_skips_blanks_and_comments(tmp_path: Path):
    f = tmp_path / "places.txt"
    f.write_text("# 区外地名\n黄岛  胶州\n\n  # 缩进的注释\n即墨\n", encoding="utf-8")
    assert read_word_list(f) == ["黄岛", "胶州", "即墨"]


def test_a_missing_dictionary_is_empty(tmp_path: Path):
    missing = tmp_path / "none.txt"
    assert read_word_list(missing) == [] and read_details(missing) == {} and read_synonyms(missing) == {}


def test_synonyms_map_everyday_words_to_official_terms(tmp_path: Path):
    f = tmp_path / "synonyms.txt"
    f.write_text("奖补: 补贴 补助\n政策兑现: 补贴\n", encoding="utf-8")
    assert read_synonyms(f) == {"补贴": ["奖补", "政策兑现"], "补助": ["奖补"]}


def test_details_split_asking_and_evidence_words(tmp_path: Path):
    f = tmp_path / "detail_terms.txt"
    f.write_text("# 格式\n电话: 电话 热线 | 电话 12345\n", encoding="utf-8")
    assert read_details(f) == {"电话": {"ask": ["电话", "热线"], "evidence": ["电话", "12345"]}}


@pytest.mark.parametrize("reader, line", [(read_synonyms, "奖补 补贴"), (read_synonyms, "奖补:"),
                                          (read_details, "电话: 电话 热线"), (read_details, "电话: | 12345")])
def test_bad_lines_are_named_with_file_and_line(tmp_path: Path, reader, line):
    f = tmp_path / "dict.txt"
    f.write_text(f"# 注释\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"{f}:2: expected"):
        reader(f)
