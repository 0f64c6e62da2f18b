"""`keras.tree`: utilities for nested structures (lists, tuples, namedtuples, dicts, deques) of leaves.

Conventions (Keras 3's): dicts and defaultdicts are visited in sorted key order (insertion order when the keys
cannot be sorted), `OrderedDict`s in their own order; `None`, strings, arrays and tensors are leaves. Paths are
tuples of sequence indices and dict keys (namedtuples use indices).
"""
import collections

from torchkeras.api_export import keras_export

_SEQUENCES = (list, tuple, collections.deque)


@keras_export("keras.tree.MAP_TO_NONE")
class MAP_TO_NONE:
    """Special value for use with `traverse()`: replace a sub-tree with `None`."""


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _keys(d):
    if isinstance(d, collections.OrderedDict):
        return list(d.keys())
    try:
        return sorted(d.keys())
    except TypeError:
        return list(d.keys())


def _children(x):
    """`(keys, values)` of a nested node in visiting order (keys: indices or dict keys)."""
    if isinstance(x, dict):
        keys = _keys(x)
        return keys, [x[k] for k in keys]
    return list(range(len(x))), list(x)


def _rebuild(node, keys, values):
    """A node of the same type as `node` holding `values` (at `keys`, from `_children`)."""
    if isinstance(node, dict):
        by_key = dict(zip(keys, values))
        items = [(k, by_key[k]) for k in node]
        if isinstance(node, collections.defaultdict):
            return type(node)(node.default_factory, items)
        try:
            return type(node)(items)
        except TypeError:
            return dict(items)
    if _is_namedtuple(node):
        return type(node)(*values)
    if isinstance(node, collections.deque):
        return collections.deque(values, maxlen=node.maxlen)
    return type(node)(values)


def _same_kind(a, b):
    """Whether two nested nodes are of the same kind (dict-likes match each other when their keys do)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and set(a.keys()) == set(b.keys())
    if type(a) is not type(b):
        return False
    return len(a) == len(b)


def _mismatch(a, b, detail):
    return ValueError(
        f"The two structures don't have the same nested structure: {detail}.\n"
        f"First structure: {a}\nSecond structure: {b}")


@keras_export("keras.tree.is_nested")
def is_nested(structure):
    """Whether `structure` is a list, tuple (including namedtuples), dict (including `OrderedDict` and
    `defaultdict`) or deque, as opposed to a leaf."""
    return isinstance(structure, (dict,) + _SEQUENCES)


@keras_export("keras.tree.flatten")
def flatten(structure):
    """All the leaves of `structure` in a list, depth first (`flatten(1) == [1]`, `flatten(None) == [None]`)."""
    leaves = []
    _flatten_into(structure, leaves)
    return leaves


def _flatten_into(x, leaves):
    if is_nested(x):
        for child in _children(x)[1]:
            _flatten_into(child, leaves)
    else:
        leaves.append(x)


@keras_export("keras.tree.flatten_with_path")
def flatten_with_path(structure):
    """The leaves of `structure` as `(path, leaf)` pairs; a path is a tuple of indices and dict keys."""
    pairs = []
    _flatten_with_path_into(structure, (), pairs)
    return pairs


def _flatten_with_path_into(x, path, pairs):
    if is_nested(x):
        for key, child in zip(*_children(x)):
            _flatten_with_path_into(child, path + (key,), pairs)
    else:
        pairs.append((path, x))


@keras_export("keras.tree.pack_sequence_as")
def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence` arranged in the nesting of `structure` (the inverse of `flatten`)."""
    try:
        flat_sequence = list(flat_sequence)
    except TypeError:
        raise TypeError(f"`flat_sequence` must be a sequence. Received: {flat_sequence}") from None
    needed = len(flatten(structure))
    if len(flat_sequence) != needed:
        raise ValueError(
            f"Could not pack sequence: the structure has {needed} leaves but `flat_sequence` has "
            f"{len(flat_sequence)} elements. Structure: {structure}, flat_sequence: {flat_sequence}")
    leaves = iter(flat_sequence)
    return _pack(structure, leaves)


def _pack(structure, leaves):
    if not is_nested(structure):
        return next(leaves)
    keys, values = _children(structure)
    return _rebuild(structure, keys, [_pack(v, leaves) for v in values])


@keras_export("keras.tree.assert_same_structure")
def assert_same_structure(a, b, check_types=None):
    """Raise `ValueError` unless `a` and `b` are nested the same way.

    At every level the containers must be of the same type with the same length (dict, `OrderedDict` and
    `defaultdict` match each other when their keys do; two namedtuple classes never match). `check_types` is
    deprecated and has no effect (use `assert_same_paths` for a looser check).
    """
    if check_types is not None:
        import warnings

        warnings.warn(
            "The `check_types` argument is deprecated and no longer has any effect"
            + (", please remove." if check_types else ". For a looser check, use "
               "`keras.tree.assert_same_paths()`, which considers `list`, `tuple`, `namedtuple` and `deque` as "
               "matching"),
            DeprecationWarning, stacklevel=2)
    _check_same(a, b, a, b)


def _check_same(x, y, a, b):
    if is_nested(x) != is_nested(y):
        raise _mismatch(a, b, f"{x!r} is {'not ' if not is_nested(x) else ''}a nested structure while {y!r} is"
                              f"{'' if is_nested(y) else ' not'}")
    if not is_nested(x):
        return
    if not _same_kind(x, y):
        raise _mismatch(a, b, f"{type(x).__name__} of length {len(x)} vs {type(y).__name__} of length {len(y)}")
    if isinstance(x, dict):
        for key in _keys(x):
            _check_same(x[key], y[key], a, b)
    else:
        for u, v in zip(x, y):
            _check_same(u, v, a, b)


@keras_export("keras.tree.assert_same_paths")
def assert_same_paths(a, b):
    """Raise `ValueError` unless `a` and `b` have the same leaf paths (container types are ignored)."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


@keras_export("keras.tree.map_structure")
def map_structure(func, *structures, none_is_leaf=True):
    """`func` applied leaf-wise to structures of the same nesting; the result has that nesting.

    With `none_is_leaf=False`, `None` leaves are kept as `None` without calling `func`.
    """
    if not callable(func):
        raise TypeError(f"`func` must be callable. Received: {func}")
    if not structures:
        raise TypeError("map_structure() needs at least one structure.")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    return _map(func, structures, none_is_leaf)


def _map(func, nodes, none_is_leaf):
    first = nodes[0]
    if not is_nested(first):
        if first is None and not none_is_leaf:
            if any(n is not None for n in nodes):
                raise ValueError(f"Structure mismatch: some arguments are None, others are not. Received: {nodes}")
            return None
        return func(*nodes)
    keys, _ = _children(first)
    if isinstance(first, dict):
        columns = [[n[k] for n in nodes] for k in keys]
    else:
        columns = [[n[i] for n in nodes] for i in keys]
    return _rebuild(first, keys, [_map(func, column, none_is_leaf) for column in columns])


@keras_export("keras.tree.map_structure_up_to")
def map_structure_up_to(shallow_structure, func, *structures):
    """Like `map_structure`, but only down to the leaves of `shallow_structure`: `func` receives the (possibly
    nested) sub-structures found there. The result has the nesting of `shallow_structure`."""
    if not structures:
        raise TypeError("map_structure_up_to() needs at least one structure.")
    return _map_up_to(shallow_structure, func, structures)


def _map_up_to(shallow, func, nodes):
    if not is_nested(shallow):
        return func(*nodes)
    for node in nodes:
        if not is_nested(node) or not _same_kind(shallow, node):
            raise ValueError(
                "The structures don't have the same nested structure as `shallow_structure` (they may be nested "
                f"deeper, not shallower). Shallow structure: {shallow}, structure: {node}")
    keys, values = _children(shallow)
    results = []
    for key, value in zip(keys, values):
        results.append(_map_up_to(value, func, [node[key] for node in nodes]))
    return _rebuild(shallow, keys, results)


@keras_export("keras.tree.traverse")
def traverse(func, structure, top_down=True):
    """Apply `func` to every sub-structure of `structure` (itself, its containers and its leaves), depth first.

    Top-down: where `func` returns None the traversal continues into the children; any other value replaces
    that sub-tree and its children are not visited. Bottom-up: children first; a non-None result replaces the
    (already traversed) sub-tree. `MAP_TO_NONE` replaces a sub-tree with None. Returns the new structure.
    """
    if not callable(func):
        raise TypeError(f"`func` must be callable. Received: {func}")
    return _traverse(func, structure, top_down)


def _replacement(result, original):
    if result is None:
        return original
    return None if result is MAP_TO_NONE else result


def _traverse(func, x, top_down):
    def children_done():
        if not is_nested(x):
            return x
        keys, values = _children(x)
        return _rebuild(x, keys, [_traverse(func, v, top_down) for v in values])

    if top_down:
        result = func(x)
        return children_done() if result is None else _replacement(result, x)
    done = children_done()
    return _replacement(func(done), done)


@keras_export("keras.tree.lists_to_tuples")
def lists_to_tuples(structure):
    """`structure` with every list turned into a tuple."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


@keras_export("keras.tree.map_shape_structure")
def map_shape_structure(func, structure):
    """`map_structure` over shapes: lists or tuples of ints and Nones are leaves passed to `func` whole."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    keys, values = _children(structure)
    return _rebuild(structure, keys, [map_shape_structure(func, v) for v in values])
