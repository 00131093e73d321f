# dask_tasks.py: the functions test_futures_dask.py runs on its cluster. The
# dask-worker and dask-scheduler processes import this module (it is on
# their PYTHONPATH), so exceptions raised here unpickle as the same class
# in the test.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
from distributed import Event

# No task waits longer than this for its gate (conftest.DEADLINE_MS).
GATE_TIMEOUT_S = 30


class TileError(ValueError):
    """Raised by fail() on a dask worker."""


def inc(x):
    return x + 1


def fail(x):
    raise TileError('tile %d is bad' % x)


def gated(x, gate, started=None):
    """Returns x once the distributed.Event @gate is set. With @started,
    first sets the Event of that name."""
    if started is not None:
        Event(started).set()
    if not Event(gate).wait(timeout=GATE_TIMEOUT_S):
        raise TimeoutError('gate %s never opened' % gate)
    return x


def keys_known(dask_scheduler, keys):
    """Run on the scheduler: which of @keys it still has a task for."""
    return [key for key in keys if key in dask_scheduler.tasks]
