"""The fast path of the recurrent layers: torch's fused RNN kernels (`torch._VF.lstm`, `gru`, `rnn_tanh`,
`rnn_relu`; cuDNN on GPU) fed with views of the Keras-layout weights.

Masks: a masked timestep leaves the states unchanged, so running the RNN over only the unmasked timesteps of
each sample, packed to the front, gives the same states. The sequence is compacted that way (a stable sort
of the timesteps by mask value, no host sync), the kernel runs over it, and the Keras outputs are gathered
back: at a masked step, the output of the last unmasked step (or zeros with `zero_output_for_mask`). A
right-padded mask is just the case where compaction changes nothing. When an LSTM's final carry state is
needed under a mask, the compacted sequence is packed (`pack_padded_sequence`) so the kernel stops at each
sample's length; that needs the lengths on the host.

Under `torch.compile` the recurrent layers call these functions through `outside_graph` (a graph break):
AOTAutograd cannot save the kernels' optional outputs for the backward pass, and unrolling the sequence into
the graph instead ran 1.6x slower than eager on CPU.
"""
import torch
from torch.nn.utils import rnn as rnn_packing

_KERNELS = {
    "lstm": torch._VF.lstm,
    "gru": torch._VF.gru,
    "rnn_tanh": torch._VF.rnn_tanh,
    "rnn_relu": torch._VF.rnn_relu,
}


class FusedSpec:
    """One cell as a fused kernel: its kind, torch-ordered parameters, and its input dropout mask (or None)."""

    __slots__ = ("kind", "params", "has_biases", "input_mask", "units")

    def __init__(self, kind, params, has_biases, units, input_mask=None):
        self.kind = kind
        self.params = params
        self.has_biases = has_biases
        self.units = units
        self.input_mask = input_mask

    @property
    def n_states(self):
        return 2 if self.kind == "lstm" else 1


def _hx(spec, states):
    if spec.kind == "lstm":
        return (states[0], states[1])
    return states[0]


def run_kernel(spec, x, states, batch_sizes=None, bidirectional=False, params=None):
    """Run one fused kernel. `states` are `(directions, batch, units)` tensors; returns (outputs, finals)."""
    fn = _KERNELS[spec.kind]
    params = spec.params if params is None else params
    if x.is_cuda:  # cuDNN copies the weights into one buffer; give it plain row-major tensors
        params = [p.contiguous() for p in params]
    train = torch.is_grad_enabled()
    hx = _hx(spec, states)
    if batch_sizes is None:
        result = fn(x, hx, params, spec.has_biases, 1, 0.0, train, bidirectional, True)
    else:
        result = fn(x, batch_sizes, hx, params, spec.has_biases, 1, 0.0, train, bidirectional)
    return result[0], list(result[1:])


def _apply_input_mask(spec, x):
    if spec.input_mask is None:
        return x
    return x * spec.input_mask.unsqueeze(1)


def _gather_time(seq, index):
    """`seq[b, index[b, t]]` for a `(batch, time, ...)` sequence and a `(batch, time')` index."""
    shape = index.shape + seq.shape[2:]
    idx = index.reshape(index.shape + (1,) * (seq.dim() - 2)).expand(shape)
    return seq.gather(1, idx)


def run_sequence(specs, x, states_per_cell, mask, go_backwards, return_sequences, zero_output_for_mask,
                 need_states):
    """Run stacked fused cells over `x (batch, time, features)` with Keras's masking semantics.

    Returns `(last_output, outputs or None, states_per_cell or None)`; outputs are in processing order (reversed
    when `go_backwards`), as in Keras.
    """
    if go_backwards:
        x = x.flip(1)
        if mask is not None:
            mask = mask.flip(1)
    if mask is None:
        h = x
        finals = []
        for spec, states in zip(specs, states_per_cell):
            h, fin = run_kernel(spec, _apply_input_mask(spec, h), [s.unsqueeze(0) for s in states])
            if need_states:
                finals.append([f.squeeze(0) for f in fin])
        return h[:, -1], (h if return_sequences else None), (finals if need_states else None)
    return _run_masked(specs, x, states_per_cell, mask, return_sequences, zero_output_for_mask, need_states)


def _run_masked(specs, x, states_per_cell, mask, return_sequences, zero_output_for_mask, need_states):
    if mask.dtype != torch.bool:
        mask = mask.to(torch.bool)
    lengths = mask.sum(dim=1)
    order = torch.argsort((~mask).to(torch.uint8), dim=1, stable=True)
    h = _gather_time(x, order)
    packed = need_states and any(spec.kind == "lstm" for spec in specs)
    finals = []
    if packed:
        lengths_cpu = lengths.clamp(min=1).cpu()
        for spec, states in zip(specs, states_per_cell):
            pk = rnn_packing.pack_padded_sequence(_apply_input_mask(spec, h), lengths_cpu, batch_first=True,
                                                  enforce_sorted=False)
            hx = [s.unsqueeze(0).index_select(1, pk.sorted_indices) for s in states]
            data, fin = run_kernel(spec, pk.data, hx, batch_sizes=pk.batch_sizes)
            out = rnn_packing.PackedSequence(data, pk.batch_sizes, pk.sorted_indices, pk.unsorted_indices)
            h, _ = rnn_packing.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
            finals.append([f.index_select(1, pk.unsorted_indices).squeeze(0) for f in fin])
    else:
        seqs = []
        for spec, states in zip(specs, states_per_cell):
            h, fin = run_kernel(spec, _apply_input_mask(spec, h), [s.unsqueeze(0) for s in states])
            seqs.append(h)
    has_any = (lengths > 0).unsqueeze(-1)
    last_index = (lengths - 1).clamp(min=0).unsqueeze(1)
    top_last = _gather_time(h, last_index).squeeze(1)
    top_last = torch.where(has_any, top_last, torch.zeros((), dtype=h.dtype, device=h.device))
    states_out = None
    if need_states:
        states_out = []
        for k, (spec, states) in enumerate(zip(specs, states_per_cell)):
            if packed:
                new = finals[k]
            else:
                new = [_gather_time(seqs[k], last_index).squeeze(1)]
            states_out.append([torch.where(has_any, n, s) for n, s in zip(new, states)])
    if zero_output_for_mask:
        last_output = torch.where(mask[:, -1:], top_last, torch.zeros((), dtype=h.dtype, device=h.device))
    else:
        last_output = top_last
    outputs = None
    if return_sequences:
        position = mask.to(torch.int32).cumsum(dim=1) - 1
        gathered = _gather_time(h, position.clamp(min=0))
        keep = mask if zero_output_for_mask else position >= 0
        outputs = torch.where(keep.unsqueeze(-1), gathered, torch.zeros((), dtype=h.dtype, device=h.device))
    return last_output, outputs, states_out


def run_bidirectional(spec_f, spec_b, x, states_f, states_b):
    """Both directions in one bidirectional kernel call (no mask, no dropout).

    Returns forward outputs, backward outputs in original time order, and the final states of each direction.
    """
    states = [torch.stack([sf, sb]) for sf, sb in zip(states_f, states_b)]
    out, fin = run_kernel(spec_f, x, states, bidirectional=True, params=list(spec_f.params) + list(spec_b.params))
    units = spec_f.units
    return out[..., :units], out[..., units:], [f[0] for f in fin], [f[1] for f in fin]


def can_fuse_bidirectional(spec_f, spec_b):
    return (spec_f is not None and spec_b is not None and spec_f.kind == spec_b.kind
            and spec_f.has_biases == spec_b.has_biases and spec_f.units == spec_b.units
            and spec_f.input_mask is None and spec_b.input_mask is None
            and spec_f.params[0].dtype == spec_b.params[0].dtype)


_OUTSIDE_GRAPH = {}


def outside_graph(fn):
    """`fn` as `torch.compile` runs it: eagerly, outside the graph. Made on first use under the compiler, since
    `torch.compiler.disable` imports `torch._dynamo` (seconds), which eager code never needs."""
    wrapped = _OUTSIDE_GRAPH.get(fn)
    if wrapped is None:
        wrapped = _OUTSIDE_GRAPH[fn] = torch.compiler.disable(fn)
    return wrapped
