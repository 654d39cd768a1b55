"""Tokenisation shared by indexing and querying (index/text.py)."""

from index import text as tx


def test_words_follow_a_dictionary_loaded_after_they_were_cut(tmp_path):
    """Cut texts are cached; a user dictionary loaded later (a new index version's terms) must still split
    them its way, or the question and the passages would disagree about their words."""
    text = "我们想问问氪晶钛镁合金补贴"
    before = tx.words(text)
    assert "氪晶钛镁合金" not in before
    d = tmp_path / "terms.txt"
    d.write_text("氪晶钛镁合金 100000 n\n", encoding="utf-8")
    tx.load_user_dict(d)
    assert "氪晶钛镁合金" in tx.words(text)


def test_words_returns_a_list_of_its_own():
    first = tx.words("企业开办一天能办完吗")
    first.append("改动")
    assert "改动" not in tx.words("企业开办一天能办完吗")
