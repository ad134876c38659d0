"""Run LinkChecker over a built site (internal links and anchors) and return its findings.

LinkChecker reports a missing anchor only as a warning of its AnchorCheck plugin, so both errors
and anchor warnings are collected here and a test treats either as a failure.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CONFIG = """\
[checking]
threads=4
[output]
[AnchorCheck]
"""


def check_site(site_dir: Path) -> list[str]:
    """Return one line per broken link or missing anchor in ``site_dir`` (empty list: all good).

    LinkChecker reads the site through file URLs (over HTTP it throttles itself to a few requests a
    second). Run as root it drops its privileges to ``nobody``, so it checks a world-readable copy.
    """
    with tempfile.TemporaryDirectory(prefix="linkcheck-") as tmp:
        copy = Path(tmp) / "site"
        shutil.copytree(site_dir, copy)
        for path in [Path(tmp), *copy.rglob("*"), copy]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        cfg = Path(tmp) / "linkcheckerrc"
        cfg.write_text(CONFIG, encoding="utf-8")
        cfg.chmod(0o644)
        linkchecker = Path(sys.executable).with_name("linkchecker")
        result = subprocess.run(
            [str(linkchecker), "--no-status", "--no-robots", "-f", str(cfg), "-o", "csv", "--verbose",
             str(copy / "index.html")],
            capture_output=True, text=True, timeout=300,
        )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"linkchecker failed to run ({result.returncode}):\n{result.stderr}")
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    problems = []
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        broken = row.get("valid") == "False"
        anchor = "anchor" in (row.get("warningstring") or "").lower()
        if broken or anchor:
            problems.append(f"{row.get('parentname')} -> {row.get('urlname')}: "
                            f"{row.get('result')} {row.get('warningstring')}".strip())
    if result.returncode == 1 and not problems:
        raise RuntimeError(f"linkchecker exited 1 but no problem was parsed:\n{result.stdout[-3000:]}")
    return problems
