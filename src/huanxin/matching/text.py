"""Chinese text similarity for the score: jieba tokens, Okapi BM25 weights over the product catalogue,
normalised to 0–1 per demand (the sum of the demand's token weights in a product, over the most those
tokens could weigh). Written from the formula (Robertson & Zaragoza, "The Probabilistic Relevance
Framework: BM25 and Beyond", 2009): idf = ln(1 + (N − n + 0.5)/(n + 0.5)), weight = idf · tf(k1+1) /
(tf + k1(1 − b + b·len/avglen)).

Tokens: the Chinese runs of a text go through jieba's search mode (long words and their dictionary
sub-words, so 三相异步电动机 shares 电动机 with 电动机); Latin letters and digits stay whole ("ye4",
"55kw", "cpd30"). A catalogue repeats its Chinese phrases, so runs are cached."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

K1, B = 1.2, 0.75
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9][a-z0-9.\-/]*")
_STOP = frozenset(["的", "及", "和", "与", "用", "于", "等", "台", "套", "个", "型", "式", "为", "需", "要", "求",
                   "一", "二", "两", "以上", "以下", "更新", "采购", "需求", "设备"])


@lru_cache(maxsize=1)
def _jieba(extra_words: tuple[str, ...]) -> object:
    import jieba  # type: ignore[import-untyped]

    jieba.setLogLevel(logging.WARNING)
    for word in extra_words:  # the taxonomy's words stay whole
        jieba.add_word(word, freq=20000)
    return jieba


def prepare(words: Iterable[str]) -> None:
    """Load jieba once with the taxonomy's words (about a second; later calls are free)."""
    _jieba(tuple(sorted(words)))


@lru_cache(maxsize=200_000)
def _chinese(run: str) -> tuple[str, ...]:
    jieba = _jieba(())
    return tuple(word for word in jieba.cut_for_search(run, HMM=False)  # type: ignore[attr-defined]
                 if word not in _STOP)


def tokens(text: str) -> list[str]:
    found: list[str] = []
    text = text.lower().replace("千瓦", "kw").replace("千伏安", "kva")  # one spelling of the units
    for run in _RUNS.findall(text):
        if "\u4e00" <= run[0] <= "\u9fff":
            found.extend(_chinese(run))
        else:
            found.append(run.strip(".-/"))
    return [token for token in found if token]


@dataclass
class TextIndex:
    """BM25 postings of a catalogue: per token the products holding it and their weights."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    postings: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]
    size: int

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> TextIndex:
        counts = [Counter(doc) for doc in documents]
        lengths = np.array([len(doc) for doc in documents], dtype=np.float64)
        average = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        norm: npt.NDArray[np.float64]
        norm = K1 * (1 - B + B * lengths / average)
        rows: dict[str, list[int]] = {}
        tfs: dict[str, list[int]] = {}
        for position, counter in enumerate(counts):
            for token, tf in counter.items():
                rows.setdefault(token, []).append(position)
                tfs.setdefault(token, []).append(tf)
        vocabulary = {token: number for number, token in enumerate(rows)}
        size = len(documents)
        idf = np.array([math.log(1 + (size - len(rows[t]) + 0.5) / (len(rows[t]) + 0.5)) for t in rows])
        postings = []
        for token, number in vocabulary.items():
            where = np.array(rows[token], dtype=np.int64)
            counts_of = np.array(tfs[token], dtype=np.float64)
            weight = idf[number] * counts_of * (K1 + 1) / (counts_of + norm[where])
            postings.append((where, weight.astype(np.float32)))
        return cls(vocabulary, idf, postings, size)

    def query(self, words: Iterable[str]) -> tuple[list[int], float]:
        """The demand's known tokens (once each) and the most they could weigh together."""
        known = sorted({self.vocabulary[word] for word in words if word in self.vocabulary})
        return known, float(sum(self.idf[number] for number in known) * (K1 + 1))

    def similarity_all(self, words: Iterable[str]) -> npt.NDArray[np.float32]:
        """0–1 similarity of the demand's tokens with every product of the catalogue."""
        known, most = self.query(words)
        scores = np.zeros(self.size, dtype=np.float32)
        for number in known:
            where, weight = self.postings[number]
            scores[where] += weight
        if most > 0:
            scores /= np.float32(most)
        return scores

    def similarity(self, words: Iterable[str], product: int) -> float:
        return float(self.similarity_all(words)[product])
