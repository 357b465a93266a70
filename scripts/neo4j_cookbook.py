"""Load a built graph into Neo4j, run the researcher cookbook (docs/neo4j.md), write the answers as markdown.

    .venv/bin/python scripts/neo4j_cookbook.py out/ --md reports/neo4j_cookbook.md
    .venv/bin/python scripts/neo4j_cookbook.py out/ --uri bolt://localhost:7687 --password ...

DIR is the output folder of `kg build` (entities.jsonl, triples.jsonl). Without --uri a
throw-away server is started (scripts/neo4j_server). Each question's parameter (which company,
which document) is picked from the loaded graph, so the queries answer something on any graph.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import neo4j

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts" / "neo4j_server")]

from kg.model import Entity, KnowledgeGraph, Triple  # noqa: E402
from kg.sinks.neo4j import connect, load_graph  # noqa: E402


@dataclass(frozen=True)
class Recipe:
    question: str
    cypher: str
    pick: str = ""  # a query returning one row: the parameters for `cypher`


COOKBOOK = (
    Recipe("Revenue by year",
           "MATCH (c:Entity)-[:REVENUE]->(m:Measurement)\n"
           "RETURN c.name AS company, m.year AS year, m.value AS value, m.unit AS unit, m.raw AS raw\n"
           "ORDER BY company, year"),
    Recipe("Companies whose deliveries exceeded 100,000 vehicles in 2024",
           "MATCH (c:Company)-[:DELIVERIES]->(m:Measurement)\n"
           "WHERE m.year = 2024 AND m.dimension = 'vehicles' AND m.value > 100000\n"
           "RETURN c.name AS company, m.raw AS deliveries, m.evidence AS evidence ORDER BY m.value DESC"),
    Recipe("Partners of a company",
           "MATCH (x:Entity {name: $name})-[r:PARTNER_OF]-(p:Entity)\n"
           "RETURN p.name AS partner, r.time AS time, r.evidence AS evidence",
           "MATCH (x:Entity)-[:PARTNER_OF]-() RETURN x.name AS name, count(*) AS n ORDER BY n DESC LIMIT 1"),
    Recipe("Most connected companies",
           "MATCH (c:Company)\n"
           "RETURN c.name AS company, COUNT { (c)--(:Entity) } AS links,\n"
           "       COUNT { (c)-->(:Measurement) } AS measurements\n"
           "ORDER BY links DESC, measurements DESC LIMIT 10"),
    Recipe("Facts with their evidence, most confident first",
           "MATCH (s:Entity)-[r]->(o:Entity)\n"
           "RETURN s.name AS subject, r.label_zh AS predicate, o.name AS object, r.confidence AS confidence,\n"
           "       r.evidence AS evidence, r.doc AS doc\n"
           "ORDER BY confidence DESC LIMIT 20"),
    Recipe("What a document says",
           "MATCH (d:Document {id: $doc})-[:MENTIONS]->(s:Entity)-[r]->(o:Entity) WHERE r.doc = d.id\n"
           "RETURN s.name AS subject, r.label_zh AS predicate, o.name AS object, r.time AS time\n"
           "UNION ALL\n"
           "MATCH (d:Document {id: $doc})<-[:EVIDENCED_BY]-(m:Measurement)<--(s:Entity)\n"
           "RETURN s.name AS subject, m.label_zh AS predicate, m.raw AS object, m.time AS time",
           "MATCH (d:Document) RETURN d.id AS doc ORDER BY COUNT { (d)--() } DESC LIMIT 1"),
    Recipe("Products equipped with a technology",
           "MATCH (p:Product)-[:EQUIPPED_WITH]->(t:Entity)\n"
           "RETURN t.name AS technology, collect(DISTINCT p.name) AS products ORDER BY size(products) DESC"),
    Recipe("People and their organisations",
           "MATCH (p:Person)-[r:WORKS_FOR|FOUNDED]->(o:Entity)\n"
           "RETURN p.name AS person, r.label_zh AS role, o.name AS organisation, r.evidence AS evidence"),
    Recipe("Everything measured about one entity, over time",
           "MATCH (:Entity {name: $name})-->(m:Measurement)\n"
           "RETURN m.label_zh AS measure, m.time AS time, m.raw AS raw, m.approximate AS approximate\n"
           "ORDER BY measure, time",
           "MATCH (e:Entity)-->(m:Measurement) RETURN e.name AS name, count(m) AS n ORDER BY n DESC LIMIT 1"),
    Recipe("Facts to review: inferred subjects or low confidence",
           "MATCH (s:Entity)-[r]->(o) WHERE r.inferred OR r.confidence < 0.6\n"
           "RETURN s.name AS subject, r.label_zh AS predicate, coalesce(o.name, o.raw) AS object,\n"
           "       r.confidence AS confidence, r.evidence AS evidence LIMIT 20"),
)


def read_graph_dir(folder: Path) -> KnowledgeGraph:
    """A `kg build` output folder → the KnowledgeGraph it was written from (documents by id only)."""
    def lines(name: str) -> list[dict[str, Any]]:
        path = folder / name
        if not path.is_file():
            raise click.ClickException(f"{path} not found: is {folder} the output folder of `kg build`?")
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    entities = [Entity.from_dict(d) for d in lines("entities.jsonl")]
    return KnowledgeGraph(entities={e.id: e for e in entities},
                          triples=[Triple.from_dict(d) for d in lines("triples.jsonl")])


def _cell(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def run_cookbook(driver: neo4j.Driver, database: str | None = None) -> str:
    """Every recipe with its parameters and answer, as markdown."""
    parts = ["# Neo4j cookbook, run on the loaded graph\n"]
    for recipe in COOKBOOK:
        params: dict[str, Any] = {}
        if recipe.pick:
            picked = driver.execute_query(recipe.pick, database_=database).records
            params = {k: v for k, v in picked[0].items() if k != "n"} if picked else {}
        parts.append(f"## {recipe.question}\n\n```cypher\n{recipe.cypher}\n```\n")
        if recipe.pick and not params:
            parts.append("_Nothing in this graph to ask about._\n")
            continue
        if params:
            parts.append(f"Parameters: `{json.dumps(params, ensure_ascii=False)}`\n")
        result = driver.execute_query(recipe.cypher, params, database_=database)
        if not result.records:
            parts.append("_No rows._\n")
            continue
        keys = result.keys
        parts.append("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
        parts.extend("| " + " | ".join(_cell(r[k]) for k in keys) + " |" for r in result.records)
        parts.append("")
    return "\n".join(parts) + "\n"


@click.command()
@click.argument("graph_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--md", "md_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("reports/neo4j_cookbook.md"), show_default=True)
@click.option("--uri", help="An existing server (with --user/--password); default: start a throw-away one.")
@click.option("--user", default="neo4j", show_default=True)
@click.option("--password", envvar="NEO4J_PASSWORD")
@click.option("--database")
def main(graph_dir: Path, md_path: Path, uri: str | None, user: str, password: str | None,
         database: str | None) -> None:
    graph = read_graph_dir(graph_dir)
    server = None
    if uri is None:
        import embedded_neo4j

        server = embedded_neo4j.start()
        uri, user, password = server.uri, server.user, server.password
    try:
        with connect(uri, user, password, database) as connection:
            summary = load_graph(graph, connection.driver, database=connection.database)
            click.echo(f"loaded {summary.describe()}", err=True)
            markdown = run_cookbook(connection.driver, connection.database)
    finally:
        if server is not None:
            embedded_neo4j.stop(server)
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(markdown, encoding="utf-8")
    click.echo(f"wrote {md_path}", err=True)


if __name__ == "__main__":
    main()
