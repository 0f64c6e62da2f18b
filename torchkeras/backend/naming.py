"""Auto-naming (`dense`, `dense_1`, ...) and name scopes (`seq/dense/kernel`)."""
import collections
import contextlib
import re
import threading


class _NameScopes(threading.local):
    def __init__(self):
        self.stack = []  # [(name, caller)], innermost last; each thread starts with its own


_state = _NameScopes()
_UIDS = collections.defaultdict(int)


def to_snake_case(name):
    """`BatchNormalization` -> `batch_normalization`, `PReLU` -> `p_re_lu`, `Conv2D` -> `conv2d`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def get_uid(prefix):
    """A counter per prefix, starting at 1; reset by `clear_session()`."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def auto_name(prefix):
    """A unique name for a new object: `prefix`, then `prefix_1`, `prefix_2`, ..."""
    uid = get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"


def reset_uids():
    _UIDS.clear()


def scope_stack():
    """The name scopes entered in this thread, `[(name, caller)]`, innermost last (layer calls push and pop
    their own)."""
    return _state.stack


@contextlib.contextmanager
def name_scope(name, caller=None):
    """Prefix the paths of variables created inside the block with `name/`.

    A scope entered again by the same `caller` right inside its own scope is not repeated.
    """
    stack = scope_stack()
    if caller is not None and stack and stack[-1][1] is caller:
        yield
        return
    stack.append((name, caller))
    try:
        yield
    finally:
        stack.pop()


def current_path():
    return "/".join(name for name, _ in scope_stack())
