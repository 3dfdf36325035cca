"""The shape of the code (issue 18): imports flow one way, and a rule is stated once.

1. No import cycle between production modules (everything under fitsperfect/, content/,
   assessments/ and orders/ except migrations and tests), module-level and function-level imports
   alike: views, admin, tasks and commands -> services and selectors -> models; services queue
   tasks by name (`fitsperfect.queueing`), never by importing them.
2. No module-level rule defined twice. A "rule" here is what can be found by name: a module-level
   constant in UPPER_CASE whose value is a literal list, tuple, set, frozenset or dict of two or
   more strings or enum members (`Status.PAID` counts as "paid"), i.e. a list of statuses, fields
   or keys. It fails when two production modules define a rule of the same name, or two lists,
   tuples or sets hold exactly the same three or more members under different names (dicts are
   compared by name only: records of demo data share their keys without being one rule). (A rule built from another by
   name, e.g. `{*ADDRESS_FIELDS, "email"}`, counts only its own literal members.)
"""

from __future__ import annotations

import ast
import os
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("fitsperfect", "content", "assessments", "orders")


def production_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for folder, dirs, files in os.walk(ROOT / package):
            dirs[:] = [d for d in dirs if d not in ("migrations", "tests", "__pycache__")]
            for name in files:
                if name.endswith(".py") and not name.startswith("test_"):
                    path = Path(folder) / name
                    dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                    modules[dotted.removesuffix(".__init__")] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rsplit(".", 1)[0] if "." in target else ""
                if target and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]], nodes) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _package_only(component: list[str], modules: dict[str, Path]) -> bool:
    """A package's __init__ re-exporting its own modules is not a cycle between rooms."""
    inits = [m for m in component if modules[m].name == "__init__.py"]
    return all(m in inits or any(m.startswith(i + ".") for i in inits) for m in component)


def test_no_import_cycle_between_production_modules():
    modules = production_modules()
    found = [
        c for c in cycles(import_graph(modules), sorted(modules)) if not _package_only(c, modules)
    ]
    assert found == [], f"import cycles: {found}"


def test_the_cycle_finder_finds_a_cycle():
    graph = defaultdict(
        set, {"a.services": {"a.tasks"}, "a.tasks": {"a.services"}, "b": {"a.tasks"}}
    )
    assert cycles(graph, ["a.services", "a.tasks", "b"]) == [["a.services", "a.tasks"]]


def _member(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and node.attr.isupper():
        return node.attr.lower()
    return None


def _members(value: ast.AST) -> list[str] | None:
    """The literal members of a collection literal (or frozenset/set/tuple of one), else None."""
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.args
        and value.func.id in ("frozenset", "set", "tuple", "list")
    ):
        value = value.args[0]
    if isinstance(value, ast.Dict):
        items = [key for key in value.keys if key is not None]
    elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        items = [item for item in value.elts if not isinstance(item, ast.Starred)]
    else:
        return None
    members = [m for m in (_member(item) for item in items) if m is not None]
    return members if len(members) >= 2 else None


def module_rules(modules: dict[str, Path]) -> list[tuple[str, str, frozenset[str], bool]]:
    rules = []
    for module, path in modules.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name) and target.id.lstrip("_").isupper():
                    members = _members(value)
                    if members:
                        is_dict = isinstance(value, ast.Dict)
                        rules.append((module, target.id.lstrip("_"), frozenset(members), is_dict))
    return rules


def duplicated_rules(rules) -> list[str]:
    by_name = defaultdict(list)
    by_value = defaultdict(list)
    for module, name, members, is_dict in rules:
        by_name[name].append(module)
        if len(members) >= 3 and not is_dict:
            by_value[members].append(f"{module}.{name}")
    problems = [f"{name} in {sorted(where)}" for name, where in by_name.items() if len(where) > 1]
    problems += [f"same members: {sorted(where)}" for where in by_value.values() if len(where) > 1]
    return sorted(problems)


def test_no_module_level_rule_is_defined_twice():
    assert duplicated_rules(module_rules(production_modules())) == []


def test_the_rule_finder_finds_a_rule_stated_twice():
    states = ast.parse("UPLOAD_STATUSES = frozenset({S.PAID, S.AWAITING_SCANS})")
    services = ast.parse("UPLOAD_STATUSES = frozenset({Status.PAID, 'awaiting_scans'})")
    rules = [
        ("orders.states", "UPLOAD_STATUSES", frozenset(_members(states.body[0].value)), False),
        (
            "orders.scans.services",
            "UPLOAD_STATUSES",
            frozenset(_members(services.body[0].value)),
            False,
        ),
        ("a", "FIELDS", frozenset({"city", "postcode", "region"}), False),
        ("b", "ADDRESS", frozenset({"city", "postcode", "region"}), False),
        ("c", "RECORD", frozenset({"city", "postcode", "region"}), True),
    ]
    assert duplicated_rules(rules) == [
        "UPLOAD_STATUSES in ['orders.scans.services', 'orders.states']",
        "same members: ['a.FIELDS', 'b.ADDRESS']",
    ]
