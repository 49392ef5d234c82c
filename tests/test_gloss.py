"""Words of other languages read as English concepts (bot/diagnosis/gloss.py): the word fit and the
families two concepts name together, so a paste in Spanish or Korean is read without a cue written
for its exact phrasing. Texts written for these tests."""

from __future__ import annotations

import pytest

from bot.diagnosis import CATEGORIES, Diagnoser, load_knowledge
from bot.diagnosis.gloss import _CONCEPT_PAIRS, _CONCEPTS, _STEMS, concept_categories, concepts
from bot.diagnosis.similarity import terms


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser(load_knowledge())


def families(text: str) -> list[str]:
    return concept_categories(concepts(terms(text), text))


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("la clave de API no está configurada", "missing_key"),
        ("ключ API недействителен", "invalid_key"),
        ("余额不足，请充值", "billing"),
        ("Konto gesperrt, Guthaben aufgebraucht", "billing"),
        ("이미지가 검은색으로 나옵니다", "content_policy"),
        ("la cola lleva 20 minutos atascada", "queue_timeout"),
        ("Modelo no encontrado", "model_not_found"),
        ("o arquivo é grande demais para o upload", "file_url"),
        ("顔が検出されませんでした", "validation"),
        ("モジュールが見つかりません", "client_setup"),
        ("la clave de API fue rechazada", "invalid_key"),
        ("API 密钥被拒绝", "invalid_key"),
        ("el token no tiene permisos: la clave es de otro proyecto", "invalid_key"),
        ("图片上传失败，请重试", "file_url"),
        ("Hochladen fehlgeschlagen", "file_url"),
        ("falha ao baixar o arquivo", "file_url"),
        ("No se pudo extraer la URL del resultado", "output_format"),
        ("结果解析失败", "output_format"),
    ],
)
def test_two_concepts_in_another_language_name_a_family(text: str, family: str) -> None:
    assert family in families(text)


@pytest.mark.parametrize(
    "text",
    [
        # English words that begin like another language's stems
        "internet connection lost while the installation of versions ran",
        "the video format is limited for political content, see the response",
        "modelling indirect prohibited configuration on colab",
        "Error: Request failed with status code 429",
        # ... and like the stems for "rejected" and "failed"
        "a fallible reddened recusal: refuse the gaga fallback, it fails",
        "the extraordinary parser extracted extra results",
    ],
)
def test_english_text_names_no_concept(text: str) -> None:
    assert concepts(terms(text), text) == []


def test_the_glossary_is_well_formed() -> None:
    english = {concept for concept, _stems, _words in _CONCEPTS}
    assert all(len(stem) >= 4 and stem == stem.lower() for stem in _STEMS)
    for category, groups in _CONCEPT_PAIRS:
        assert category in CATEGORIES
        assert all(group <= english for group in groups)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fal: modelo no encontrado, aunque el ID es correcto", "model_not_found"),
        ("fal.ai: a fila está travada há 25 minutos, nada acontece", "queue_timeout"),
        ("fal.ai로 생성한 이미지가 전부 검은색으로 나옵니다", "content_policy"),
        ("Ошибка fal: ключ API недействителен", "invalid_key"),
        ("fal.ai: el archivo es demasiado grande para subirlo", "file_url"),
        ("fal.ai: modül bulunamadı, paket yüklü değil", "client_setup"),
        ("fal.ai: la clave no tiene permisos suficientes para este modelo", "invalid_key"),
        ("fal.ai: ключ отклонён сервером", "invalid_key"),
        ("fal.ai: Hochladen der Referenzdatei fehlgeschlagen", "file_url"),
        ("fal.ai: не удалось извлечь видео из результата", "output_format"),
    ],
)
def test_a_problem_said_in_another_language_is_answered(
    diagnoser: Diagnoser, text: str, expected: str
) -> None:
    best = diagnoser.diagnose(text).best
    assert best is not None and best.category == expected
    assert best.score < 80  # words alone never make a confident answer
