import pytest

from .helpers import make_data


@pytest.fixture
def data():
    return make_data()
