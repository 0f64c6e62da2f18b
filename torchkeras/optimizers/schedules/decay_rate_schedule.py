"""The arguments and config shared by `ExponentialDecay` and `InverseTimeDecay`."""
from torchkeras.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from torchkeras.optimizers.schedules.learning_rate_schedule import check_decay_steps


class DecayRateSchedule(LearningRateSchedule):
    """A schedule that decays `initial_learning_rate` by `decay_rate` per `decay_steps` (in whole periods with
    `staircase=True`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        check_decay_steps(self.decay_steps)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
