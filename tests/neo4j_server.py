"""pytest plugin: one real Neo4j server per test session (`neo4j_server`), a clean database per test.

Register with `pytest_plugins = ["tests.neo4j_server"]` in tests/conftest.py, or
`-p tests.neo4j_server`. The server comes from scripts/neo4j_server (Maven Central jars, cached).
When it cannot be had the tests FAIL with the missing piece named; they never skip quietly.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import neo4j
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "neo4j_server"))
import embedded_neo4j  # noqa: E402  (a script folder, not a package)


def _start(home: Path | None = None) -> embedded_neo4j.Neo4jServer:
    try:
        return embedded_neo4j.start(home=home)
    except embedded_neo4j.Neo4jServerUnavailable as exc:
        where = "in CI (CI is set), " if os.environ.get("CI") else ""
        pytest.fail(f"the Neo4j tests need a real Neo4j server and {where}none could be started: {exc}",
                    pytrace=False)


@pytest.fixture(scope="session")
def neo4j_server():
    """A running server: `.uri`, `.user`, `.password`; stopped when the session ends."""
    server = _start()
    yield server
    embedded_neo4j.stop(server)


@pytest.fixture
def neo4j_imported_server(tmp_path):
    """Factory: run an import-command.txt with the real neo4j-admin into a fresh home, serve it."""
    servers = []

    def import_and_start(command_file: Path) -> embedded_neo4j.Neo4jServer:
        program, *args = shlex.split(command_file.read_text(encoding="utf-8"))
        assert program == "neo4j-admin", f"{command_file} does not call neo4j-admin"
        home = tmp_path / "imported-neo4j"
        home.mkdir()
        done = embedded_neo4j.neo4j_admin(home, args)
        if done.returncode != 0:
            pytest.fail(f"neo4j-admin import failed (exit {done.returncode}):\n{done.stdout[-3000:]}"
                        f"{done.stderr[-3000:]}", pytrace=False)
        servers.append(_start(home))
        return servers[-1]

    yield import_and_start
    for server in servers:
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
