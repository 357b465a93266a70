"""The `kg` command line: argument parsing only; every command calls the library."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from time import perf_counter

import click

from . import __version__

EXIT_PARTIAL = 1


def _ontology_options(f):
    f = click.option("--replace-ontology", is_flag=True,
                     help="Use only the --ontology files, not the built-in ontology.")(f)
    f = click.option("--ontology", "ontology", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Extra ontology (Turtle) whose predicates, triggers and units are extracted and "
                          "validated too. Repeatable.")(f)
    return f


def _extraction_options(f):
    f = _ontology_options(f)
    f = click.option("--dict", "dictionaries", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="Dictionary TSV (name<TAB>class<TAB>alias|alias) whose names are always found whole. "
                          "Repeatable.")(f)
    f = click.option("--no-model", is_flag=True, help="Recognise with dictionaries and rules only (no trained model).")(f)
    f = click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")(f)
    f = click.argument("inputs", nargs=-1, required=True)(f)
    return f


def _settings(ontology, replace_ontology, dictionaries, no_model, aliases=()):
    from .extractor import Settings
    return Settings(tuple(ontology), replace_ontology, tuple(dictionaries), tuple(aliases), not no_model)


def _extractor(settings):
    from .ontology import OntologyError
    from .extractor import Extractor
    from .recognise.lexicon import DictionaryError
    try:
        return Extractor(settings)
    except (OntologyError, DictionaryError) as exc:
        raise click.UsageError(str(exc)) from None


def _check_base(ctx, param, value):
    """--base: a usage error (exit 2, one line) before anything is read or written."""
    from .sinks.rdf import check_base
    try:
        return None if value is None else check_base(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _run_options(f):
    f = click.option("--force", is_flag=True,
                     help="Start over: reprocess documents an earlier run of this OUTPUT already finished.")(f)
    f = click.option("--scheduler", default="", metavar="ADDRESS",
                     help="Run on a Dask cluster: tcp://host:8786, or 'local' for a cluster of --workers "
                          "processes on this machine.")(f)
    f = click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default=True,
                     help="Worker processes; each loads the models once.")(f)
    return f


def _limit_option(f):
    from .limits import DEFAULT_MAX_DOC_CHARS
    return click.option("--max-doc-chars", type=click.IntRange(min=1), default=DEFAULT_MAX_DOC_CHARS,
                        show_default=True,
                        help="Longest document read, in characters; a longer file, JSON Lines record or line "
                             "(also a decompression bomb) is reported and skipped, the rest goes on.")(f)


def _limits(max_doc_chars):
    from .limits import InputLimits
    return InputLimits(max_doc_chars)


def _execution(workers, scheduler):
    from .corpus import Execution
    return Execution(workers, scheduler)


class _Progress:
    """Documents/s, ETA (when the total is known) and failures so far on stderr."""

    def __init__(self, quiet: bool, inputs):
        from tqdm import tqdm
        from .corpus import count_documents
        total = None if quiet else count_documents(inputs)
        self.bar = tqdm(total=total, unit="doc", file=sys.stderr, disable=quiet or None, leave=False,
                        dynamic_ncols=True)
        self.failed, self.documents, self.resumed, self.triples, self.mentions, self.chars = [], 0, 0, 0, 0, 0
        self.started = perf_counter()

    def __call__(self, outcome) -> None:
        if outcome.error is not None:
            self.failed.append(outcome.error)
            self.bar.write(f"error: {outcome.error}", file=sys.stderr)
        else:
            self.documents += 1
        self.resumed += outcome.skipped
        self.triples += outcome.triples
        self.mentions += outcome.mentions
        self.chars += 0 if outcome.skipped else outcome.chars
        self.bar.update(1)
        self.bar.set_postfix(failed=len(self.failed), resumed=self.resumed, refresh=False)

    def close(self):
        self.bar.close()


def _fail_if_partial(failed) -> None:
    if failed:
        click.echo(f"{len(failed)} input(s) failed:", err=True)
        for f in failed:
            click.echo(f"  {f}", err=True)
        sys.exit(EXIT_PARTIAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kg")
def main():
    """zhkg: Chinese business, technology and financial text → a validated knowledge graph.

    \b
    Start here:
      kg build examples/ -o out/example      # JSONL, RDF, HTML page and report
      kg extract article.txt -o out/          # just triples.jsonl and mentions.jsonl
    INPUT is a text file (UTF-8, UTF-16 or GB18030/GBK), a directory (read recursively),
    a JSON Lines file with {"id", "text"} per line (.gz too) or - for standard input.
    """


@main.command()
@_extraction_options
@_run_options
@_limit_option
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Directory to write into.")
def extract(inputs, output, ontology, replace_ontology, dictionaries, no_model, quiet, workers, scheduler, force,
            max_doc_chars):
    """Extract triples and mentions, written as each document is done.

    \b
    Writes OUTPUT/triples.jsonl (one fact per line: subject, predicate, object, time,
    evidence with offsets into the original text, confidence, extractor),
    OUTPUT/mentions.jsonl ({doc, text, type, start, end}, end exclusive),
    OUTPUT/documents.jsonl and OUTPUT/progress.jsonl. Triples are not yet resolved or
    validated: use `kg build` for the checked graph. Run the same command again after an
    interruption and it goes on where it stopped (--force starts over).

    \b
    Examples:
      kg extract news.txt -o out/
      cat corpus.jsonl | kg extract - -o out/ --dict my-companies.tsv
      kg extract corpus.jsonl.gz -o out/ --workers 8
      kg extract corpus/ -o out/ --scheduler tcp://10.0.0.5:8786
    """
    from .corpus import ResumeError, extract_corpus
    from .sinks.jsonl import TRIPLES
    settings = _settings(ontology, replace_ontology, dictionaries, no_model)
    extractor = _extractor(settings)
    progress = _Progress(quiet, inputs)
    try:
        for outcome in extract_corpus(inputs, output, settings, execution=_execution(workers, scheduler),
                                      force=force, extractor=extractor, limits=_limits(max_doc_chars)):
            progress(outcome)
    except ResumeError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        progress.close()
    if not quiet:
        seconds = max(perf_counter() - progress.started, 1e-9)
        click.echo(f"{progress.documents} document(s) ({progress.resumed} done before): {progress.triples} triples, "
                   f"{progress.mentions} mentions, {progress.chars / seconds:,.0f} chars/s → "
                   f"{Path(output) / TRIPLES}", err=True)
    _fail_if_partial(progress.failed)


@main.command()
@_extraction_options
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Directory to write into.")
@click.option("--aliases", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Alias table TSV (name<TAB>class<TAB>alias|alias) for entity resolution. Repeatable.")
@click.option("--rdf", "rdf_formats", multiple=True, default=("ttl",), show_default=True,
              type=click.Choice(["ttl", "nt", "jsonld", "trig", "nq"]), help="RDF format(s) to write.")
@click.option("--base", default=None, callback=_check_base,
              help="Base IRI for entities, facts and documents in the RDF (absolute, ending in / or #).")
@click.option("--no-html", is_flag=True, help="Do not write the interactive page.")
@click.option("--neo4j", "neo4j_uri", default=None, metavar="URI",
              help="Also load the graph into Neo4j (user/password/database from NEO4J_USERNAME, "
                   "NEO4J_PASSWORD, NEO4J_DATABASE).")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any triple was rejected.")
@_run_options
@_limit_option
def build(inputs, output, ontology, replace_ontology, dictionaries, no_model, quiet, aliases, rdf_formats, base,
          no_html, neo4j_uri, strict, workers, scheduler, force, max_doc_chars):
    """Build the validated graph: extract, resolve entities, validate, write every output.

    \b
    OUTPUT gets triples.jsonl (valid facts), rejected.jsonl (facts that failed a rule,
    with the rule, expected and found), entities.jsonl (one line per resolved entity),
    mentions.jsonl, documents.jsonl, graph.ttl (or --rdf formats), graph.html (open it in
    a browser, no network needed) and report.json (counts per stage, per predicate, per
    rule, timings). OUTPUT/extracted/ keeps the extraction: an interrupted build run again
    skips the documents it finished (--force starts over). Memory stays flat as the corpus
    grows: the RDF is streamed from the files, and a big graph's page shows the most connected
    entities and their neighbours (the page and report.json say so); above 200,000 valid
    triples JSON-LD is skipped and --neo4j refused (use another format, `kg export -f neo4j-import`).

    \b
    Examples:
      kg build examples/ -o out/example
      kg build corpus.jsonl.gz -o out/corpus --workers 8 --no-html
      kg build corpus/ -o out/corpus --rdf ttl --rdf nq --dict companies.tsv
      kg build news.txt -o out/ --ontology ontology/examples/esg.ttl --strict
    """
    from .corpus import ResumeError
    from .pipeline import build as run, write_graph_outputs
    from .sinks.rdf import DEFAULT_BASE
    settings = _settings(ontology, replace_ontology, dictionaries, no_model, aliases)
    extractor = _extractor(settings)
    progress = _Progress(quiet, inputs)
    try:
        report = run(inputs, output, settings, execution=_execution(workers, scheduler), force=force,
                     extractor=extractor, on_document=progress, limits=_limits(max_doc_chars))
    except ResumeError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        progress.close()
    graph, summary = write_graph_outputs(output, report, extractor.ontology, rdf_formats=tuple(rdf_formats),
                                         base=base or DEFAULT_BASE, html=not no_html, load_graph=bool(neo4j_uri))
    if neo4j_uri:
        from .sinks.neo4j import Neo4jLoadError, connect, load_graph
        if graph is None:
            raise click.ClickException("the graph is too big to load from memory; use "
                                       f"`kg export {output} -f neo4j-import -o import/`")
        try:
            connection = connect(neo4j_uri)
            with connection.driver:
                loaded = load_graph(graph, connection.driver, database=connection.database,
                                    ontology=extractor.ontology)
        except Neo4jLoadError as exc:
            raise click.ClickException(str(exc)) from None
        if not quiet:
            click.echo(f"Neo4j: {loaded.describe()}", err=True)
    if not quiet:
        counts = summary["counts"]
        rules = {rule: n for rule, n in summary["validation"].get("by_rule", {}).items() if n}
        click.echo(f"{counts['documents']} document(s): {counts['entities']} entities, {counts['triples']} triples "
                   f"valid, {counts['rejected']} rejected" + (f" ({', '.join(f'{k}: {v}' for k, v in rules.items())})"
                                                              if rules else ""), err=True)
        if "skipped" in summary:
            click.echo(f"Skipped {', '.join(summary['skipped']['outputs'])}: {summary['skipped']['reason']}", err=True)
        files = sorted(p.name for p in Path(output).iterdir() if p.is_file())
        click.echo(f"Results in {output}/: {', '.join(files)}", err=True)
    _fail_if_partial(report.failed)
    if strict and summary["counts"]["rejected"]:
        sys.exit(EXIT_PARTIAL)


@main.command()
@click.argument("source", type=click.Path(exists=True))
@_ontology_options
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Write valid and rejected triples here.")
@click.option("--shacl", is_flag=True, help="Also check the RDF rendering with pyshacl against ontology/shapes.ttl.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any triple is rejected.")
def validate(source, ontology, replace_ontology, output, shacl, strict):
    """Check triples against the ontology: predicate, domain, range, units, values, time.

    SOURCE is a build directory or a triples.jsonl file (for example from `kg extract`).
    Prints a JSON summary (counts per rule and per predicate).

    \b
    Examples:
      kg validate out/example --shacl
      kg validate out/triples.jsonl --ontology my-extension.ttl -o checked/ --strict
    """
    from .model import KnowledgeGraph
    from .ontology import OntologyError, load_ontology
    from .sinks import jsonl
    from .validate import validate as check
    try:
        onto = load_ontology(ontology, replace_ontology)
        path = Path(source)
        triples = jsonl.read_triples(path / jsonl.TRIPLES if path.is_dir() else path)
    except (OntologyError, jsonl.BuildDirectoryError) as exc:
        raise click.UsageError(str(exc)) from None
    result = check(triples, onto)
    summary = result.summary()
    if shacl:
        from .shacl import shacl_violations
        from .ontology import load_graph
        from .sinks.rdf import to_rdf, union_graph
        data = union_graph(to_rdf(KnowledgeGraph(triples=result.valid), onto))
        violations = shacl_violations(data, load_graph(ontology, replace_ontology))
        counts: dict[str, int] = {}
        for v in violations:
            counts[v.rule] = counts.get(v.rule, 0) + 1
        summary["shacl"] = {"conforms": not violations, "violations": len(violations), "by_rule": counts}
    if output:
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        jsonl.write_lines(out / jsonl.TRIPLES, (t.to_dict() for t in result.valid))
        jsonl.write_lines(out / jsonl.REJECTED, (r.to_dict() for r in result.rejected))
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    if (strict and result.rejected) or not summary.get("shacl", {}).get("conforms", True):
        sys.exit(EXIT_PARTIAL)


def _read_build(directory):
    from .sinks.jsonl import BuildDirectoryError, read_graph
    try:
        return read_graph(directory)
    except BuildDirectoryError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False))
@click.option("-f", "--format", "fmt", required=True,
              type=click.Choice(["ttl", "nt", "jsonld", "trig", "nq", "neo4j-import"]),
              help="RDF serialisation, or neo4j-import for CSV files and the neo4j-admin command.")
@click.option("-o", "--output", required=True, type=click.Path(), help="File (RDF) or directory (neo4j-import).")
@click.option("--base", default=None, callback=_check_base, help="Base IRI for the RDF (ending in / or #).")
@_ontology_options
def export(build_dir, fmt, output, base, ontology, replace_ontology):
    """Export a built graph as RDF, or as CSV for `neo4j-admin database import`.

    \b
    Examples:
      kg export out/example -f nq -o graph.nq          # each document's facts in a named graph
      kg export out/example -f jsonld -o graph.jsonld  # context inlined, no network needed
      kg export out/example -f neo4j-import -o import/ # then run import/import-command.txt
    """
    from .ontology import load_ontology
    graph = _read_build(build_dir)
    onto = load_ontology(ontology, replace_ontology)
    if fmt == "neo4j-import":
        from .sinks.neo4j_import import write_neo4j_import
        command = write_neo4j_import(graph, output, onto)
        click.echo(f"CSV files in {output}/; import with:\n{Path(command).read_text(encoding='utf-8')}")
        return
    from .sinks.rdf import DEFAULT_BASE, write_rdf
    count = write_rdf(graph, output, fmt, onto, base or DEFAULT_BASE)
    click.echo(f"{count} statements → {output}", err=True)


@main.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.option("--title", default="", help="Page title.")
def viz(build_dir, output, title):
    """Draw a built graph as one self-contained HTML page (works offline).

    \b
    Example:
      kg viz out/example -o example.html && xdg-open example.html
    """
    from .ontology import load_ontology
    from .sinks.html import write_html
    path = write_html(_read_build(build_dir), output, load_ontology(), title=title)
    click.echo(f"page → {path}", err=True)


@main.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--uri", envvar="NEO4J_URI", default="bolt://localhost:7687", show_default=True, help="Bolt URI ($NEO4J_URI).")
@click.option("--user", envvar="NEO4J_USERNAME", default="neo4j", show_default=True, help="User ($NEO4J_USERNAME).")
@click.option("--password", envvar="NEO4J_PASSWORD", default=None, help="Password ($NEO4J_PASSWORD).")
@click.option("--database", envvar="NEO4J_DATABASE", default=None, help="Database ($NEO4J_DATABASE; server default).")
@click.option("--replace-doc", is_flag=True, help="Delete what earlier loads said for these documents first.")
@click.option("--batch-size", default=None, type=int, help="Rows per UNWIND batch.")
def load(build_dir, uri, user, password, database, replace_doc, batch_size):
    """Load a built graph into Neo4j: idempotent, batched MERGE; reloading changes nothing.

    \b
    Examples:
      NEO4J_PASSWORD=secret kg load out/example
      kg load out/example --uri bolt://127.0.0.1:7687 --password secret --replace-doc
    """
    from .ontology import load_ontology
    from .sinks.neo4j import DEFAULT_BATCH_SIZE, Neo4jLoadError, connect, load_graph
    graph = _read_build(build_dir)
    try:
        connection = connect(uri, user, password, database)
        with connection.driver:
            summary = load_graph(graph, connection.driver, database=connection.database,
                                 batch_size=batch_size or DEFAULT_BATCH_SIZE, replace_docs=replace_doc,
                                 ontology=load_ontology())
    except Neo4jLoadError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary.describe())


@main.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def stats(build_dir, as_json):
    """Summarise a built graph: counts by class and predicate, central entities, documents.

    \b
    Examples:
      kg stats out/example
      kg stats out/example --json | jq .predicates
    """
    from .analytics import format_summary, summary
    result = summary(_read_build(build_dir))
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_summary(result))
