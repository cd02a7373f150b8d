"""Security review as tests: bandit finds nothing unexplained in the code, pip-audit finds no known
vulnerability in the installed dependencies, and no secret is committed. (Security headers on every kind of
response are tested in ``test_operations.py``.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: ``# nosec B123  # reason``: one or more test ids, then a comment saying why the finding does not apply.
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)")
JUSTIFIED = re.compile(r"^ (B\d{3})(, B\d{3})*  # \S.{8,}$")


def test_bandit_finds_nothing_unexplained():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "surveyapp", "scoring", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert findings == [] and report["errors"] == []
    assert result.returncode == 0


def test_every_nosec_names_its_test_and_says_why():
    unexplained = []
    for path in [*ROOT.joinpath("surveyapp").rglob("*.py"), *ROOT.joinpath("scoring").rglob("*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found = NOSEC.search(line)
            if found and not JUSTIFIED.match(found["rest"]):
                unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert unexplained == []


def _pypi_release_api() -> str | None:
    """Why PyPI's per-release JSON API (pip-audit's vulnerability source) cannot be used from here, or ``None``."""
    version = metadata.version("flask")
    url = f"https://pypi.org/pypi/flask/{version}/json"
    try:
        with urllib.request.urlopen(url, timeout=15) as answer:
            release = json.load(answer)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{url} does not answer ({exc})"
    if "vulnerabilities" not in release:
        return f"{url} answers without vulnerability data"
    return None


def test_no_installed_dependency_has_a_known_vulnerability():
    unreachable = _pypi_release_api()
    if unreachable:
        pytest.skip(f"pip-audit cannot reach its vulnerability database: {unreachable}")
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--format", "json", "--progress-spinner", "off"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stdout)
    vulnerable = [
        f"{d['name']} {d['version']}: {', '.join(v['id'] for v in d['vulns'])}"
        for d in report["dependencies"]
        if d.get("vulns")
    ]
    not_audited = [f"{d['name']}: {d['skip_reason']}" for d in report["dependencies"] if "skip_reason" in d]
    assert vulnerable == [], "upgrade these dependencies"
    assert not_audited == []


#: What a committed secret looks like. The patterns are written so that they do not match themselves.
SECRETS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "device token": re.compile(r"\bkd_[A-Za-z0-9_-]{40,}"),
}
#: A literal secret key (``SECRET_KEY = "..."``, ``"SECRET_KEY": "..."``) is fine only for throwaway databases.
THROWAWAY = ("tests/", "benchmarks/", "surveyapp/demo.py")
SECRET_KEY_LITERAL = re.compile(r"""SECRET_KEY["']?\s*[:=]\s*["'][^"']{4,}["']""")
NEVER_COMMITTED = re.compile(r"(^|/)(instance/|\.env$|.*\.(pem|key|p12|pfx)$|id_(rsa|ed25519|ecdsa)$|secret_key$)")


def tracked_files() -> list[str]:
    if shutil.which("git") is None or not ROOT.joinpath(".git").exists():
        pytest.skip("not a git checkout: nothing is committed here")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60)
    return [name for name in listing.stdout.decode("utf-8").split("\0") if name]


def test_no_secret_is_committed():
    files = tracked_files()
    assert [name for name in files if NEVER_COMMITTED.search(name)] == []
    found = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        found += [f"{name}: {kind}" for kind, pattern in SECRETS.items() if pattern.search(text)]
        if not name.startswith(THROWAWAY) and SECRET_KEY_LITERAL.search(text):
            found.append(f"{name}: a literal SECRET_KEY")
    assert found == []
