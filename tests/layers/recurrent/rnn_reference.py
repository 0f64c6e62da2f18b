"""A NumPy reference of Keras's recurrent equations and masking rules, for the unit tests.

Written from the equations in keras_formats.md section 6.1 (float64, one timestep at a time).
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simple_rnn_step(x, states, w, act=np.tanh):
    kernel, recurrent, bias = w
    h = act(x @ kernel + (0 if bias is None else bias) + states[0] @ recurrent)
    return h, [h]


def lstm_step(x, states, w, act=np.tanh, rec_act=sigmoid):
    kernel, recurrent, bias = w
    h, c = states
    z = x @ kernel + h @ recurrent + (0 if bias is None else bias)
    zi, zf, zc, zo = np.split(z, 4, axis=-1)
    c = rec_act(zf) * c + rec_act(zi) * act(zc)
    h = rec_act(zo) * act(c)
    return h, [h, c]


def gru_step(x, states, w, reset_after=True, act=np.tanh, rec_act=sigmoid):
    kernel, recurrent, bias = w
    h = states[0]
    u = recurrent.shape[0]
    if reset_after:
        bx, bh = (0, 0) if bias is None else (bias[0], bias[1])
        xz, xr, xh = np.split(x @ kernel + bx, 3, axis=-1)
        hz, hr, hh = np.split(h @ recurrent + bh, 3, axis=-1)
        z, r = rec_act(xz + hz), rec_act(xr + hr)
        cand = act(xh + r * hh)
    else:
        xz, xr, xh = np.split(x @ kernel + (0 if bias is None else bias), 3, axis=-1)
        z = rec_act(xz + h @ recurrent[:, :u])
        r = rec_act(xr + h @ recurrent[:, u:2 * u])
        cand = act(xh + (r * h) @ recurrent[:, 2 * u:])
    h = z * h + (1 - z) * cand
    return h, [h]


def run(step, x, states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """Keras's loop: returns (last_output, outputs (batch, time, units) in processing order, final states)."""
    x = np.asarray(x, dtype="float64")
    states = [np.asarray(s, dtype="float64") for s in states]
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs = []
    previous = None
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = mask[:, t][:, None]
            fallback = np.zeros_like(out) if (zero_output_for_mask or previous is None) else previous
            out = np.where(m, out, fallback)
            new = [np.where(m, n, s) for n, s in zip(new, states)]
        previous = out
        states = new
        outputs.append(out)
    return previous, np.stack(outputs, axis=1), states
