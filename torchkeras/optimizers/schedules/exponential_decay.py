"""`keras.optimizers.schedules.ExponentialDecay`."""
import math

from torchkeras.api_export import keras_export
from torchkeras.optimizers.schedules.decay_rate_schedule import DecayRateSchedule


@keras_export("keras.optimizers.schedules.ExponentialDecay")
class ExponentialDecay(DecayRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    With `staircase=True`, `step / decay_steps` is an integer division, so the rate drops in steps.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _compute(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * float(self.decay_rate) ** p
