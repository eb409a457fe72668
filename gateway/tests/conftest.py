import pytest

from gateway.main import definition
from servicekit.definition import ServiceDefinition


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition
