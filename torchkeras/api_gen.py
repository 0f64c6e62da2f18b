"""Generate `torchkeras/_api_table.py`, the table of public Keras names, from the `@keras_export` decorators.

Run it from the repository root after adding, removing or renaming a public name:

    python -m torchkeras.api_gen            # rewrite torchkeras/_api_table.py
    python -m torchkeras.api_gen --check    # exit 1 (and say so) when the file is stale

The source is read statically (with `ast`, nothing is imported), so the table can be regenerated even while
some module does not import. Understood forms, at module level:

    @keras_export("keras.layers.Dense", ...)          # on a def or class
    @helper("add")                                    # helper: a module-level def returning keras_export(...)
    name = factory("exp", ...)                        # factory: a module-level def whose body exports
    keras_export("keras.x.y", ...)(name)              # an existing module-level name
    name = keras_export("keras.x.y", ...)(other)

Path arguments may be string constants, f-strings over the helper's parameters, or names of module-level string
constants. `keras_export` calls in any other place at module level (a loop, a condition) are refused with the
file and line, so that a public name can never be registered without being in the table. Calls inside
function bodies are dynamic registrations of Keras's internal names (`keras.src.*`, used to read configs) and
are not part of the public table; a test checks that no public name is registered that way.
"""
import argparse
import ast
import os
import sys

PACKAGE = "torchkeras"
TABLE_FILE = "_api_table.py"
SKIP_FILES = {TABLE_FILE, "api_gen.py", "api_export.py"}


class ExportError(ValueError):
    pass


_EXPORT_NAMES = {"keras_export"}  # plus, per module, the names it imports keras_export under


def _is_keras_export(func):
    return (isinstance(func, ast.Name) and func.id in _EXPORT_NAMES) or (
        isinstance(func, ast.Attribute) and func.attr == "keras_export"
    )


class _Module:
    """What the generator knows about one source file."""

    def __init__(self, name, path, tree):
        self.name = name
        self.path = path
        self.tree = tree
        self.constants = {}  # module-level NAME = "string"
        self.helpers = {}  # function name -> ast.FunctionDef whose body calls keras_export / another helper
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == f"{PACKAGE}.api_export":
                _EXPORT_NAMES.update(a.asname for a in node.names if a.name == "keras_export" and a.asname)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if isinstance(node.value.value, str):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            self.constants[target.id] = node.value.value

    def where(self, node):
        return f"{self.path}:{getattr(node, 'lineno', '?')}"


def _params(fn):
    args = fn.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        if d is not None:
            defaults[a.arg] = d
    return positional, [a.arg for a in args.kwonlyargs], defaults


class Scanner:
    def __init__(self, root):
        self.root = root
        self.modules = {}
        self.exports = {}  # public path -> "module:attr"
        self.origin = {}  # public path -> where it was declared (for error messages)

    # --- reading -------------------------------------------------------------------------------------
    def load(self):
        pkg_dir = os.path.join(self.root, PACKAGE)
        for dirpath, dirnames, filenames in os.walk(pkg_dir):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
            for filename in sorted(filenames):
                if not filename.endswith(".py"):
                    continue
                if dirpath == pkg_dir and filename in SKIP_FILES:
                    continue
                path = os.path.join(dirpath, filename)
                rel = os.path.relpath(path, self.root)
                parts = rel[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                with open(path, encoding="utf-8") as f:
                    source = f.read()
                if "keras_export" not in source:
                    continue
                tree = ast.parse(source, filename=rel)
                self.modules[".".join(parts)] = _Module(".".join(parts), rel, tree)
        for module in self.modules.values():
            for node in module.tree.body:
                if isinstance(node, ast.FunctionDef) and self._calls_export(node, module):
                    module.helpers[node.name] = node

    def _calls_export(self, fn, module):
        for node in (sub for stmt in fn.body for sub in ast.walk(stmt)):
            if isinstance(node, ast.Call):
                if _is_keras_export(node.func):
                    return True
                if isinstance(node.func, ast.Name) and node.func.id in module.helpers:
                    return True
        return False

    # --- evaluating paths ----------------------------------------------------------------------------
    def _string(self, expr, env, module):
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name):
            if expr.id in env:
                value = env[expr.id]
            elif expr.id in module.constants:
                value = module.constants[expr.id]
            else:
                raise ExportError(f"{module.where(expr)}: cannot read the export path `{expr.id}` statically")
            if not isinstance(value, str):
                raise ExportError(f"{module.where(expr)}: the export path `{expr.id}` is not a string")
            return value
        if isinstance(expr, ast.JoinedStr):
            out = []
            for piece in expr.values:
                if isinstance(piece, ast.Constant):
                    out.append(str(piece.value))
                elif isinstance(piece, ast.FormattedValue) and piece.conversion == -1 and piece.format_spec is None:
                    out.append(self._string(piece.value, env, module))
                else:
                    raise ExportError(f"{module.where(expr)}: unsupported f-string in an export path")
            return "".join(out)
        raise ExportError(f"{module.where(expr)}: an export path must be a string, an f-string or a constant")

    def _bind(self, fn, call, env, module):
        """The helper's parameters bound to the call's (string) arguments."""
        positional, kwonly, defaults = _params(fn)
        bound = {}
        for name, arg in zip(positional, call.args):
            bound[name] = self._maybe_string(arg, env, module)
        for kw in call.keywords:
            if kw.arg is not None:
                bound[kw.arg] = self._maybe_string(kw.value, env, module)
        for name, default in defaults.items():
            bound.setdefault(name, self._maybe_string(default, {}, module))
        return bound

    def _maybe_string(self, expr, env, module):
        try:
            return self._string(expr, env, module)
        except ExportError:
            return None

    def _call_paths(self, call, env, module, depth=0):
        """Paths exported by evaluating `call` (keras_export(...) or a helper call), or None."""
        if depth > 8:
            raise ExportError(f"{module.where(call)}: export helpers nest too deeply")
        if _is_keras_export(call.func):
            return [self._string(arg, env, module) for arg in call.args]
        if isinstance(call.func, ast.Name) and call.func.id in module.helpers:
            helper = module.helpers[call.func.id]
            inner_env = self._bind(helper, call, env, module)
            paths = []
            for node in (sub for stmt in helper.body for sub in ast.walk(stmt)):
                if isinstance(node, ast.Call):
                    found = None
                    if _is_keras_export(node.func):
                        found = [self._string(arg, inner_env, module) for arg in node.args]
                    elif isinstance(node.func, ast.Name) and node.func.id in module.helpers and node is not call:
                        found = self._call_paths(node, inner_env, module, depth + 1)
                    if found:
                        paths.extend(found)
            return paths
        return None

    def _chain_paths(self, expr, module):
        """Paths exported by an expression such as `keras_export(...)(x)` or `factory(...)`, and the
        module-level name it is applied to when it is `keras_export(...)(name)`."""
        if not isinstance(expr, ast.Call):
            return None, None
        direct = self._call_paths(expr, {}, module)
        if direct is not None and not _is_keras_export(expr.func):
            return direct, None  # a factory call: its result is what gets exported
        if isinstance(expr.func, ast.Call):
            paths = self._call_paths(expr.func, {}, module)
            if paths is not None:
                applied = expr.args[0] if len(expr.args) == 1 else None
                return paths, applied.id if isinstance(applied, ast.Name) else None
        if direct is not None:
            raise ExportError(f"{module.where(expr)}: `keras_export(...)` must decorate or be applied to a name")
        return None, None

    # --- walking -------------------------------------------------------------------------------------
    def scan(self):
        for module in self.modules.values():
            self._scan_body(module.tree.body, module, top=True)
        return self.exports

    def _add(self, paths, module, attr, node):
        target = f"{module.name}:{attr}"
        for path in paths:
            if not path.startswith("keras.") or path.startswith("keras.src."):
                continue
            previous = self.exports.get(path)
            if previous is not None and previous != target:
                raise ExportError(
                    f"{module.where(node)}: `{path}` is exported twice: here ({target}) and at "
                    f"{self.origin[path]} ({previous})"
                )
            self.exports[path] = target
            self.origin[path] = module.where(node)

    def _scan_body(self, body, module, top):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for deco in node.decorator_list:
                    if isinstance(deco, ast.Call):
                        paths = self._call_paths(deco, {}, module)
                        if paths is not None:
                            self._add(paths, module, node.name, node)
                # Exports inside function or class bodies are dynamic: see the module docstring.
            elif isinstance(node, ast.Assign):
                paths, _ = self._chain_paths(node.value, module)
                if paths is not None:
                    names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                    if not names:
                        raise ExportError(f"{module.where(node)}: an export must be bound to a module-level name")
                    self._add(paths, module, names[0], node)
            elif isinstance(node, ast.Expr):
                paths, applied = self._chain_paths(node.value, module)
                if paths is not None:
                    if applied is None:
                        raise ExportError(
                            f"{module.where(node)}: `keras_export(...)(x)` as a statement needs a module-level name x"
                        )
                    self._add(paths, module, applied, node)
            elif isinstance(node, (ast.If, ast.Try, ast.For, ast.While, ast.With)):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call) and (
                        _is_keras_export(sub.func)
                        or (isinstance(sub.func, ast.Name) and sub.func.id in module.helpers)
                    ):
                        raise ExportError(
                            f"{module.where(sub)}: `keras_export` inside a module-level "
                            f"`{type(node).__name__.lower()}` block cannot be read statically; write one "
                            "decorator or one `keras_export(...)(name)` line per object instead"
                        )


def module_exists(root, module):
    base = os.path.join(root, *module.split("."))
    return os.path.isfile(base + ".py") or os.path.isfile(os.path.join(base, "__init__.py"))


def build_table(root):
    """(NAMESPACES, VIRTUAL): namespace -> {name: "module:attr" or sub-namespace module}, and the
    namespaces that have no module of their own in torchkeras."""
    scanner = Scanner(root)
    scanner.load()
    exports = scanner.scan()
    namespaces = {"keras": {}}
    for path, target in exports.items():
        parts = path.split(".")
        for i in range(1, len(parts) - 1):
            parent, child = ".".join(parts[:i]), parts[i]
            namespaces.setdefault(parent, {})
            existing = namespaces[parent].get(child)
            module_name = PACKAGE + "." + ".".join(parts[1:i + 1])
            if existing is not None and existing != module_name:
                raise ExportError(f"`{parent}.{child}` is both a public object ({existing}) and a namespace")
            namespaces[parent][child] = module_name
            namespaces.setdefault(".".join(parts[:i + 1]), {})
        ns, name = ".".join(parts[:-1]), parts[-1]
        namespaces.setdefault(ns, {})
        if name in namespaces[ns] and ":" not in namespaces[ns][name]:
            raise ExportError(f"`{path}` is both a public object ({target}) and a namespace")
        namespaces[ns][name] = target
    virtual = sorted(
        ns for ns in namespaces if ns != "keras" and not module_exists(root, PACKAGE + ns[len("keras"):])
    )
    ordered = {ns: dict(sorted(namespaces[ns].items())) for ns in sorted(namespaces)}
    return ordered, virtual


HEADER = '''"""The public names of torchkeras: Keras's path -> where the object is defined ("module:attribute").

GENERATED FILE: do not edit. It is written by `python -m torchkeras.api_gen` from the `@keras_export(...)`
decorators in the source; rerun that command after adding, removing or renaming a public name
(`python -m torchkeras.api_gen --check` says whether this file is stale; the test suite checks it too).

NAMESPACES maps each public namespace ("keras", "keras.layers", ...) to its names; a value without ":" is a
sub-namespace (a module). VIRTUAL lists the namespaces that have no module of their own: torchkeras makes
them on first use.
"""
'''


def render(root):
    namespaces, virtual = build_table(root)
    lines = [HEADER, "NAMESPACES = {"]
    for ns, entries in namespaces.items():
        lines.append(f"    {ns!r}: {{")
        lines.extend(f"        {name!r}: {target!r}," for name, target in entries.items())
        lines.append("    },")
    lines.append("}")
    lines.append("")
    lines.append("VIRTUAL = (")
    lines.extend(f"    {ns!r}," for ns in virtual)
    lines.append(")")
    return "\n".join(lines) + "\n"


def table_path(root):
    return os.path.join(root, PACKAGE, TABLE_FILE)


def default_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the table is up to date")
    parser.add_argument("--root", default=default_root(), help="the repository root (holds torchkeras/)")
    args = parser.parse_args(argv)
    try:
        text = render(args.root)
    except ExportError as e:
        print(f"api_gen: {e}", file=sys.stderr)
        return 2
    path = table_path(args.root)
    current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
    if args.check:
        if current != text:
            print(f"{path} is stale: run `python -m torchkeras.api_gen` to regenerate it.", file=sys.stderr)
            return 1
        print(f"{path} is up to date.")
        return 0
    if current != text:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        print(f"wrote {path}")
    else:
        print(f"{path} is up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
