"""Processes and devices: `keras.distribution.initialize()`, `list_devices()`, `get_device_count()`.

torchkeras runs one process per device, as `torch.distributed` does. The cluster is described by, in order:
the arguments of `initialize`; Keras's `KERAS_DISTRIBUTION_JOB_ADDRESSES` / `KERAS_DISTRIBUTION_NUM_PROCESSES`
/ `KERAS_DISTRIBUTION_PROCESS_ID`; torchrun's `WORLD_SIZE` / `RANK` / `LOCAL_RANK` / `MASTER_ADDR` /
`MASTER_PORT`; SLURM's `SLURM_NTASKS` / `SLURM_PROCID` / `SLURM_LOCALID` / `SLURM_STEP_NODELIST` (the first
node is the coordinator; the port is `MASTER_PORT`, else derived from `SLURM_JOB_ID`). The global devices are
then one per process, `"gpu:<rank>"` on CUDA and `"cpu:<rank>"` otherwise; the process group uses `nccl` on
GPUs and `gloo` on CPUs.
"""
import os
import re

import torch
import torch.distributed as dist

from torchkeras.api_export import keras_export
from torchkeras.backend import device as device_lib

_SLURM_PORT_BASE = 20000


def _env_int(name):
    value = os.environ.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"The environment variable {name} must be an integer. Received: {name}={value!r}") from None


def first_slurm_host(nodelist):
    """The first host name of a SLURM node list such as `gpu[003-005,010],cpu01`."""
    nodelist = nodelist.strip()
    match = re.match(r"^([^,\[]+)(\[([^\]]+)\])?", nodelist)
    if match is None:
        raise ValueError(f"Cannot read the SLURM node list {nodelist!r}.")
    prefix, ranges = match.group(1), match.group(3)
    if not ranges:
        return prefix
    first = ranges.split(",")[0].split("-")[0]
    return prefix + first


def cluster_env(job_addresses=None, num_processes=None, process_id=None):
    """`{"world_size", "rank", "local_rank", "master_addr", "master_port"}` of this process (None values where
    unknown), from the arguments, then Keras's, torchrun's and SLURM's environment variables."""
    env = os.environ
    if job_addresses is None:
        job_addresses = env.get("KERAS_DISTRIBUTION_JOB_ADDRESSES") or None
    if num_processes is None:
        num_processes = _env_int("KERAS_DISTRIBUTION_NUM_PROCESSES")
    if process_id is None:
        process_id = _env_int("KERAS_DISTRIBUTION_PROCESS_ID")
    addr = port = None
    if job_addresses:
        addresses = [a.strip() for a in str(job_addresses).split(",") if a.strip()]
        if num_processes is not None and len(addresses) > 1 and len(addresses) != num_processes:
            raise ValueError(
                f"The provided job_addresses {addresses} has {len(addresses)} jobs, but num_processes is "
                f"{num_processes}"
            )
        addr, _, port = addresses[0].rpartition(":")
        if not addr:
            addr, port = port, None
    world = num_processes if num_processes is not None else _env_int("WORLD_SIZE")
    rank = process_id if process_id is not None else _env_int("RANK")
    local = _env_int("LOCAL_RANK")
    slurm = world is None and _env_int("SLURM_NTASKS") is not None
    if slurm:
        world = _env_int("SLURM_NTASKS")
        rank = _env_int("SLURM_PROCID") if rank is None else rank
        local = _env_int("SLURM_LOCALID") if local is None else local
        nodes = env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST")
        if addr is None and env.get("MASTER_ADDR") is None and nodes:
            addr = first_slurm_host(nodes)
        if port is None and env.get("MASTER_PORT") is None:
            job = _env_int("SLURM_JOB_ID") or 0
            port = str(_SLURM_PORT_BASE + job % 20000)
    addr = addr or env.get("MASTER_ADDR")
    port = port or env.get("MASTER_PORT")
    if local is None and rank is not None:
        per_node = torch.cuda.device_count() if torch.cuda.is_available() else 0
        local = rank % per_node if per_node else 0
    return {"world_size": world, "rank": rank, "local_rank": local, "master_addr": addr,
            "master_port": int(port) if port else None}


def export_env(info):
    """Write a `cluster_env()` result into torchrun's variables (what `init_process_group` reads)."""
    for key, name in (("world_size", "WORLD_SIZE"), ("rank", "RANK"), ("local_rank", "LOCAL_RANK"),
                      ("master_addr", "MASTER_ADDR"), ("master_port", "MASTER_PORT")):
        if info[key] is not None:
            os.environ[name] = str(info[key])


@keras_export("keras.distribution.initialize")
def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join the cluster of processes (one per device) before any computation.

    Args:
        job_addresses: comma-separated `host:port` addresses of the processes; the first one is the
            coordinator (`MASTER_ADDR:MASTER_PORT`). Default: `KERAS_DISTRIBUTION_JOB_ADDRESSES`, then
            torchrun's or SLURM's variables.
        num_processes: the number of processes. Default: `KERAS_DISTRIBUTION_NUM_PROCESSES`, `WORLD_SIZE`,
            `SLURM_NTASKS`.
        process_id: this process's id, from 0 to `num_processes - 1` (0 is the coordinator). Default:
            `KERAS_DISTRIBUTION_PROCESS_ID`, `RANK`, `SLURM_PROCID`.

    With a single process this does nothing. Under `torchrun`/`srun` no argument is needed.
    """
    from torchkeras.trainers import distributed

    info = cluster_env(job_addresses, num_processes, process_id)
    if not dist.is_initialized() and (info["world_size"] or 1) > 1:
        missing = [k for k in ("rank", "master_addr", "master_port") if info[k] is None]
        if missing:
            raise ValueError(
                f"A cluster of {info['world_size']} processes needs this process's id and the coordinator's "
                f"address, but {missing} could not be found. Start the script with `torchrun` or `srun`, or "
                "pass `job_addresses` and `process_id` to `keras.distribution.initialize()`."
            )
        if not 0 <= info["rank"] < info["world_size"]:
            raise ValueError(
                f"`process_id` must be in [0, {info['world_size'] - 1}]. Received: process_id={info['rank']}"
            )
        export_env(info)
    distributed.initialize()


def num_processes():
    """The number of processes of the cluster (1 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return cluster_env()["world_size"] or 1


def process_id():
    """This process's rank (0 when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return cluster_env()["rank"] or 0


def default_device_type():
    return "gpu" if device_lib.get_device().type == "cuda" and torch.cuda.is_available() else "cpu"


@keras_export("keras.distribution.list_devices")
def list_devices(device_type=None):
    """All the devices of the cluster, one per process, as `"gpu:<rank>"` or `"cpu:<rank>"`.

    Args:
        device_type: `"cpu"` or `"gpu"`. Defaults to `"gpu"` when torchkeras computes on CUDA, else `"cpu"`.
            A list never mixes device types.
    """
    kind = (device_type or default_device_type()).lower()
    if kind == "cuda":
        kind = "gpu"
    if kind not in ("cpu", "gpu"):
        raise ValueError(f"Unsupported device type: {device_type!r}. torchkeras runs on 'cpu' and 'gpu' devices.")
    if kind == "gpu" and not torch.cuda.is_available():
        raise ValueError("No GPU is available: use `list_devices('cpu')`.")
    return [f"{kind}:{i}" for i in range(num_processes())]


@keras_export("keras.distribution.get_device_count")
def get_device_count(device_type=None):
    """The number of devices of the cluster (one per process) of `device_type` (see `list_devices`)."""
    return len(list_devices(device_type))


def torch_device_type(kind):
    """`"cuda"` for Keras's `"gpu"`, else the name itself."""
    kind = kind.lower()
    return "cuda" if kind in ("gpu", "cuda") else kind
