"""The general recurrent loop: one cell step per timestep, with Keras's masking semantics.

Used for custom cells and for configurations torch has no fused kernel for (other activations, recurrent
dropout, GRU with `reset_after=False`, `unroll=True`, ConvLSTM). At a masked timestep the states keep their
previous values, and the output is the previous output (zeros before the first unmasked step), or zeros
with `zero_output_for_mask=True`.
"""
import torch

from torchkeras.utils import tree


def _expand(m, like):
    return m.reshape(m.shape + (1,) * (like.dim() - m.dim()))


def step_loop(step_fn, inputs, initial_states, mask=None, go_backwards=False, return_sequences=True,
              zero_output_for_mask=False):
    """Run `step_fn(input_t, states) -> (output_t, new_states)` along axis 1 of `inputs`.

    `inputs` is a tensor `(batch, time, ...)` or a nested structure of such tensors. Returns
    `(last_output, outputs (batch, time, ...) or None, final_states)`; outputs are in processing order.
    """
    flat_inputs = tree.flatten(inputs)
    steps = flat_inputs[0].shape[1]
    per_step = [x.unbind(1) for x in flat_inputs]
    nested = tree.is_nested(inputs)
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    if mask is not None:
        if mask.dtype != torch.bool:
            mask = mask.to(torch.bool)
        mask_steps = mask.unbind(1)
    states = initial_states
    outputs = []
    previous = None
    for t in order:
        x_t = tree.pack_sequence_as(inputs, [s[t] for s in per_step]) if nested else per_step[0][t]
        output, new_states = step_fn(x_t, states)
        if not tree.is_nested(new_states):
            new_states = [new_states]
        if mask is not None:
            m = mask_steps[t]
            if zero_output_for_mask or previous is None:
                output = torch.where(_expand(m, output), output, torch.zeros((), dtype=output.dtype,
                                                                             device=output.device))
            else:
                output = torch.where(_expand(m, output), output, previous)
            flat_new = tree.flatten(new_states)
            flat_old = tree.flatten(states)
            new_states = tree.pack_sequence_as(
                new_states, [torch.where(_expand(m, n), n, o) for n, o in zip(flat_new, flat_old)])
        previous = output
        states = new_states
        if return_sequences:
            outputs.append(output)
    sequence = torch.stack(outputs, dim=1) if return_sequences else None
    return previous, sequence, states
