"""Copies in the corpus: the same URL, or near-identical text, found without comparing all pairs.

Pure; no I/O. `check` (through `parallax.lint`) and `import` share this: each text is
normalised (rapidfuzz's processor: lower case, no punctuation) and reduced to a bottom-k
MinHash sketch of its word 4-grams. Only texts that share a sketch value, and whose dates lie
within a few days of each other, are scored with `fuzz.ratio`, so the cost grows with the
corpus, not with its square.

A sketch value found in texts of many different days (`COMMON_DAYS`) is an outlet's
boilerplate or a stock phrase, not a sign of copying, and does not make two texts
candidates: in a 100k-article corpus one such value sat in two thirds of all sketches and
made 15 million candidate pairs, none of them a copy (#9). Copies are published within
days of each other, so a copied text's own values never reach that many days. The cost: two
copies whose sketches share only common values (a short text whose smallest shingles are
all boilerplate) are not found.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process, utils

from parallax.domains import normal_url
from parallax.model import Article

DUPLICATE_WINDOW_DAYS = 2  # copies of one article are published within days of each other
DUPLICATE_SCORE = 90.0  # fuzz.ratio of the normalised texts at or above which two are copies
DUPLICATE_MIN_WORDS = 20  # shorter texts ("Developing story.") are alike without being copies
SHINGLE_WORDS = 4
# Up to this many new texts are looked up one by one in an index of all; more are paired by
# walking the date window over all texts, like a clean build.
FEW_NEW = 100
SKETCH_SIZE = 8  # the smallest shingle hashes kept per text (a bottom-k MinHash sketch)
# A sketch value held by texts of more distinct days than this is common: see the docstring.
COMMON_DAYS = 30


@dataclass(frozen=True, slots=True)
class Text:
    """A text to compare: who published it, when, and its normalised words and sketch."""

    key: str  # an article id, or a label for a text being imported
    path: str  # where a message should point: the content file
    source: str | None
    syndicated_from: str | None
    published: dt.date | None
    words: str  # normalised, single spaces
    sketch: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """An earlier text that a new one copies, and how similar they are (0-100)."""

    text: Text
    score: float


def make_text(
    key: str, path: str, fields: tuple[str | None, str | None, dt.date | None], body: str
) -> Text | None:
    """A comparable text from (source, syndicated_from, published) and title plus body;
    None when it is too short to call a copy."""
    words = utils.default_process(body).split()
    if len(words) < DUPLICATE_MIN_WORDS:
        return None
    return Text(key, path, *fields, " ".join(words), _sketch(words))


_MIX = np.uint64(0x9E3779B97F4A7C15)  # an odd 64-bit multiplier: shingle hashes spread evenly


def _sketch(words: list[str]) -> tuple[int, ...]:
    """The SKETCH_SIZE smallest distinct hashes of the word 4-grams (`shingles`). They are
    made distinct as `np.unique` would, which on its first call imports numpy.ma: 0.012 s of
    a build with one article added, where nothing else needs it (#9)."""
    grams = shingles(words)
    grams.sort()
    first = np.ones(len(grams), dtype=bool)  # where a value first appears, in order
    np.not_equal(grams[1:], grams[:-1], out=first[1:])
    return tuple(grams[first][:SKETCH_SIZE].tolist())


def shingles(words: list[str]) -> np.ndarray:
    """The hash of each word 4-gram, in order: each word's crc32 (not hash(): Python salts
    string hashes per process, and output must not vary), combined in order by
    multiply-and-add and scrambled (MurmurHash3's finaliser), in numpy. Hashing each joined
    4-gram in Python took two thirds of lint at 10k articles (#9)."""
    hashes = np.fromiter((zlib.crc32(w.encode()) for w in words), np.uint64, len(words))
    count = len(words) - SHINGLE_WORDS + 1
    grams = hashes[:count].copy()
    for offset in range(1, SHINGLE_WORDS):
        grams *= _MIX
        grams += hashes[offset : offset + count]
    grams ^= grams >> np.uint64(33)
    grams *= np.uint64(0xFF51AFD7ED558CCD)
    grams ^= grams >> np.uint64(33)
    return grams


def article_text(article: Article) -> Text | None:
    """The comparable text of a loaded article: its title and body."""
    fields = (article.source, article.syndicated_from, article.published)
    return make_text(article.id, article.path, fields, f"{article.title} {article.body}")


def is_declared_copy(a: Text, b: Text) -> bool:
    """A copy declared with `syndicated_from` is expected, not a mistake."""
    return (
        (a.syndicated_from is not None and a.syndicated_from == b.source)
        or (b.syndicated_from is not None and b.syndicated_from == a.source)
        or (a.syndicated_from is not None and a.syndicated_from == b.syndicated_from)
    )


def _within_window(a: Text, b: Text) -> bool:
    if a.published is None or b.published is None:
        return True  # an undated text being imported is compared whatever its date
    return abs(a.published - b.published) <= dt.timedelta(days=DUPLICATE_WINDOW_DAYS)


def _score(a: Text, b: Text) -> float:
    return fuzz.ratio(a.words, b.words, processor=None, score_cutoff=DUPLICATE_SCORE)


def common_values(texts: Iterable[Text]) -> frozenset[int]:
    """The sketch values held by texts of more than COMMON_DAYS distinct days."""
    days: defaultdict[int, set[dt.date]] = defaultdict(set)
    for text in texts:
        if text.published is not None:
            for value in text.sketch:
                days[value].add(text.published)
    return frozenset(value for value, seen in days.items() if len(seen) > COMMON_DAYS)


def is_candidate(a: Text, b: Text, common: frozenset[int]) -> bool:
    """Whether two texts share a sketch value that is not common, within the date window:
    what makes `copy_pairs` score them."""
    return not set(a.sketch).intersection(b.sketch) <= common and _within_window(a, b)


class TextIndex:
    """Texts by sketch value and articles by URL, for finding what a new text copies."""

    def __init__(self) -> None:
        self._holders: defaultdict[int, list[Text]] = defaultdict(list)
        self._days: defaultdict[int, set[dt.date]] = defaultdict(set)  # see `common_values`
        self._urls: dict[str, str] = {}

    def add(self, text: Text | None, url: str | None = None, path: str = "") -> None:
        """Remember a text (when long enough) and the URL of its file (when known)."""
        if url:
            self._urls.setdefault(normal_url(url), text.path if text else path)
        if text is not None:
            for value in text.sketch:
                self._holders[value].append(text)
                if text.published is not None:
                    self._days[value].add(text.published)

    def path_of_url(self, url: str) -> str | None:
        """The file that already has this URL, or None."""
        return self._urls.get(normal_url(url))

    def _is_common(self, value: int, text: Text) -> bool:
        """Whether `value` is common among the indexed texts and `text`: `import` looks a text
        up before adding it, and counting its day too gives the answer `check` gives."""
        days = self._days.get(value, set())
        own = text.published is not None and text.published not in days
        return len(days) + own > COMMON_DAYS

    def candidates(self, text: Text) -> list[Text]:
        """The other indexed texts that share a sketch value with `text` within the window,
        unless the value is common (`_is_common`)."""
        seen: dict[str, Text] = {}
        for value in text.sketch:
            if self._is_common(value, text):
                continue
            for other in self._holders.get(value, ()):
                if other.key != text.key and _within_window(text, other):
                    seen.setdefault(other.key, other)
        return list(seen.values())

    def copies(self, text: Text) -> tuple[Match, ...]:
        """The indexed texts nearly the same as `text`, most similar first."""
        scored = [Match(other, _score(text, other)) for other in self.candidates(text)]
        return tuple(sorted((m for m in scored if m.score), key=lambda m: (-m.score, m.text.key)))


def _candidate_pairs(texts: list[Text], common: frozenset[int]) -> set[tuple[int, int]]:
    """Pairs that share a sketch value, not a common one, and lie within the date window:
    a few per text."""
    holders: defaultdict[int, list[int]] = defaultdict(list)
    for index, text in enumerate(texts):
        for value in text.sketch:
            if value not in common:
                holders[value].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in holders.values():
        pairs |= _window_pairs(texts, members)
    return pairs


def _window_pairs(texts: list[Text], members: list[int]) -> set[tuple[int, int]]:
    """Pairs i < j of `members` (ascending indices into `texts`, which is sorted by date)
    within the date window. Walking forward from each dated text stops at the first one past
    the window: a shingle many texts share (boilerplate) made checking every pair of its
    holders quadratic in the corpus (#9). Undated texts pair with everything."""
    window = dt.timedelta(days=DUPLICATE_WINDOW_DAYS)
    undated = [j for j in members if texts[j].published is None]
    dated = [(j, day) for j in members if (day := texts[j].published) is not None]
    pairs = {(i, j) for i in undated for j in members if j > i}
    for n, (i, day) in enumerate(dated):
        pairs.update((i, j) for j in undated if j > i)
        for j, later in dated[n + 1 :]:
            if later - day > window:
                break
            pairs.add((i, j))
    return pairs


CopyPairs = dict[tuple[str, str], float]  # (earlier key, later key) -> score, nonzero only


def near_duplicates(
    articles: Iterable[Article], find_pairs: FindPairs | None = None
) -> Iterator[tuple[Article, Article, float]]:
    """(later, earlier, score) for each article whose text nearly repeats an earlier one that
    it does not declare as its original; each later copy is reported once.

    `find_pairs` (the build cache's, #9) may answer from an earlier build what `copy_pairs`
    would compute, with the texts of the paired articles (not necessarily all of them)."""
    by_id = {article.id: article for article in articles}
    if find_pairs is None:
        texts = [t for t in map(article_text, by_id.values()) if t is not None]
        pairs = copy_pairs(texts)
    else:
        texts, pairs = find_pairs(tuple(by_id.values()))
    for later, earlier, score in reported_copies(texts, pairs):
        yield by_id[later], by_id[earlier], score


FindPairs = Callable[[tuple[Article, ...]], tuple[list["Text"], CopyPairs]]


def _rank(text: Text) -> tuple[dt.date, str]:
    return (text.published or dt.date.min, text.key)


def reported_copies(texts: list[Text], pairs: CopyPairs) -> list[tuple[str, str, float]]:
    """(later key, earlier key, score): each later text with the earliest text it copies,
    in the order of (earlier, later) by date, then key."""
    rank = {t.key: _rank(t) for t in texts}
    first: dict[str, tuple[str, float]] = {}
    for (earlier, later), score in pairs.items():
        if later not in first or rank[earlier] < rank[first[later][0]]:
            first[later] = (earlier, score)
    found = sorted(first.items(), key=lambda kv: (rank[kv[1][0]], rank[kv[0]]))
    return [(later, earlier, score) for later, (earlier, score) in found]


def copy_pairs(texts: list[Text], common: frozenset[int] | None = None) -> CopyPairs:
    """Every candidate pair of `texts` that scores as a copy and is not a declared one;
    `common` is `common_values(texts)` unless given."""
    texts = sorted(texts, key=_rank)
    pairs = sorted(_candidate_pairs(texts, common_values(texts) if common is None else common))
    return _scored([(texts[i], texts[j]) for i, j in pairs])


def copy_pairs_with(
    new: list[Text], old: list[Text], common: frozenset[int] | None = None
) -> CopyPairs:
    """`copy_pairs(new + old)` without the pairs of two old texts: only what `new` adds.
    `common` is `common_values(new + old)` when the caller has it.

    Whether two texts are a candidate pair depends on those two alone and on the corpus's
    common values (`is_candidate`), so when those are the same, the pairs of the old texts
    are those an earlier build found (#9)."""
    if len(new) > FEW_NEW:  # each new text against every holder of its values: quadratic (#8)
        texts = sorted((*new, *old), key=_rank)
        fresh = {t.key for t in new}
        pairs = sorted(_candidate_pairs(texts, common_values(texts) if common is None else common))
        return _scored(
            [(texts[i], texts[j]) for i, j in pairs if fresh & {texts[i].key, texts[j].key}]
        )
    if common is None:
        common = common_values((*new, *old))
    found = _pairs_with(new, old, common)
    return _scored(sorted(found, key=lambda p: (_rank(p[0]), _rank(p[1]))))


def _pairs_with(new: list[Text], old: list[Text], common: frozenset[int]) -> set[tuple[Text, Text]]:
    """The candidate pairs of each new text with any other (`is_candidate`): one pass over
    every text's sketch, looking its values up among the new texts' values that are not
    common. Indexing every text (`TextIndex`, as `import` does for one text) to look up a
    few new ones took four times as long: 0.022-0.026 against 0.005-0.006 s at 10k (#9)."""
    holders: defaultdict[int, list[Text]] = defaultdict(list)
    for text in new:
        for value in set(text.sketch) - common:
            holders[value].append(text)
    found: set[tuple[Text, Text]] = set()
    for other in (*new, *old):
        for value in other.sketch:
            for text in holders.get(value, ()):
                if text.key != other.key and _within_window(text, other):
                    found.add((text, other) if _rank(text) < _rank(other) else (other, text))
    return found


def _scored(pairs: list[tuple[Text, Text]]) -> CopyPairs:
    pairs = [(a, b) for a, b in pairs if not is_declared_copy(a, b)]
    scores = _scores(pairs)
    return {(a.key, b.key): score for (a, b), score in zip(pairs, scores, strict=True) if score}


def _scores(pairs: list[tuple[Text, Text]]) -> list[float]:
    """`_score` of every pair, computed in bulk by RapidFuzz on every core: pairs are
    numerous where outlets repeat boilerplate (#9). float64 keeps the scores `_score` gives.
    Pairs that cannot reach the threshold (`_may_reach`) score 0 without being compared."""
    if not pairs:
        return []
    possible = _may_reach(pairs).tolist()
    kept = [pair for pair, ok in zip(pairs, possible, strict=True) if ok]
    scores = process.cpdist(
        [a.words for a, _ in kept],
        [b.words for _, b in kept],
        scorer=fuzz.ratio,
        processor=None,
        score_cutoff=DUPLICATE_SCORE,
        workers=-1,
        dtype=np.float64,
    ).tolist()
    found = iter(scores)
    return [float(next(found)) if ok else 0.0 for ok in possible]


LETTER_BUCKETS = 128  # code points are counted modulo this: ASCII letters and digits apart
_CHUNK = 65536  # pairs per step of `_may_reach`, to bound its memory


def _letter_counts(words: str) -> np.ndarray:
    codes = np.frombuffer(words.encode("utf-32-le"), dtype=np.uint32)
    return np.bincount(codes % LETTER_BUCKETS, minlength=LETTER_BUCKETS).astype(np.int32)


def _may_reach(pairs: list[tuple[Text, Text]]) -> np.ndarray:
    """Whether each pair may score DUPLICATE_SCORE, by an exact upper bound (#9).

    `fuzz.ratio` is 200 × LCS / (len a + len b), and a common subsequence holds no more of
    a letter (or of a bucket of letters) than either text has: the letters two texts share
    bound it from above, at a fraction of the cost. About half the candidate pairs (two
    texts sharing only boilerplate) fail the bound; a pair that passes is scored exactly.
    """
    rows: dict[str, int] = {}
    texts: list[Text] = []
    for pair in pairs:
        for text in pair:
            if text.key not in rows:
                rows[text.key] = len(texts)
                texts.append(text)
    counts = np.stack([_letter_counts(t.words) for t in texts])
    lengths = counts.sum(axis=1)
    first = np.fromiter((rows[a.key] for a, _ in pairs), dtype=np.intp, count=len(pairs))
    second = np.fromiter((rows[b.key] for _, b in pairs), dtype=np.intp, count=len(pairs))
    shared = np.empty(len(pairs), dtype=np.int64)
    for start in range(0, len(pairs), _CHUNK):
        part = slice(start, start + _CHUNK)
        shared[part] = np.minimum(counts[first[part]], counts[second[part]]).sum(axis=1)
    bound = 200.0 * shared / (lengths[first] + lengths[second])
    return np.asarray(bound >= DUPLICATE_SCORE - 1e-6)  # a margin for rounding
