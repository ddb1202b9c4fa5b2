"""Find every message the code translates, for the catalogs and their completeness test.

A message is the first argument of ``t(...)`` (``domain.text.t``), or the message argument of
one of the few wrappers in :data:`TRANSLATING_CALLS`. Most are string literals; babel's own
Python extractor finds those, but not a message that reaches ``t`` through a name, such as
``t(_ACTIONS[code])`` or ``say(language, WELCOME)``. This extractor reads the code's syntax tree
instead and follows such a name, statically, to the strings it can hold:

- a string literal (adjacent literals are one string), either branch of ``a if c else b``;
- a module-level constant, or a name assigned in the enclosing function (or a ``for`` or
  comprehension variable), holding a string, or a dict, tuple or list of them (dict *values*
  only, never keys), also indexed (``TABLE[key]``) or read with ``TABLE.get(key, default)``;
- the arguments of the constructors in :data:`MESSAGE_ARGUMENTS` (and the field's default in
  the class), whose fields are translated later (``t(page.title)``), and the values of the
  enums in :data:`MESSAGE_ENUMS` (``t(phase.value)``).

A message argument that cannot be followed (a parameter, an f-string, a call's result) is
reported by :func:`unresolved_calls`; the completeness test allows only the reviewed ones, so a
new one fails the test instead of leaving a text untranslated without anyone noticing.

:func:`extract_messages` plugs into babel's extraction interface (``babel.messages.extract``),
so ``i18n.catalog_files`` builds the template with babel's machinery and this method.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where translated code lives, relative to the project root (tests and migrations are not
# translated).
SOURCES = ("app.py", "pages", "components", "domain", "data_access", "worker", "cli",
           "documents")

# Function name -> position of its message argument. ``t`` is ``domain.text.t``; ``N_`` marks a
# message that is translated later (gettext's ``gettext_noop``); ``say`` is the Telegram bot's
# wrapper (``worker.intake``).
TRANSLATING_CALLS: Mapping[str, int] = {"t": 0, "N_": 0, "say": 1}

# Constructors whose arguments are messages translated later: class name -> {field: position}.
MESSAGE_ARGUMENTS: Mapping[str, Mapping[str, int]] = {
    "PageAccess": {"title": 2, "section": 5},  # domain.access: navigation titles and sections
    "_Situation": {"sentence": 0},  # domain.tailoring: why a module is recommended now
}

# Enums whose member values are shown translated (``t(phase.value)``): file -> class names.
MESSAGE_ENUMS: Mapping[str, tuple[str, ...]] = {
    "domain/vocabulary.py": ("Phase",),
    "domain/outreach.py": ("Tier",),
}


@dataclass(frozen=True)
class FoundMessage:
    """A message and where the code uses it (``path`` relative to the project root)."""

    text: str
    path: str
    line: int


@dataclass(frozen=True)
class UnresolvedCall:
    """A translating call whose message this extractor cannot follow."""

    path: str
    line: int
    function: str  # the enclosing function ("<module>" at module level)
    argument: str  # the argument's source text

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: message argument `{self.argument}`"


@dataclass
class _Reach:
    """The strings an expression can hold, and the parts of it that could not be followed."""

    strings: list[str] = field(default_factory=list)
    unresolved: list[ast.expr] = field(default_factory=list)

    def add(self, other: _Reach) -> None:
        self.strings += other.strings
        self.unresolved += other.unresolved


def _targets(target: ast.expr, value: ast.expr | None) -> Iterator[tuple[str, ast.expr | None]]:
    """(name, what it is assigned) for an assignment target; ``None`` when it cannot be told
    (a tuple target unpacked from something other than a tuple literal)."""
    if isinstance(target, ast.Name):
        yield target.id, value
    elif isinstance(target, ast.Tuple | ast.List):
        if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
            for element, element_value in zip(target.elts, value.elts, strict=True):
                yield from _targets(element, element_value)
        else:
            for element in target.elts:
                yield from _targets(element, None)


class _Element(ast.expr):
    """Stands for "an element of ``container``" (a ``for`` or comprehension variable)."""

    def __init__(self, container: ast.expr) -> None:
        super().__init__()
        self.container = container


def _assignments(body: Iterable[ast.AST]) -> dict[str, list[ast.expr | None]]:
    """Every name bound in ``body`` (not in nested functions or classes) and its values."""
    found: dict[str, list[ast.expr | None]] = {}

    def bind(target: ast.expr, value: ast.expr | None) -> None:
        for name, bound in _targets(target, value):
            found.setdefault(name, []).append(bound)

    pending = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                bind(target, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            bind(node.target, node.value)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            bind(node.target, _Element(node.iter))
        elif isinstance(node, ast.NamedExpr):
            bind(node.target, node.value)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    names = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    names += [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
    return {arg.arg for arg in names}


@dataclass
class _Scope:
    name: str
    names: dict[str, list[ast.expr | None]]
    parameters: set[str]


class _ModuleScan(ast.NodeVisitor):
    """One module: its messages and its unresolved translating calls."""

    def __init__(self, tree: ast.Module, path: str) -> None:
        self.path = path
        self.module = _Scope("<module>", _assignments(tree.body), set())
        self.scopes: list[_Scope] = [self.module]
        self.messages: list[FoundMessage] = []
        self.unresolved: list[UnresolvedCall] = []
        self.defaults = self._field_defaults(tree)
        self.visit(tree)

    @staticmethod
    def _field_defaults(tree: ast.Module) -> dict[str, dict[str, str]]:
        """``{class: {field: default}}`` for the message fields of constructor classes defined
        in this module (``section: str = "Clinic"``)."""
        defaults: dict[str, dict[str, str]] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name in MESSAGE_ARGUMENTS:
                for item in node.body:
                    if (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                            and item.target.id in MESSAGE_ARGUMENTS[node.name]
                            and isinstance(item.value, ast.Constant)
                            and isinstance(item.value.value, str)):
                        defaults.setdefault(node.name, {})[item.target.id] = item.value.value
        return defaults

    # -- scopes ------------------------------------------------------------------------------

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults, *node.decorator_list]:
            if default is not None:
                self.visit(default)
        self.scopes.append(_Scope(node.name, _assignments(node.body), _parameters(node)))
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for value in self.defaults.get(node.name, {}).values():
            self._found(value, node.lineno)
        if node.name in MESSAGE_ENUMS.get(self.path, ()):
            for item in node.body:
                if (isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant)
                        and isinstance(item.value.value, str)):
                    self._found(item.value.value, item.lineno)
        self.generic_visit(node)

    # -- calls -------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        position = TRANSLATING_CALLS.get(name)
        if position is not None and position < len(node.args):
            self._message_argument(node.args[position], node.lineno)
        if name in MESSAGE_ARGUMENTS:
            self._constructor(name, node)
        self.generic_visit(node)

    def _constructor(self, name: str, node: ast.Call) -> None:
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        for field_name, position in MESSAGE_ARGUMENTS[name].items():
            value = node.args[position] if position < len(node.args) else keywords.get(field_name)
            if value is not None:
                self._message_argument(value, node.lineno)

    def _message_argument(self, argument: ast.expr, line: int) -> None:
        reach = self._reach(argument, frozenset())
        for text in reach.strings:
            self._found(text, line)
        for part in reach.unresolved:
            self.unresolved.append(UnresolvedCall(self.path, line, self.scopes[-1].name,
                                                  ast.unparse(part)))

    def _found(self, text: str, line: int) -> None:
        self.messages.append(FoundMessage(text, self.path, line))

    # -- following an expression to its strings ----------------------------------------------

    def _reach(self, node: ast.expr, seen: frozenset[str]) -> _Reach:
        reach = _Reach()
        if isinstance(node, _Element):
            reach.add(self._reach(node.container, seen))
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                reach.strings.append(node.value)
        elif isinstance(node, ast.IfExp):
            reach.add(self._reach(node.body, seen))
            reach.add(self._reach(node.orelse, seen))
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                reach.add(self._reach(value, seen))
        elif isinstance(node, ast.Dict):
            for value in node.values:
                reach.add(self._reach(value, seen))
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            for element in node.elts:
                reach.add(self._reach(element, seen))
        elif isinstance(node, ast.Subscript):
            reach.add(self._reach(node.value, seen))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "get" and 1 <= len(node.args) <= 2):
            reach.add(self._reach(node.func.value, seen))
            if len(node.args) == 2:
                reach.add(self._reach(node.args[1], seen))
        elif isinstance(node, ast.Name):
            reach.add(self._reach_name(node, seen))
        else:
            reach.unresolved.append(node)
        return reach

    def _reach_name(self, node: ast.Name, seen: frozenset[str]) -> _Reach:
        """A name, looked up from the innermost function out to the module."""
        for depth in range(len(self.scopes) - 1, -1, -1):
            scope = self.scopes[depth]
            key = f"{depth}:{node.id}"
            if node.id in scope.parameters:
                return _Reach(unresolved=[node])
            if node.id not in scope.names:
                continue
            if key in seen:  # ``x = x + ...`` and the like: nothing new down this path
                return _Reach()
            reach = _Reach()
            for value in scope.names[node.id]:
                if value is None:
                    reach.unresolved.append(node)
                else:
                    reach.add(self._reach(value, seen | {key}))
            return reach
        return _Reach(unresolved=[node])


def scan_source(source: str, path: str) -> tuple[list[FoundMessage], list[UnresolvedCall]]:
    """The messages of one module's source and its translating calls that cannot be followed."""
    scan = _ModuleScan(ast.parse(source, filename=path), path)
    return scan.messages, scan.unresolved


def source_files(root: Path = PROJECT_ROOT, sources: Sequence[str] = SOURCES) -> list[Path]:
    """The Python files under ``sources``, in a stable order."""
    files: list[Path] = []
    for source in sources:
        location = root / source
        files += [location] if location.is_file() else sorted(location.rglob("*.py"))
    return files


def scan_project(root: Path = PROJECT_ROOT, sources: Sequence[str] = SOURCES,
                 ) -> tuple[list[FoundMessage], list[UnresolvedCall]]:
    """Every message of the translated code, and every call this extractor cannot follow."""
    messages: list[FoundMessage] = []
    unresolved: list[UnresolvedCall] = []
    for file in source_files(root, sources):
        found, lost = scan_source(file.read_text(encoding="utf-8"),
                                  file.relative_to(root).as_posix())
        messages += found
        unresolved += lost
    return messages, unresolved


def unresolved_calls(root: Path = PROJECT_ROOT,
                     sources: Sequence[str] = SOURCES) -> list[UnresolvedCall]:
    return scan_project(root, sources)[1]


def extract_messages(fileobj: IO[bytes], keywords: Iterable[str], comment_tags: Iterable[str],
                     options: Mapping[str, Any]) -> Iterator[tuple[int, str, str, list[str]]]:
    """A babel extraction method (``babel.messages.extract.extract``): ``(line, function,
    message, comments)`` for each message of one Python file, reported under the keyword ``t``.
    """
    source = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    messages, _ = scan_source(source, str(options.get("path", "<source>")))
    for message in messages:
        yield message.line, "t", message.text, []
