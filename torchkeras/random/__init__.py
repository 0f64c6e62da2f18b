"""`keras.random`: random tensors (`normal`, `uniform`, `dropout`, ...) and `SeedGenerator`."""
from torchkeras.random.random import beta  # noqa: F401
from torchkeras.random.random import binomial  # noqa: F401
from torchkeras.random.random import categorical  # noqa: F401
from torchkeras.random.random import dropout  # noqa: F401
from torchkeras.random.random import gamma  # noqa: F401
from torchkeras.random.random import normal  # noqa: F401
from torchkeras.random.random import randint  # noqa: F401
from torchkeras.random.random import shuffle  # noqa: F401
from torchkeras.random.random import truncated_normal  # noqa: F401
from torchkeras.random.random import uniform  # noqa: F401
from torchkeras.random.seed_generator import SeedGenerator  # noqa: F401
from torchkeras.random.seed_generator import draw_seed  # noqa: F401
from torchkeras.random.seed_generator import make_default_seed  # noqa: F401
