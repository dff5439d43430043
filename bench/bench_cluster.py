"""Benchmark the cluster stage at 1k, 10k and 100k synthetic items.

Each size runs in a fresh subprocess, so its peak memory (ru_maxrss) is its own. Items are
generated and analysed first (timed apart); only `cluster_items` counts as the stage's time.
Prints time, peak memory, the memory the stage added, B-cubed F1 against the synthetic truth,
and the growth exponent of time between sizes.

    .venv/bin/python bench/bench_cluster.py            # 1k, 10k, 100k
    .venv/bin/python bench/bench_cluster.py 1000 5000  # chosen sizes
"""

from __future__ import annotations

import itertools
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from synth import make_corpus  # noqa: E402

from parallax.analyse import analyse_item, build_lexicon  # noqa: E402
from parallax.cluster import cluster_items  # noqa: E402
from parallax.config import Settings  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
SETTINGS = Settings(event_threshold=12.0, story_threshold=28.0)


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _b_cubed_f1(predicted: dict[str, str], truth: dict[str, int]) -> tuple[float, float, float]:
    def members(labels: dict[str, object]) -> dict[str, frozenset[str]]:
        groups: dict[object, set[str]] = {}
        for item, label in labels.items():
            groups.setdefault(label, set()).add(item)
        frozen = {label: frozenset(g) for label, g in groups.items()}
        return {item: frozen[label] for item, label in labels.items()}

    pred, true = members(dict(predicted)), members(dict(truth))
    p = sum(len(pred[i] & true[i]) / len(pred[i]) for i in truth) / len(truth)
    r = sum(len(pred[i] & true[i]) / len(true[i]) for i in truth) / len(truth)
    return p, r, 2 * p * r / (p + r)


def run_one(size: int) -> dict[str, float]:
    """Generate, analyse and cluster `size` items; the measurements as a dict."""
    start = time.perf_counter()
    corpus = make_corpus(size)
    lexicon = build_lexicon(corpus.registries)
    items = [analyse_item(item, lexicon) for item in corpus.items]
    prepared = time.perf_counter() - start
    before = _rss_mb()
    start = time.perf_counter()
    events, stories, _ = cluster_items(items, corpus.registries, SETTINGS)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    predicted = {i: e.id for e in events for i in e.item_ids}
    precision, recall, f1 = _b_cubed_f1(predicted, corpus.truth)
    return {
        "items": size, "seconds": seconds, "prepare_seconds": prepared,
        "peak_mb": peak, "rss_before_mb": before, "events": len(events),
        "largest_event": max(len(e.item_ids) for e in events), "stories": len(stories),
        "precision": precision, "recall": recall, "f1": f1,
    }  # fmt: skip


def main(sizes: tuple[int, ...]) -> None:
    rows = []
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        rows.append(json.loads(out.stdout))
        row = rows[-1]
        print(
            f"{size:>7} items  cluster {row['seconds']:7.2f} s  peak {row['peak_mb']:7.0f} MB "
            f"(before {row['rss_before_mb']:.0f} MB)  events {row['events']:>6}  "
            f"largest {row['largest_event']:>3}  P {row['precision']:.3f}  "
            f"R {row['recall']:.3f}  F1 {row['f1']:.3f}  (generate+analyse "
            f"{row['prepare_seconds']:.1f} s)",
            flush=True,
        )
    for a, b in itertools.pairwise(rows):
        exponent = math.log(b["seconds"] / a["seconds"]) / math.log(b["items"] / a["items"])
        print(f"growth exponent {a['items']} -> {b['items']}: {exponent:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(int(sys.argv[2]))))
    else:
        main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
