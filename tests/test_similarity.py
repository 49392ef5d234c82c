"""The word-level pieces of matching read every script fal's users write in."""

from __future__ import annotations

from bot.diagnosis.similarity import Bm25, TextIndex, terms


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
