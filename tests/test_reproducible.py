"""Anyone with the same seeds rebuilds the same bytes: another folder, time zone, locale and hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEEDS, Built

OUTPUTS = ["datapackage.zip", "workbook.xlsx", "report.html", "report.pdf", "report-booklet.pdf"]


def test_a_build_elsewhere_gives_identical_bytes(built: Built, tmp_path: Path):
    env = {**os.environ, "TZ": "Pacific/Auckland", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PYTHONHASHSEED": "4242"}
    package, out = tmp_path / "elsewhere" / "datapackage", tmp_path / "elsewhere" / "build"
    command = [sys.executable, "-m", "publish", "build", "--seeds", str(SEEDS), "--package", str(package), "--out", str(out)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    ours = sorted(p.relative_to(built.paths.package) for p in built.paths.package.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(package) for p in package.rglob("*") if p.is_file())
    assert ours == theirs
    for relative in ours:
        assert (package / relative).read_bytes() == (built.paths.package / relative).read_bytes(), relative
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (built.paths.out / name).read_bytes(), name
