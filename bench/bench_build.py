"""Benchmark the whole build on synthetic digests of 1k, 10k (and 100k) articles.

For each size, `corpus.write_project` writes a real project under /tmp (content folder,
registries, mkdocs.yml, the repository's templates), then a fresh subprocess:

1. reads every file once (so the floor and the build both start from a warm page cache);
2. measures the floor side by side: read every article and parse its front matter with
   PyYAML's CSafeLoader, nothing else;
3. runs `pipeline.build(..., run_site=False)`, the stages before MkDocs plus writing
   site_src/, taking each stage's time from `progress.Stages` and the process's peak memory
   (ru_maxrss) at the end of each stage.

MkDocs then runs in its own subprocess on the site_src/ the build wrote (`mkdocs build
--strict`, as publish runs it), timed and divided by the number of pages; Pagefind after it.
Growth exponents are log(t2/t1)/log(n2/n1) between consecutive sizes.

    .venv/bin/python bench/bench_build.py                  # 1k and 10k, MkDocs at both
    .venv/bin/python bench/bench_build.py 1000 10000 100000 --mkdocs-max 10000
    .venv/bin/python bench/bench_build.py 2000 --keep      # keep /tmp/parallax-bench/2000

Results are printed as Markdown tables and saved to bench/results/build-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import yaml  # noqa: E402
from corpus import write_project  # noqa: E402

from parallax import pipeline  # noqa: E402
from parallax.frontmatter import split_front_matter  # noqa: E402
from parallax.progress import Stage, Stages  # noqa: E402

SIZES = (1_000, 10_000)
WORK = Path(os.environ.get("PARALLAX_BENCH_DIR", "/tmp/parallax-bench"))
PY = sys.executable


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MeasuredStages(Stages):
    """Stages that also record the process's peak memory at the end of each stage."""

    def __init__(self) -> None:
        super().__init__()
        self.peaks: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[Stage]:
        with super().stage(name) as stage:
            yield stage
        self.peaks[name] = peak_mb()


def _article_paths(abs_content: Path) -> list[Path]:
    return sorted((abs_content / "articles").rglob("*.md"))


def floor(abs_content: Path) -> tuple[float, float]:
    """(seconds to read every article, seconds to also parse its front matter, CSafeLoader)."""
    paths = _article_paths(abs_content)
    start = time.perf_counter()
    texts = [p.read_text(encoding="utf-8") for p in paths]
    read = time.perf_counter() - start
    for text in texts:
        yaml.load(split_front_matter(text).front_matter, Loader=yaml.CSafeLoader)
    return read, time.perf_counter() - start


def run_one(abs_config: Path, cache: bool) -> dict[str, Any]:
    """The floor and the build before MkDocs, in this process; measurements as a dict."""
    abs_content = abs_config.parent / "content"
    for path in _article_paths(abs_content):  # warm the page cache for both measurements
        path.read_bytes()
    read_s, floor_s = floor(abs_content)
    before = peak_mb()
    project, _ = pipeline.load_project(abs_config)
    stages = MeasuredStages()
    start = time.perf_counter()
    result = pipeline.build(project, run_site=False, stages=stages)
    total = time.perf_counter() - start
    analysis = result.analysis
    assert analysis is not None and result.published, result.problems[:5]
    return {
        "floor_read_s": read_s,
        "floor_s": floor_s,
        "rss_before_mb": before,
        "stages": dict(stages.timings),
        "peaks_mb": stages.peaks,
        "total_s": total,
        "peak_mb": peak_mb(),
        "articles": len(analysis.corpus.articles),
        "items": len(analysis.items),
        "events": len(analysis.events),
        "stories": len(analysis.stories),
        "claims": len(analysis.claims),
        "points": len(analysis.points),
        "pages": len(result.pages),
        "problems": len(result.problems),
    }


def run_mkdocs(abs_config: Path) -> dict[str, Any]:
    """`mkdocs build --strict` over the written site_src/, then Pagefind; times and memory."""
    root = abs_config.parent
    abs_site = root / "site"
    shutil.rmtree(abs_site, ignore_errors=True)
    pages = sum(1 for _ in (root / "site_src").rglob("*.md"))
    start = time.perf_counter()
    done = subprocess.run(
        [PY, "-m", "mkdocs", "build", "--strict", "-f", str(abs_config), "-d", str(abs_site)],
        cwd=root, capture_output=True, text=True, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"},
    )  # fmt: skip
    mkdocs_s = time.perf_counter() - start
    mkdocs_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    start = time.perf_counter()
    subprocess.run(
        [PY, "-m", "pagefind", "--site", str(abs_site), "--quiet"],
        capture_output=True, check=False,
    )  # fmt: skip
    return {
        "mkdocs_s": mkdocs_s,
        "mkdocs_ok": done.returncode == 0,
        "mkdocs_warnings": warnings[:5],
        "mkdocs_peak_mb": mkdocs_peak,
        "site_pages": pages,
        "ms_per_page": 1000 * mkdocs_s / max(pages, 1),
        "pagefind_s": time.perf_counter() - start,
    }


def _subprocess_json(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([PY, __file__, *args], check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.splitlines()[-1]))


def measure(size: int, mkdocs: bool, keep: bool) -> dict[str, Any]:
    """Write the project for `size`, build it in a subprocess, then MkDocs."""
    abs_root = WORK / str(size)
    start = time.perf_counter()
    abs_config = write_project(abs_root, size)
    row: dict[str, Any] = {"size": size, "generate_s": time.perf_counter() - start}
    row |= _subprocess_json(["--one", str(abs_config)])
    if mkdocs:
        row |= _subprocess_json(["--mkdocs", str(abs_config)])
    if not keep:
        shutil.rmtree(abs_root, ignore_errors=True)
    return row


def machine() -> dict[str, Any]:
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    return {
        "date": dt.date.today().isoformat(),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg()[0],
    }


def exponent(a: float, b: float, n_a: int, n_b: int) -> float:
    return math.log(b / a) / math.log(n_b / n_a) if a > 0 and b > 0 else float("nan")


def print_tables(rows: list[dict[str, Any]]) -> None:
    stages = list(rows[0]["stages"])
    head = " | ".join(f"{r['size']:,} articles" for r in rows)
    pairs = list(itertools.pairwise(rows))
    growth = " | ".join(f"exp {a['size'] // 1000}k→{b['size'] // 1000}k" for a, b in pairs)
    print(f"| stage | {head} | {growth} |")
    print("| --- |" + " --- |" * (len(rows) + len(pairs)))
    for name in [*stages, "total"]:
        times = [r["stages"][name] if name != "total" else r["total_s"] for r in rows]
        peaks = [r["peaks_mb"].get(name, r["peak_mb"]) for r in rows]
        cells = " | ".join(f"{t:.2f} s ({p:.0f} MB)" for t, p in zip(times, peaks, strict=True))
        exps = " | ".join(
            f"{exponent(times[i], times[i + 1], rows[i]['size'], rows[i + 1]['size']):.2f}"
            for i in range(len(pairs))
        )
        print(f"| {name} | {cells} | {exps} |")
    floors = " | ".join(f"{r['floor_s']:.2f} s (read {r['floor_read_s']:.2f} s)" for r in rows)
    print(f"| floor: read + CSafeLoader | {floors} |" + " |" * len(pairs))
    ratio = " | ".join(f"{r['total_s'] / r['floor_s']:.1f}×" for r in rows)
    print(f"| build ÷ floor | {ratio} |" + " |" * len(pairs))
    for r in rows:
        counts = ", ".join(f"{r[k]:,} {k}" for k in ("items", "events", "stories", "claims",
                                                       "points", "pages"))  # fmt: skip
        print(f"\n{r['size']:,} articles: {counts}; peak {r['peak_mb']:.0f} MB", end="")
        if "mkdocs_s" in r:
            print(
                f"; MkDocs {r['mkdocs_s']:.1f} s for {r['site_pages']:,} pages "
                f"({r['ms_per_page']:.1f} ms/page, peak {r['mkdocs_peak_mb']:.0f} MB, "
                f"{'ok' if r['mkdocs_ok'] else 'FAILED'}); Pagefind {r['pagefind_s']:.1f} s",
                end="",
            )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument(
        "--mkdocs-max",
        type=int,
        default=10_000,
        help="run MkDocs only for sizes up to this many articles",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    args = parser.parse_args()  # fmt: skip
    info = machine()
    print(f"machine: {json.dumps(info)}", flush=True)
    rows = []
    for size in args.sizes:
        rows.append(measure(size, size <= args.mkdocs_max, args.keep))
        print(f"{size:,}: {json.dumps(rows[-1])}", flush=True)
    print_tables(rows)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = results / f"build-{info['date']}-{'-'.join(map(str, args.sizes))}.json"
    out.write_text(json.dumps({"machine": info, "rows": rows}, indent=1))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(Path(sys.argv[2]), cache="--cache" in sys.argv)))
    elif sys.argv[1:2] == ["--mkdocs"]:
        print(json.dumps(run_mkdocs(Path(sys.argv[2]))))
    else:
        main()
