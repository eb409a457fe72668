import pytest

from servicekit.definition import ServiceDefinition
from sso.main import definition


@pytest.fixture(scope="session")
def service_definition() -> ServiceDefinition:
    return definition
