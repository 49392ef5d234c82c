"""Fuzzy similarity of a paste to many stored texts, fast enough to run on every message.

rapidfuzz's `token_set_ratio` is the judge, but scoring every stored example costs about a
millisecond per paste. A token index picks a shortlist first (stored texts sharing the rarest
words with the paste); only those are scored. Texts that share no informative word with the paste
would score low anyway.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict

from rapidfuzz import fuzz

from bot import linear_re


class Words:
    """A word pattern for tokenising: RE2 on any text, and for ASCII text (most pastes) the same
    words without a call into RE2 per word (a short paste has dozens): every character the words
    cannot hold becomes a space, `str.split` finds the runs, and a run's word is the run without
    its leading `lead_skip` characters, kept when at least `shortest` long. Which is the pattern's
    own reading of a run: a word starts at the first character that may begin one and takes the
    rest of the run (tests/test_similarity.py compares both on every knowledge-base text)."""

    def __init__(self, pattern: str, word_chars: str, shortest: int, lead_skip: str = ""):
        self.regex = linear_re.compile(pattern)
        self.gaps = str.maketrans({chr(c): " " for c in range(128) if chr(c) not in word_chars})
        self.shortest = shortest
        self.lead_skip = lead_skip

    def findall(self, text: str) -> list[str]:
        if not text.isascii():
            found: list[str] = self.regex.findall(text)
            return found
        runs = text.translate(self.gaps).split()
        if self.lead_skip:
            runs = [run.lstrip(self.lead_skip) for run in runs]
        return [run for run in runs if len(run) >= self.shortest]


_LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789_"
_WORD = Words(r"[a-z0-9_]{2,}", _LOWER_ALNUM, 2)
# Chinese and Japanese write no spaces between words, and Korean words take endings: a run of those
# scripts is read as its overlapping character pairs, which match across phrasings as words do. The
# long-vowel mark ー (in Unicode's Common script, not Katakana) belongs to the katakana word around it:
# without it "ダッシュボード" (dashboard) fell apart into "ダッシュボ" and "ド".
_CJK = linear_re.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\x{30FC}\x{FF70}]+")


def _words(text: str, words: Words) -> list[str]:
    """The pattern's words, then each run of CJK script as its character pairs (none in ASCII text)."""
    found = words.findall(text)
    if not text.isascii():
        for run in _CJK.findall(text):
            found.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return found


COMMON_SHARE = 0.3
"""Words in more than this share of the stored texts are too common to pick candidates by."""


class TextIndex:
    """Stored texts (already reduced by `fuzz_text`), scored against a query with a shortlist."""

    def __init__(self, texts: list[str], shortlist: int = 32):
        self.texts = texts
        self.shortlist = shortlist
        self.postings: dict[str, list[int]] = defaultdict(list)
        for index, text in enumerate(texts):
            for word in set(_words(text, _WORD)):
                self.postings[word].append(index)
        count = max(1, len(texts))
        self.weights = {
            word: math.log(1.0 + count / len(ids))
            for word, ids in self.postings.items()
            if len(ids) <= max(2, COMMON_SHARE * count)
        }

    def __len__(self) -> int:
        return len(self.texts)

    def candidates(self, query: str) -> list[int]:
        """Stored texts sharing the most informative words with the query, best first."""
        shared: dict[int, float] = defaultdict(float)
        # in a fixed order: set order changes with each process's hash seed, and so would the sums'
        # last bits and which of two tied texts makes the shortlist, so the same paste could get
        # another answer after a restart
        for word in sorted(set(_words(query, _WORD))):
            weight = self.weights.get(word)
            if weight is not None:
                for index in self.postings[word]:
                    shared[index] += weight
        if len(shared) <= self.shortlist:
            return list(shared)
        best = heapq.nlargest(self.shortlist, shared, key=shared.__getitem__)
        # Texts sharing exactly the same words with the query tie; a cut through them would keep some
        # by their place in the knowledge base, so a new entry elsewhere could push out the one that
        # fits best. The whole tie stays in (within twice the shortlist).
        cutoff = shared[best[-1]]
        chosen = set(best)
        ties = [index for index in shared if shared[index] == cutoff and index not in chosen]
        return best + ties[: self.shortlist]

    def scores(self, query: str, cutoff: float = 0.0) -> list[tuple[int, float]]:
        """(index, token_set_ratio) for the shortlisted texts scoring at least `cutoff`."""
        results = []
        for index in self.candidates(query):
            similarity = fuzz.token_set_ratio(query, self.texts[index], score_cutoff=cutoff)
            if similarity:
                results.append((index, similarity))
        return results


# words of the alphabetic scripts (accents included: "configuración" is one word), or a CJK run
_TERM = Words(
    r"[\p{Latin}\p{Cyrillic}\p{Greek}][\p{Latin}\p{Cyrillic}\p{Greek}\pN_]{2,}",
    _LOWER_ALNUM + _LOWER_ALNUM[:26].upper(),
    3,
    lead_skip="0123456789_",
)
# Function words and words every error carries: they say nothing about which problem it is.
_STOP_TEXT = """
    the and for with from that this your you are was were has have had not but can could would should
    get got getting when what which while into out our they them their there then than its it's just
    also any all some been being does did don't doesn't i'm using use used error errors request
    please try again fix later see more information details message
    """
# Korean and Japanese polite endings, read as character pairs (see `_words`): every sentence of those
# languages ends with them, so two texts sharing only "...습니다" or "...ください" are not alike.
_STOP_ENDINGS = "습니 니다 합니 됩니 세요 주세 です ます ませ せん まし した くだ ださ さい"
_STOP = frozenset(_STOP_TEXT.split()) | frozenset(_STOP_ENDINGS.split())


# "Please try again later" in the other languages fal's users write in: every service's error page and
# app message ends with it, so it says nothing about which problem it is. Left in, its character pairs
# (rare in the knowledge base, so weighty) made two texts sharing only "しばらくしてから再度お試しください"
# or "请稍后再试" fit each other best (the English words are stop words already).
_RETRY_LATER = linear_re.compile(
    r"请?稍后(?:再试|重试)(?:一次)?|請?稍後(?:再試|重試)(?:一次)?|请重试|請重試"
    r"|(?:しばらく|時間を)(?:時間を)?(?:おいて|置いて|して)から(?:もう一度|再度)?(?:お試し|実行し|アクセスし)"
    r"(?:ください|て下さい)"
    r"|(?:後で|あとで)?(?:もう一度|再度)(?:お試し|実行し)(?:ください|て下さい)"
    r"|(?:잠시 후|나중에) ?다시 시도(?:해 ?주(?:세요|십시오)|하(?:세요|십시오))?"
    r"|다시 시도해 ?주(?:세요|십시오)"
    r"|(?:por favor,? )?(?:int[ée]ntalo|intente|vuelv[ae] a intentarlo)(?: de nuevo| nuevamente)?"
    r"(?: m[áa]s tarde)?"
    r"|(?:por favor,? )?tente (?:novamente|de novo)(?: mais tarde)?"
    r"|(?:veuillez |merci de )?r[ée]essaye[rz](?: plus tard)?"
    r"|(?:bitte )?versuchen sie es (?:sp[äa]ter )?(?:erneut|noch einmal)(?: sp[äa]ter)?"
    r"|riprova(?:re)? pi[ùu] tardi|попробуйте (?:ещ[её] раз )?позже|повторите попытку позже"
    r"|(?:silakan )?coba lagi nanti|daha sonra tekrar deneyin"
)


def without_retry_later(lowered: str) -> str:
    """A lower-cased text without the "try again later" boilerplate of other languages."""
    if lowered.isascii():
        return lowered
    return _RETRY_LATER.sub(" ", lowered)


_HEX = frozenset("0123456789abcdef")


def _is_identifier(word: str) -> bool:
    """A hex run with digits in it (a key, request id or hash): it names one thing, never a problem."""
    return len(word) >= 6 and any(c.isdigit() for c in word) and set(word) <= _HEX


# Where an error happened, not what it is: "char:9" in PowerShell's "At C:\\...\\x.ps1:687 char:9",
# "line 12" in a Python traceback, "col 5". Left in, a PowerShell error "fit" the entry about control
# characters in a key through its word "char".
_POSITION = linear_re.compile(r"\b(?:char|line|col|column)\s*[:=]?\s*\d+")


def terms(text: str) -> list[str]:
    """Lower-case words of three letters or more, light plural/verb endings stripped."""
    out = []
    for word in _words(_POSITION.sub(" ", without_retry_later(text.lower())), _TERM):
        if word in _STOP or _is_identifier(word):
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if len(word) > len(suffix) + 3 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


class Bm25:
    """Okapi BM25 over one document per entry (its title, summary, examples and symptoms): how
    well a paste's words, prose included, fit each entry, even in phrasing no example has."""

    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = [len(doc) for doc in documents]
        self.average = (sum(self.lengths) / len(documents)) if documents else 1.0
        for index, doc in enumerate(documents):
            counts: dict[str, int] = defaultdict(int)
            for term in doc:
                counts[term] += 1
            for term, count in counts.items():
                self.postings[term].append((index, count))
        total = max(1, len(documents))
        self.idf = {
            term: math.log(1.0 + (total - len(hits) + 0.5) / (len(hits) + 0.5))
            for term, hits in self.postings.items()
        }

    def scores(self, query_terms: list[str]) -> dict[int, float]:
        result: dict[int, float] = defaultdict(float)
        for term in sorted(set(query_terms)):  # a fixed order, as in TextIndex.candidates
            hits = self.postings.get(term)
            if not hits:
                continue
            idf = self.idf[term]
            for index, count in hits:
                norm = self.k1 * (1.0 - self.b + self.b * self.lengths[index] / self.average)
                result[index] += idf * count * (self.k1 + 1.0) / (count + norm)
        return result
