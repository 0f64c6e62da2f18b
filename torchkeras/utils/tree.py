"""Nested structures (lists, tuples, namedtuples, dicts) as Keras's `keras.tree` sees them.

Dicts flatten in sorted key order; `None` is a leaf; torch tensors, arrays and KerasTensors are leaves.
"""
def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def is_nested(x):
    return isinstance(x, (list, tuple, dict))


def _sorted_keys(d):
    try:
        return sorted(d.keys())
    except TypeError:
        return list(d.keys())


def flatten(structure):
    """All leaves of `structure`, depth first."""
    out = []
    _flatten_into(structure, out)
    return out


def _flatten_into(x, out):
    if isinstance(x, dict):
        for k in _sorted_keys(x):
            _flatten_into(x[k], out)
    elif isinstance(x, (list, tuple)):
        for v in x:
            _flatten_into(v, out)
    else:
        out.append(x)


def pack_sequence_as(structure, flat_sequence):
    """Rebuild `structure`'s nesting with the leaves of `flat_sequence`."""
    flat_sequence = list(flat_sequence)
    it = iter(flat_sequence)
    result = _pack(structure, it)
    leftover = list(it)
    if leftover:
        raise ValueError(
            f"Structure had fewer leaves than the flat sequence ({len(flat_sequence)} given)."
        )
    return result


def _pack(structure, it):
    if isinstance(structure, dict):
        packed = {k: _pack(structure[k], it) for k in _sorted_keys(structure)}
        try:
            return type(structure)((k, packed[k]) for k in structure)
        except TypeError:
            return {k: packed[k] for k in structure}
    if _is_namedtuple(structure):
        return type(structure)(*[_pack(v, it) for v in structure])
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(v, it) for v in structure)
    try:
        return next(it)
    except StopIteration:
        raise ValueError("The flat sequence has fewer leaves than the structure.") from None


def map_structure(fn, *structures):
    """Apply `fn` leaf-wise to one or more structures of the same nesting."""
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    flats = [flatten(s) for s in structures]
    n = len(flats[0])
    for f in flats[1:]:
        if len(f) != n:
            raise ValueError("The structures don't have the same number of leaves.")
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])


def assert_same_structure(a, b):
    if len(flatten(a)) != len(flatten(b)):
        raise ValueError(f"The two structures don't have the same nested structure: {a} vs {b}")


def traverse(fn, structure):
    """Call `fn` on every leaf (no result)."""
    for leaf in flatten(structure):
        fn(leaf)
