"""The layer picture (README): reader < idcard < mock_card/gui, no package cycles, emulator plugged in."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from reader.errors import ReaderNotFoundError
from reader.registry import open_reader, register_scheme, registered_schemes, unregister_scheme

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str) -> list[tuple[Path, str, bool]]:
    """(file, imported module, at top level) for every import in a package."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, alias.name, id(node) in top) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append((path, node.module, id(node) in top))
    return found


def _subpackage(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:2]) if parts[0] == "idcard" and len(parts) > 2 else parts[0]


@pytest.mark.parametrize("package", ["idcard", "reader"])
def test_library_never_imports_the_emulator(package: str) -> None:
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p, m, _ in _imports(package) if m.split(".")[0] == "mock_card"]
    assert offenders == []


def test_reader_imports_nothing_above_it() -> None:
    above = {"idcard", "mock_card", "gui"}
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p, m, _ in _imports("reader") if m.split(".")[0] in above]
    assert offenders == []


@pytest.mark.parametrize("a, b", [("idcard.lds", "idcard.protocol"), ("idcard.lds", "idcard.pki")])
def test_no_package_cycle(a: str, b: str) -> None:
    def uses(src: str, dst: str) -> list[str]:
        return [
            f"{p.relative_to(ROOT)}: {m}"
            for p, m, _ in _imports("idcard")
            if _subpackage(p) == src and (m == dst or m.startswith(dst + "."))
        ]

    # One direction is allowed (protocol and pki read LDS structures), never both.
    assert not (uses(a, b) and uses(b, a)), (uses(a, b), uses(b, a))
    assert uses(a, b) == []


def test_emulator_scheme_is_a_plugin() -> None:
    # The pytest plugin registered it; without a registration the name is refused clearly.
    assert "emulator" in registered_schemes()
    from mock_card.scheme import install, open_emulator

    unregister_scheme("emulator")
    try:
        with pytest.raises(ReaderNotFoundError, match="emulator is not installed"):
            open_reader("emulator:demo")
    finally:
        install()
    with open_reader("emulator:demo") as transport:
        assert transport.atr
    assert open_emulator is not None


def test_builtin_schemes_cannot_be_replaced() -> None:
    with pytest.raises(ValueError):
        register_scheme("pcsc", lambda rest: open_reader("emulator:demo"))


def test_cli_finds_the_emulator_through_its_entry_point() -> None:
    # A fresh interpreter without the pytest plugin: the CLI loads the plugin itself.
    code = (
        "import sys; from reader.registry import registered_schemes, load_scheme_plugins;"
        "assert 'emulator' not in registered_schemes(); load_scheme_plugins();"
        "print(registered_schemes())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "emulator" in out.stdout


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("idcard/apdu", ("idcard.lds", "idcard.pki", "idcard.protocol", "idcard.session", "idcard.document")),
        ("idcard/lds", ("idcard.protocol", "idcard.pki", "idcard.session", "idcard.document")),
        ("idcard/pki", ("idcard.protocol", "idcard.session", "idcard.document", "idcard.handoff", "idcard.portal")),
        ("idcard/protocol", ("idcard.session", "idcard.document", "idcard.portal", "idcard.cli")),
        ("idcard", ("gui", "mock_card")),
        ("mock_card", ("gui",)),
    ],
)
def test_the_readme_picture(package: str, forbidden: tuple[str, ...]) -> None:
    """No layer imports one above it (README, Architecture)."""
    offenders = [
        f"{p.relative_to(ROOT)}: {m}"
        for p, m, _ in _imports(package)
        if any(m == f or m.startswith(f + ".") for f in forbidden)
    ]
    assert offenders == []


# -- imports at top level (issue 13) ---------------------------------------------------------
#: Optional drivers: a missing one must not break the modules that can live without it.
OPTIONAL_DRIVERS = frozenset({"smartcard", "nfc", "PySide6", "redis", "psycopg"})
#: The other function-level imports, each with its reason: (file, module) -> why.
LAZY_ON_PURPOSE: dict[tuple[str, str], str] = {
    ("idcard/cli.py", "idcard.pdf"): "pyHanko adds 0.3 s: start-up time of a command-line tool",
    # The other subcommand stacks together add about 0.2 s to every `idcard` start:
    ("idcard/cli.py", "idcard.handoff"): "the hand-off server (uvicorn, asyncio): `serve` and `auth` only",
    ("idcard/cli.py", "idcard.handoff.request"): "part of the hand-off stack: `auth` only",
    ("idcard/cli.py", "idcard.pki.validate"): "pyhanko-certvalidator: `trust` only",
    ("idcard/cli.py", "idcard.cards.reading"): "the validator again: reading a real card family only",
    ("idcard/cli.py", "idcard.cards.login"): "the validator and httpx: `token` with a real card only",
    ("idcard/cli.py", "idcard.cards.keyservice_http"): "httpx: --key-service only",
    ("idcard/cli.py", "idcard.portal"): "the validator and the portal stack: `verify-token` only",
    ("gui/launch.py", "gui.app"): "probes the gui extra, to say what to install when it is missing",
}
LIBRARY_PACKAGES = ("idcard", "reader", "mock_card", "gui")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def function_level_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import inside a function or class body, `if TYPE_CHECKING:` aside.

    Imports under a module-level `try`/`if` count as top level (that is how an optional
    package is probed once).
    """
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import) and nested:
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and nested:
                found.append((child.lineno, "." * child.level + (child.module or "")))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                visit(child, True)
            else:
                visit(child, nested)

    visit(ast.parse(source), False)
    return found


def _lazy_import_allowed(file: str, module: str) -> bool:
    return module.split(".")[0] in OPTIONAL_DRIVERS or (file, module) in LAZY_ON_PURPOSE


def test_imports_are_at_top_level() -> None:
    """Only optional drivers and the listed start-up/cycle exceptions are imported inside functions."""
    offenders = []
    for package in LIBRARY_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            file = path.relative_to(ROOT).as_posix()
            for line, module in function_level_imports(path.read_text(encoding="utf-8")):
                if not _lazy_import_allowed(file, module):
                    offenders.append(f"{file}:{line}: {module}")
    assert offenders == []


def test_every_listed_exception_is_still_needed() -> None:
    # An exception whose import went to the top level (or away) leaves the list too.
    seen = {
        (path.relative_to(ROOT).as_posix(), module)
        for package in LIBRARY_PACKAGES
        for path in (ROOT / package).rglob("*.py")
        for _, module in function_level_imports(path.read_text(encoding="utf-8"))
    }
    assert sorted(set(LAZY_ON_PURPOSE) - seen) == []


def test_the_import_check_sees_nested_imports() -> None:
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "try:\n    import smartcard\nexcept ImportError:\n    smartcard = None\n"
        "if TYPE_CHECKING:\n    from idcard.session import IdCard\n"
        "def f():\n    import json\n    from idcard.lds import Dg1\n"
        "class C:\n    def g(self):\n        if True:\n            from .base import Transport\n"
        "h = lambda: __import__('os')\n"
    )
    assert function_level_imports(source) == [(10, "json"), (11, "idcard.lds"), (15, ".base")]
    assert not _lazy_import_allowed("idcard/x.py", "json")
    assert _lazy_import_allowed("reader/pcsc.py", "smartcard.scard")
    assert not _lazy_import_allowed("idcard/pdf/verify.py", "idcard.pdf")  # an exception names its file


def test_the_cli_parser_does_not_load_the_subcommand_stacks() -> None:
    # The reason idcard/cli.py imports those stacks lazily: `idcard --help` starts quickly.
    heavy = "('pyhanko', 'pyhanko_certvalidator', 'uvicorn', 'httpx', 'starlette')"
    code = f"import sys, idcard.cli; idcard.cli.build_parser(); print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
