from gateway.main import definition
from servicekit.migrations import run_env

run_env(definition.metadata, definition.settings_factory().database_url)
