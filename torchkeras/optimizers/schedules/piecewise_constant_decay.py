"""`keras.optimizers.schedules.PiecewiseConstantDecay`."""
import bisect

from torchkeras.api_export import keras_export
from torchkeras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule


@keras_export("keras.optimizers.schedules.PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant learning rate per interval of steps.

    `values[0]` while `step <= boundaries[0]`, `values[i + 1]` while
    `boundaries[i] < step <= boundaries[i + 1]`, and `values[-1]` after the last boundary.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, "
                f"and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name
        self._sorted_boundaries = [float(b) for b in boundaries]
        self._float_values = [float(v) for v in values]

    def _compute(self, step):
        # The number of boundaries strictly below `step` is the index of its interval.
        return self._float_values[bisect.bisect_left(self._sorted_boundaries, step)]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}
