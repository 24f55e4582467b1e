"""DESIGN.md: a module may use the ones to its left in the path, never the other
way. Hand-offs to the right are signals (docs/architecture.md); every module may
write the audit trail through ``audit.services``."""

import re
from pathlib import Path

ORDER = [
    "programs",
    "registry",
    "waitingroom",
    "identity",
    "applications",
    "decisions",
    "payouts",
    "backoffice",
    "audit",
    "demo",
]
SRC = Path(__file__).resolve().parents[1] / "src" / "pauschale"
IMPORT = re.compile(r"^\s*(?:from|import) pauschale\.(\w+)(.*)$", re.MULTILINE)
AUDIT_WRITES = re.compile(r"^(\.services\b| import services\b)")


def imports_to_the_right() -> list[str]:
    found = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        app = relative.parts[0]
        if app not in ORDER or {"tests", "migrations"} & set(relative.parts):
            continue
        for target, rest in IMPORT.findall(path.read_text()):
            if target not in ORDER or target == app:
                continue
            if target == "audit" and AUDIT_WRITES.match(rest):
                continue
            if ORDER.index(target) > ORDER.index(app):
                found.append(f"{relative} imports pauschale.{target}")
    return found


def test_no_module_imports_one_to_its_right():
    assert imports_to_the_right() == []


def test_the_check_sees_an_import_to_the_right(tmp_path, monkeypatch):
    fake = tmp_path / "pauschale"
    (fake / "programs").mkdir(parents=True)
    (fake / "programs" / "bad.py").write_text("from pauschale.payouts import models\n")
    monkeypatch.setattr(__name__ + ".SRC", fake)
    assert imports_to_the_right() == ["programs/bad.py imports pauschale.payouts"]
