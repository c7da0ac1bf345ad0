"""The code location Dagster loads (``workspace.yaml``, ``pyproject.toml``, ``deploy/``): aigeo's
definitions from the environment's settings (``Settings.from_env``). Other settings:
``aigeo_assets.code_location.build_definitions``, which a worker process unpickles without building
this module's ``defs`` too."""

from aigeo_assets.code_location import build_definitions
from aigeo_assets.resources import Settings

defs = build_definitions(Settings.from_env())
