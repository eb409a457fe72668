from servicekit.migrations import run_env
from sso.main import definition

run_env(definition.metadata, definition.settings_factory().database_url)
