"""keras.tree: nested-structure utilities (torchkeras alone; see compat_tests/test_tree_compat.py for Keras)."""
import collections

import numpy as np
import pytest
import torch

import torchkeras
from torchkeras import tree

Point = collections.namedtuple("Point", ["x", "y"])
OtherPoint = collections.namedtuple("Point", ["x", "y"])


def test_namespace_has_every_keras_function():
    for name in ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path",
                 "is_nested", "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to",
                 "pack_sequence_as", "traverse"]:
        assert hasattr(torchkeras.tree, name)


def test_is_nested():
    assert tree.is_nested([1]) and tree.is_nested((1,)) and tree.is_nested({"a": 1})
    assert tree.is_nested(Point(1, 2)) and tree.is_nested(collections.deque([1]))
    for leaf in [1, None, "ab", b"ab", np.zeros(3), torch.zeros(3), {1, 2}]:
        assert not tree.is_nested(leaf)


def test_flatten_orders_dicts_by_key_and_ordered_dicts_by_insertion():
    assert tree.flatten([[1, 2, 3], [4, [5], [[6]]]]) == [1, 2, 3, 4, 5, 6]
    assert tree.flatten(None) == [None]
    assert tree.flatten(1) == [1]
    assert tree.flatten({100: "world!", 6: "Hello"}) == ["Hello", "world!"]
    assert tree.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [1, 2]
    assert tree.flatten({"b": [1, None], "a": Point(2, 3)}) == [2, 3, 1, None]
    assert tree.flatten({"b": {"z": 1, "y": 2}, "a": [{"d": 3, "c": 4}]}) == [4, 3, 2, 1]  # sorted at every level


def test_flatten_with_path():
    assert tree.flatten_with_path([{"foo": 42}]) == [((0, "foo"), 42)]
    assert tree.flatten_with_path(Point(1, (2, 3))) == [((0,), 1), ((1, 0), 2), ((1, 1), 3)]
    assert tree.flatten_with_path(5) == [((), 5)]


def test_pack_sequence_as_round_trips_and_keeps_types():
    structure = {"key3": {"c": ("alpha", "beta"), "a": ("gamma")}, "key1": {"e": "val1", "d": "val2"}}
    packed = tree.pack_sequence_as(structure, ["val2", "val1", 3.0, 1.0, 2.0])
    assert packed == {"key3": {"c": (1.0, 2.0), "a": 3.0}, "key1": {"e": "val1", "d": "val2"}}
    nested = [Point(1, [2, 3]), collections.deque([4]), collections.defaultdict(int, {"z": 5, "y": 6})]
    again = tree.pack_sequence_as(nested, tree.flatten(nested))
    assert again == nested
    assert type(again[0]) is Point and type(again[1]) is collections.deque
    assert type(again[2]) is collections.defaultdict and again[2].default_factory is int
    assert tree.pack_sequence_as(7, ["x"]) == "x"
    with pytest.raises(ValueError, match="3 leaves"):
        tree.pack_sequence_as([1, [2, 3]], [1, 2])
    with pytest.raises(TypeError):
        tree.pack_sequence_as([1], 5)


def test_map_structure():
    assert tree.map_structure(lambda v: v**2, [[1], [2], [3]]) == [[1], [4], [9]]
    assert tree.map_structure(lambda x, y: x * y, [[1], [2]], [[3], [4]]) == [[3], [8]]
    assert tree.map_structure(lambda v: v * 2, Point(1, 2)) == Point(2, 4)
    assert tree.map_structure(lambda v: v + 1, 1) == 2
    assert tree.map_structure(lambda v: 0, [1, None]) == [0, 0]
    assert tree.map_structure(lambda v: 0, [1, None], none_is_leaf=False) == [0, None]
    with pytest.raises(ValueError):
        tree.map_structure(lambda a, b: a, [1, 2], (1, 2))
    with pytest.raises(ValueError):
        tree.map_structure(lambda a, b: a, [1, None], [1, 2], none_is_leaf=False)
    with pytest.raises(TypeError):
        tree.map_structure(lambda v: v)
    with pytest.raises(TypeError):
        tree.map_structure(5, [1])


def test_map_structure_up_to():
    assert tree.map_structure_up_to([None, None], len, [[1, 1], [2, 2]]) == [2, 2]
    assert tree.map_structure_up_to([None, [None, None]], str, [[1, 1], [2, 2]]) == ["[1, 1]", ["2", "2"]]
    assert tree.map_structure_up_to({"a": None}, lambda x, y: x + y, {"a": 1}, {"a": 2}) == {"a": 3}
    with pytest.raises(ValueError):
        tree.map_structure_up_to([None, [None]], str, [1, 2])


def test_assert_same_structure_is_strict_about_types():
    tree.assert_same_structure([(0, 1)], [(2, 3)])
    tree.assert_same_structure(Point(0, 1), Point(2, 3))
    tree.assert_same_structure({"a": 1}, collections.OrderedDict(a=2))
    for a, b in [([1, 2], (1, 2)), (Point(0, 1), OtherPoint(0, 1)), ([1, [2]], [1, 2]), ([1], [1, 2]),
                 ({"a": 1}, {"b": 1}), (collections.deque([1]), [1])]:
        with pytest.raises(ValueError, match="same nested structure"):
            tree.assert_same_structure(a, b)
    with pytest.warns(DeprecationWarning):
        tree.assert_same_structure([1], [2], check_types=True)


def test_assert_same_paths_ignores_container_types():
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_paths(Point(0, 1), OtherPoint(2, 3))
    with pytest.raises(ValueError, match="Paths in `a` missing in `b`"):
        tree.assert_same_paths({"a": 1, "b": 2}, {"a": 1})


def test_traverse_top_down_and_bottom_up():
    visited = []
    structure = [(1, 2), [3], {"a": 4}]
    assert tree.traverse(visited.append, structure, top_down=True) == structure
    assert visited == [structure, (1, 2), 1, 2, [3], 3, {"a": 4}, 4]
    visited = []
    assert tree.traverse(visited.append, structure, top_down=False) == structure
    assert visited == [1, 2, (1, 2), 3, [3], 4, {"a": 4}, structure]
    # a non-None result replaces the sub-tree (and stops the descent when top-down)
    assert tree.traverse(lambda x: "T" if isinstance(x, tuple) else None, structure) == ["T", [3], {"a": 4}]
    assert tree.traverse(lambda x: tree.MAP_TO_NONE if x == [3] else None, structure) == [(1, 2), None, {"a": 4}]
    assert tree.traverse(lambda x: x * 10 if isinstance(x, int) else None, structure, top_down=False) == [
        (10, 20), [30], {"a": 40}]
    with pytest.raises(TypeError):
        tree.traverse(3, [1])


def test_lists_to_tuples_and_map_shape_structure():
    assert tree.lists_to_tuples([1, [2, {"a": [3]}]]) == (1, (2, {"a": (3,)}))
    shapes = {"a": (None, 3), "b": [(1, 2), (3,)], "c": 7}
    assert tree.map_shape_structure(lambda s: s if isinstance(s, int) else len(s), shapes) == {
        "a": 2, "b": [2, 1], "c": 7}
    assert tree.map_shape_structure(lambda s: len(s) if isinstance(s, tuple) else s, {"b": [(1, 2), ((3,), 4)]}) == {
        "b": [2, (1, 4)]}


def test_leaves_are_passed_through_untouched():
    t = torch.ones(2)
    a = np.zeros(3)
    out = tree.map_structure(lambda x: x, {"t": t, "a": a, "s": "text"})
    assert out["t"] is t and out["a"] is a and out["s"] == "text"
