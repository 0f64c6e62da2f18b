"""keras.tree beside real Keras 3 (torch backend): same leaves, paths, packing, mapping and traversal."""
import collections

import keras
import numpy as np
import pytest

from torchkeras import tree

Point = collections.namedtuple("Point", ["x", "y"])

# (Keras's torch backend sorts only the outermost dicts' keys -- a dict inside a dict keeps its insertion order
# there -- while Keras documents, and its other backends do, sorted keys at every level, as torchkeras does: see
# tests/tree. The structures below avoid that case.)
STRUCTURES = [
    1, None, "text", [], (), {}, [1, 2, 3], (1, [2, (3, 4)]), {"b": 1, "a": [2, 3], "c": (4, 5)},
    collections.OrderedDict([("b", 1), ("a", 2)]), [Point(1, 2), {"k": Point(3, [4])}],
    collections.defaultdict(list, {"q": [1], "p": 2}), [None, (None, 1)], {3: "c", 1: "a", 2: "b"},
    [np.zeros(2), {"t": np.ones(3)}],
]


def _canon(v):
    """A comparable form in which dicts compare by content whatever their key order (Keras's torch backend hands
    `traverse` sorted copies of dicts)."""
    if isinstance(v, dict):
        return ("dict", tuple(sorted((repr(k), _canon(x)) for k, x in v.items())))
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(_canon(x) for x in v))
    return repr(v)


@pytest.mark.parametrize("structure", STRUCTURES, ids=range(len(STRUCTURES)))
def test_flatten_pack_map_like_keras(structure):
    flat = tree.flatten(structure)
    expected = keras.tree.flatten(structure)
    assert len(flat) == len(expected) and all(a is b for a, b in zip(flat, expected))
    assert tree.is_nested(structure) == keras.tree.is_nested(structure)
    markers = [f"leaf{i}" for i in range(len(flat))]
    assert tree.pack_sequence_as(structure, markers) == keras.tree.pack_sequence_as(structure, markers)
    assert tree.map_structure(repr, structure) == keras.tree.map_structure(repr, structure)
    assert _canon(tree.lists_to_tuples(structure)) == _canon(keras.tree.lists_to_tuples(structure))
    visited, k_visited = [], []
    assert _canon(tree.traverse(visited.append, structure)) == _canon(keras.tree.traverse(k_visited.append,
                                                                                          structure))
    assert [_canon(v) for v in visited] == [_canon(v) for v in k_visited]
    visited, k_visited = [], []
    tree.traverse(visited.append, structure, top_down=False)
    keras.tree.traverse(k_visited.append, structure, top_down=False)
    assert [_canon(v) for v in visited] == [_canon(v) for v in k_visited]


def test_paths_like_keras():
    structure = [{"foo": 42, "a": (None, 3)}, [5, {"z": 6}]]
    assert tree.flatten_with_path(structure) == keras.tree.flatten_with_path(structure)


def test_structure_checks_like_keras():
    same = [([(0, 1)], [(2, 3)]), ({"a": 1}, collections.OrderedDict(a=2)), (Point(0, 1), Point(2, 3))]
    different = [([1, 2], (1, 2)), ([1, [2]], [1, 2]), ([1], [1, 2]), ({"a": 1}, {"b": 1})]
    for a, b in same:
        tree.assert_same_structure(a, b)
        keras.tree.assert_same_structure(a, b)
    for a, b in different:
        with pytest.raises(ValueError):
            keras.tree.assert_same_structure(a, b)
        with pytest.raises(ValueError):
            tree.assert_same_structure(a, b)
    tree.assert_same_paths([0, 1], (2, 3))
    keras.tree.assert_same_paths([0, 1], (2, 3))
    for lib in (keras.tree, tree):
        with pytest.raises(ValueError, match="don't have the same paths"):
            lib.assert_same_paths({"a": 1}, {"b": 1})


def test_map_variants_like_keras():
    s = [[1, 1], [2, (2, 3)]]
    assert tree.map_structure_up_to([None, None], len, s) == keras.tree.map_structure_up_to([None, None], len, s)
    assert tree.map_structure_up_to([None, [None, None]], str, s) == \
        keras.tree.map_structure_up_to([None, [None, None]], str, s)
    assert tree.map_structure(lambda x: 0, [1, None], none_is_leaf=False) == \
        keras.tree.map_structure(lambda x: 0, [1, None], none_is_leaf=False)
    assert tree.map_structure(lambda a, b: a + b, {"a": 1, "b": (2,)}, {"a": 10, "b": (20,)}) == \
        keras.tree.map_structure(lambda a, b: a + b, {"a": 1, "b": (2,)}, {"a": 10, "b": (20,)})
    shapes = {"a": (None, 3), "b": [(1, 2), (3,)], "c": [1, None]}
    assert tree.map_shape_structure(len, shapes) == keras.tree.map_shape_structure(len, shapes)
    replace = lambda x: "T" if isinstance(x, tuple) else (tree.MAP_TO_NONE if x == [3] else None)  # noqa: E731
    k_replace = lambda x: "T" if isinstance(x, tuple) else (keras.tree.MAP_TO_NONE if x == [3] else None)  # noqa: E731
    structure = [(1, 2), [3], {"a": 4}]
    assert tree.traverse(replace, structure) == keras.tree.traverse(k_replace, structure)
