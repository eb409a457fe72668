from servicekit.migrations import run_env
from valueadd.main import definition

run_env(definition.metadata, definition.settings_factory().database_url)
