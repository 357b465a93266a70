"""Corpus runs: parallel and on Dask they write what one process writes; killed, they resume."""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from kg.corpus import PROGRESS, Execution, ResumeError, extract_corpus
from kg.extractor import Settings
from kg.pipeline import build
from kg.sinks.jsonl import DOCUMENTS, MENTIONS, TRIPLES

SENTENCES = [
    "宁德时代2024年营收3620亿元，同比下降9.7%。",
    "比亚迪第三季度销量达到113万辆，同比增长38%。",
    "小米集团（以下简称“小米”）与北京汽车签署战略合作协议。",
    "小米汽车董事长雷军表示，SU7交付量将超过10万辆。",
    "蔚来公司2023年净亏损207亿元。",
    "华为技术有限公司发布了Mate 60手机，售价5999元。",
    "阿里巴巴集团收购了高鑫零售，交易金额约为280亿港元。",
    "腾讯控股2024年第一季度营收1595亿元，同比增长6%。",
]
CORPUS_SIZE = 24
LONG_CORPUS_SIZE = 400  # long enough to outlast the first commit, so the kill lands mid-way


def corpus_lines(size=CORPUS_SIZE):
    """Documents of a few sentences each, every one a little different."""
    return [json.dumps({"id": f"doc-{n}", "text": f"第{n}篇报道。" + "".join(
        SENTENCES[(n + k) % len(SENTENCES)] for k in range(1 + n % 4))}, ensure_ascii=False)
            for n in range(size)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "news.jsonl"
    path.write_text("\n".join(corpus_lines()) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(corpus, tmp_path_factory):
    """What one process writes: the reference every other way of running must reproduce."""
    out = tmp_path_factory.mktemp("serial")
    outcomes = list(extract_corpus([corpus], out))
    assert not [o for o in outcomes if o.error]
    return out


def contents(directory):
    return {name: (directory / name).read_bytes() for name in (TRIPLES, MENTIONS, DOCUMENTS)}


def test_two_worker_processes_write_exactly_what_one_process_writes(corpus, serial, tmp_path):
    list(extract_corpus([corpus], tmp_path, execution=Execution(workers=2)))
    assert contents(tmp_path) == contents(serial)
    assert (serial / TRIPLES).read_text(encoding="utf-8").count("\n") > CORPUS_SIZE


def test_a_two_worker_local_dask_cluster_writes_what_one_process_writes(corpus, serial, tmp_path):
    list(extract_corpus([corpus], tmp_path, execution=Execution(workers=2, scheduler="local")))
    assert contents(tmp_path) == contents(serial)


def test_a_second_run_skips_finished_documents_and_force_redoes_them(corpus, serial, tmp_path):
    list(extract_corpus([corpus], tmp_path))
    again = list(extract_corpus([corpus], tmp_path))
    assert len(again) == CORPUS_SIZE and all(o.skipped for o in again)
    assert contents(tmp_path) == contents(serial)
    forced = list(extract_corpus([corpus], tmp_path, force=True))
    assert not any(o.skipped for o in forced)
    assert contents(tmp_path) == contents(serial)


def test_a_torn_write_after_the_last_finished_document_is_cut_off_on_restart(corpus, serial, tmp_path):
    list(extract_corpus([corpus], tmp_path))
    manifest = (tmp_path / PROGRESS).read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / PROGRESS).write_text("".join(manifest[:-3]) + manifest[-3][:10], encoding="utf-8")
    with open(tmp_path / TRIPLES, "a", encoding="utf-8") as triples:
        triples.write('{"subject": {"name": "半行')
    outcomes = list(extract_corpus([corpus], tmp_path))
    assert sum(not o.skipped for o in outcomes) == 3
    assert contents(tmp_path) == contents(serial)


def test_a_failed_document_is_reported_with_its_reason_and_retried_next_run(tmp_path):
    source = tmp_path / "two.jsonl"
    source.write_text('{"id": "ok", "text": "比亚迪发布了海豹汽车。"}\n{"id": "bad", "text": "腾讯发布了财报。"}\n',
                      encoding="utf-8")

    def flaky(document):
        if document.id == "bad":
            raise RuntimeError("模型崩溃")
        return extractor(document)

    from kg.extractor import Extractor
    extractor = Extractor(Settings(use_model=False))
    first = list(extract_corpus([source], tmp_path / "out", Settings(use_model=False), extractor=flaky))
    [failure] = [o.error for o in first if o.error]
    assert "RuntimeError" in failure.reason and "模型崩溃" in failure.reason
    second = list(extract_corpus([source], tmp_path / "out", Settings(use_model=False), extractor=extractor))
    assert [(o.skipped, o.error) for o in second] == [(True, None), (False, None)]


def test_resuming_with_other_settings_is_refused(corpus, tmp_path):
    short = tmp_path / "one.jsonl"
    short.write_text(corpus_lines()[0] + "\n", encoding="utf-8")
    list(extract_corpus([short], tmp_path / "out", Settings(use_model=False)))
    with pytest.raises(ResumeError):
        list(extract_corpus([short], tmp_path / "out", Settings()))


# `kg extract` that is SIGKILLed right after writing one more document than it committed, with
# half a line after that: always the same point, however fast the machine.
KILLED_RUN = """
import os, signal, sys
from kg import corpus
from kg.cli import main
corpus.COMMIT_SECONDS = float("inf")  # commit only where this script says
KILL_AFTER = int(sys.argv.pop())
original = corpus.ResultFiles.write
written = 0

def write_then_die(self, document, lines):
    global written
    original(self, document, lines)
    written += 1
    if written == KILL_AFTER:
        self.commit()
    elif written == KILL_AFTER + 1:
        self.files[0].write(b'{"subject": {"name": "\\u534a')
        for stream in self.files:
            stream.flush()
        os.kill(os.getpid(), signal.SIGKILL)

corpus.ResultFiles.write = write_then_die
main()
"""
KILL_AFTER = 5


def test_a_killed_kg_extract_restarted_ends_with_what_an_uninterrupted_run_wrote(corpus, serial, tmp_path):
    arguments = ["extract", str(corpus), "-o", str(tmp_path / "killed"), "-q", "--workers", "1"]
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, *arguments, str(KILL_AFTER)])
    assert killed.returncode == -signal.SIGKILL
    assert (tmp_path / "killed" / PROGRESS).read_bytes().count(b"\n") - 1 == KILL_AFTER
    assert subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", *arguments]).returncode == 0
    assert contents(tmp_path / "killed") == contents(serial)


def _is_worker(process) -> bool:
    try:
        return any("spawn_main" in part for part in process.cmdline())
    except psutil.Error:  # ended while we looked
        return False


def test_workers_end_when_their_killed_kg_build_cannot_stop_them(tmp_path):
    corpus = tmp_path / "long.jsonl"
    corpus.write_text("\n".join(corpus_lines(LONG_CORPUS_SIZE)) + "\n", encoding="utf-8")
    command = [sys.executable, "-c", "from kg.cli import main; main()", "build", str(corpus),
               "-o", str(tmp_path / "out"), "-q", "--workers", "2", "--no-html"]
    run = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    workers, deadline = [], time.monotonic() + 120
    while len(workers) < 2 and time.monotonic() < deadline and run.poll() is None:
        workers = [p for p in psutil.Process(run.pid).children() if _is_worker(p)]
        time.sleep(0.1)
    assert len(workers) == 2 and run.poll() is None
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    _, alive = psutil.wait_procs(workers, timeout=20)
    assert not alive


def test_build_resolves_and_validates_from_the_extraction_on_disk(corpus, tmp_path):
    report = build([corpus], tmp_path, Settings())
    assert report.documents == CORPUS_SIZE and not report.failed
    valid = (tmp_path / TRIPLES).read_text(encoding="utf-8").splitlines()
    assert len(valid) == report.validation["valid"] > 0
    entities = {e["name"]: e for e in map(json.loads, (tmp_path / "entities.jsonl").open(encoding="utf-8"))}
    assert "小米集团" in entities["小米"]["aliases"] and "小米集团" not in entities  # 小米集团（以下简称“小米”）
    assert "小米汽车" in entities  # a declared short form joins its own company, not every 小米 name
    again = build([corpus], tmp_path, Settings())
    assert again.resumed == CORPUS_SIZE
    assert (tmp_path / TRIPLES).read_text(encoding="utf-8").splitlines() == valid
