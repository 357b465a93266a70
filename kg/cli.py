"""The `kg` command line: argument parsing only; every command calls the library."""

from __future__ import annotations

import json
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
    from .extractor import Extractor
    return Extractor(settings)


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
    f = click.option("--workers", type=click.IntRange(min=1), default=None,
                     help="Worker processes; each loads the models once. Default: one process for inputs "
                          "under 1 MB, else one per core.")(f)
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
        self.notes: list[str] = []
        self.started = perf_counter()

    def __call__(self, outcome) -> None:
        if outcome.error is not None:
            self.failed.append(outcome.error)
        elif not outcome.dropped:
            self.documents += 1
        self.notes.extend(outcome.notes)
        self.resumed += outcome.skipped
        self.triples += outcome.triples
        self.mentions += outcome.mentions
        self.chars += 0 if outcome.skipped else outcome.chars
        self.bar.update(1)
        self.bar.set_postfix(failed=len(self.failed), resumed=self.resumed, refresh=False)

    def close(self):
        self.bar.close()


def _shown(text, lines: bool = False) -> str:
    """A file name or message as the terminal may show it: control characters (escape codes,
    and line breaks unless `lines`) and undecodable bytes written as escapes, never sent raw."""
    kept = "\n" if lines else ""
    return "".join(ch if ch.isprintable() or ch in kept else ascii(ch)[1:-1] for ch in str(text))


def _fail_if_partial(failed, what: str = "input(s) failed", problems=(), notes=()) -> None:
    """Each failure listed once on stderr (file, line or record, and reason), then exit 1.

    `problems` are what was lost inside a document (an unreadable figure, bytes that were not
    text: exit 1 too); `notes` what reading did that loses nothing (an input whose id was
    taken, kept apart under a new one): said, exit 0."""
    if notes:
        click.echo(f"{len(notes)} note(s):", err=True)
        for line in notes:
            click.echo(f"  {_shown(line)}", err=True)
    if problems:
        click.echo(f"{len(problems)} part(s) of documents could not be read (the rest of each document was):",
                   err=True)
        for p in problems:
            click.echo(f"  {_shown(p if isinstance(p, str) else _problem_text(p))}", err=True)
    if failed:
        click.echo(f"{len(failed)} {what}:", err=True)
        for f in failed:
            click.echo(f"  {_shown(f)}", err=True)
    if failed or problems:
        sys.exit(EXIT_PARTIAL)


def _problem_text(p: dict) -> str:
    return f"{p['doc']}:{p['start']}-{p['end']} {p.get('text', '')!r}: {p['reason']}"


def _usage_errors() -> tuple[type[Exception], ...]:
    """Library exceptions that mean the command was asked for something impossible: exit 2."""
    from .corpus import ResumeError
    from .dictionaries import DictionaryError
    from .ontology import OntologyError
    from .sinks.jsonl import BuildDirectoryError
    return OntologyError, DictionaryError, ResumeError, BuildDirectoryError


def _failures() -> tuple[type[Exception], ...]:
    """Library exceptions with a message meant for the user: exit 1, no traceback."""
    from .corpus import DirectoryInUse
    from .sinks.neo4j import Neo4jLoadError
    from .sinks.neo4j_graph import GraphModelError
    return DirectoryInUse, Neo4jLoadError, GraphModelError, OSError


class _Commands(click.Group):
    """The error policy in one place: usage errors exit 2, failures exit 1 with one line each,
    and a traceback is shown only with --debug."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            if isinstance(exc, _usage_errors()):
                raise click.UsageError(_shown(exc, lines=True)) from None
            if isinstance(exc, _failures()):
                raise click.ClickException(_shown(exc, lines=True)) from None
            raise click.ClickException(f"{type(exc).__name__}: {_shown(exc, lines=True)} (run with --debug for the "
                                       "traceback)") from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kg")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an unexpected error.")
def main(debug):
    """zhkg: Chinese business, technology and financial text → a validated knowledge graph.

    \b
    Start here:
      kg build examples/ -o out/example      # JSONL, RDF, HTML page and report
      kg extract article.txt -o out/          # just triples.jsonl and mentions.jsonl
    Exit status: 0 success; 1 some inputs or records failed (each listed once on stderr) or
    --strict found rejections; 2 usage error. --debug shows tracebacks.
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
    OUTPUT/documents.jsonl, OUTPUT/problems.jsonl (what was lost inside a document, such as
    a figure too large to compute) and OUTPUT/progress.jsonl. Triples are not yet resolved or
    validated: use `kg build` for the checked graph. Run the same command again after an
    interruption and it goes on where it stopped, unless an ontology file or dictionary
    changed since (compared by content; --force starts over).

    \b
    Examples:
      kg extract news.txt -o out/
      cat corpus.jsonl | kg extract - -o out/ --dict my-companies.tsv
      kg extract corpus.jsonl.gz -o out/ --workers 8
      kg extract corpus/ -o out/ --scheduler tcp://10.0.0.5:8786
    """
    from .corpus import extract_corpus
    from .sinks.jsonl import PROBLEMS, TRIPLES, read_problems
    settings = _settings(ontology, replace_ontology, dictionaries, no_model)
    extractor = _extractor(settings)
    progress = _Progress(quiet, inputs)
    try:
        for outcome in extract_corpus(inputs, output, settings, execution=_execution(workers, scheduler),
                                      force=force, extractor=extractor, limits=_limits(max_doc_chars)):
            progress(outcome)
    finally:
        progress.close()
    if not quiet:
        seconds = max(perf_counter() - progress.started, 1e-9)
        click.echo(f"{progress.documents} document(s) ({progress.resumed} done before): {progress.triples} triples, "
                   f"{progress.mentions} mentions, {progress.chars / seconds:,.0f} chars/s → "
                   f"{_shown(Path(output) / TRIPLES)}", err=True)
    _fail_if_partial(progress.failed, problems=list(read_problems(Path(output) / PROBLEMS)), notes=progress.notes)


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
    rule, timings, and the ontology files, dictionaries and alias tables used, with their
    sha256; copies are kept in OUTPUT/settings/ and later commands read the graph with them).
    OUTPUT/extracted/ keeps the extraction: an interrupted build run again skips the
    documents it finished, unless an ontology file or dictionary changed since (compared by
    content; --force starts over). Memory stays flat as the corpus grows: the RDF is streamed
    from the files, and a big graph's page shows the most connected entities and their
    neighbours (the page and report.json say so); above 200,000 valid triples JSON-LD is
    skipped and --neo4j refused (use `kg export -f neo4j-import`).

    \b
    Examples:
      kg build examples/ -o out/example
      kg build corpus.jsonl.gz -o out/corpus --workers 8 --no-html
      kg build corpus/ -o out/corpus --rdf ttl --rdf nq --dict companies.tsv
      kg build news.txt -o out/ --ontology ontology/examples/esg.ttl --strict
    """
    from .pipeline import build_directory
    from .sinks.rdf import DEFAULT_BASE
    settings = _settings(ontology, replace_ontology, dictionaries, no_model, aliases)
    progress = _Progress(quiet, inputs)
    try:
        built = build_directory(inputs, output, settings, execution=_execution(workers, scheduler), force=force,
                                extractor=_extractor(settings), on_document=progress,
                                rdf_formats=tuple(rdf_formats), base=base or DEFAULT_BASE, html=not no_html,
                                limits=_limits(max_doc_chars), load_graph=bool(neo4j_uri))
    finally:
        progress.close()
    summary = built.summary
    if neo4j_uri:
        if built.graph is None:
            raise click.ClickException("the graph is too big to load from memory; use "
                                       f"`kg export {output} -f neo4j-import -o import/`")
        from .api import load_build
        loaded = load_build(output, neo4j_uri, graph=built.graph, ontology=built.ontology)
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
        files = sorted(p.name for p in Path(output).iterdir() if p.is_file() and not p.name.startswith("."))
        click.echo(f"Results in {_shown(output)}/: {', '.join(files)}", err=True)
    _fail_if_partial(built.report.failed, problems=built.report.problems, notes=built.report.notes)
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

    SOURCE is a build directory (its valid and rejected triples are checked again, with the
    ontology it was built with plus any --ontology) or a triples.jsonl file (for example from
    `kg extract`). Prints a JSON summary (counts per rule and per predicate).

    \b
    Examples:
      kg validate out/example --shacl
      kg validate out/triples.jsonl --ontology my-extension.ttl -o checked/ --strict
    """
    from .pipeline import revalidate
    checked = revalidate(source, ontology, replace_ontology, shacl=shacl, output=output)
    click.echo(json.dumps(checked.summary, ensure_ascii=False, indent=2))
    _fail_if_partial(checked.unreadable, what="line(s) could not be read")
    if (strict and checked.result.rejected) or not checked.summary.get("shacl", {}).get("conforms", True):
        sys.exit(EXIT_PARTIAL)


def _read_build(directory, with_ontology: bool = True):
    """The graph and ontology of a build; unreadable lines are left out and listed at exit."""
    from .pipeline import read_build
    from .sinks.jsonl import read_graph
    unreadable: list = []
    graph, onto = read_build(directory, unreadable) if with_ontology else (read_graph(directory, unreadable), None)
    click.get_current_context().call_on_close(lambda: _fail_if_partial(unreadable, what="line(s) could not be read"))
    return graph, onto


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

    The graph is read with the ontology it was built with (see report.json), plus any --ontology.

    \b
    Examples:
      kg export out/example -f nq -o graph.nq          # each document's facts in a named graph
      kg export out/example -f jsonld -o graph.jsonld  # context inlined, no network needed
      kg export out/example -f neo4j-import -o import/ # then run import/import-command.txt
    """
    from .pipeline import build_ontology
    graph, onto = _read_build(build_dir)
    if ontology or replace_ontology:
        onto = build_ontology(build_dir, ontology, replace_ontology)
    if fmt == "neo4j-import":
        from .sinks.neo4j_import import write_neo4j_import
        command = write_neo4j_import(graph, output, onto)
        click.echo(f"CSV files in {_shown(output)}/; import with:\n{Path(command).read_text(encoding='utf-8')}")
        return
    from .sinks.jsonl import replacing
    from .sinks.rdf import DEFAULT_BASE, write_rdf
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with replacing(output) as partial:
        count = write_rdf(graph, partial, fmt, onto, base or DEFAULT_BASE)
    click.echo(f"{count} statements → {_shown(output)}", err=True)


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
    from .sinks.html import write_html
    from .sinks.jsonl import replacing
    graph, onto = _read_build(build_dir)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    with replacing(output) as partial:
        write_html(graph, partial, onto, title=title)
    click.echo(f"page → {_shown(output)}", err=True)


def _bolt_uri(ctx, param, value):
    from urllib.parse import urlsplit
    if value is None:
        return value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: {exc}") from None
    if parts.scheme not in BOLT_SCHEMES or not parts.hostname:
        raise click.BadParameter(f"{value!r} is not a Neo4j URI; expected bolt://host:7687 or neo4j://host "
                                 f"(schemes: {', '.join(sorted(BOLT_SCHEMES))})")
    return value


BOLT_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


@main.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--uri", envvar="NEO4J_URI", default="bolt://localhost:7687", show_default=True, callback=_bolt_uri,
              help="Bolt URI ($NEO4J_URI).")
@click.option("--user", envvar="NEO4J_USERNAME", default="neo4j", show_default=True, help="User ($NEO4J_USERNAME).")
@click.option("--password", envvar="NEO4J_PASSWORD", default=None, help="Password ($NEO4J_PASSWORD).")
@click.option("--database", envvar="NEO4J_DATABASE", default=None, help="Database ($NEO4J_DATABASE; server default).")
@click.option("--replace-doc", is_flag=True, help="Delete what earlier loads said for these documents first.")
@click.option("--batch-size", default=None, type=click.IntRange(min=1), help="Rows per UNWIND batch.")
def load(build_dir, uri, user, password, database, replace_doc, batch_size):
    """Load a built graph into Neo4j: idempotent, batched MERGE; reloading changes nothing.

    The graph is loaded with the ontology it was built with (see report.json).

    \b
    Examples:
      NEO4J_PASSWORD=secret kg load out/example
      kg load out/example --uri bolt://127.0.0.1:7687 --password secret --replace-doc
    """
    from .api import load_build
    from .sinks.neo4j import DEFAULT_BATCH_SIZE
    graph, onto = _read_build(build_dir)
    summary = load_build(build_dir, uri, user, password, database, graph=graph, ontology=onto,
                         batch_size=batch_size or DEFAULT_BATCH_SIZE, replace_docs=replace_doc)
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
    graph, _ = _read_build(build_dir, with_ontology=False)
    result = summary(graph)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_summary(result))


@main.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("entity")
@click.argument("predicate", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
def series(build_dir, entity, predicate, as_json):
    """Every measured figure of ENTITY as a series by period, across all documents.

    ENTITY is a name or alias, in any script (寧德時代 finds 宁德时代); PREDICATE an id
    (revenue) or label (营收) to keep only that measure. One row per (predicate, period)
    with each distinct value, its unit, how many documents state it and which; ≠ marks a
    period whose documents disagree.

    \b
    Examples:
      kg series out/corpus 宁德时代
      kg series out/corpus 宁德时代 营收 --json
    """
    from .figures import entity_series, format_series
    graph, onto = _read_build(build_dir)
    found = entity_series(graph, entity, predicate, onto)
    if not found:
        raise click.ClickException(f"no entity named {entity!r} in {build_dir}")
    if as_json:
        click.echo(json.dumps({"query": {"entity": entity, "predicate": predicate}, "entities": found},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(format_series(found))


@main.command()
@click.argument("build_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per conflict per line.")
def conflicts(build_dir, as_json):
    """Figures the documents state differently: same subject, measure, period and qualifiers,
    values that disagree at the precision of the coarser one. Exits 0 either way.

    \b
    Examples:
      kg conflicts out/corpus
      kg conflicts out/corpus --json | jq -c '{subject: .subject.name, period}'
    """
    from .figures import conflicts as find_conflicts, format_conflicts, read_figures
    from .ontology import load_ontology
    from .sinks.jsonl import TRIPLES
    if not (Path(build_dir) / TRIPLES).exists():
        _read_build(build_dir)  # the usual "run kg build first" error
    found = find_conflicts(read_figures(build_dir), load_ontology())
    if as_json:
        for group in found:
            click.echo(json.dumps(group.to_dict(), ensure_ascii=False))
    else:
        click.echo(format_conflicts(found))
