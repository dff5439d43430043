"""Benchmark the whole build on synthetic digests of 1k, 10k (and 100k) articles.

For each size, `corpus.write_project` writes a real project under /tmp (content folder,
registries, mkdocs.yml, the repository's templates). Then, each in a fresh subprocess so
that its peak memory (ru_maxrss) is its own, and each after reading every file once so that
all start from a warm page cache:

1. clean: the floor side by side (read every article and parse its front matter with
   PyYAML's CSafeLoader, nothing else), then `pipeline.build(run_site=False,
   use_cache=False)`: every stage before MkDocs, writing site_src/. Each stage's time comes
   from `progress.Stages`, with the process's peak memory at the end of the stage;
2. serial: the same with PARALLAX_JOBS=1, to see what the second core buys;
3. incremental: a build that fills the cache, then one more article, then a cached build,
   and a cached build again with nothing changed (what every cached build costs); then
   one more article and `build.py build --no-site` as a user runs it, timed from the
   process's start to its end (imports and exit included); then a day's news (DAY
   articles about new events, on the day after the corpus's last) and a cached build
   again: what a digest's daily CI run costs;
4. MkDocs (`mkdocs build --strict`, as publish runs it) over the site_src/ just written,
   timed and divided by the number of pages, then Pagefind.

Growth exponents are log(t2/t1)/log(n2/n1) between consecutive sizes.

    .venv/bin/python bench/bench_build.py                  # 1k and 10k (make bench)
    .venv/bin/python bench/bench_build.py 1000 10000 100000 --mkdocs-max 10000 \
        --serial-max 10000 --incremental-max 10000
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
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import yaml  # noqa: E402
from corpus import add_article, add_day, write_project  # noqa: E402

from parallax import pipeline  # noqa: E402
from parallax.frontmatter import split_front_matter  # noqa: E402
from parallax.parallel import jobs, reap  # noqa: E402
from parallax.progress import Stage, Stages  # noqa: E402

SIZES = (1_000, 10_000)
DAY = 500  # articles a day: "a digest grows by hundreds of articles a day" (#9)
WORK = Path(os.environ.get("PARALLAX_BENCH_DIR", "/tmp/parallax-bench"))
PY = sys.executable
TREE_SAMPLE_S = 0.2  # the shortest wait between two samples of a build's process tree
# The most of one core that sampling may take: reading smaps_rollup walks a process's page
# tables, 50-100 ms for a 3.4 GB process, and every 0.2 s it slowed the 100k clean build it
# measured from 227 s to 272 s.
TREE_SAMPLE_SHARE = 0.05


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


def _usage() -> tuple[float, float]:
    """Processor seconds (user and system) and minor page faults so far, of this process
    and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime
    return cpu, float(own.ru_minflt + ended.ru_minflt)


def run_one(abs_config: Path, mode: str) -> dict[str, Any]:
    """One build before MkDocs, in this process; its measurements as a dict.

    mode "clean": no cache, with the floor measured first; "fill": a build that writes the
    cache; "cached": a build that reads it.
    """
    abs_content = abs_config.parent / "content"
    os.sync()  # the cache the build before wrote (75 MB at 10k) is not written back in this one
    for path in _article_paths(abs_content):  # warm the page cache for every measurement
        path.read_bytes()
    row: dict[str, Any] = {}
    if mode == "clean":
        row["floor_read_s"], row["floor_s"] = floor(abs_content)
    row["rss_before_mb"] = peak_mb()
    project, _ = pipeline.load_project(abs_config)
    stages = MeasuredStages()
    used = _usage()
    start = time.perf_counter()
    result = pipeline.build(project, run_site=False, stages=stages, use_cache=mode != "clean")
    total = time.perf_counter() - start
    reap()  # render's workers, which exit on their own, counted with the other children
    cpu, faults = (after - before for after, before in zip(_usage(), used, strict=True))
    analysis = result.analysis
    assert analysis is not None and result.published, result.problems[:5]
    counted = ("items", "events", "stories", "claims", "points")
    return (
        row
        | {
            "stages": dict(stages.timings),
            "peaks_mb": stages.peaks,
            "total_s": total,
            # The processor time and the page faults of the build and of every process it
            # forked: the work done on either core, which the time of the longest path can
            # hide (#9). The faults move little from one run to the next; the time does.
            "cpu_s": cpu,
            "minor_faults": int(faults),
            "peak_mb": peak_mb(),
            "jobs": jobs(),
            "articles": len(analysis.corpus.articles),
            "pages": len(result.pages),
            "problems": len(result.problems),
        }
        | {name: len(getattr(analysis, name)) for name in counted}
    )


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


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc/<pid>/stat (its fourth field is the parent)."""
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            found.setdefault(parent, []).append(int(entry.name))
    return found


def tree_pss_mb(pid: int) -> float:
    """The memory of a process and all its descendants, in MB: the sum of their
    proportional set sizes, in which a page shared by n processes counts 1/n in each, so
    forked workers' pages shared with the parent are counted once."""
    children = _children()
    pending, total_kb = [pid], 0
    while pending:
        current = pending.pop()
        pending += children.get(current, [])
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kb += next(
            int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
        )
    return total_kb / 1024


def _subprocess_json(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float]:
    """Run this script with `args` in a subprocess: its JSON line, and the peak memory of
    its process tree in MB, sampled every TREE_SAMPLE_S, or less often where a sample takes
    long enough to take more than TREE_SAMPLE_SHARE of a core from the build."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [PY, __file__, *args], stdout=out, stderr=err, text=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        peak = 0.0
        while process.poll() is None:
            start = time.perf_counter()
            peak = max(peak, tree_pss_mb(process.pid))
            took = time.perf_counter() - start
            time.sleep(max(TREE_SAMPLE_S, took * (1 / TREE_SAMPLE_SHARE - 1)))
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            sys.exit(f"{' '.join(args)} failed:\n{err.read()[-3000:]}")
        return dict(json.loads(out.read().splitlines()[-1])), peak


def _build_json(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """A build's measurements, with the peak memory of its whole process tree."""
    measured, peak = _subprocess_json(args, env)
    return measured | {"tree_peak_mb": peak}


def command_build(abs_config: Path, size: int) -> float:
    """One more article, then the build as a user runs it: build.py in a process of its own,
    timed from the process's start to its end, interpreter, imports and exit included. It
    runs in the folder the other builds ran in, whose cache it reads (the build cache's keys
    depend on that folder, where problems name files from)."""
    add_article(abs_config.parent / "content", size, number=1)
    command = [PY, str(HERE.parent / "build.py"), "-q", "build", "--no-site", "-f", str(abs_config)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build.py failed:\n{done.stderr[-3000:]}")
    return wall


def measure(size: int, options: argparse.Namespace) -> dict[str, Any]:
    """Write the project for `size`, then each measurement in its own subprocess."""
    abs_root = WORK / str(size)
    start = time.perf_counter()
    abs_config = write_project(abs_root, size)
    config = str(abs_config)
    row: dict[str, Any] = {"size": size, "generate_s": time.perf_counter() - start}
    row |= _build_json(["--one", config, "clean"])
    if size <= options.mkdocs_max:
        row |= _subprocess_json(["--mkdocs", config])[0]
    if size <= options.serial_max:
        row["serial"] = _build_json(["--one", config, "clean"], {"PARALLAX_JOBS": "1"})
    if size <= options.incremental_max:
        row["fill"] = _build_json(["--one", config, "fill"])
        row["added"] = add_article(abs_root / "content", size)
        row["incremental"] = _build_json(["--one", config, "cached"])
        row["unchanged"] = _build_json(["--one", config, "cached"])  # the floor of a cached build
        row["command_s"] = command_build(abs_config, size)
        row["day_added"] = add_day(abs_root / "content", size, DAY)
        row["day"] = _build_json(["--one", config, "cached"])
    if not options.keep:
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


def _stage_table(rows: list[dict[str, Any]], pick: str | None, title: str) -> None:
    chosen = [(r, r if pick is None else r.get(pick)) for r in rows]
    chosen = [(r, m) for r, m in chosen if m]
    if not chosen:
        return
    sizes = [r["size"] for r, _ in chosen]
    pairs = list(itertools.pairwise(range(len(chosen))))
    head = " | ".join(f"{n:,} articles" for n in sizes)
    growth = " | ".join(f"exponent {sizes[a]:,}→{sizes[b]:,}" for a, b in pairs)
    print(f"\n{title}\n\n| stage | {head} |" + (f" {growth} |" if pairs else ""))
    print("| --- |" + " --- |" * (len(chosen) + len(pairs)))
    for name in [*chosen[0][1]["stages"], "total"]:
        times = [m["stages"].get(name, 0.0) if name != "total" else m["total_s"] for _, m in chosen]
        peaks = [m["peaks_mb"].get(name, m["peak_mb"]) for _, m in chosen]
        cells = " | ".join(f"{t:.2f} s ({p:,.0f} MB)" for t, p in zip(times, peaks, strict=True))
        exps = " | ".join(
            f"{exponent(times[a], times[b], sizes[a], sizes[b]):.2f}" for a, b in pairs
        )
        print(f"| {name} | {cells} |" + (f" {exps} |" if pairs else ""))
    if all("tree_peak_mb" in m for _, m in chosen):
        trees = " | ".join(f"{m['tree_peak_mb']:,.0f} MB" for _, m in chosen)
        print(f"| peak memory with the workers (PSS) | {trees} |")


def print_tables(rows: list[dict[str, Any]]) -> None:
    _stage_table(rows, None, "Clean build before MkDocs (no cache): time (peak memory so far)")
    floors = " | ".join(f"{r['floor_s']:.2f} s (read {r['floor_read_s']:.2f} s)" for r in rows)
    print(f"| floor: read + CSafeLoader | {floors} |")
    ratio = " | ".join(f"{r['total_s'] / r['floor_s']:.1f}×" for r in rows)
    print(f"| build ÷ floor | {ratio} |")
    _stage_table(rows, "serial", "The same on one process (PARALLAX_JOBS=1)")
    _stage_table(rows, "incremental", "One article added, with the cache of the build before")
    _stage_table(rows, "unchanged", "Then nothing changed, with the cache")
    walls = " | ".join(f"{r['command_s']:.2f} s" for r in rows if "command_s" in r)
    if walls:
        print(f"| one more article: `build.py build --no-site`, start to end | {walls} |")
    _stage_table(rows, "day", f"Then a day's news ({DAY} articles) added, with the cache")
    print()
    for r in rows:
        counts = ", ".join(
            f"{r[k]:,} {k}" for k in ("items", "events", "stories", "claims", "points", "pages")
        )
        print(f"{r['size']:,} articles: {counts}; peak {r['peak_mb']:,.0f} MB", end="")
        if "tree_peak_mb" in r:
            print(f" ({r['tree_peak_mb']:,.0f} MB with its workers)", end="")
        if "mkdocs_s" in r:
            print(
                f"; MkDocs {r['mkdocs_s']:.1f} s for {r['site_pages']:,} pages "
                f"({r['ms_per_page']:.1f} ms/page, peak {r['mkdocs_peak_mb']:,.0f} MB, "
                f"{'ok' if r['mkdocs_ok'] else 'FAILED'}); Pagefind {r['pagefind_s']:.1f} s",
                end="",
            )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    for name, what in (
        ("mkdocs", "run MkDocs"),
        ("serial", "also build on one process"),
        ("incremental", "also fill the cache, add an article and rebuild"),
    ):
        parser.add_argument(
            f"--{name}-max", type=int, default=10_000, help=f"{what} up to this many articles"
        )
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    options = parser.parse_args()
    info = machine()
    print(f"machine: {json.dumps(info)}", flush=True)
    rows = []
    for size in options.sizes:
        rows.append(measure(size, options))
        print(f"{size:,}: {json.dumps(rows[-1])}", flush=True)
    print_tables(rows)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = results / f"build-{info['date']}-{'-'.join(map(str, options.sizes))}.json"
    out.write_text(json.dumps({"machine": info, "rows": rows}, indent=1))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(Path(sys.argv[2]), sys.argv[3])))
    elif sys.argv[1:2] == ["--mkdocs"]:
        print(json.dumps(run_mkdocs(Path(sys.argv[2]))))
    else:
        main()
