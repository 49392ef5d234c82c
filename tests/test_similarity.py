"""The word-level pieces of matching read every script fal's users write in."""

from __future__ import annotations

from typing import Any

import pytest

from bot.diagnosis import load_knowledge
from bot.diagnosis.similarity import _TERM, _WORD, Bm25, TextIndex, Words, terms


def test_accented_words_stay_whole() -> None:
    assert "configuración" in terms("la clave no tiene configuración")
    assert "schlüssel" in terms("API-Schlüssel fehlt")


def test_keys_ids_and_hashes_are_no_words() -> None:
    # a pasted key or request id names one thing: sharing it with an example says nothing
    assert terms("key 6f1c2d3e-1111:0123456789abcdef0123456789abcdef, job a1b2c3d4e5 failed") == [
        "key",
        "job",
        "fail",
    ]
    assert "h264" in terms("h264 video") and "decade" in terms("a decade")  # words stay words


def test_cjk_runs_become_character_pairs() -> None:
    assert terms("未配置密钥") == ["未配", "配置", "置密", "密钥"]
    assert "api" in terms("APIキーが設定されていません") and "設定" in terms("APIキーが設定されていません")


def test_a_chinese_symptom_is_found_in_other_phrasing() -> None:
    # the stored text and the paste share words only as character pairs
    documents = [terms("账户余额不足，无法生成图片"), terms("请求超时，队列一直在等待")]
    scores = Bm25(documents).scores(terms("生成失败：余额不足"))
    assert scores and max(scores, key=scores.__getitem__) == 0
    index = TextIndex(["账户余额不足 无法生成图片", "请求超时 队列一直在等待"])
    assert index.candidates("fal 余额不足")[0] == 0


def test_function_words_of_other_languages_make_no_resemblance() -> None:
    """Two short Spanish reports of different problems share "con", "la", "que", "de": that is no
    likeness (it made a network symptom outrank an invalid key said in words, see test_verdicts)."""
    from bot.diagnosis.normalize import fuzz_text

    assert fuzz_text("Con fal.ai me sale que la clave de API es inválida") == "fal.ai sale clave api inválida"
    # negations stay: "não está configurada" is what a missing key is
    assert fuzz_text("a chave não está configurada no servidor") == "a chave não está configurada no servidor"
    assert fuzz_text("la clé n'est pas valide pour le modèle") == "clé n'est pas valide modèle"
    # English words stay, even where the Spanish ones go: "no" and "die" mean something there
    assert fuzz_text("the worker did die: no images, la la") == "the worker did die: no images"


def test_try_again_later_and_polite_endings_in_other_languages_are_no_words() -> None:
    # every service's message ends with them: two texts sharing only those are not alike
    for boilerplate in (
        "请稍后再试",
        "しばらくしてから再度お試しください",
        "잠시 후 다시 시도해 주세요",
        "inténtalo más tarde",
    ):
        assert terms(boilerplate) == [], boilerplate
    assert terms("API密钥无效，请稍后再试") == terms("API密钥无效")
    assert terms("연결이 끊겼습니다") == ["연결", "결이", "끊겼", "겼습"]
    assert "無効" in terms("APIキーが無効です。しばらくしてから再度お試しください")


def test_katakana_words_keep_their_long_vowel_mark() -> None:
    # ー is in Unicode's Common script, not Katakana: without it "ダッシュボード" broke into two runs
    # and "サーバー" (server) into single characters, so no pair of them could match
    assert {"ボー", "ード"} <= set(terms("fal.ai ダッシュボードで確認"))
    assert terms("サーバー") == ["サー", "ーバ", "バー"]
    index = TextIndex(["サーバーエラーが発生しました", "キーが無効です"])
    assert index.candidates("fal サーバーエラー")[0] == 0


def test_where_an_error_happened_is_no_word() -> None:
    # PowerShell's "char:9", a traceback's "line 12": positions, not what went wrong. "char" made a
    # CrowdStrike PSFalcon 401 fit the entry about control characters in a fal key.
    assert "char" not in terms(r"At C:\Modules\PSFalcon\Private\Private.ps1:687 char:9 + Write-Result")
    assert terms('File "app.py", line 12, in main') == ["file", "app", "main"]
    assert "line" in terms("the key has a trailing line break")  # the word itself stays
    documents = [terms("invisible control char (ESC) inside FAL_KEY"), terms("Bearer token sent to fal")]
    assert not Bm25(documents).scores(terms("Write-Result ... Private.ps1:687 char:9"))


def test_texts_tied_at_the_shortlists_end_all_stay() -> None:
    # the two texts sharing "quota" with the query tie; cutting between them would keep one only
    # because it comes first in the knowledge base, and any new text could change which
    texts = ["monthly quota reached", "quota exceeded for this key", "gateway timeout"]
    index = TextIndex(texts, shortlist=1)
    assert sorted(index.candidates("quota")) == [0, 1]
    assert index.candidates("gateway") == [2]


@pytest.mark.parametrize("words", [_WORD, _TERM], ids=["fuzzy words", "terms"])
def test_ascii_words_are_the_patterns_words(words: Words, eval_items: list[dict[str, Any]]) -> None:
    """ASCII text is split without RE2 (a call per word cost a short paste ~60 calls); what comes
    out is what the pattern finds, on every stored and evaluation text and on crafted runs of
    digits, underscores and letters."""
    from bot.diagnosis.normalize import fuzz_text, normalize

    texts = [x.text for e in load_knowledge() for x in (*e.examples, *e.not_examples, *e.symptoms)]
    texts += [item["text"] for item in eval_items]
    texts += ["1ab2cd 12ab _a_b __ 9 a9 ab Ab ABC a-b_c 0x1f 123456 x_1 _ é", "\tA1_b2\nC3 d 4e5f6 _9z"]
    checked = 0
    for text in texts:
        for variant in (text, text.lower(), fuzz_text(normalize(text))):
            if variant.isascii():
                assert words.findall(variant) == words.regex.findall(variant), variant[:80]
                checked += 1
    assert checked > 1000
