"""Bad input: one clear message each, every problem listed, and nothing published.

Each kind of bad input is made in a scratch copy of the data and checked the way a person meets
it: ``ccth validate`` names the file and the place (line, byte or column) in one message, with no
traceback, still checks every other table, and fails; ``make book`` stops there, before Jupyter
Book writes any page. A parameter papermill was given that the notebook does not declare stops
the run, even with plain ``papermill``.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from ccth_lib import data, notebooks, sources
from ccth_lib.cli import app

OPTIMITY = "paper_optimity_avoidability"


def _validate(*names: str):
    res = CliRunner().invoke(app, ["validate", *names])
    assert res.exception is None or isinstance(res.exception, SystemExit), f"a traceback:\n{res.output}"
    assert "Traceback" not in res.output
    return res


def _table(project: Path, name: str) -> Path:
    return project / "data" / "tables" / f"{name}.csv"


def _problems(name: str) -> list[str]:
    with pytest.raises(data.DataValidationError) as exc:
        data.load_table(name)
    return exc.value.problems


# ---------------------------------------------------------------------------------------------
# The kinds of bad input (each writes it into a scratch project; returns what the message says)


def non_utf8(project: Path) -> str:
    """'Hospital at Home' with an é saved in Windows-1252, on CSV lines 2 and 8."""
    path = _table(project, OPTIMITY)
    raw = path.read_bytes().replace(b"Hospital at Home,", b"Hospital at H\xe9me,")
    path.write_bytes(raw)
    return "data/tables/paper_optimity_avoidability.csv: 2 problem(s)"


def changed_source(project: Path) -> str:
    path = project / "data" / "sources" / sources.get("hwbb-2017-07").file
    path.write_bytes(path.read_bytes().replace(b"Health", b"Heath", 1))
    return f"data/sources/{path.name}: the source text has changed since it was registered"


def missing_column(project: Path) -> str:
    path = _table(project, OPTIMITY)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    drop = rows[0].index("sometimes_avoidable")
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([r[:drop] + r[drop + 1 :] for r in rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    return "missing column 'sometimes_avoidable'"


def duplicate_key(project: Path) -> str:
    """CSV line 3 (printing 1, row 2) renumbered as row 1: the key of CSV line 2 again."""
    path = _table(project, OPTIMITY)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[2].startswith("1,2,")
    lines[2] = "1,1," + lines[2][4:]
    path.write_text("".join(lines), encoding="utf-8")
    return "duplicate primary key (printing, row_order) = (1, 1): CSV lines 2 and 3"


def empty_file(project: Path) -> str:
    _table(project, OPTIMITY).write_bytes(b"")
    return "data/tables/paper_optimity_avoidability.csv: 1 problem(s)\n  the file is empty"


def truncated_file(project: Path) -> str:
    """The file cut in the middle of CSV line 5, after its fourth field."""
    path = _table(project, OPTIMITY)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = lines[4][: [i for i, ch in enumerate(lines[4]) if ch == ","][3]]
    path.write_text("".join(lines[:4]) + cut, encoding="utf-8")
    return "CSV line 5 has 4 field(s), the header has"


BAD_INPUTS = [non_utf8, changed_source, missing_column, duplicate_key, empty_file, truncated_file]


# ---------------------------------------------------------------------------------------------
# One clear message each


def test_a_byte_that_is_not_utf8_is_named_by_file_line_and_byte_and_every_table_is_still_checked(tmp_project):
    non_utf8(tmp_project)
    missing_column_elsewhere = "strategy_objectives"
    path = _table(tmp_project, missing_column_elsewhere)
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace("row_order", "row_ordr", 1) + "\n" + rest, encoding="utf-8")

    res = _validate()
    assert res.exit_code == 1
    col = b"1,1,item,Hospital at H\xe9me".index(b"\xe9") + 1
    assert (
        "FAIL paper_optimity_avoidability: data/tables/paper_optimity_avoidability.csv: 2 problem(s)\n"
        f"  line 2, byte {col}: 0xE9 is not UTF-8 (perhaps 'é' saved as Windows-1252 or Latin-1); save the file as UTF-8\n"
        f"  line 8, byte {col}: 0xE9 is not UTF-8 (perhaps 'é' saved as Windows-1252 or Latin-1); save the file as UTF-8"
    ) in res.output
    assert "FAIL strategy_objectives: data/tables/strategy_objectives.csv" in res.output
    assert "missing column 'row_order'" in res.output
    n = len(data.list_tables())
    assert res.output.count("\nok   ") + res.output.startswith("ok   ") == n - 2, "every other table is checked"
    assert f"validation failed: 2 of {n} table(s)" in res.output


def test_a_byte_that_is_not_utf8_in_a_descriptor_is_named(tmp_project):
    path = tmp_project / "data" / "tables" / f"{OPTIMITY}.resource.yaml"
    lines = path.read_bytes().split(b"\n")
    lines[0] = lines[0] + b" \x96 recomputed"
    path.write_bytes(b"\n".join(lines))
    res = _validate(OPTIMITY)
    assert res.exit_code == 1
    assert f"data/tables/{OPTIMITY}.resource.yaml: 1 problem(s)\n  line 1, byte " in res.output
    assert "0x96 is not UTF-8 (perhaps '–' saved as Windows-1252 or Latin-1)" in res.output


def test_a_changed_source_is_one_line_with_both_checksums_and_what_to_do(tmp_project):
    expected = changed_source(tmp_project)
    src = sources.get("hwbb-2017-07")
    actual = sources.sha256_of(src.path)
    res = _validate()
    assert res.exit_code == 1
    mentions = [line for line in res.output.splitlines() if src.file in line]
    assert len(mentions) == 1, res.output
    line = mentions[0]
    assert line.startswith("FAIL " + expected)
    assert f"its sha256 is {actual} but data/sources/registry.csv records {src.sha256}" in line
    assert f"git checkout -- data/sources/{src.file}" in line and "record its sha256 in data/sources/registry.csv" in line
    # the tables quoting it are still checked against their schemas, and fail on nothing else
    assert "FAIL hwbb2017" not in res.output
    assert "ok   hwbb2017_stp_partners (" in res.output and "its source text having changed" in res.output
    assert res.output.rstrip().endswith("validation failed: 1 source text(s) (listed above)")


def test_a_missing_column_is_named_first_without_knock_on_errors(tmp_project):
    expected = missing_column(tmp_project)
    problems = _problems(OPTIMITY)
    assert len(problems) == 1 and problems[0].startswith(expected)
    assert "printing, row_order, row_kind, service, usually_avoidable, sometimes_avoidable, total" in problems[0]


def test_an_unexpected_column_is_named(tmp_project):
    path = _table(tmp_project, OPTIMITY)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(["extra," + lines[0]] + ["x," + line for line in lines[1:]]) + "\n", encoding="utf-8")
    assert _problems(OPTIMITY) == [
        "unexpected column 'extra': it is not in the schema; remove it or describe it in the descriptor"
    ]


def test_a_duplicate_key_names_the_key_columns_and_both_rows_in_csv_lines(tmp_project):
    expected = duplicate_key(tmp_project)
    assert _problems(OPTIMITY) == [expected]


def test_an_empty_file_is_said_to_be_empty(tmp_project):
    empty_file(tmp_project)
    problems = _problems(OPTIMITY)
    assert len(problems) == 1 and problems[0].startswith("the file is empty: it needs a header row (printing, row_order,")


def test_a_truncated_file_is_said_to_be_truncated(tmp_project):
    expected = truncated_file(tmp_project)
    problems = _problems(OPTIMITY)
    assert len(problems) == 1 and problems[0].startswith(expected)
    assert problems[0].endswith("the file ends in the middle of this row; it looks truncated")


def test_a_file_cut_inside_a_quoted_field_is_said_to_be_truncated(tmp_project):
    path = _table(tmp_project, "paper_decisions")
    text = path.read_text(encoding="utf-8")
    quote = text.index(',"') + 2
    path.write_text(text[: quote + 10], encoding="utf-8")
    line = text[:quote].count("\n") + 1
    assert _problems("paper_decisions") == [f"CSV line {line}: the file ends inside a quoted field: it looks truncated"]


def test_a_header_only_file_and_a_blank_line_are_named(tmp_project):
    path = _table(tmp_project, OPTIMITY)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0], encoding="utf-8")
    assert _problems(OPTIMITY) == ["the file has a header row but no rows: it looks truncated"]
    path.write_text("".join(lines[:3] + ["\n"] + lines[3:]), encoding="utf-8")
    assert _problems(OPTIMITY) == ["CSV line 4 is blank"]


def test_a_missing_csv_is_named(tmp_project):
    _table(tmp_project, OPTIMITY).unlink()
    res = _validate(OPTIMITY)
    assert res.exit_code == 1
    assert f"FAIL {OPTIMITY}: data/tables/{OPTIMITY}.csv: 1 problem(s)\n  file is missing" in res.output


# ---------------------------------------------------------------------------------------------
# Nothing published


@pytest.mark.build
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=lambda f: f.__name__)
def test_make_book_stops_before_writing_any_page(bad, tmp_path, root):
    """`make book` in a scratch copy of the project with the bad input: validation fails, the
    make stops, and no page is written (there is no _build/html)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "_config.yml", "_toc.yml"):
        shutil.copy2(root / name, project / name)
    for name in ("data", "notebooks", "book"):
        shutil.copytree(root / name, project / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    expected = bad(project)
    venv = Path(sys.executable).parent.parent
    # -o: the checkout's own virtual environment and vendored scripts are taken as they are
    proc = subprocess.run(
        ["make", "-o", "setup", "-o", "vendor", "book", f"VENV={venv}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in __import__("os").environ.items() if k != "CCTH_ROOT"},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert expected.splitlines()[0] in output
    assert "Traceback" not in output
    assert "jupyter-book build" not in proc.stdout and "ccth execute" not in proc.stdout
    assert not (project / "_build" / "html").exists()


# ---------------------------------------------------------------------------------------------
# An unknown parameter given to plain papermill


def test_unknown_parameters_are_found_in_the_executed_cells():
    declared = "# Parameters (papermill)\nprinting = 1   # 1 or 2\nrounding: str = 'half_up'\n"
    assert notebooks.unknown_parameters([declared]) == ([], [])  # nothing injected
    assert notebooks.unknown_parameters([declared, "# Parameters\nprinting = 2\n"]) == ([], ["printing", "rounding"])
    assert notebooks.unknown_parameters([declared, '# Parameters\nprintng = 2\nrounding = "x"\n']) == (
        ["printng"],
        ["printing", "rounding"],
    )
    # a notebook whose own parameters cell starts like papermill's, run without parameters
    assert notebooks.unknown_parameters(["# Parameters\nprinting = 1\n"]) == ([], [])


def _checked_notebook(path: Path, source: Path | None = None) -> Path:
    """A notebook whose setup cell starts with the check (a copy of ``source``, or a small one)."""
    check = "from ccth_lib.notebooks import reject_unknown_parameters\nreject_unknown_parameters()\n"
    if source is None:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        params = nbformat.v4.new_code_cell("rate = 0.25   # a rate (0-1)\nlabel = 'x'")
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(check + "print(rate, label)")]
    else:
        nb = nbformat.read(source, as_version=4)
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        setup = next(c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", []))
        setup.source = check + setup.source
    nbformat.write(nb, path)
    return path


def _papermill(root: Path, nb: Path, out: Path, *params: str) -> subprocess.CompletedProcess:
    papermill = Path(sys.executable).with_name("papermill")
    return subprocess.run([str(papermill), str(nb), str(out), *params], cwd=root, capture_output=True, text=True, timeout=300)


@pytest.mark.notebooks
def test_plain_papermill_stops_on_an_unknown_parameter(tmp_path, root):
    nb = _checked_notebook(tmp_path / "small.ipynb")
    ok = _papermill(root, nb, tmp_path / "ok.ipynb", "-p", "rate", "0.5")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert "0.5 x" in nbformat.read(tmp_path / "ok.ipynb", as_version=4).cells[-1].outputs[0]["text"]
    bad = _papermill(root, nb, tmp_path / "bad.ipynb", "-p", "rat", "0.5")
    assert bad.returncode != 0
    assert "UnknownParameter: unknown parameter(s) rat: this notebook's parameters are rate, label; check its spelling" in bad.stderr


@pytest.mark.notebooks
def test_plain_papermill_stops_on_a_misspelt_model_parameter(tmp_path, root):
    nb = _checked_notebook(tmp_path / "trajectory.ipynb", root / "notebooks" / "model_trajectory.ipynb")
    bad = _papermill(root, nb, tmp_path / "bad.ipynb", "-p", "avoidance_rat", "0.30")
    assert bad.returncode != 0
    assert (
        "unknown parameter(s) avoidance_rat: this notebook's parameters are avoidance_rate_2019_20, "
        "avoidance_rate_2020_21, avoidance_rate_2021_22, rounding_counts" in bad.stderr
    )
