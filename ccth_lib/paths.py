"""Where the project's files live.

The project root is the folder holding ``_config.yml`` and ``data/``. It is found from the
``CCTH_ROOT`` environment variable, else by walking up from the current directory, else from
this package's own location (an editable install inside the checkout).
"""

from __future__ import annotations

import os
from pathlib import Path


class ProjectNotFound(RuntimeError):
    pass


def _is_root(path: Path) -> bool:
    return (path / "data" / "sources" / "registry.csv").is_file() and (path / "_config.yml").is_file()


def project_root() -> Path:
    env = os.environ.get("CCTH_ROOT")
    if env:
        root = Path(env).resolve()
        if not _is_root(root):
            raise ProjectNotFound(f"CCTH_ROOT={env} is not an SCCtH project (no data/sources/registry.csv)")
        return root
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for candidate in (start, *start.parents):
            if _is_root(candidate):
                return candidate
    raise ProjectNotFound("cannot find the project root (a folder with _config.yml and data/sources/registry.csv); set CCTH_ROOT")


def data_dir() -> Path:
    return project_root() / "data"


def sources_dir() -> Path:
    return data_dir() / "sources"


def tables_dir() -> Path:
    return data_dir() / "tables"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def shared_definitions() -> Path:
    """``data/tables/_shared.yaml``: licence, vocabularies and field definitions the tables share."""
    return tables_dir() / "_shared.yaml"


def registry_descriptor() -> Path:
    return sources_dir() / "registry.resource.yaml"


def omitted_dir() -> Path:
    return data_dir() / "omitted"
