"""The import graph of torchkeras, read statically (every `import`, at module level or inside functions).

`python tests/api/import_graph.py` prints the strongly connected components (import cycles) with more than one
module, largest first; `tests/api/test_import_cycles.py` keeps the largest one small.
"""
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = "torchkeras"


def module_files(root=ROOT):
    out = {}
    base = os.path.join(root, PACKAGE)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for filename in filenames:
            if filename.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, filename), root)[:-3].split(os.sep)
                if rel[-1] == "__init__":
                    rel = rel[:-1]
                out[".".join(rel)] = os.path.join(dirpath, filename)
    return out


def import_graph(root=ROOT):
    """{module: set of torchkeras modules it names in an import}: `import a.b` names `a.b`; `from a.b import c`
    names the submodule `a.b.c` when there is one, else `a.b`. (Running the parent packages' `__init__` is
    not counted: a package that re-exports its submodules would otherwise form a cycle with each of them.)"""
    files = module_files(root)
    graph = {}
    for name, path in files.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename=path)
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in files)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    base = package.split(".")
                    module = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
                for alias in node.names:
                    if f"{module}.{alias.name}" in files:
                        deps.add(f"{module}.{alias.name}")
                    elif module in files:
                        deps.add(module)
        deps.discard(name)
        graph[name] = deps
    return graph


def strongly_connected_components(graph):
    """Tarjan's algorithm, iterative; returns the components as sorted lists, largest first."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return sorted(result, key=len, reverse=True)


def cycles(root=ROOT):
    return [c for c in strongly_connected_components(import_graph(root)) if len(c) > 1]


if __name__ == "__main__":
    found = cycles(sys.argv[1] if len(sys.argv) > 1 else ROOT)
    print(f"{len(found)} import cycles; largest: {len(found[0]) if found else 0} modules")
    for component in found:
        print(f"\n{len(component)} modules:")
        for module in component:
            print(f"  {module}")
