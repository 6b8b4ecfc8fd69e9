"""No import circles anywhere in the project.

The layers themselves (which app may import which) are contracts in
pyproject.toml that `lint-imports` checks in `make test`; a circle between two
modules of one app is something they cannot see, so it is found here, on the
same import graph (grimp, import-linter's own library).
"""

import grimp

ROOT_PACKAGES = ["diseasemaps", "outbox", "answers", "community", "public"]
ROOT_PACKAGES += ["devdata", "tools"]


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), largest first: each is a
    set of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        # Iterative: the graph is deep enough to make recursion fragile.
        work = [(module, iter(sorted(graph.find_modules_directly_imported_by(module))))]
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    imported = graph.find_modules_directly_imported_by(child)
                    work.append((child, iter(sorted(imported))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(groups, key=len, reverse=True)


def test_the_project_has_no_import_cycles():
    graph = grimp.build_graph(*ROOT_PACKAGES)
    cycles = import_cycles(graph)
    assert not cycles, "Modules that import each other:\n" + "\n".join(
        " <-> ".join(group) for group in cycles
    )


def test_a_cycle_is_found():
    graph = grimp.ImportGraph()
    for module in ("a", "a.one", "a.two", "a.three", "b"):
        graph.add_module(module)
    graph.add_import(importer="a.one", imported="a.two")
    graph.add_import(importer="a.two", imported="a.three")
    graph.add_import(importer="a.three", imported="a.one")
    graph.add_import(importer="a.one", imported="b")
    assert import_cycles(graph) == [["a.one", "a.three", "a.two"]]
