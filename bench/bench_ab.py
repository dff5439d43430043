"""Compare two commits' builds with one article added, in alternating runs on one machine.

One `make bench` per commit cannot tell two commits apart when they differ by less than the
machine drifts from one run to the next: at 10k articles, the same commit's incremental
build measured anywhere in 2.3-3.4 s over a day on the same host (#9). This measures both
in the same minutes instead:

1. one synthetic project (`corpus.write_project`) is built with each commit's code (and
   its templates and mkdocs.yml), with the cache, each into a copy of its own (a warm
   project);
2. then, for each pair, each commit in turn (the order flips from one pair to the next):
   the commit's warm project is put back where it was built, the pair's article is added
   (the same article for both commits), and the commit's `bench_build.py --one ... cached`
   builds it in a fresh process, as `make bench` measures "one article added".

A warm project is put back as a copy, but for its site_src/, whose files are hard links to
the warm project's: the page cache recognises a published page by its file's inode, size
and time, which a copy would change (every page would be read and hashed again), and
publishing replaces files, never writes into one. Both commits build at the same path, from
the same folder, since the build cache's keys depend on both.

    .venv/bin/python bench/bench_ab.py HEAD~1 HEAD           # 5 pairs at 10k, 6-9 minutes
    .venv/bin/python bench/bench_ab.py main . --pairs 3 --size 2000

A commit is anything `git worktree add` takes, its compiled module built in place; "." is
this checkout as it is, uncommitted changes included (do not edit parallax/ while it runs:
the code's version keys the cache).
Each commit's own bench_build.py runs its builds, so both must have `--one` (any commit
since the benchmark has existed). Results are printed as a Markdown table and saved to
bench/results/ab-<date>-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from bench_build import WORK, machine  # noqa: E402
from corpus import add_article, write_project  # noqa: E402

REPO = HERE.parent
PY = sys.executable
AB = WORK / "ab"
FIRST_ADDED = 100  # `add_article` numbers: clear of the ones `bench_build.py` adds


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def checkout(rev: str, n: int) -> Path:
    """The code of `rev`: this checkout for ".", else a detached worktree of it."""
    if rev == ".":
        return REPO
    abs_tree = AB / f"code-{n}"
    if abs_tree.exists():
        _git("worktree", "remove", "--force", str(abs_tree))
    _git("worktree", "prune")
    _git("worktree", "add", "--detach", str(abs_tree), _git("rev-parse", "--verify", rev))
    if (abs_tree / "setup.py").exists():  # its compiled module, as the install builds it
        command = [PY, "setup.py", "-q", "build_ext", "--inplace"]
        done = subprocess.run(command, cwd=abs_tree, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{rev}: could not compile its module:\n{done.stderr[-3000:]}")
    return abs_tree


def build(code: Path, abs_project: Path, mode: str) -> dict[str, Any]:
    """`code`'s bench_build.py builds the project in a fresh process, in its folder: the
    JSON of `run_one` ("fill": a build that writes the cache; "cached": one that reads it)."""
    config = abs_project / "mkdocs.yml"
    command = [PY, str(code / "bench" / "bench_build.py"), "--one", str(config), mode]
    done = subprocess.run(command, capture_output=True, text=True, cwd=abs_project, check=False)
    if done.returncode != 0:
        sys.exit(f"{code}: {mode} build failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def put_back(abs_warm: Path, abs_project: Path) -> None:
    """The warm project at `abs_project`: copied, but for site_src/, hard-linked."""
    shutil.rmtree(abs_project, ignore_errors=True)
    abs_project.mkdir(parents=True)
    for abs_path in abs_warm.iterdir():
        abs_to = abs_project / abs_path.name
        if abs_path.name == "site_src":
            shutil.copytree(abs_path, abs_to, symlinks=True, copy_function=os.link)
        elif abs_path.is_dir() and not abs_path.is_symlink():
            shutil.copytree(abs_path, abs_to, symlinks=True)
        else:
            shutil.copy2(abs_path, abs_to, follow_symlinks=False)


def use_templates(code: Path, abs_project: Path) -> None:
    """The project built with `code` uses its templates and mkdocs.yml: a commit that
    changes a template changes the code that fills it."""
    abs_templates = abs_project / "templates"
    abs_templates.unlink()
    abs_templates.symlink_to(code / "templates")
    shutil.copy2(code / "mkdocs.yml", abs_project / "mkdocs.yml")


def measure(
    revs: list[str], codes: list[Path], size: int, pairs: int
) -> list[list[dict[str, Any]]]:
    """Each commit's builds, by commit, in the order of the pairs."""
    abs_project, abs_fresh = AB / "project", AB / "fresh"
    shutil.rmtree(abs_fresh, ignore_errors=True)
    write_project(abs_fresh, size)
    warm = [AB / f"warm-{n}" for n in range(len(revs))]
    for rev, code, abs_warm in zip(revs, codes, warm, strict=True):
        put_back(abs_fresh, abs_project)  # nothing to link yet: a plain copy
        use_templates(code, abs_project)
        start = time.perf_counter()
        build(code, abs_project, "fill")
        print(f"{rev}: the cache filled in {time.perf_counter() - start:.1f} s", flush=True)
        shutil.rmtree(abs_warm, ignore_errors=True)
        abs_project.rename(abs_warm)
    runs: list[list[dict[str, Any]]] = [[] for _ in revs]
    for pair in range(pairs):
        order = range(len(revs)) if pair % 2 == 0 else reversed(range(len(revs)))
        for n in order:
            put_back(warm[n], abs_project)
            add_article(abs_project / "content", size, number=FIRST_ADDED + pair)
            os.sync()  # the copy's writeback would otherwise run during the build
            row = build(codes[n], abs_project, "cached")
            runs[n].append(row)
            print(f"pair {pair + 1}, {revs[n]}: {row['total_s']:.2f} s", flush=True)
    shutil.rmtree(abs_project, ignore_errors=True)
    for path in (abs_fresh, *warm):
        shutil.rmtree(path, ignore_errors=True)
    return runs


def _row(name: str, values: list[list[float]], form: str = "{:.2f}", unit: str = " s") -> None:
    """One row of the table: each commit's mean (range) of `values`, written with `form`
    and `unit`; with two commits, the mean (range) of the differences within pairs."""
    signed = form.replace("{:", "{:+")
    cells = " | ".join(
        f"{form.format(statistics.mean(v))}{unit} ({form.format(min(v))}-{form.format(max(v))})"
        for v in values
    )
    if len(values) == 2:
        gaps = [b - a for a, b in zip(*values, strict=True)]
        cells += (
            f" | {signed.format(statistics.mean(gaps))}{unit} "
            f"({signed.format(min(gaps))} to {signed.format(max(gaps))})"
        )
    print(f"| {name} | {cells} |")


def print_table(revs: list[str], runs: list[list[dict[str, Any]]]) -> None:
    """Mean (range) of each stage and of the whole, by commit; with two commits, the mean of
    the differences within pairs. Then the processor time and the page faults (`USAGE`),
    where every run has them."""
    stages = list(runs[0][0]["stages"])
    head = " | ".join(revs) + (f" | {revs[1]} − {revs[0]}, by pair" if len(revs) == 2 else "")
    print(f"\n| stage | {head} |\n| --- |" + " --- |" * (len(revs) + (len(revs) == 2)))
    for name in [*stages, "total"]:
        _row(
            name,
            [
                [r["total_s"] if name == "total" else r["stages"].get(name, 0.0) for r in rows]
                for rows in runs
            ],
        )
    # Steadier than the time on a shared host, they show work saved or added that the
    # time's noise hides; commits before `bench_build.run_one` measured them have none.
    for key, name, form, unit in USAGE:
        usage = [[r.get(key) for r in rows] for rows in runs]
        if all(v is not None for column in usage for v in column):
            _row(name, usage, form, unit)


# What `bench_build.run_one` measures besides the time, as rows of the table: its key, its
# row's name, how a value is written, and its unit.
USAGE = (
    ("cpu_s", "processor time, every process", "{:.2f}", " s"),
    ("minor_faults", "page faults, every process", "{:,.0f}", ""),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="+", help='commits to compare; "." is this checkout')
    parser.add_argument("--size", type=int, default=10_000, help="articles (default 10,000)")
    parser.add_argument("--pairs", type=int, default=5, help="builds of each commit (default 5)")
    options = parser.parse_args()
    info = machine()
    print(f"machine: {json.dumps(info)}", flush=True)
    AB.mkdir(parents=True, exist_ok=True)
    codes = [checkout(rev, n) for n, rev in enumerate(options.revs)]
    try:
        runs = measure(options.revs, codes, options.size, options.pairs)
    finally:
        for code in codes:
            if code != REPO:
                _git("worktree", "remove", "--force", str(code))
    print_table(options.revs, runs)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = results / f"ab-{info['date']}-{options.size}.json"
    data = {"machine": info, "size": options.size, "revs": options.revs, "runs": runs}
    out.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
