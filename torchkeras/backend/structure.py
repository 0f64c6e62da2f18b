"""The structure version: bumped whenever the set of variables, their `trainable` flags, the sublayers or the
tracked metrics of any layer may have changed. Per-step caches (variable lists, flat layers, metric lists)
are keyed on it, so they are computed once per structure, not once per batch."""

VERSION = [0]


def bump_structure_version():
    VERSION[0] += 1


def structure_version():
    return VERSION[0]
