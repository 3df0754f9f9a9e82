"""Deterministic builds: two clean builds of the same sources give a byte-identical site.

The sources are copied twice, to two different folders (a clone can live anywhere), and each copy
is built from scratch into its own output folder, both builds at once. Every file of the two sites
must be the same, byte for byte: the same pages, the same search index, the same copied data.
"""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.build

#: What a clean clone has (and what `make vendor` adds: the Vega scripts the site ships), without
#: the virtual environment, the npm cache, earlier builds and tool caches.
IGNORE = shutil.ignore_patterns(".git", ".venv", "node_modules", "_build", ".pytest_cache", ".hypothesis",
                                "__pycache__", "*.egg-info", ".ipynb_checkpoints", "*.pyc")


def snapshot(root: Path, dest: Path) -> Path:
    shutil.copytree(root, dest, ignore=IGNORE, symlinks=True)
    return dest


def differences(a: Path, b: Path, limit: int = 20) -> list[str]:
    """The files that differ between two folders (missing on one side, or other bytes)."""
    out: list[str] = []

    def walk(cmp: filecmp.dircmp, rel: str) -> None:
        for name in sorted(cmp.left_only):
            out.append(f"{rel}{name}: only in the first build")
        for name in sorted(cmp.right_only):
            out.append(f"{rel}{name}: only in the second build")
        for name in sorted(cmp.common_files):
            if (Path(cmp.left) / name).read_bytes() != (Path(cmp.right) / name).read_bytes():
                out.append(f"{rel}{name}: the bytes differ")
        for name in sorted(cmp.common_funny):
            out.append(f"{rel}{name}: a file in one build, a folder in the other")
        for name, sub in sorted(cmp.subdirs.items()):
            walk(sub, f"{rel}{name}/")

    walk(filecmp.dircmp(a, b, ignore=[]), "")
    return out[:limit] + ([f"… and {len(out) - limit} more"] if len(out) > limit else [])


def first_difference(a: Path, b: Path) -> str:
    x, y = a.read_bytes(), b.read_bytes()
    i = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
    return f"byte {i}: {x[max(0, i - 80): i + 80]!r}\n   vs: {y[max(0, i - 80): i + 80]!r}"


def test_two_clean_builds_are_byte_identical(root, tmp_path):
    if not (root / "_vendor" / "site").is_dir():
        pytest.fail("_vendor/site is missing: run `make vendor` (the site ships the Vega scripts from there)")
    first = snapshot(root, tmp_path / "clone-a" / "sccth")
    second = snapshot(first, tmp_path / "clone-b" / "elsewhere")
    jb = Path(sys.executable).with_name("jupyter-book")
    builds = [
        subprocess.Popen([str(jb), "build", str(src), "--path-output", str(src.parent / "out"), "--warningiserror",
                          "--keep-going"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for src in (first, second)
    ]
    for proc in builds:
        output, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"a clean build failed:\n{output[-4000:]}"
    a, b = (src.parent / "out" / "_build" / "html" for src in (first, second))
    assert len(list(a.rglob("*.html"))) >= 10
    found = differences(a, b)
    detail = ""
    if found and found[0].endswith("the bytes differ"):
        name = found[0].split(":")[0]
        detail = "\nfirst difference in " + name + ", " + first_difference(a / name, b / name)
    assert not found, "two clean builds differ:\n" + "\n".join(found) + detail


def test_the_comparison_finds_every_kind_of_difference(tmp_path):
    """The check itself: a changed byte, a missing file and an extra file are each found."""
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        (d / "sub").mkdir(parents=True)
        (d / "same.html").write_bytes(b"<p>same</p>")
    (a / "sub" / "page.html").write_bytes(b"<p>1</p>")
    (b / "sub" / "page.html").write_bytes(b"<p>2</p>")
    (a / "only-a.js").write_text("a")
    (b / "sub" / "only-b.css").write_text("b")
    assert differences(a, b) == ["only-a.js: only in the first build", "sub/only-b.css: only in the second build",
                                 "sub/page.html: the bytes differ"]
    assert differences(a, a) == []
