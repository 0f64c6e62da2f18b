"""`keras.callbacks.RemoteMonitor`: POST the epoch results to a server."""
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np
import torch

from torchkeras.api_export import keras_export
from torchkeras.callbacks.callback import Callback

try:
    import requests
except ImportError:
    requests = None


@keras_export("keras.callbacks.RemoteMonitor")
class RemoteMonitor(Callback):
    """At every epoch end, send `{"epoch": epoch, **logs}` to `root + path` with an HTTP POST.

    The payload is a form field `field=<json>` (the default), or the JSON body itself with
    `send_as_json=True`. It uses `requests` when it is installed, else the standard library.

    Args:
        root: the server's root URL. Defaults to `"http://localhost:9000"`.
        path: the path, relative to `root`, to which the events are sent.
        field: the form field holding the JSON data.
        headers: optional dict of extra HTTP headers.
        send_as_json: send the data as `application/json` instead of a form.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = 10  # seconds; a server that does not answer must not hang training forever

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = _plain(v)
        try:
            if requests is not None:
                self._post_with_requests(send)
            else:
                self._post_with_urllib(send)
        except (OSError, ValueError, _requests_error()):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)

    def _post_with_requests(self, send):
        url = self.root + self.path
        if self.send_as_json:
            requests.post(url, json=send, headers=self.headers, timeout=self.timeout)
        else:
            requests.post(url, {self.field: json.dumps(send)}, headers=self.headers, timeout=self.timeout)

    def _post_with_urllib(self, send):
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            # The server answered (e.g. 404): like `requests`, that is not a connection failure.
            pass


def _plain(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item() if value.size == 1 else value.tolist()
    return value


def _requests_error():
    if requests is None:
        return OSError
    return requests.exceptions.RequestException
