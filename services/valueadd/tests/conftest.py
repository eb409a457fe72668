import pytest

from servicekit.definition import ServiceDefinition
from valueadd.main import definition


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition
