"""Session-wide fixtures: the real servers and browser, and one shared extractor."""

import pytest

pytest_plugins = ["tests.neo4j_server", "tests.browser"]


@pytest.fixture(scope="session")
def ontology():
    from kg.ontology import load_ontology
    return load_ontology()


@pytest.fixture(scope="session")
def extractor(ontology):
    """The full extractor (trained model included), loaded once for the session."""
    from kg.extractor import Extractor
    return Extractor(ontology=ontology)
