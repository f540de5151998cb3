"""Small dependency-graph helpers: cycle detection and a stable topological order.

Graphs map a node to the nodes it depends on. Both functions are iterative so large forms
cannot hit Python's recursion limit, and deterministic (declaration order breaks ties) so
problem reports and evaluation order are stable run to run.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

__all__ = ["find_cycles", "topological_order"]


def topological_order(nodes: Iterable[str], depends_on: Mapping[str, Iterable[str]]) -> list[str]:
    """Order ``nodes`` so each comes after everything it depends on.

    Ties keep the order of ``nodes``. Nodes on a cycle (only possible in unvalidated
    definitions) are emitted in declaration order when nothing else can proceed, so the
    function always terminates and always returns every node exactly once.
    """
    order = list(dict.fromkeys(nodes))
    index = {node: i for i, node in enumerate(order)}
    waiting: dict[str, int] = {}
    dependents: dict[str, list[str]] = {node: [] for node in order}
    for node in order:
        deps = {d for d in depends_on.get(node, ()) if d in index and d != node}
        waiting[node] = len(deps)
        for dep in deps:
            dependents[dep].append(node)
    ready = [index[node] for node in order if waiting[node] == 0]
    heapq.heapify(ready)
    done: set[str] = set()
    result: list[str] = []
    while len(result) < len(order):
        if not ready:
            # A cycle: release the earliest pending node to keep going.
            stuck = min(index[n] for n in order if n not in done)
            waiting[order[stuck]] = 0
            ready.append(stuck)
        node = order[heapq.heappop(ready)]
        if node in done:
            continue
        done.add(node)
        result.append(node)
        for dependent in dependents[node]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0 and dependent not in done:
                heapq.heappush(ready, index[dependent])
    return result


def find_cycles(nodes: Iterable[str], depends_on: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One concrete cycle per strongly connected component that has one.

    Each cycle is a path ``[a, b, ..., a]`` following dependencies and starting from the
    component's earliest node in ``nodes`` order.
    """
    order = list(dict.fromkeys(nodes))
    index = {node: i for i, node in enumerate(order)}
    graph = {
        n: sorted({d for d in depends_on.get(n, ()) if d in index}, key=index.__getitem__)
        for n in order
    }
    cycles: list[list[str]] = []
    for component in _components(order, graph):
        first = min(component, key=index.__getitem__)
        if len(component) == 1 and first not in graph[first]:
            continue
        cycles.append(_path_back(first, set(component), graph))
    cycles.sort(key=lambda cycle: index[cycle[0]])
    return cycles


def _components(order: list[str], graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively."""
    counter = 0
    low: dict[str, int] = {}
    number: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    for root in order:
        if root in number:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                number[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = graph[node]
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in number:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], number[child])
                continue
            if low[node] == number[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _path_back(start: str, component: set[str], graph: Mapping[str, list[str]]) -> list[str]:
    """Shortest dependency path from ``start`` back to itself inside ``component``."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in graph[node]:
                if child not in component:
                    continue
                if child == start:
                    path = [start]
                    step = node
                    while step != start:
                        path.append(step)
                        step = previous[step]
                    path.append(start)
                    # path holds start, last ... first-after-start, start: put it in order.
                    return [start, *reversed(path[1:-1]), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start, start]  # unreachable for a real cycle
