"""Recurrent layers (`keras.layers.LSTM`, `GRU`, `SimpleRNN`, `RNN`, their cells, `Bidirectional`,
`TimeDistributed`, `ConvLSTM1D/2D/3D`) and `Masking`."""
from torchkeras.layers.core.masking import Masking
from torchkeras.layers.recurrent.bidirectional import Bidirectional
from torchkeras.layers.recurrent.conv_lstm_nd import ConvLSTM1D
from torchkeras.layers.recurrent.conv_lstm_nd import ConvLSTM2D
from torchkeras.layers.recurrent.conv_lstm_nd import ConvLSTM3D
from torchkeras.layers.recurrent.gru import GRU
from torchkeras.layers.recurrent.gru import GRUCell
from torchkeras.layers.recurrent.lstm import LSTM
from torchkeras.layers.recurrent.lstm import LSTMCell
from torchkeras.layers.recurrent.rnn import RNN
from torchkeras.layers.recurrent.simple_rnn import SimpleRNN
from torchkeras.layers.recurrent.simple_rnn import SimpleRNNCell
from torchkeras.layers.recurrent.stacked_rnn_cells import StackedRNNCells
from torchkeras.layers.recurrent.time_distributed import TimeDistributed
from torchkeras.layers.recurrent.wrapper import Wrapper

__all__ = [
    "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "GRU", "GRUCell", "LSTM", "LSTMCell", "Masking",
    "RNN", "SimpleRNN", "SimpleRNNCell", "StackedRNNCells", "TimeDistributed", "Wrapper",
]
