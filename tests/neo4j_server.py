"""pytest plugin: one real Neo4j server per test session (`neo4j_server`), a clean database per test.

Register with `pytest_plugins = ["tests.neo4j_server"]` in tests/conftest.py, or
`-p tests.neo4j_server`. The server comes from scripts/neo4j_server (Maven Central jars, cached).
When it cannot be had the tests FAIL with the missing piece named; they never skip quietly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import neo4j
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "neo4j_server"))
import embedded_neo4j  # noqa: E402  (a script folder, not a package)


@pytest.fixture(scope="session")
def neo4j_server():
    """A running server: `.uri`, `.user`, `.password`; stopped when the session ends."""
    try:
        server = embedded_neo4j.start()
    except embedded_neo4j.Neo4jServerUnavailable as exc:
        where = "in CI (CI is set), " if os.environ.get("CI") else ""
        pytest.fail(f"the Neo4j tests need a real Neo4j server and {where}none could be started: {exc}",
                    pytrace=False)
    yield server
    embedded_neo4j.stop(server)


@pytest.fixture
def neo4j_driver(neo4j_server):
    """A driver on an empty database: every test starts from nothing, constraints included."""
    driver = neo4j.GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    with driver.session() as session:  # CALL IN TRANSACTIONS needs an auto-commit transaction
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    for record in driver.execute_query("SHOW CONSTRAINTS YIELD name").records:
        driver.execute_query(f"DROP CONSTRAINT `{record['name']}`")
    for record in driver.execute_query("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP'").records:
        driver.execute_query(f"DROP INDEX `{record['name']}`")
    yield driver
    driver.close()
