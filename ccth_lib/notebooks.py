"""Executing the notebooks with papermill, so that no page is ever stale, and only what changed.

Jupyter Book's own execution cache keys on a notebook's code only, not on the data it reads. The
book is therefore built with execution off, and every notebook is executed here beforehand.

While a page executes, its kernel records every file of the project it opens (the tables, the
source texts, the ``ccth_lib`` modules it imports, the page templates) and every folder it lists
(``data/tables/`` when it lists the tables): a Python audit hook installed when the kernel starts
(``PYTHONSTARTUP``), before any cell runs. The executed notebook keeps, in ``metadata.ccth``:

* ``inputs`` – each recorded file with a digest of its bytes (a folder: of its file names);
* ``code`` – a digest of the cells it was executed from (its template's, titled, for a page
  generated from a template);
* ``parameters`` – the parameters it ran with;
* ``input_digest`` – the digest of all three.

A page is stale when any of these differs now; :func:`staleness` says which (``data/tables/x.csv
changed``, ``its code changed``, …). A change to a file no page read leaves every page fresh,
and a new table makes stale exactly the pages that list the tables. ``ccth execute`` re-runs the
stale pages, in parallel on the machine's cores (:func:`execute_pages`); the test suite fails
while any is stale.

Volatile metadata (papermill's timestamps and durations) is removed after execution so that
re-running an unchanged notebook gives a byte-identical file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import nbformat

from . import kernels, paths

DIGEST_KEY = "input_digest"
INPUTS_KEY = "inputs"
CODE_KEY = "code"

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


# ---------------------------------------------------------------------------------------------
# Digests

#: Top-level folders of the project whose files are never a page's input (tools, caches, output).
NOT_INPUTS = (".git", ".venv", "_build", "node_modules", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints")
#: The digest recorded for a file a page tried to open that did not exist.
ABSENT = "absent"
#: A recorded folder (its listing) is written with a trailing slash: ``data/tables/``.
FOLDER = "/"


def _input_files() -> Iterable[Path]:
    root = paths.project_root()
    for folder in (root / "data", root / "ccth_lib"):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and p.name != "datapackage.json":
                yield p


def inputs_digest(inputs: Mapping[str, str] | None = None) -> str:
    """Digest of a page's recorded ``inputs`` (path → digest).

    Without ``inputs``: the digest of every file under data/ and ccth_lib/ (paths and bytes).
    """
    h = hashlib.sha256()
    if inputs is not None:
        h.update(json.dumps(dict(inputs), sort_keys=True).encode())
        return h.hexdigest()
    root = paths.project_root()
    for p in _input_files():
        h.update(str(p.relative_to(root)).encode())
        h.update(b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


class Digests:
    """Digests of the project's files and folders now, each computed once (pass one to
    :func:`staleness` when checking many pages)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else paths.project_root()
        self._memo: dict[str, str] = {}

    def __call__(self, rel: str) -> str:
        if rel not in self._memo:
            self._memo[rel] = self._digest(rel)
        return self._memo[rel]

    def _digest(self, rel: str) -> str:
        p = self.root / rel
        if rel.endswith(FOLDER):
            if not p.is_dir():
                return ABSENT
            names = sorted(e.name for e in os.scandir(p) if not e.name.startswith(".") and e.name != "__pycache__")
            return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
        try:
            return hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return ABSENT


def source_cells(nb: nbformat.NotebookNode) -> list[dict]:
    """The notebook's own cells (type + source), without papermill's injected parameters."""
    return [
        {"cell_type": c["cell_type"], "source": "".join(c["source"]) if isinstance(c["source"], list) else c["source"]}
        for c in nb["cells"]
        if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]


def code_digest(nb: nbformat.NotebookNode) -> str:
    """Digest of a notebook's own cells (what :func:`source_cells` returns)."""
    return hashlib.sha256(json.dumps(source_cells(nb), sort_keys=True).encode()).hexdigest()[:16]


def notebook_digest(nb: nbformat.NotebookNode, parameters: dict[str, Any], shared: str | None = None) -> str:
    """Digest of a notebook's cells, its parameters and ``shared`` (the digest of its inputs)."""
    h = hashlib.sha256()
    h.update(json.dumps(source_cells(nb), sort_keys=True).encode())
    h.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    h.update((shared or inputs_digest()).encode())
    return h.hexdigest()


def _read(path: Path) -> nbformat.NotebookNode:
    """A notebook as it is on disk, without nbformat's (slow) schema validation: for digests."""
    with open(path, encoding="utf-8") as fh:
        return nbformat.from_dict(json.load(fh))


def recorded_digest(path: Path) -> str | None:
    return _read(path).metadata.get("ccth", {}).get(DIGEST_KEY)


def recorded_inputs(path: Path) -> dict[str, str]:
    """The files and folders a page read when it was last executed, with their digests then."""
    return dict(_read(path).metadata.get("ccth", {}).get(INPUTS_KEY) or {})


@dataclass(frozen=True)
class Staleness:
    path: Path
    recorded: str | None
    current: str
    #: why the page is stale, one phrase each ("data/tables/x.csv changed"); empty when fresh
    reasons: tuple[str, ...] = ()
    #: the files and folders it read when it was last executed (project-relative)
    reads: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return self.recorded != self.current

    @property
    def name(self) -> str:
        return self.path.stem


def _page_of(path: Path) -> Page:
    path = Path(path).resolve()
    for p in pages():
        if p.path.resolve() == path:
            return p
    return Page(path.stem, path, path)


def _titled(nb: nbformat.NotebookNode, title: str | None, name: str) -> nbformat.NotebookNode:
    """The notebook with papermill's injected cell dropped and, for a template, its title set."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    if title is not None:
        titled = [c for c in nb.cells if TITLE_TAG in c.get("metadata", {}).get("tags", [])]
        if len(titled) != 1:
            raise ValueError(f"{name}: a template needs exactly one markdown cell tagged {TITLE_TAG!r}, found {len(titled)}")
        titled[0].source = f"# {title}"
    return nb


def _changes(recorded: Mapping[str, str], now: Digests) -> list[str]:
    out = []
    for rel, then in sorted(recorded.items()):
        current = now(rel)
        if current == then:
            continue
        if rel.endswith(FOLDER):
            out.append(f"a file was added to or removed from {rel}")
        elif current == ABSENT:
            out.append(f"{rel} was removed")
        elif then == ABSENT:
            out.append(f"{rel} was created")
        else:
            out.append(f"{rel} changed")
    return out


def staleness(path: Path | Page, shared: Digests | str | None = None) -> Staleness:
    """Compare what a page recorded when it was executed with its code, parameters and inputs now.

    A generated page's code is its template's cells (titled) and its parameters come from the
    registry; a missing page is stale. ``shared`` may be a :class:`Digests` reused across pages.
    """
    pg = path if isinstance(path, Page) else _page_of(path)
    now = shared if isinstance(shared, Digests) else Digests()
    if not pg.path.is_file():
        return Staleness(pg.path, None, "missing", ("it has not been executed yet",))
    meta = _read(pg.path).metadata.get("ccth", {})
    recorded = meta.get(DIGEST_KEY)
    if not pg.template.is_file():
        return Staleness(pg.path, recorded, f"missing template {pg.template.name}", (f"its template {pg.template.name} is missing",))
    parameters = pg.parameters if pg.generated else meta.get("parameters", {})
    code_nb = _titled(_read(pg.template), pg.title, pg.template.name)
    inputs = meta.get(INPUTS_KEY)
    if inputs is None:
        return Staleness(pg.path, recorded, "unrecorded", ("it was executed before ccth recorded the files each page reads",))
    current_inputs = {rel: now(rel) for rel in inputs}
    current = notebook_digest(code_nb, parameters, inputs_digest(current_inputs))
    reasons: list[str] = []
    if meta.get(CODE_KEY) != code_digest(code_nb):
        reasons.append(f"its template {pg.template.name} (or its title) changed" if pg.generated else "its code changed")
    if meta.get("parameters", {}) != parameters:
        reasons.append("its parameters changed")
    reasons += _changes(inputs, now)
    if recorded != current and not reasons:
        reasons.append("its recorded digest does not match its code, parameters and inputs")
    return Staleness(pg.path, recorded, current, tuple(reasons) if recorded != current else (), tuple(inputs))


def stale_pages(chosen: Iterable[Page] | None = None) -> list[Staleness]:
    """The stale pages among ``chosen`` (default: every page), each with its reasons."""
    now = Digests()
    states = [staleness(p, now) for p in (pages() if chosen is None else chosen)]
    return [s for s in states if s.stale]


def stale_notebooks() -> list[Path]:
    return [s.path for s in stale_pages()]


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


# ---------------------------------------------------------------------------------------------
# Parameters


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


#: The first line of the cell papermill injects after a notebook's parameters cell.
INJECTED_HEADER = "# Parameters"


def _assigned(source: str) -> list[str]:
    """The names a cell assigns at top level, in order."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name) and n.id not in names:
                    names.append(n.id)
    return names


def unknown_parameters(executed: list[str]) -> tuple[list[str], list[str]]:
    """(given but undeclared, declared) from the sources of the cells executed so far, in order.

    Papermill injects the parameters it was given as a cell starting ``# Parameters`` right
    after the notebook's parameters cell; the declared parameters are the names the cells
    before it assign.
    """
    cells = [c for c in executed if c.strip()]
    for i in range(len(cells) - 1, 0, -1):
        if cells[i].lstrip().splitlines()[0].strip() == INJECTED_HEADER:
            declared = [n for c in cells[:i] for n in _assigned(c)]
            given = _assigned(cells[i])
            return [n for n in given if n not in declared], declared
    return [], []


def reject_unknown_parameters() -> None:
    """In a notebook's setup cell: stop if papermill was given a parameter the notebook lacks.

    Plain ``papermill -p NAME VALUE`` only warns about a name the parameters cell does not
    declare and runs on with the default, so a misspelt parameter silently changes nothing.
    Called first thing after the parameters, this raises :class:`UnknownParameter` naming it and
    the declared parameters, and the run fails. Outside IPython it does nothing.
    """
    __tracebackhide__ = True  # IPython shows the calling cell, not this function
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - notebooks always have IPython
        return
    ip = get_ipython()
    if ip is None:
        return
    history = list(ip.history_manager.input_hist_raw)
    unknown, declared = unknown_parameters(history[1:-1])  # [0] is empty; [-1] is this cell
    if unknown:
        raise UnknownParameter(
            f"unknown parameter(s) {', '.join(unknown)}: this notebook's parameters are "
            + (", ".join(declared) or "none")
            + "; check its spelling: the run stops here"
        )


# ---------------------------------------------------------------------------------------------
# Recording what a kernel reads

#: Run by the kernel at start-up (PYTHONSTARTUP), before any cell: an audit hook that appends
#: every file of the project opened, and every folder listed, to a record file. Everything is
#: inside one function that deletes itself, so nothing is left in the notebook's namespace.
_RECORDER = '''\
def __ccth_record_reads(root, record):
    import os, sys
    out = open(record, "a", encoding="utf-8")  # opened before the hook, so never recorded
    prefix = root + os.sep
    seen = set()
    events = {{"open": "file", "os.listdir": "dir", "os.scandir": "dir"}}

    def hook(event, args):
        kind = events.get(event)
        if kind is None:
            return
        path = args[0] if args else None
        if isinstance(path, int):
            return
        try:
            path = os.getcwd() if path is None else os.fsdecode(path)
            path = os.path.normpath(os.path.join(os.getcwd(), path))
        except Exception:
            return
        if not path.startswith(prefix) or (kind, path) in seen:
            return
        # The import system (importlib, importlib.metadata, pkgutil) lists every folder on the
        # path and probes path hooks: only the module files it opens are inputs.
        if kind == "dir" or not path.endswith((".py", ".pyc")):
            frame = sys._getframe(1)
            for _ in range(8):
                if frame is None:
                    break
                name = frame.f_code.co_filename
                if "importlib" in name or "pkgutil" in name:
                    return
                frame = frame.f_back
        seen.add((kind, path))
        out.write(kind + "\\t" + path + "\\n")
        out.flush()

    sys.addaudithook(hook)


__ccth_record_reads({root!r}, {record!r})
del __ccth_record_reads
if {startup!r}:  # the start-up file the user had set, run as it would have been
    exec(compile(open({startup!r}, encoding="utf-8").read(), {startup!r}, "exec"))
'''


def _relative_input(kind: str, path: str, root: Path) -> str | None:
    """A recorded path as a page input (``ccth_lib/x.py``, ``data/tables/``), or None."""
    p = Path(path)
    try:
        rel = p.relative_to(root)
    except ValueError:
        return None
    if not rel.parts or rel.parts[0] in NOT_INPUTS:
        return None
    if "__pycache__" in rel.parts:
        if kind != "file" or p.suffix != ".pyc":
            return None
        rel = rel.parent.parent / (p.name.split(".")[0] + ".py")  # the module's source
    if kind == "dir":
        return None if not (root / rel).is_dir() else rel.as_posix().rstrip("/") + FOLDER
    return None if (root / rel).is_dir() else rel.as_posix()


def read_record(record: Path, root: Path | None = None) -> dict[str, str]:
    """The inputs a kernel recorded (see :data:`_RECORDER`), each with its digest now."""
    root = Path(root or paths.project_root())
    digests = Digests(root)
    out: dict[str, str] = {}
    if record.is_file():
        for line in record.read_text(encoding="utf-8").splitlines():
            kind, _, path = line.partition("\t")
            rel = _relative_input(kind, path, root)
            if rel is not None:
                out[rel] = digests(rel)
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------
# Execution


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
    """Execute one notebook with papermill; record its inputs and digests; write it to ``output``.

    ``output`` defaults to ``path`` (in place). With ``parameters``, papermill injects them after
    the notebook's ``parameters`` cell, and they are recorded in ``metadata.ccth.parameters``.
    Nothing is written if the run fails. Not thread-safe (it sets environment variables for the
    kernel); :func:`execute_pages` runs pages in parallel in separate processes.
    """
    import papermill as pm

    path = Path(path).resolve()
    output = Path(output).resolve() if output else path
    parameters = dict(parameters or {})
    check_parameters(path, parameters)
    source_nb = _titled(nbformat.read(path, as_version=4), title, path.name)
    code = code_digest(source_nb)
    root = paths.project_root()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_in = Path(tmp) / path.name
        tmp_out = Path(tmp) / ("out-" + path.name)
        record = Path(tmp) / "reads.tsv"
        startup = Path(tmp) / "record_reads.py"
        own = os.environ.get("PYTHONSTARTUP", "")
        startup.write_text(_RECORDER.format(root=str(root), record=str(record), startup=own), encoding="utf-8")
        nbformat.write(source_nb, tmp_in)
        kernel_cpu = Path(tmp) / "kernel-cpu.txt"
        with kernels.environ(CCTH_ROOT=str(root), PYTHONSTARTUP=str(startup), **{kernels.CPU_FILE_ENV: str(kernel_cpu)}):
            pm.execute_notebook(
                str(tmp_in),
                str(tmp_out),
                parameters=parameters,
                cwd=str(path.parent),
                kernel_name=kernels.kernel_name(),
                progress_bar=False,
                execution_timeout=timeout,
                start_timeout=300,  # a kernel starts in a second or two, unless the machine is busy
                # quiet kernels: the "running over TCP without encryption" warning, once a page
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        global _last_kernel_cpu
        _last_kernel_cpu = kernels.reported_cpu(kernel_cpu)
        inputs = read_record(record, root)
        package_here = Path(__file__).resolve().parent == root / "ccth_lib"  # not so in a scratch copy
        if package_here and "ccth_lib" in json.dumps(source_cells(source_nb)) and not any(k.startswith("ccth_lib/") for k in inputs):
            raise RuntimeError(
                f"{path.name}: its kernel recorded no ccth_lib module although the notebook imports one, so "
                "its inputs are unknown; is PYTHONSTARTUP ignored by the kernel, or ccth_lib not under the project?"
            )
        nb = nbformat.read(tmp_out, as_version=4)
        _strip_volatile(nb)
        hide_injected(nb)  # the page says what its parameters are; it shows no code
        nb.metadata["ccth"] = {
            DIGEST_KEY: notebook_digest(source_nb, parameters, inputs_digest(inputs)),
            "parameters": parameters,
            CODE_KEY: code,
            INPUTS_KEY: inputs,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, tmp_out)
        shutil.move(str(tmp_out), str(output))
    return output


@dataclass(frozen=True)
class Executed:
    """The outcome of executing one page: how long it took, where, and its error if it failed."""

    page: Page
    seconds: float
    error: str | None = None
    pid: int = 0
    started: float = 0.0
    finished: float = 0.0
    #: CPU seconds it took: the worker's and its kernel's (user + system)
    cpu: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


#: Environment variables a worker process takes from the process that asked for the execution
#: (a forkserver's workers would otherwise have the environment the server started with).
PASSED_ON = ("CCTH_ROOT", "CCTH_CACHE_DIR", kernels.SERVER_ENV, "JUPYTER_PATH")


#: The CPU seconds the last page's kernel reported (a warm kernel; see :mod:`ccth_lib.kernels`).
_last_kernel_cpu = 0.0


def _execute_job(pg: Page, timeout: int, environ: Mapping[str, str | None] | None = None) -> Executed:
    import papermill as pm

    for key, value in (environ or {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    started = time.time()
    t0, c0 = time.perf_counter(), _cpu()
    error = None
    try:
        execute_page(pg, timeout=timeout)
    except pm.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # noqa: BLE001 - reported per page; the other pages go on
        error = f"{type(exc).__name__}: {exc}"
    kernel = _last_kernel_cpu if error is None else 0.0
    return Executed(pg, time.perf_counter() - t0, error, os.getpid(), started, time.time(), _cpu() - c0 + kernel)


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (its kernels)."""
    import resource

    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def default_jobs() -> int:
    """Pages executed at once by default: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def execute_pages(chosen: Iterable[Page], jobs: int | None = None, *, timeout: int = 600) -> Iterator[Executed]:
    """Execute pages in place, ``jobs`` at once (default: one per core); yields each as it ends.

    Each page runs in its own worker process and kernel (a warm kernel, forked from a server that
    has imported the libraries: :mod:`ccth_lib.kernels`); a page that fails is reported (its
    notebook left as it was) and the others go on.
    """
    todo = list(chosen)
    if not todo:
        return
    with kernels.warm_kernels():  # one server for all the pages' kernels (see ccth_lib.kernels)
        yield from _execute_pages(todo, jobs, timeout)


def _execute_pages(todo: list[Page], jobs: int | None, timeout: int) -> Iterator[Executed]:
    jobs = max(1, min(jobs or default_jobs(), len(todo) or 1))
    if jobs == 1:
        for pg in todo:
            yield _execute_job(pg, timeout)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    environ = {key: os.environ.get(key) for key in PASSED_ON} | {"CCTH_ROOT": str(paths.project_root())}
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_execute_job, pg, timeout, environ) for pg in todo]
        for future in as_completed(futures):
            yield future.result()


def execution_plan(chosen: Iterable[Page], *, force: bool = False) -> list[list[tuple[Page, tuple[str, ...]]]]:
    """The pages to execute, in waves, each with why: the stale pages (every page with ``force``)
    and the pages that read the notebook of one of them (the evidence catalogue reads every
    page). A page comes in a wave after the pages whose notebooks it reads; the pages of a wave
    run in parallel."""
    chosen = list(chosen)
    root = paths.project_root()
    now = Digests(root)
    states = {p.name: staleness(p, now) for p in chosen}
    reads = {p.name: set(states[p.name].reads) for p in chosen}
    notebook = {p.name: Path(os.path.relpath(p.path, root)).as_posix() for p in chosen}
    why = {p.name: states[p.name].reasons or ("--force",) for p in chosen if force or states[p.name].stale}
    grew = True
    while grew:
        grew = False
        for p in chosen:
            first = sorted(q for q in why if notebook[q] in reads[p.name] and q != p.name)
            if p.name not in why and first:
                why[p.name] = (f"it reads {notebook[first[0]]}, which is executed first",)
                grew = True
    waves: list[list[tuple[Page, tuple[str, ...]]]] = []
    remaining = [p for p in chosen if p.name in why]
    while remaining:
        wave = [p for p in remaining if not any(notebook[q.name] in reads[p.name] for q in remaining if q is not p)]
        wave = wave or remaining  # pages that read each other: together
        waves.append([(p, why[p.name]) for p in wave])
        remaining = [p for p in remaining if p not in wave]
    return waves


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


# ---------------------------------------------------------------------------------------------
# Scenarios: running one page with other parameters into another file (`ccth run`)


def run_page(pg: Page, output: Path, parameters: dict[str, Any] | None = None, *, progress: bool = True,
             timeout: int = 600, metadata: Mapping[str, Any] | None = None) -> Path:
    """Execute a page with ``parameters`` (on top of the page's own) into ``output``, showing
    papermill's progress bar; never in place. Nothing is written if the run fails.

    The output records its parameters (and ``metadata``) in ``metadata.ccth``, but no input
    digest: it is a run for an analyst, not a page of the book.
    """
    import papermill as pm

    path = Path(pg.template).resolve()
    output = Path(output).resolve()
    if output in (path, Path(pg.path).resolve()):
        raise ValueError(f"{output}: a run never writes over the book's notebook; use `ccth execute` for that")
    parameters = dict(pg.parameters) | dict(parameters or {})
    check_parameters(path, parameters)
    source_nb = _titled(nbformat.read(path, as_version=4), pg.title, path.name)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_in = Path(tmp) / path.name
        tmp_out = Path(tmp) / ("out-" + path.name)
        nbformat.write(source_nb, tmp_in)
        with kernels.environ(CCTH_ROOT=str(paths.project_root())):
            pm.execute_notebook(
                str(tmp_in), str(tmp_out), parameters=parameters, cwd=str(path.parent), kernel_name="python3",
                progress_bar=progress, execution_timeout=timeout, extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        nb = nbformat.read(tmp_out, as_version=4)
        _strip_volatile(nb)
        hide_injected(nb)
        nb.metadata["ccth"] = {"parameters": parameters, **dict(metadata or {})}
        output.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, tmp_out)
        shutil.move(str(tmp_out), str(output))
    return output


def hide_injected(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Tag the cell papermill injects with a run's parameters ``remove-cell``, so that a page shows
    no code (its "Parameters used" table, and a scenario book's banner, say what the values are)."""
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    return nb
