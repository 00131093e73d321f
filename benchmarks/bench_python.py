#!/usr/bin/python3
"""bench_python.py: measures threadworker from Python through its PyGObject
override against superqt's thread_worker (PyQt5, offscreen): 100,000 values
yielded by one generator to a Python handler, and 1,000 function workers
started at once, start -> returned handled. Prints one JSON object.

Usage: bench_python.py --peer threadworker|superqt [--quick]
Exits 77 (skipped) when the peer's modules cannot be imported.
"""
import argparse
import json
import os
import sys
import time

# Every worker stays referenced until the process exits, as an application
# keeps its workers (napari stores them on its widgets). superqt needs it:
# a worker whose wrapper is collected while its queued signals are still
# being delivered crashes PyQt ("wrapped C/C++ object ... has been deleted").
KEEP = []


def run_workload(thread_worker, run_in_loop, n_yields, n_jobs):
    """The workload, written once against the superqt/napari API that both
    libraries provide, so the very same code measures both. run_in_loop(kick)
    runs kick(done) inside the library's running main loop and returns the
    seconds until done() was called."""

    @thread_worker
    def count(n):
        for i in range(n):
            yield i

    @thread_worker
    def square(x):
        return x * x

    # Yields: one generator, a Python handler per value.
    got = []

    def kick_yields(done):
        worker = count(n_yields)
        KEEP.append(worker)
        worker.yielded.connect(got.append)
        worker.finished.connect(lambda *args: done())
        worker.start()

    yields_s = run_in_loop(kick_yields)
    assert got == list(range(n_yields)), "values lost or reordered"

    # Function workers: all started at once.
    results = []

    def kick_jobs(done):
        def on_returned(value):
            results.append(value)
            if len(results) == n_jobs:
                done()

        for i in range(n_jobs):
            worker = square(i)
            KEEP.append(worker)
            worker.returned.connect(on_returned)
            worker.start()

    jobs_s = run_in_loop(kick_jobs)
    assert sorted(results) == [i * i for i in range(n_jobs)], "results lost"
    return yields_s, jobs_s


def measure_threadworker(n_yields, n_jobs):
    try:
        import gi
        gi.require_version("Tw", "1.0")
        from gi.repository import GLib, Tw
        Tw.thread_worker  # the override is loaded
    except (ImportError, ValueError, AttributeError) as exc:
        print(f"threadworker's Python override is not available: {exc}", file=sys.stderr)
        sys.exit(77)

    loop = GLib.MainLoop()

    def run_in_loop(kick):
        """Runs kick() from inside the running loop; returns seconds to quit."""
        times = {}

        def start():
            times["start"] = time.perf_counter()
            kick(lambda: (times.setdefault("end", time.perf_counter()), loop.quit()))
            return GLib.SOURCE_REMOVE

        GLib.idle_add(start)
        loop.run()
        return times["end"] - times["start"]

    yields_s, jobs_s = run_workload(Tw.thread_worker, run_in_loop, n_yields, n_jobs)

    # Not timed: let every run end (finished comes after returned) before
    # the process exits.
    context = GLib.MainContext.default()
    while any(w.is_running for w in KEEP):
        context.iteration(True)
    return yields_s, jobs_s


def measure_superqt(n_yields, n_jobs):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyqt5")
    try:
        from qtpy.QtCore import QThreadPool, QTimer
        from qtpy.QtWidgets import QApplication
        from superqt.utils import thread_worker
    except ImportError as exc:
        print(f"superqt is not available: {exc}", file=sys.stderr)
        sys.exit(77)

    app = QApplication.instance() or QApplication([])

    def run_in_loop(kick):
        times = {}

        def start():
            times["start"] = time.perf_counter()
            kick(lambda: (times.setdefault("end", time.perf_counter()), app.quit()))

        QTimer.singleShot(0, start)
        app.exec_()
        return times["end"] - times["start"]

    yields_s, jobs_s = run_workload(thread_worker, run_in_loop, n_yields, n_jobs)

    # Not timed: let every run end (finished comes after returned) before
    # the process exits, or PyQt aborts in a worker thread emitting it.
    QThreadPool.globalInstance().waitForDone()
    app.processEvents()
    return yields_s, jobs_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", required=True, choices=["threadworker", "superqt"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_yields = 2000 if args.quick else 100000
    n_jobs = 50 if args.quick else 1000

    if args.peer == "threadworker":
        yields_s, jobs_s = measure_threadworker(n_yields, n_jobs)
    else:
        yields_s, jobs_s = measure_superqt(n_yields, n_jobs)

    print(json.dumps(dict(bench="python", peer=args.peer, quick=int(args.quick),
                          n_yields=n_yields, yields_seconds=yields_s,
                          yields_per_s=n_yields / yields_s,
                          n_jobs=n_jobs, jobs_seconds=jobs_s,
                          jobs_per_s=n_jobs / jobs_s)))


if __name__ == "__main__":
    main()
