# test_futures_dask.py: Tw.future_worker() and Tw.as_completed_worker() on a
# real dask.distributed cluster: one `dask scheduler` and two `dask worker`
# processes on 127.0.0.1, on ports the system picks, started once for the
# module and torn down at its end, whatever happened.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import traceback
import uuid

import pytest

distributed = pytest.importorskip('distributed')

from gi.repository import Tw  # noqa: E402

import dask_tasks  # noqa: E402
from conftest import DEADLINE_MS, Recorder, run_quitting_at_start  # noqa: E402

DEADLINE_S = DEADLINE_MS / 1000
N_WORKERS = 2
THREADS_PER_WORKER = 2
STOP_GRACE_S = 5
HERE = os.path.dirname(os.path.abspath(__file__))

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when pytest dies, so not even a
    killed test run leaves a cluster behind."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Cluster:
    """A dask scheduler and its worker processes, started by the test."""

    def __init__(self, directory):
        self.directory = directory
        self.env = dict(os.environ)
        # The processes import dask_tasks; they need no GLib debugging.
        self.env['PYTHONPATH'] = os.pathsep.join(
            [HERE] + [p for p in self.env.get('PYTHONPATH', '').split(os.pathsep) if p])
        self.env.pop('G_DEBUG', None)
        self.scheduler = None
        self.scheduler_log = []
        self.address = None
        self.workers = {}          # name -> Popen
        self.n_started = 0
        self.client = None

    def _spawn(self, args, log):
        return subprocess.Popen([sys.executable, '-m', 'dask'] + args, env=self.env,
                                cwd=self.directory, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)

    def start_scheduler(self):
        self.scheduler = self._spawn(
            # The scheduler serves HTTP even without a dashboard: on a free
            # local port too, not on 0.0.0.0:8787.
            ['scheduler', '--host', '127.0.0.1', '--port', '0', '--no-dashboard',
             '--dashboard-address', '127.0.0.1:0'],
            subprocess.PIPE)
        ready = threading.Event()

        def read():   # until the scheduler exits: its pipe never fills up
            for line in iter(self.scheduler.stdout.readline, b''):
                text = line.decode(errors='replace')
                self.scheduler_log.append(text)
                found = re.search(r'Scheduler at:\s*(tcp://\S+)', text)
                if found and self.address is None:
                    self.address = found.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=read, name='dask-scheduler log', daemon=True).start()
        if not ready.wait(DEADLINE_S) or self.address is None:
            raise RuntimeError('dask scheduler did not start:\n' + ''.join(self.scheduler_log))

    def start_worker(self):
        name = 'w%d' % self.n_started
        self.n_started += 1
        log = open(os.path.join(self.directory, name + '.log'), 'wb')
        with log:
            self.workers[name] = self._spawn(
                ['worker', self.address, '--name', name, '--host', '127.0.0.1',
                 '--nthreads', str(THREADS_PER_WORKER), '--no-nanny',
                 '--no-dashboard', '--dashboard-address', '127.0.0.1:0',
                 '--memory-limit', '0', '--death-timeout', str(int(DEADLINE_S)),
                 '--local-directory', self.directory], log)

    def live_workers(self):
        return [name for name, p in self.workers.items() if p.poll() is None]

    def wait_for_workers(self, n):
        self.client.wait_for_workers(n, timeout=DEADLINE_S)

    def process_at(self, address):
        """The Popen of the worker listening at @address."""
        info = self.client.scheduler_info()['workers'][address]
        return self.workers[info['name']]

    def start(self):
        self.start_scheduler()
        for _ in range(N_WORKERS):
            self.start_worker()
        self.client = distributed.Client(self.address, timeout=DEADLINE_S,
                                         set_as_default=False)
        self.wait_for_workers(N_WORKERS)

    def stop(self):
        if self.client is not None:
            self.client.close(timeout=DEADLINE_S)
        processes = list(self.workers.values()) + [self.scheduler]
        for p in processes:
            if p is not None and p.poll() is None:
                p.terminate()
        for p in processes:
            if p is None:
                continue
            try:
                p.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                p.kill()    # a worker can take long to close: no need to wait for it
                p.wait()

    def logs(self):
        text = ''.join(self.scheduler_log)
        for name in self.workers:
            with open(os.path.join(self.directory, name + '.log'), errors='replace') as f:
                text += '--- %s\n%s' % (name, f.read())
        return text


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp('dask')))
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture
def client(cluster):
    """The cluster's client, with N_WORKERS live workers (a test may kill one)."""
    missing = N_WORKERS - len(cluster.live_workers())
    for _ in range(missing):
        cluster.start_worker()
    if missing > 0:
        cluster.wait_for_workers(N_WORKERS)
    return cluster.client


class Gates:
    """distributed.Events a test opens; all of them are opened at its end,
    so that no task keeps a dask worker's thread."""

    def __init__(self, client):
        self.client = client
        self.prefix = uuid.uuid4().hex
        self.names = set()

    def name(self, what):
        name = '%s-%s' % (self.prefix, what)
        self.names.add(name)
        return name

    def open(self, what):
        distributed.Event(self.name(what), client=self.client).set()

    def open_all(self):
        for name in self.names:
            distributed.Event(name, client=self.client).set()

    def started(self, what, key):
        """Waits until the task of @key, given started=self.started_name(what),
        runs; returns the address of its worker. (Not with a
        distributed.Variable: its get() misses a set() that comes while it
        begins to wait, in 2022.12.)"""
        event = distributed.Event(self.started_name(what), client=self.client)
        assert event.wait(timeout=DEADLINE_S), 'task %s did not start: %s' % (
            what, self.client.processing())
        # A task runs on the worker it was given to: it is not moved once it runs.
        return next(address for address, keys in self.client.processing().items()
                    if key in keys)

    def started_name(self, what):
        return '%s-started-%s' % (self.prefix, what)


@pytest.fixture
def gates(client):
    g = Gates(client)
    try:
        yield g
    finally:
        g.open_all()


def test_results_arrive_on_the_main_thread_in_completion_order(client, gates):
    order = [2, 0, 3, 1]
    futures = [client.submit(dask_tasks.gated, i, gates.name(i), pure=False)
               for i in range(4)]
    worker = Tw.as_completed_worker(futures, with_index=True)
    rec = Recorder(worker)

    def open_next(value):
        got = len(rec.values())
        if got < len(order):
            gates.open(order[got])

    worker.yielded.connect(open_next)
    worker.start()
    gates.open(order[0])
    rec.wait_finished()     # also checks every handler ran on the main thread
    assert rec.log == 'SYYYYRF'
    assert rec.values() == [(i, i) for i in order]


def test_progress_counts_up_to_one(client):
    n = 12
    futures = client.map(dask_tasks.inc, range(n), pure=False)
    worker = Tw.as_completed_worker(futures)
    rec = Recorder(worker)
    progress = []
    worker.connect('notify::progress', lambda w, p: progress.append(w.props.progress))
    worker.start()
    rec.wait_finished()
    assert rec.log == 'S' + 'Y' * n + 'RF'
    assert sorted(rec.values()) == list(range(1, n + 1))
    assert progress == sorted(set(progress)) and progress[-1] == 1.0
    assert all(round(p * n) == p * n for p in progress)


def test_quit_cancels_the_futures_on_the_cluster(client, gates):
    # As many tasks as threads, each worker given its share, so that all run.
    addresses = sorted(client.scheduler_info()['workers']) * THREADS_PER_WORKER
    futures = [client.submit(dask_tasks.gated, i, gates.name('never'),
                             started=gates.started_name(i), workers=[address], pure=False)
               for i, address in enumerate(addresses)]
    for i, future in enumerate(futures):
        gates.started(i, future.key)    # every task runs, and would run for ever
    worker = Tw.as_completed_worker(futures)
    run_quitting_at_start(worker)
    assert [f.status for f in futures] == ['cancelled'] * len(futures)
    keys = [f.key for f in futures]
    assert client.run_on_scheduler(dask_tasks.keys_known, keys=keys) == []


def test_future_worker_quit_cancels_its_future(client, gates):
    future = client.submit(dask_tasks.gated, 1, gates.name('never'), pure=False)
    worker = Tw.future_worker(future)
    run_quitting_at_start(worker)
    assert future.status == 'cancelled'


def test_future_worker_returns_the_result(client):
    worker = Tw.future_worker(client.submit(dask_tasks.inc, 41, pure=False))
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SRF' and rec.values('returned') == [42]


def test_remote_exception_arrives_as_the_same_type_with_its_traceback(client):
    worker = Tw.future_worker(client.submit(dask_tasks.fail, 7, pure=False))
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SEF'
    exc = rec.values('errored')[0]
    assert type(exc) is dask_tasks.TileError
    assert str(exc) == 'tile 7 is bad'
    assert 'fail' in [frame.name for frame in traceback.extract_tb(exc.__traceback__)]


def test_a_failing_future_ends_the_run_and_cancels_the_rest(client, gates):
    rest = [client.submit(dask_tasks.gated, i, gates.name('never'), pure=False)
            for i in range(3)]
    failing = client.submit(dask_tasks.fail, 3, pure=False)
    worker = Tw.as_completed_worker(rest + [failing])
    rec = Recorder(worker)
    worker.start()
    rec.wait_finished()
    assert rec.log == 'SEF'
    assert type(rec.values('errored')[0]) is dask_tasks.TileError
    assert [f.status for f in rest] == ['cancelled'] * 3


def test_a_dask_worker_killed_mid_run_never_hangs_the_run(cluster, client, gates):
    future = client.submit(dask_tasks.gated, 5, gates.name('go'),
                           started=gates.started_name('run'), pure=False)
    worker = Tw.as_completed_worker([future])
    rec = Recorder(worker)
    worker.start()
    victim = cluster.process_at(gates.started('run', future.key))
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(DEADLINE_S) == -signal.SIGKILL
    gates.open('go')        # the task, run again elsewhere, can finish
    rec.wait_finished()
    if rec.log == 'SYRF':   # recomputed on the other worker
        assert rec.values() == [5]
    else:                   # or a clear error (distributed's KilledWorker)
        assert rec.log == 'SEF', rec.log
        assert isinstance(rec.values('errored')[0], distributed.KilledWorker)
