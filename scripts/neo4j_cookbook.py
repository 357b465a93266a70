"""Load a built graph into Neo4j, run the researcher cookbook (docs/neo4j.md), write the answers as markdown.

    .venv/bin/python scripts/neo4j_cookbook.py out/ --md reports/neo4j_cookbook.md
    .venv/bin/python scripts/neo4j_cookbook.py out/ --uri bolt://localhost:7687 --password ...

DIR is the output folder of `kg build` (documents, entities, mentions and triples). Without --uri a
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

from kg.model import KnowledgeGraph  # noqa: E402
from kg.sinks.jsonl import BuildDirectoryError, read_graph  # noqa: E402
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
    Recipe("Companies that sold or delivered more than 100,000 vehicles in a year",
           "MATCH (c:Company)-[r:DELIVERIES|SALES_VOLUME]->(m:Measurement)\n"
           "WHERE m.year = $year AND m.dimension = 'vehicles' AND m.value > 100000\n"
           "RETURN c.name AS company, r.label_zh AS measure, m.raw AS amount, r.evidence AS evidence\n"
           "ORDER BY m.value DESC",
           "MATCH (:Company)-[:DELIVERIES|SALES_VOLUME]->(m:Measurement)\n"
           "WHERE m.dimension = 'vehicles' AND m.value > 100000 AND m.year IS NOT NULL\n"
           "RETURN m.year AS year ORDER BY year DESC LIMIT 1"),
    Recipe("Partners of a company",
           "MATCH (x:Entity {name: $name})-[r:PARTNER_OF]-(p:Entity)\n"
           "RETURN p.name AS partner, r.time AS time, r.evidence AS evidence ORDER BY partner",
           "MATCH (x:Entity)-[:PARTNER_OF]-() RETURN x.name AS name, count(*) AS n ORDER BY n DESC, name LIMIT 1"),
    Recipe("How two companies are connected, through entities only (no documents)",
           "MATCH (a:Company {name: $company_a}), (b:Company {name: $company_b})\n"
           "MATCH p = shortestPath((a)-[*..4]-(b))\n"
           "WHERE all(n IN nodes(p) WHERE n:Entity)\n"
           "RETURN [n IN nodes(p) | n.name] AS path, [r IN relationships(p) | r.label_zh] AS relations",
           "MATCH p = (a:Company)-[*2..3]-(b:Company)\n"
           "WHERE a.name < b.name AND all(n IN nodes(p) WHERE n:Entity)\n"
           "RETURN a.name AS company_a, b.name AS company_b ORDER BY length(p), company_a, company_b LIMIT 1"),
    Recipe("Most connected companies",
           "MATCH (c:Company)\n"
           "RETURN c.name AS company, COUNT { (c)--(:Entity) } AS links,\n"
           "       COUNT { (c)-->(:Measurement) } AS measurements\n"
           "ORDER BY links DESC, measurements DESC, company LIMIT 10"),
    Recipe("Facts with their evidence, most confident first",
           "MATCH (s:Entity)-[r]->(o) WHERE r.fact_id IS NOT NULL\n"
           "RETURN s.name AS subject, r.label_zh AS predicate, coalesce(o.name, r.stated) AS object,\n"
           "       r.confidence AS confidence, r.evidence AS evidence, r.doc AS doc\n"
           "ORDER BY confidence DESC, subject, predicate, object LIMIT 20"),
    Recipe("What a document says",
           "MATCH (d:Document {id: $doc})-[:MENTIONS]->(s:Entity)-[r]->(o) WHERE r.doc = d.id\n"
           "RETURN s.name AS subject, r.label_zh AS predicate, coalesce(o.name, r.stated) AS object, r.time AS time\n"
           "ORDER BY subject, predicate, object",
           "MATCH (d:Document) RETURN d.id AS doc ORDER BY COUNT { (d)--() } DESC, doc LIMIT 1"),
    Recipe("Documents that mention an entity",
           "MATCH (d:Document)-[:MENTIONS]->(e:Entity {name: $name})\n"
           "RETURN d.id AS doc, d.title AS title, COUNT { (e)-[r]->() WHERE r.doc = d.id } AS facts\n"
           "ORDER BY facts DESC, doc",
           "MATCH (d:Document)-[:MENTIONS]->(e:Entity) WITH e, count(d) AS n\n"
           "ORDER BY e.mentions > 0 DESC, n DESC, e.mentions DESC, e.name LIMIT 1 RETURN e.name AS name"),
    Recipe("Products and the technologies they adopt or are equipped with",
           "MATCH (p:Product)-[:EQUIPPED_WITH|ADOPTS]->(t:Entity)\n"
           "RETURN t.name AS technology, collect(DISTINCT p.name) AS products\n"
           "ORDER BY size(products) DESC, technology"),
    Recipe("People and their organisations",
           "MATCH (p:Person)-[r:WORKS_FOR|FOUNDED]->(o:Entity)\n"
           "RETURN p.name AS person, r.label_zh AS role, o.name AS organisation, r.evidence AS evidence\n"
           "ORDER BY person, role"),
    Recipe("Everything measured about one entity, over time",
           "MATCH (:Entity {name: $name})-[r]->(m:Measurement)\n"
           "RETURN m.label_zh AS measure, m.time AS time, r.stated AS raw, m.approximate AS approximate,\n"
           "       r.confidence AS confidence\n"
           "ORDER BY measure, time, raw",
           "MATCH (e:Entity)-->(m:Measurement) RETURN e.name AS name, count(m) AS n ORDER BY n DESC, name LIMIT 1"),
    Recipe("Figures across documents, disagreements first",
           "MATCH (e:Entity)-[r]->(m:Measurement)\n"
           "WITH e, m, collect(DISTINCT r.doc) AS documents\n"
           "RETURN e.name AS subject, m.label_zh AS measure, m.time AS time, m.raw AS value,\n"
           "       m.sources AS sources, m.support AS support, m.conflict AS conflict, documents\n"
           "ORDER BY conflict DESC, subject, measure, time, value LIMIT 20"),
    Recipe("Facts to review: inferred subjects or low confidence",
           "MATCH (s:Entity)-[r]->(o) WHERE r.inferred OR r.confidence < 0.6\n"
           "RETURN s.name AS subject, r.label_zh AS predicate, coalesce(o.name, r.stated) AS object,\n"
           "       r.inferred AS inferred, r.confidence AS confidence, r.evidence AS evidence\n"
           "ORDER BY confidence, subject LIMIT 20"),
)


def read_graph_dir(folder: Path) -> KnowledgeGraph:
    """A `kg build` output folder → its KnowledgeGraph (documents, entities, mentions, facts)."""
    try:
        return read_graph(folder)
    except BuildDirectoryError as exc:
        raise click.ClickException(str(exc)) from None


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
            params = {k: v for k, v in picked[0].items() if k != "n" and v is not None} if picked else {}
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
