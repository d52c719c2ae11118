"""Every step's "why" is made from marked text, so none stays English in a Korean session.

The demo hosts show most whys (tests/i18n/test_lessons_ko.py checks those in Korean), but many
steps appear only on hosts no demo is: CRI-O, Docker, a stopped runtime, a reset. Read from
the source instead: each `why=` (and each network manager's `why`) must be a `_()` / `N_()`
call, `.format()` on one, a name holding one, or joins of those; an f-string or a bare
literal with words in it would never reach the catalog.
"""

from __future__ import annotations

import ast
from pathlib import Path

WIZARD = Path(__file__).resolve().parents[2] / "wizard"


def _marked(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Name) and function.id in ("_", "N_"):
            return True
        if isinstance(function, ast.Attribute) and function.attr == "format":
            return _marked(function.value)
        if isinstance(function, ast.Attribute) and function.attr == "join":
            return all(_marked(arg) for arg in node.args)
        return False
    if isinstance(node, ast.Constant):  # a separator such as " ", never a sentence
        return isinstance(node.value, str) and not any(c.isalpha() for c in node.value)
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Starred)):
        return True
    if isinstance(node, ast.BinOp):
        return _marked(node.left) and _marked(node.right)
    if isinstance(node, ast.IfExp):
        return _marked(node.body) and _marked(node.orelse)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_marked(element) for element in node.elts)
    if isinstance(node, ast.GeneratorExp):
        return _marked(node.elt)
    return False


def _is_why(node: ast.AST) -> bool:
    """A `why=` argument, an assignment to a variable `why`, or a `why` property's body."""
    if isinstance(node, ast.keyword):
        return node.arg == "why"
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == "why" for t in node.targets)
    return isinstance(node, ast.AugAssign) and getattr(node.target, "id", "") == "why"


def _whys(tree: ast.AST):
    for node in ast.walk(tree):
        if _is_why(node):
            yield node.value
        elif isinstance(node, ast.FunctionDef) and node.name == "why":
            yield from (n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value)


def test_every_why_in_the_core_is_marked_for_translation():
    unmarked = [f"{path.relative_to(WIZARD.parent)}:{value.lineno}: {ast.unparse(value)[:70]}"
                for path in sorted(WIZARD.rglob("*.py"))
                for value in _whys(ast.parse(path.read_text(encoding="utf-8")))
                if not _marked(value)]
    assert not unmarked, "\n".join(unmarked)
