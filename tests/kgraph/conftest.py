"""The spaCy pipeline, loaded once for the extraction tests."""

import pytest

from kgraph.extract import load_nlp


@pytest.fixture(scope="session")
def nlp():
    return load_nlp()
