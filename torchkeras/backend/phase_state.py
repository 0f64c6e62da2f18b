"""The global learning phase of Keras 2 (`K.set_learning_phase`): None (unset), 0 (inference) or 1 (training).

Kept in its own tiny module so that `Layer.__call__` can read it without importing the Keras 2 backend.
"""
GLOBAL = [None]


def value():
    return GLOBAL[0]
