#!/usr/bin/python3
"""bench_python_cancel.py: quit() -> `aborted` latency of Python work that
blocks. threadworker's work blocks in Tw.sleep() or Tw.wait() on an Event, a
Queue, a Future, a socket or a child process; superqt's in the plain
time.sleep(5), Queue.get() and Event.wait(), which its quit() cannot
interrupt: its run ends when the call returns (here 5 s after the start, when
the benchmark puts the item or sets the event). Prints one JSON object with
the p50 and p99 per waitable, in milliseconds.

Usage: bench_python_cancel.py --peer threadworker|superqt [--quick]
Exits 77 (skipped) when the peer's modules cannot be imported.
"""
import argparse
import concurrent.futures
import json
import math
import queue
import socket
import statistics
import subprocess
import threading
import time

from bench_util import glib_modules, superqt_modules

BLOCK_S = 5.0            # superqt: how long the plain calls block
THREADWORKER_KINDS = ["sleep", "event", "queue", "future", "socket", "popen"]
SUPERQT_KINDS = ["sleep", "queue", "event"]
KEEP = []                # workers stay referenced (see bench_python.py)


def p99(values):
    ordered = sorted(values)
    return ordered[max(math.ceil(0.99 * len(ordered)) - 1, 0)]


class Waitable:
    """One fresh waitable of @kind: block(wait) blocks on it through @wait
    (Tw.wait or the plain call); release() makes it ready; close()."""

    def __init__(self, kind):
        self.kind = kind
        self.opened = []
        if kind == "event":
            self.obj = threading.Event()
        elif kind == "queue":
            self.obj = queue.Queue()
        elif kind == "future":
            self.obj = concurrent.futures.Future()
        elif kind == "socket":
            self.obj, self.peer = socket.socketpair()
            self.opened += [self.obj, self.peer]
        elif kind == "popen":
            self.obj = subprocess.Popen(["sleep", "3600"])
        else:
            self.obj = None

    def release(self):
        if self.kind == "event":
            self.obj.set()
        elif self.kind == "queue":
            self.obj.put("item")

    def close(self):
        for thing in self.opened:
            thing.close()
        if self.kind == "popen" and self.obj.poll() is None:
            self.obj.kill()
            self.obj.wait()


def quit_to_aborted_ms(kind, blocked, arm, stop, run):
    """One run of blocked(kind, waitable) on a fresh Waitable(kind), in either
    peer: arm(worker, waitable, quit_now) schedules quit_now() on the main
    thread; `finished` calls stop() and run() iterates the main loop until
    then. Returns the milliseconds from quit() to `aborted`."""
    waitable = Waitable(kind)
    worker = blocked(kind, waitable.obj)
    KEEP.append(worker)
    times = {}

    def quit_now():
        times["quit"] = time.perf_counter()
        worker.quit()

    arm(worker, waitable, quit_now)
    worker.aborted.connect(lambda: times.setdefault("aborted", time.perf_counter()))
    worker.finished.connect(stop)
    worker.start()
    run()
    waitable.close()
    if "aborted" not in times:
        raise SystemExit(f"{kind}: the run did not end with aborted")
    return (times["aborted"] - times["quit"]) * 1000


def measure_threadworker(n):
    GLib, Tw = glib_modules("wait")
    import gi.overrides.Tw as override

    loop = GLib.MainLoop()

    @Tw.thread_worker(start_thread=False)
    def blocked(kind, waitable):
        if kind == "sleep":
            Tw.sleep(3600)
        else:
            Tw.wait(waitable)
        yield

    def arm(worker, waitable, quit_now):
        # The override calls the hook just before the wait blocks; quit 2 ms
        # later, when the worker is asleep in it.
        override._blocking_hook = lambda: GLib.timeout_add(
            2, lambda: quit_now() or GLib.SOURCE_REMOVE)

    def run():
        loop.run()
        override._blocking_hook = None

    return {kind: [quit_to_aborted_ms(kind, blocked, arm, loop.quit, run) for _ in range(n)]
            for kind in THREADWORKER_KINDS}


def measure_superqt(n):
    QtCore, app, thread_worker = superqt_modules()
    QThreadPool, QTimer = QtCore.QThreadPool, QtCore.QTimer

    @thread_worker(start_thread=False)
    def blocked(kind, waitable):
        if kind == "sleep":
            time.sleep(BLOCK_S)
        elif kind == "queue":
            waitable.get()
        else:
            waitable.wait()
        yield

    def arm(worker, waitable, quit_now):
        def on_started():
            QTimer.singleShot(10, quit_now)
            # What makes the plain calls return: the data arrives.
            QTimer.singleShot(int(BLOCK_S * 1000), waitable.release)

        worker.started.connect(on_started)

    samples = {kind: [quit_to_aborted_ms(kind, blocked, arm, app.quit, app.exec_)
                      for _ in range(n)]
               for kind in SUPERQT_KINDS}
    QThreadPool.globalInstance().waitForDone()
    app.processEvents()
    return samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", required=True, choices=["threadworker", "superqt"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()

    if args.peer == "threadworker":
        n = 20 if args.quick else 200
        samples = measure_threadworker(n)
    else:
        n = 1 if args.quick else 2   # each sample takes 5 s
        samples = measure_superqt(n)

    out = dict(bench="python-cancel", peer=args.peer, quick=int(args.quick), n=n,
               block_s=BLOCK_S if args.peer == "superqt" else None)
    for kind, values in samples.items():
        out[f"{kind}_p50_ms"] = statistics.median(values)
        out[f"{kind}_p99_ms"] = p99(values)
        out[f"{kind}_max_ms"] = max(values)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
