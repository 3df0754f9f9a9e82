"""Executing the notebooks with papermill, so that no page is ever stale.

Jupyter Book's own execution cache keys on a notebook's code only, not on the data it reads. The
book is therefore built with execution off, and every notebook is executed here beforehand. Each
executed notebook records, in ``metadata.ccth.input_digest``, a digest of everything its output
depends on: its own source cells, the parameters it ran with, every file under ``data/`` and the
``ccth_lib`` package. A notebook whose recorded digest differs from the current one is stale;
``ccth execute`` re-runs exactly those, and the test suite fails while any is stale.

Volatile metadata (papermill's timestamps and durations) is removed after execution so that
re-running an unchanged notebook gives a byte-identical file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import nbformat

from . import paths

DIGEST_KEY = "input_digest"

#: The notebook every evidence page is executed from, once per registered source.
EVIDENCE_TEMPLATE = "_evidence.ipynb"
#: Tag of the template's title cell, which each generated page fills from the registry.
TITLE_TAG = "page-title"


@dataclass(frozen=True)
class Page:
    """A page of the book: the notebook it is executed from and the parameters it runs with.

    An ordinary page is its own template (no parameters); an evidence page is the evidence
    template run with its source's id, titled from the registry.
    """

    name: str
    path: Path
    template: Path
    parameters: dict = field(default_factory=dict)
    title: str | None = None

    @property
    def generated(self) -> bool:
        return self.template != self.path


def evidence_pages() -> list[Page]:
    """One page per registered source, named by the registry's ``page`` column."""
    from . import sources

    template = paths.notebooks_dir() / EVIDENCE_TEMPLATE
    return [
        Page(s.page, paths.notebooks_dir() / f"{s.page}.ipynb", template, {"source_id": s.id}, f"Evidence: {s.short_title}")
        for s in sources.registry().values()
    ]


def pages() -> list[Page]:
    """Every page executed before the book is built: the notebooks, then the evidence pages."""
    generated = evidence_pages()
    names = {p.name for p in generated}
    own = [
        Page(p.stem, p, p)
        for p in sorted(paths.notebooks_dir().glob("*.ipynb"))
        if not p.name.startswith("_") and p.stem not in names
    ]
    return sorted(own + generated, key=lambda p: p.name)


def page(name: str) -> Page:
    """The page called ``name`` (a notebook's stem)."""
    for p in pages():
        if p.name == name:
            return p
    raise KeyError(f"no page {name!r}; pages: {', '.join(p.name for p in pages())}")


def notebook_paths() -> list[Path]:
    """The book's executed notebooks (``notebooks/*.ipynb`` without the templates), sorted."""
    return [p.path for p in pages()]


def _input_files() -> Iterable[Path]:
    root = paths.project_root()
    for folder in (root / "data", root / "ccth_lib"):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and p.name != "datapackage.json":
                yield p


def inputs_digest() -> str:
    """Digest of the shared inputs of every notebook: data/ and ccth_lib/ (paths and bytes)."""
    root = paths.project_root()
    h = hashlib.sha256()
    for p in _input_files():
        h.update(str(p.relative_to(root)).encode())
        h.update(b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def source_cells(nb: nbformat.NotebookNode) -> list[dict]:
    """The notebook's own cells (type + source), without papermill's injected parameters."""
    return [
        {"cell_type": c.cell_type, "source": c.source}
        for c in nb.cells
        if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]


def notebook_digest(nb: nbformat.NotebookNode, parameters: dict[str, Any], shared: str | None = None) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(source_cells(nb), sort_keys=True).encode())
    h.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    h.update((shared or inputs_digest()).encode())
    return h.hexdigest()


def recorded_digest(path: Path) -> str | None:
    nb = nbformat.read(path, as_version=4)
    return nb.metadata.get("ccth", {}).get(DIGEST_KEY)


@dataclass(frozen=True)
class Staleness:
    path: Path
    recorded: str | None
    current: str

    @property
    def stale(self) -> bool:
        return self.recorded != self.current


def _page_of(path: Path) -> Page:
    path = Path(path).resolve()
    for p in pages():
        if p.path.resolve() == path:
            return p
    return Page(path.stem, path, path)


def staleness(path: Path | Page, shared: str | None = None) -> Staleness:
    """Compare the digest a page recorded when executed with the digest of its inputs now.

    A generated page's inputs are its template's cells and its parameters (and data/ and
    ccth_lib/); a missing page is stale.
    """
    pg = path if isinstance(path, Page) else _page_of(path)
    recorded = None
    if pg.path.is_file():
        recorded = nbformat.read(pg.path, as_version=4).metadata.get("ccth", {}).get(DIGEST_KEY)
    if pg.generated:
        if not pg.template.is_file():
            return Staleness(pg.path, recorded, f"missing template {pg.template.name}")
        current = notebook_digest(nbformat.read(pg.template, as_version=4), pg.parameters, shared)
    else:
        nb = nbformat.read(pg.path, as_version=4)
        current = notebook_digest(nb, nb.metadata.get("ccth", {}).get("parameters", {}), shared)
    return Staleness(pg.path, recorded, current)


def stale_notebooks() -> list[Path]:
    shared = inputs_digest()
    return [p.path for p in pages() if staleness(p, shared).stale]


def _strip_volatile(nb: nbformat.NotebookNode) -> None:
    pm = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables"):
        pm.pop(key, None)
    for cell in nb.cells:
        cpm = cell.get("metadata", {}).get("papermill")
        if cpm is not None:
            for key in ("start_time", "end_time", "duration", "exception", "status"):
                cpm.pop(key, None)
        cell.get("metadata", {}).pop("execution", None)


class UnknownParameter(ValueError):
    pass


def declared_parameters(path: Path) -> dict[str, Any]:
    """The names and defaults of a notebook's ``parameters`` cell (papermill's inspection)."""
    import papermill as pm

    return {name: info["default"] for name, info in pm.inspect_notebook(str(path)).items()}


def check_parameters(path: Path, parameters: dict[str, Any]) -> None:
    """Reject a parameter the notebook does not declare (papermill would only warn)."""
    declared = declared_parameters(path)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise UnknownParameter(
            f"{path.name}: unknown parameter(s) {', '.join(unknown)}; its parameters cell declares: "
            + (", ".join(f"{k} (default {v})" for k, v in declared.items()) or "none")
        )


def execute_page(pg: Page, *, timeout: int = 600) -> Path:
    """Execute one page of the book in place (a generated page from its template)."""
    return execute(pg.template, pg.path, pg.parameters, title=pg.title, timeout=timeout)


def execute(
    path: Path,
    output: Path | None = None,
    parameters: dict[str, Any] | None = None,
    *,
    title: str | None = None,
    timeout: int = 600,
) -> Path:
    """Execute one notebook with papermill; record its input digest; write it to ``output``.

    ``output`` defaults to ``path`` (in place). With ``parameters``, papermill injects them after
    the notebook's ``parameters`` cell, and they are recorded in ``metadata.ccth.parameters``.
    """
    import papermill as pm

    path = Path(path).resolve()
    output = Path(output).resolve() if output else path
    parameters = dict(parameters or {})
    check_parameters(path, parameters)
    source_nb = nbformat.read(path, as_version=4)
    # Drop a previous run's injected cell so that in-place re-runs start from the notebook itself.
    source_nb.cells = [c for c in source_nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    digest = notebook_digest(source_nb, parameters)
    if title is not None:
        titled = [c for c in source_nb.cells if TITLE_TAG in c.get("metadata", {}).get("tags", [])]
        if len(titled) != 1:
            raise ValueError(f"{path.name}: a template needs exactly one markdown cell tagged {TITLE_TAG!r}, found {len(titled)}")
        titled[0].source = f"# {title}"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_in = Path(tmp) / path.name
        tmp_out = Path(tmp) / ("out-" + path.name)
        nbformat.write(source_nb, tmp_in)
        env_root = os.environ.get("CCTH_ROOT")
        os.environ["CCTH_ROOT"] = str(paths.project_root())
        try:
            pm.execute_notebook(
                str(tmp_in),
                str(tmp_out),
                parameters=parameters,
                cwd=str(path.parent),
                kernel_name="python3",
                progress_bar=False,
                execution_timeout=timeout,
            )
        finally:
            if env_root is None:
                os.environ.pop("CCTH_ROOT", None)
            else:
                os.environ["CCTH_ROOT"] = env_root
        nb = nbformat.read(tmp_out, as_version=4)
        _strip_volatile(nb)
        nb.metadata["ccth"] = {DIGEST_KEY: digest, "parameters": parameters}
        output.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, tmp_out)
        shutil.move(str(tmp_out), str(output))
    return output


def glued(nb_or_path) -> dict[str, Any]:
    """The values a notebook glued (myst-nb ``glue``), parsed back from their text repr."""
    import ast

    nb = nbformat.read(nb_or_path, as_version=4) if isinstance(nb_or_path, (str, Path)) else nb_or_path
    out: dict[str, Any] = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            text = o.get("data", {}).get("application/papermill.record/text/plain")
            if name and text is not None:
                try:
                    out[name] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    out[name] = text
    return out
