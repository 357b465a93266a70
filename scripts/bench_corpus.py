"""Benchmark corpus runs: documents/s and chars/s with 1 and 2 worker processes and on a 2-worker
local Dask cluster, peak RSS per process, and the restart after a kill at half way; with
--build-sizes, the peak RSS of a whole `kg build --workers 1` at each corpus size instead
(key "build_peak_rss", merged into the report: memory must stay flat as the corpus grows).

The corpus is synthetic (sentences of the training sets in /work/shared/data shuffled into
JSONL documents of 1–3 KB), written to a temporary directory, never committed. Each run is a
real `kg extract` subprocess, so start-up and model loading are part of the figures. All runs
use one snapshot of kg/ and ontology/, taken at the start: the tree may change meanwhile.

    .venv/bin/python scripts/bench_corpus.py --size-mb 3 --out reports/bench_corpus.json
    .venv/bin/python scripts/bench_corpus.py --build-sizes 10 100 500 --out reports/bench_corpus.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

DATA = Path("/work/shared/data")
ROOT = Path(__file__).resolve().parent.parent
KG = [sys.executable, "-c", "from kg.cli import main; main()"]


def sentences() -> list[str]:
    """Every sentence text of the three training sets (CLUENER, DuIE, FinRE)."""
    out = []
    for name in ("CLUENER2020/train.json", "duie2.0/duie_train.json"):
        with open(DATA / name, encoding="utf-8") as lines:
            out += [json.loads(line)["text"] for line in lines if line.strip()]
    with open(DATA / "FinRE/train.txt", encoding="utf-8") as lines:
        out += [cells[3] for line in lines if len(cells := line.rstrip("\n").split("\t")) == 4]
    return out


def write_corpus(path: Path, size_mb: float, seed: int = 7) -> dict:
    """JSONL documents of 1–3 KB of UTF-8 until the file holds `size_mb` megabytes."""
    pool, rng = sentences(), random.Random(seed)
    limit, written, documents, chars = size_mb * 1_000_000, 0, 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < limit:
            target, text = rng.randint(1000, 3000), ""
            while len(text.encode("utf-8")) < target:
                text += rng.choice(pool).rstrip("。") + "。"
            line = json.dumps({"id": f"bench-{documents}", "text": text}, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
            documents += 1
            chars += len(text)
    return {"bytes": written, "documents": documents, "chars": chars}


def peak_rss(process: psutil.Process, peaks: dict[int, int]) -> None:
    """Highest resident set seen so far for the process and each of its descendants."""
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for member in family:
        try:
            peaks[member.pid] = max(peaks.get(member.pid, 0), member.memory_info().rss)
        except psutil.NoSuchProcess:
            pass


def snapshot(into: Path) -> dict[str, str]:
    """Copy the code and ontology; returns the environment that runs `kg` from the copy (the
    runs start in a directory without kg/, or `python -c` would import the tree's)."""
    for name in ("kg", "ontology"):
        shutil.copytree(ROOT / name, into / name, ignore=shutil.ignore_patterns("__pycache__"))
    return {**os.environ, "PYTHONPATH": str(into)}


def run(corpus: Path, out: Path, options: list[str], env: dict[str, str], stop_after: int | None = None) -> dict:
    """One `kg extract`; with `stop_after`, SIGKILL once that many documents are recorded done."""
    started, peaks = time.perf_counter(), {}
    child = subprocess.Popen([*KG, "extract", str(corpus), "-o", str(out), "-q", *options],
                             stderr=subprocess.PIPE, text=True, env=env, cwd=out.parent)
    watched = psutil.Process(child.pid)
    while child.poll() is None:
        peak_rss(watched, peaks)
        if stop_after and (out / "progress.jsonl").exists() and \
                (out / "progress.jsonl").read_bytes().count(b"\n") - 1 >= stop_after:
            for member in [*watched.children(recursive=True), watched]:
                os.kill(member.pid, signal.SIGKILL)
            break
        time.sleep(0.2)
    child.wait()
    seconds = time.perf_counter() - started
    if not stop_after and child.returncode:
        raise RuntimeError(f"kg extract {' '.join(options)} failed: {child.stderr.read()[-2000:]}")
    return {"seconds": round(seconds, 2), "exit": child.returncode,
            "peak_rss_mb_per_process": sorted((round(v / 2**20) for v in peaks.values()), reverse=True)}


def build_peak(corpus: Path, out: Path, env: dict[str, str]) -> dict:
    """One `kg build --workers 1`: wall time, exit status and the peak resident set of the
    process, exact from the kernel (wait4's ru_maxrss), not sampled."""
    started = time.perf_counter()
    child = subprocess.Popen([*KG, "build", str(corpus), "-o", str(out), "-q", "--workers", "1"],
                             stderr=subprocess.PIPE, env=env, cwd=out.parent)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise RuntimeError(f"kg build failed: {stderr.decode('utf-8', 'replace')[-2000:]}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"seconds": round(seconds, 1), "exit": child.returncode, "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "counts": report["counts"], "page": {k: v for k, v in report.get("page", {}).items() if k != "note"},
            "rdf_statements": report.get("rdf_statements", {}),
            "seconds_by_stage": report.get("seconds", {})}


def build_sizes(sizes: list[float], temp: Path, env: dict[str, str]) -> dict:
    runs = {}
    for size_mb in sizes:
        corpus = temp / f"corpus-{size_mb:g}.jsonl"
        figures = {"corpus": write_corpus(corpus, size_mb)}
        figures.update(build_peak(corpus, temp / f"build-{size_mb:g}", env))
        corpus.unlink()
        shutil.rmtree(temp / f"build-{size_mb:g}")
        runs[f"{size_mb:g}_mb"] = figures
        print(json.dumps({f"{size_mb:g}_mb": figures}, ensure_ascii=False), flush=True)
    base = runs[f"{sizes[0]:g}_mb"]["peak_rss_mb"]
    return {"command": "kg build CORPUS -o OUT -q --workers 1", "cpu_count": os.cpu_count(), "runs": runs,
            "peak_ratio_to_smallest": {k: round(r["peak_rss_mb"] / base, 3) for k, r in runs.items()},
            "goal": "peak at 500 MB within 1.2x of the peak at 10 MB and under 1 GB"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=100.0, help="Corpus size in megabytes of JSONL.")
    parser.add_argument("--build-sizes", type=float, nargs="+", metavar="MB",
                        help="Measure the peak RSS of `kg build --workers 1` at these corpus sizes instead.")
    parser.add_argument("--out", default="reports/bench_corpus.json")
    args = parser.parse_args()
    previous = json.loads(Path(args.out).read_text(encoding="utf-8")) if Path(args.out).exists() else {}
    if args.build_sizes:
        with tempfile.TemporaryDirectory(prefix="bench-build-") as temp:
            memory = build_sizes(args.build_sizes, Path(temp), snapshot(Path(temp) / "src"))
        Path(args.out).write_text(json.dumps({**previous, "build_peak_rss": memory}, ensure_ascii=False, indent=2)
                                  + "\n", encoding="utf-8")
        print(json.dumps(memory, ensure_ascii=False, indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as temp:
        temp = Path(temp)
        env = snapshot(temp / "src")
        corpus = temp / "corpus.jsonl"
        size = write_corpus(corpus, args.size_mb)
        results: dict = {"corpus": size, "cpu_count": os.cpu_count(), "runs": {}}
        for name, options in (("workers_1", ["--workers", "1"]), ("workers_2", ["--workers", "2"]),
                              ("dask_local_2", ["--workers", "2", "--scheduler", "local"])):
            figures = run(corpus, temp / name, options, env)
            figures["documents_per_s"] = round(size["documents"] / figures["seconds"], 2)
            figures["chars_per_s"] = round(size["chars"] / figures["seconds"])
            figures["same_output_as_workers_1"] = (temp / name / "triples.jsonl").read_bytes() == \
                (temp / "workers_1" / "triples.jsonl").read_bytes()
            results["runs"][name] = figures
        base = results["runs"]["workers_1"]["seconds"]
        results["speedup_workers_2"] = round(base / results["runs"]["workers_2"]["seconds"], 2)
        results["speedup_dask_local_2"] = round(base / results["runs"]["dask_local_2"]["seconds"], 2)
        killed = run(corpus, temp / "resumed", ["--workers", "2"], env, stop_after=size["documents"] // 2)
        resumed = run(corpus, temp / "resumed", ["--workers", "2"], env)
        results["resume_after_kill_at_half"] = {
            "killed_after_s": killed["seconds"], "restart_to_end_s": resumed["seconds"],
            "same_output_as_workers_1": (temp / "resumed" / "triples.jsonl").read_bytes() ==
            (temp / "workers_1" / "triples.jsonl").read_bytes()}
    if "build_peak_rss" in previous:
        results["build_peak_rss"] = previous["build_peak_rss"]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
