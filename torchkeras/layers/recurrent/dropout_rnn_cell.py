"""`DropoutRNNCell`: the dropout masks of an RNN cell, drawn once per sequence and reused at every timestep.

Like Keras, a cell with `dropout_mask_count = n` draws `n` masks (one per gate), otherwise one. The masks are
cached until the RNN layer resets them at the end of its call, so every timestep of a sequence sees the same
mask. Masks come from `keras.random.dropout(ones, rate, seed=self.seed_generator)`, so a seeded cell draws
the same masks as Keras 3 on torch.
"""
import torch

from torchkeras import random as keras_random
from torchkeras.utils import tree


class DropoutRNNCell:
    """Mixin for cells with `dropout`, `recurrent_dropout` and a `seed_generator`."""

    def _create_dropout_mask(self, step_input, rate):
        ones = torch.ones_like(step_input)
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return keras_random.dropout(ones, rate=rate, seed=self.seed_generator)
        return [keras_random.dropout(ones, rate=rate, seed=self.seed_generator) for _ in range(count)]

    def get_dropout_mask(self, step_input):
        """The input dropout mask(s) for this sequence (created on first use), or None if `dropout == 0`."""
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        """The recurrent dropout mask(s) for this sequence, or None if `recurrent_dropout == 0`."""
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input, self.recurrent_dropout)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        """Forget the cached input mask (the RNN layer does this after each call)."""
        if getattr(self, "_dropout_mask", None) is not None:
            self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        if getattr(self, "_recurrent_dropout_mask", None) is not None:
            self._recurrent_dropout_mask = None


def clip_rate(rate):
    return min(1.0, max(0.0, float(rate)))


def draw_dropout_masks(cell, step_input, states):
    """Draw the dropout masks of `cell` (and of every cell of a stack) once per call, in Keras's order: for each
    cell its input mask(s), then its recurrent mask(s). Keras draws them whether or not it is training."""
    from torchkeras.layers.recurrent.stacked_rnn_cells import StackedRNNCells

    state = states[0] if isinstance(states, (list, tuple)) else states
    if isinstance(cell, DropoutRNNCell):
        cell.get_dropout_mask(step_input)
        cell.get_recurrent_dropout_mask(tree.flatten(state)[0])
    if isinstance(cell, StackedRNNCells):
        for c, s in zip(cell.cells, states):
            draw_dropout_masks(c, step_input, s if isinstance(s, (list, tuple)) else [s])
            size = _output_size(c)
            step_input = step_input.new_ones((step_input.shape[0],) + ((size,) if isinstance(size, int) else
                                                                      tuple(size)))


def reset_dropout_masks(cell):
    """Forget the masks drawn for this call (the next call draws new ones)."""
    from torchkeras.layers.recurrent.stacked_rnn_cells import StackedRNNCells

    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    if isinstance(cell, StackedRNNCells):
        for c in cell.cells:
            reset_dropout_masks(c)


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size
