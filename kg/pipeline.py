"""The stages composed: read → normalise → recognise → relate → resolve → validate.

`build` runs the `extractor.Extractor` over a corpus (through `corpus`, in parallel and
resumably) into files, then resolves and validates in streaming passes over those files, so
memory does not grow with the number of triples. The CLI calls these; none of them prints.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Callable, Iterable, Iterator

from .corpus import Execution, directory_lock, extract_corpus
from .dictionaries import file_hash, read_table
from .extractor import Extractor, Settings
from .figures import conflict_report
from .limits import InputLimits
from .model import Document, KnowledgeGraph, Mention, Rejection
from .ontology import Ontology, load_ontology
from .build_outputs import write_directory_outputs
from .resolve import EntityResolver
from .sinks import jsonl
from .sinks.rdf import DEFAULT_BASE
from .sources import SourceError
from .validate import ValidationResult, ValidationTally, check_triple, validate


EXTRACTED = "extracted"  # a build's resumable extraction: a `kg extract` directory inside it
SETTINGS = "settings"  # copies of the ontology files, dictionaries and alias tables a build used
GRAPH_OUTPUT_LIMIT = 200_000  # valid triples; Neo4j from `kg build` and JSON-LD read the graph into memory
_RECORDED_FILES = ("ontology", "dictionaries", "aliases")


@dataclass(slots=True)
class BuildReport:
    documents: int = 0
    resumed: int = 0  # documents an earlier run of the same build had finished
    failed: list[SourceError] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # what extraction lost (problems.jsonl)
    notes: list[str] = field(default_factory=list)  # what reading did that is no failure (an id taken)
    mentions: int = 0
    entities: int = 0
    triples_extracted: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)  # what `record_settings` wrote

    def to_dict(self) -> dict:
        return {"settings": self.settings, "documents": self.documents, "resumed": self.resumed,
                "failed": [{"source": f.source, "reason": f.reason} for f in self.failed],
                "problems": self.problems, "notes": self.notes,
                "mentions": self.mentions, "triples_extracted": self.triples_extracted,
                "validation": self.validation, "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def build(inputs: Iterable[str | Path], directory: str | Path, settings: Settings = Settings(), *,
          execution=None, force: bool = False, stdin=None, extractor: Extractor | None = None,
          on_document: Callable | None = None, limits: InputLimits = InputLimits()) -> BuildReport:
    """Extract every input into DIRECTORY/extracted (resumable), then resolve entities across
    documents and validate every triple in a streaming pass over the files written there.

    Writes triples.jsonl, rejected.jsonl, entities.jsonl, mentions.jsonl and documents.jsonl;
    `on_document` hears each input's `corpus.Outcome` as it is done.
    """
    with directory_lock(directory):
        return _build(inputs, Path(directory), settings, execution, force, stdin, extractor, on_document, limits)


def _build(inputs, directory: Path, settings: Settings, execution, force, stdin, extractor,
           on_document, limits: InputLimits = InputLimits()) -> BuildReport:
    report = BuildReport()
    started = perf_counter()
    for outcome in extract_corpus(inputs, directory / EXTRACTED, settings, execution=execution or Execution(),
                                  force=force, stdin=stdin, extractor=extractor, limits=limits):
        if on_document is not None:
            on_document(outcome)
        if outcome.error is not None:
            report.failed.append(outcome.error)
        report.notes.extend(outcome.notes)
        report.resumed += outcome.skipped
    report.seconds["extract"] = perf_counter() - started
    report.settings = record_settings(directory, settings)  # only now: a refused resume changes nothing
    ontology = extractor.ontology if extractor else load_ontology(settings.ontology, settings.replace_ontology)
    resolve_extracted(directory / EXTRACTED, directory, ontology, settings.aliases, report)
    return report


def resolve_extracted(extracted: Path, directory: Path, ontology: Ontology, aliases: Iterable[str],
                      report: BuildReport) -> None:
    """Two passes over an extraction on disk: every mention teaches the resolver, then every
    triple is resolved (all aliases known by then), validated and written where it belongs."""
    started = perf_counter()
    resolver = EntityResolver(ontology, alias_files=aliases)
    for document, mentions in _documents_with_mentions(extracted):
        report.documents += 1
        report.mentions += len(mentions)
        resolver.learn_document_aliases(document.text, mentions, document.id)
        for m in mentions:
            resolver.canonical(m.norm or m.text, m.type, document.id)
            if m.norm and m.text != m.norm:
                resolver.add_spelling(m.text, m.type, document.id)  # 寧德時代: searchable as written
    report.seconds["resolve"] = perf_counter() - started
    started = perf_counter()
    tally = ValidationTally()
    with jsonl.writing(directory / jsonl.TRIPLES) as valid, jsonl.writing(directory / jsonl.REJECTED) as rejected:
        for triple in jsonl.read_triples(extracted / jsonl.TRIPLES):
            triple = resolver.resolve_triple(triple)
            violations = check_triple(triple, ontology)
            tally.add(triple, violations)
            jsonl.dump_line(Rejection(triple, violations).to_dict() if violations else triple.to_dict(),
                            rejected if violations else valid)
    report.triples_extracted = tally.valid + tally.rejected
    report.validation = tally.summary()
    # Every group is a mention's or a triple endpoint's (resolve_triple adds the latter), so all
    # are written, streamed in id order from the resolver's store.
    report.entities = jsonl.write_lines(directory / jsonl.ENTITIES, (e.to_dict() for e in resolver.iter_entities()))
    resolver.close()
    report.problems = list(jsonl.read_problems(extracted / jsonl.PROBLEMS))
    for name in (jsonl.MENTIONS, jsonl.DOCUMENTS, jsonl.PROBLEMS):
        with jsonl.replacing(directory / name) as partial:
            shutil.copyfile(extracted / name, partial)
    report.seconds["validate"] = perf_counter() - started


def _documents_with_mentions(extracted: Path) -> Iterator[tuple[Document, list[Mention]]]:
    """documents.jsonl and mentions.jsonl side by side: both were written document by document."""
    mentions = jsonl.read_mentions(extracted / jsonl.MENTIONS)
    waiting = next(mentions, None)
    for document in jsonl.read_document_records(extracted / jsonl.DOCUMENTS):
        own = []
        while waiting is not None and waiting.doc == document.id:
            own.append(waiting)
            waiting = next(mentions, None)
        yield document, own


def write_graph_outputs(directory: str | Path, report: BuildReport, ontology: Ontology, *,
                        rdf_formats: tuple[str, ...] = ("ttl",), base: str = DEFAULT_BASE, html: bool = True,
                        limit: int = GRAPH_OUTPUT_LIMIT, load_graph: bool = False) -> tuple[KnowledgeGraph | None, dict]:
    """RDF, the page and report.json for a built directory, streamed from its files
    (`build_outputs`): the report summary, and the graph when `load_graph` asks for it (for
    Neo4j) and it has at most `limit` valid triples, else None. Memory does not grow with the graph.
    """
    directory = Path(directory)
    summary = report.to_dict()
    summary["conflicts"] = conflict_report(directory, ontology)  # figures the documents disagree on
    write_directory_outputs(directory, summary, ontology, rdf_formats=rdf_formats, base=base, html=html,
                            jsonld_limit=limit)
    graph = jsonl.read_graph(directory) if load_graph and report.validation.get("valid", 0) <= limit else None
    return graph, summary


# ---------------------------------------------------------------- what a build was made with

def record_settings(directory: str | Path, settings: Settings) -> dict:
    """Copy every ontology file, dictionary and alias table of `settings` into DIRECTORY/settings/
    and describe them for report.json: the path as given, the copy and the sha256 of its bytes.

    Later commands (`kg load`, `kg viz`, `kg export`, `kg validate`) read the graph with this
    ontology, so a graph built with an extension never meets the plain ontology again.
    """
    directory = Path(directory)
    record: dict = {"replace_ontology": settings.replace_ontology, "use_model": settings.use_model}
    for kind in _RECORDED_FILES:
        record[kind] = []
        for number, given in enumerate(getattr(settings, kind), 1):
            copy = Path(SETTINGS) / kind / f"{number}-{Path(given).name}"
            (directory / copy).parent.mkdir(parents=True, exist_ok=True)
            with jsonl.replacing(directory / copy) as partial:
                shutil.copyfile(given, partial)
            record[kind].append({"path": str(given), "copy": copy.as_posix(), "sha256": file_hash(directory / copy)})
    return record


def recorded_settings(directory: str | Path) -> Settings:
    """The `Settings` a build directory was made with, pointing at the copies it keeps (each
    checked against the hash report.json gives it). A directory without a record (made by an
    older version, or `kg extract`) gives the default settings."""
    directory = Path(directory)
    record = jsonl.read_report(directory).get("settings")
    if not isinstance(record, dict):
        return Settings()
    files: dict[str, tuple[str, ...]] = {}
    for kind in _RECORDED_FILES:
        paths = []
        for entry in record.get(kind) or ():
            try:
                copy = directory / entry["copy"]
                found = file_hash(copy)
            except (OSError, KeyError, TypeError):
                raise jsonl.BuildDirectoryError(
                    f"{directory}: the {kind} file {entry!r} this graph was built with is missing from "
                    f"{directory / SETTINGS}; rebuild it") from None
            if found != entry.get("sha256"):
                raise jsonl.BuildDirectoryError(f"{copy}: changed since the build (sha256 {found[:12]}…, "
                                                f"report.json says {str(entry.get('sha256'))[:12]}…); rebuild")
            paths.append(str(copy))
        files[kind] = tuple(paths)
    return Settings(files["ontology"], bool(record.get("replace_ontology")), files["dictionaries"],
                    files["aliases"], bool(record.get("use_model", True)))


def build_ontology(source: str | Path, extra: Iterable[str | Path] = (), replace: bool = False) -> Ontology:
    """The ontology of a build: the one it was built with (recorded in its report.json), extended
    by `extra` files, or only the `extra` files when `replace` is set. `source` is a build
    directory or a file inside one."""
    source = Path(source)
    directory = source if source.is_dir() else source.parent
    extra = [str(p) for p in extra]
    if replace:
        return load_ontology(extra, True)
    recorded = recorded_settings(directory)
    return load_ontology([*recorded.ontology, *extra], recorded.replace_ontology)


# ---------------------------------------------------------------- the commands' library halves

@dataclass(slots=True)
class BuiltDirectory:
    """A finished `kg build`: its report, report.json's content and (below the limit) the graph."""

    report: BuildReport
    summary: dict
    graph: KnowledgeGraph | None
    ontology: Ontology


def build_directory(inputs: Iterable[str | Path], directory: str | Path, settings: Settings = Settings(), *,
                    execution=None, force: bool = False, stdin=None, extractor: Extractor | None = None,
                    on_document: Callable | None = None, rdf_formats: tuple[str, ...] = ("ttl",),
                    base: str = DEFAULT_BASE, html: bool = True, limit: int = GRAPH_OUTPUT_LIMIT,
                    limits: InputLimits = InputLimits(), load_graph: bool = False) -> BuiltDirectory:
    """Everything `kg build` does but print: extract (resumably), resolve, validate, then write
    RDF, the page and report.json. Raises `ResumeError`, `OntologyError` or `DictionaryError`
    (usage errors) before extracting anything."""
    for table in settings.aliases:
        read_table(table)  # a broken alias table is a usage error now, not after the extraction
    extractor = extractor or Extractor(settings)
    with directory_lock(directory):
        report = _build(inputs, Path(directory), settings, execution, force, stdin, extractor, on_document, limits)
        graph, summary = write_graph_outputs(directory, report, extractor.ontology, rdf_formats=rdf_formats,
                                             base=base, html=html, limit=limit, load_graph=load_graph)
    return BuiltDirectory(report, summary, graph, extractor.ontology)


@dataclass(slots=True)
class Revalidation:
    """`kg validate`: the triples split again, the summary it prints, the lines it could not read."""

    result: ValidationResult
    summary: dict
    unreadable: list[jsonl.LineError]


def revalidate(source: str | Path, extra_ontology: Iterable[str | Path] = (), replace_ontology: bool = False, *,
               shacl: bool = False, output: str | Path | None = None) -> Revalidation:
    """Check the triples of a build directory (valid and rejected alike) or of a triples.jsonl
    against the ontology the build recorded, extended by `extra_ontology`; optionally with SHACL.
    Writes OUTPUT/triples.jsonl and OUTPUT/rejected.jsonl when `output` is given."""
    path = Path(source)
    ontology = build_ontology(path, extra_ontology, replace_ontology)
    unreadable: list[jsonl.LineError] = []
    if path.is_dir():
        if not (path / jsonl.TRIPLES).exists():
            raise jsonl.BuildDirectoryError(f"{path}: no {jsonl.TRIPLES} here")
        triples = [*jsonl.read_triples(path / jsonl.TRIPLES, unreadable),
                   *(r.triple for r in jsonl.read_rejections(path / jsonl.REJECTED, unreadable))]
    else:
        triples = list(jsonl.read_triples(path, unreadable))
    result = validate(triples, ontology)
    summary = result.summary()
    if unreadable:
        summary["unreadable_lines"] = [str(e) for e in unreadable]
    if shacl:
        from .ontology import load_graph
        from .shacl import shacl_violations
        from .sinks.rdf import to_rdf, union_graph
        recorded = Settings() if replace_ontology else recorded_settings(path if path.is_dir() else path.parent)
        shapes_from = [*recorded.ontology, *map(str, extra_ontology)]
        data = union_graph(to_rdf(KnowledgeGraph(triples=result.valid), ontology))
        violations = shacl_violations(data, load_graph(shapes_from, replace_ontology or recorded.replace_ontology))
        by_rule: dict[str, int] = {}
        for v in violations:
            by_rule[v.rule] = by_rule.get(v.rule, 0) + 1
        summary["shacl"] = {"conforms": not violations, "violations": len(violations), "by_rule": by_rule}
    if output:
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        jsonl.write_lines(out / jsonl.TRIPLES, (t.to_dict() for t in result.valid))
        jsonl.write_lines(out / jsonl.REJECTED, (r.to_dict() for r in result.rejected))
    return Revalidation(result, summary, unreadable)


def read_build(directory: str | Path, unreadable: list[jsonl.LineError] | None = None
               ) -> tuple[KnowledgeGraph, Ontology]:
    """A build directory's graph and the ontology it was built with (for load, viz, export, stats)."""
    return jsonl.read_graph(directory, unreadable), build_ontology(directory)
