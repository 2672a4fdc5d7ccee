"""The refusal contract, checked over the source tree (no database).

Every service that says no calls `iop.common.exceptions.refuse(message, code=<App>ErrorCode.X)`:
- nothing but `iop/common/exceptions.py` constructs an `ApplicationError` (or subclasses it), so a
  refusal cannot skip naming its rule;
- every `refuse(...)` passes `code=` as a member of an `...ErrorCode` enum (or forwards a parameter
  of the enclosing function that is typed as one, as `validated_save` does for its callers);
- every `...ErrorCode` enum lives in its app's `errors.py`, and none uses the generic "invalid".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.source import ROOT, project_modules

CONTRACT = Path("iop/common/exceptions.py")


MODULES = project_modules()


def _tree(path: Path) -> ast.Module:
    return ast.parse((ROOT / path).read_text(), filename=str(path))


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def _is_error_code_member(node: ast.AST) -> bool:
    """`SomethingErrorCode.MEMBER` (possibly `errors.SomethingErrorCode.MEMBER`)."""
    return isinstance(node, ast.Attribute) and _name(node.value).endswith("ErrorCode")


def _is_forwarded_code_parameter(node: ast.AST, call: ast.Call, parents: dict) -> bool:
    """A parameter of the enclosing function annotated as an ErrorCode (or StrEnum) — the caller
    named the rule."""
    if not isinstance(node, ast.Name):
        return False
    scope = parents.get(call)
    while scope is not None and not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        scope = parents.get(scope)
    if scope is None:
        return False
    args = scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs
    for arg in args:
        if arg.arg == node.id and arg.annotation is not None:
            annotation = ast.unparse(arg.annotation)
            return "ErrorCode" in annotation or "StrEnum" in annotation
    return False


def _sites(predicate) -> list[str]:
    found = []
    for path in MODULES:
        tree = _tree(path)
        parents = _parents(tree)
        for node in ast.walk(tree):
            problem = predicate(path, node, parents)
            if problem:
                found.append(f"{path}:{node.lineno}: {problem}")
    return found


def test_the_tree_is_parsed():
    assert Path("iop/clients/services.py") in MODULES
    assert CONTRACT in MODULES


def test_only_the_contract_constructs_or_subclasses_application_error():
    def check(path, node, parents):
        if path == CONTRACT:
            return None
        if isinstance(node, ast.Call) and _name(node.func) == "ApplicationError":
            return "constructs ApplicationError; call refuse(message, code=<App>ErrorCode.X)"
        if isinstance(node, ast.ClassDef) and any(_name(base) == "ApplicationError" for base in node.bases):
            return f"class {node.name} subclasses ApplicationError; refuse with a code instead"
        return None

    sites = _sites(check)
    assert not sites, "\n" + "\n".join(sites)


def test_every_refusal_names_its_rule_by_an_error_code():
    def check(path, node, parents):
        if not (isinstance(node, ast.Call) and _name(node.func) == "refuse"):
            return None
        code = next((kw.value for kw in node.keywords if kw.arg == "code"), None)
        if code is None:
            return "refuse() without code="
        if _is_error_code_member(code) or _is_forwarded_code_parameter(code, node, parents):
            return None
        return f"refuse(code={ast.unparse(code)}) is not a member of an ErrorCode enum"

    sites = _sites(check)
    assert not sites, "\n" + "\n".join(sites)


def test_every_validated_save_names_its_rule():
    def check(path, node, parents):
        if not (isinstance(node, ast.Call) and _name(node.func) == "validated_save"):
            return None
        keywords = {kw.arg: kw.value for kw in node.keywords}
        missing = [k for k in ("code",) + (("conflict_code",) if "conflict" in keywords else ()) if k not in keywords]
        return f"validated_save() without {', '.join(missing)}=" if missing else None

    sites = _sites(check)
    assert not sites, "\n" + "\n".join(sites)


def _error_code_enums() -> list[tuple[Path, ast.ClassDef]]:
    return [
        (path, node)
        for path in MODULES
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ClassDef) and node.name.endswith("ErrorCode")
    ]


def test_error_code_enums_live_in_their_apps_errors_module():
    misplaced = [f"{path}: {cls.name}" for path, cls in _error_code_enums() if path.name != "errors.py"]
    assert misplaced == []
    assert {cls.name for _, cls in _error_code_enums()} >= {"ClientsErrorCode", "AccountsErrorCode"}


@pytest.mark.parametrize("path_and_class", _error_code_enums(), ids=lambda pc: pc[1].name)
def test_error_codes_are_specific_snake_case_and_unique(path_and_class):
    path, cls = path_and_class
    values = [
        stmt.value.value
        for stmt in cls.body
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)
    ]
    assert values, f"{path}: {cls.name} has no members"
    assert "invalid" not in values, f"{path}: {cls.name} uses the generic 'invalid'"
    assert [v for v in values if not v.replace("_", "").isalnum() or v != v.lower()] == []
    assert len(values) == len(set(values)), f"{path}: {cls.name} gives two rules one code"
