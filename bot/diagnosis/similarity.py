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

_WORD = linear_re.compile(r"[a-z0-9_]{2,}")
COMMON_SHARE = 0.3
"""Words in more than this share of the stored texts are too common to pick candidates by."""


class TextIndex:
    """Stored texts (already reduced by `fuzz_text`), scored against a query with a shortlist."""

    def __init__(self, texts: list[str], shortlist: int = 32):
        self.texts = texts
        self.shortlist = shortlist
        self.postings: dict[str, list[int]] = defaultdict(list)
        for index, text in enumerate(texts):
            for word in set(_WORD.findall(text)):
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
        for word in set(_WORD.findall(query)):
            weight = self.weights.get(word)
            if weight is not None:
                for index in self.postings[word]:
                    shared[index] += weight
        if len(shared) <= self.shortlist:
            return list(shared)
        return heapq.nlargest(self.shortlist, shared, key=shared.__getitem__)

    def scores(self, query: str, cutoff: float = 0.0) -> list[tuple[int, float]]:
        """(index, token_set_ratio) for the shortlisted texts scoring at least `cutoff`."""
        results = []
        for index in self.candidates(query):
            similarity = fuzz.token_set_ratio(query, self.texts[index], score_cutoff=cutoff)
            if similarity:
                results.append((index, similarity))
        return results
