"""`keras.SymbolicScope`: the scope of the symbolic stage (shape and dtype inference).

torchkeras infers shapes by running code on stand-in tensors (`torchkeras.backend.symbolic`); a
`SymbolicScope` enters that same state, so inside it `in_symbolic_scope()` is true and code behaves as it does
during inference: `add_loss` records nothing and seed generators do not advance.
"""
from torchkeras.api_export import keras_export
from torchkeras.backend import symbolic


@keras_export("keras.SymbolicScope")
class SymbolicScope:
    """Scope to indicate the symbolic stage."""

    def __enter__(self):
        self.original_scope = get_symbolic_scope()
        contexts = self.__dict__.setdefault("_contexts", [])
        context = symbolic._symbolic_scope()
        context.__enter__()
        contexts.append(context)
        _user_scopes().append(self)
        return self

    def __exit__(self, *args, **kwargs):
        _user_scopes().pop()
        self._contexts.pop().__exit__(*args)
        return False


# Standing for the scope while torchkeras itself infers shapes (Keras enters a `SymbolicScope` there).
_INFERENCE_SCOPE = SymbolicScope()


def _user_scopes():
    stack = getattr(symbolic._state, "user_scopes", None)
    if stack is None:
        stack = symbolic._state.user_scopes = []
    return stack


def in_symbolic_scope():
    """True inside a `SymbolicScope` and while torchkeras infers output shapes."""
    return symbolic.in_symbolic_scope()


def get_symbolic_scope():
    """The innermost active `SymbolicScope`, or None outside the symbolic stage."""
    stack = _user_scopes()
    if stack:
        return stack[-1]
    return _INFERENCE_SCOPE if symbolic.in_symbolic_scope() else None
