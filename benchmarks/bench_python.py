#!/usr/bin/python3
"""bench_python.py: measures threadworker from Python through its PyGObject
override against superqt's thread_worker (PyQt5, offscreen) and against the
floor, what a Python programmer writes by hand (the generator on a
threading.Thread appends to a collections.deque, and the main loop drains it
in one GLib.idle_add per batch). Prints one JSON object.

Workloads, the same code for every peer where the API allows:
  yields    100,000 values from one generator to a Python handler
  jobs      1,000 function workers started at once, start -> all returned
            (threadworker and superqt)
  flood     a generator yields as fast as it can for 2 s while a 16 ms timer
            (redraw priority in GLib) runs: the timer's longest gap and the
            values handled in the 2 s, then 2 s of the timer alone (the
            machine's jitter) (threadworker and superqt)
  slow      a generator yields its clock every 10 ms: latency from the yield
            to the handler; threadworker's process takes turns with one
            GLib.idle_add per value, the ratio's peer (the floor's process
            measures that alone)
  cpu       threadworker only: a CPU-bound pure-Python loop in a function
            worker, plain, with intrusive_cancel=True, and with solara's
            sys.settrace tracer checking a cancel flag (each in turn)

Usage: bench_python.py --peer threadworker|superqt|floor [--quick]
Exits 77 (skipped) when the peer's modules cannot be imported.
"""
import argparse
import collections
import json
import os
import statistics
import sys
import threading
import time

# Every worker stays referenced until the process exits, as an application
# keeps its workers (napari stores them on its widgets). superqt needs it:
# a worker whose wrapper is collected while its queued signals are still
# being delivered crashes PyQt ("wrapped C/C++ object ... has been deleted").
KEEP = []

REDRAW_PRIORITY = 120   # GDK_PRIORITY_REDRAW: G_PRIORITY_HIGH_IDLE + 20


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


class Loop:
    """What a workload needs of the peer's main loop."""

    def run(self, kick):
        """Runs kick(done) inside the running loop; returns the seconds
        until done() was called."""
        raise NotImplementedError

    def timer(self, ms, callback):
        """Calls callback() every @ms ms, at redraw priority where the loop
        has priorities, until it returns False."""
        raise NotImplementedError

    def later(self, ms, callback):
        raise NotImplementedError


# -- the workloads, written once against the superqt/napari API ---------------

def yields_workload(thread_worker, loop, n):
    @thread_worker
    def count(n):
        for i in range(n):
            yield i

    got = []

    def kick(done):
        worker = count(n)
        KEEP.append(worker)
        worker.yielded.connect(got.append)
        worker.finished.connect(lambda *args: done())
        worker.start()

    seconds = loop.run(kick)
    assert got == list(range(n)), "values lost or reordered"
    return n / seconds


def jobs_workload(thread_worker, loop, n):
    @thread_worker
    def square(x):
        return x * x

    results = []

    def kick(done):
        def on_returned(value):
            results.append(value)
            if len(results) == n:
                done()

        for i in range(n):
            worker = square(i)
            KEEP.append(worker)
            worker.returned.connect(on_returned)
            worker.start()

    seconds = loop.run(kick)
    assert sorted(results) == [i * i for i in range(n)], "results lost"
    return n / seconds


def flood_workload(thread_worker, loop, seconds):
    @thread_worker
    def flood():
        i = 0
        while True:
            yield i
            i += 1

    got = [0]
    ticks = []
    state = {}

    def kick(done):
        worker = flood()
        KEEP.append(worker)
        state["worker"] = worker

        def on_yielded(value):
            got[0] += 1

        def tick():
            ticks.append(time.perf_counter())
            return "end" not in state

        def stop():
            state["end"] = time.perf_counter()
            state["values"] = got[0]
            worker.quit()
            return False

        worker.yielded.connect(on_yielded)
        worker.finished.connect(lambda *args: done())
        loop.timer(16, tick)
        loop.later(int(seconds * 1000), stop)
        worker.start()

    loop.run(kick)
    # The gaps inside the window, from the first tick on.
    ticks = [t for t in ticks if t <= state["end"]]
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    return dict(flood_max_gap_ms=max(gaps) * 1000 if gaps else float("nan"),
                flood_values=state["values"], flood_ticks=len(ticks),
                flood_quiet_max_gap_ms=quiet_gap_ms(loop, seconds))


def quiet_gap_ms(loop, seconds):
    """The same timer's longest gap with no flood: the machine's jitter."""
    ticks = []

    def kick(done):
        def tick():
            ticks.append(time.perf_counter())
            return True

        def stop():
            state.append(time.perf_counter())
            done()
            return False

        loop.timer(16, lambda: tick() and not state)
        loop.later(int(seconds * 1000), stop)

    state = []
    loop.run(kick)
    ticks = [t for t in ticks if t <= state[0]]
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    return max(gaps) * 1000 if gaps else float("nan")


def slow_workload(thread_worker, loop, n, interval_s=0.010, raw=False):
    @thread_worker
    def slow(n):
        for _ in range(n):
            time.sleep(interval_s)
            yield time.perf_counter()

    latencies = []

    def kick(done):
        worker = slow(n)
        KEEP.append(worker)
        worker.yielded.connect(lambda t: latencies.append(time.perf_counter() - t))
        worker.finished.connect(lambda *args: done())
        worker.start()

    loop.run(kick)
    assert len(latencies) == n, "values lost"
    return latencies if raw else slow_result(latencies)


def slow_result(latencies, prefix="slow"):
    us = [x * 1e6 for x in latencies]
    return {f"{prefix}_p50_us": statistics.median(us), f"{prefix}_p99_us": percentile(us, 99),
            f"{prefix}_n": len(us)}


def idle_add_latencies(GLib, loop, n, interval_s=0.010):
    """The slow producer written by hand: a thread, one GLib.idle_add per
    value."""
    latencies = []

    def kick(done):
        def handle(t):
            latencies.append(time.perf_counter() - t)
            if len(latencies) == n:
                done()
            return GLib.SOURCE_REMOVE

        def produce():
            for _ in range(n):
                time.sleep(interval_s)
                GLib.idle_add(handle, time.perf_counter())

        thread = threading.Thread(target=produce, daemon=True)
        thread.start()

    loop.run(kick)
    return latencies


def slow_side_by_side(thread_worker, GLib, loop, n, turns=8):
    """The slow producer through threadworker and through one GLib.idle_add
    per value, taking turns in one process so that the machine's load hits
    both alike."""
    ours, theirs = [], []
    chunk = max(1, n // turns)
    for _ in range(turns):
        ours += slow_workload(thread_worker, loop, chunk, raw=True)
        theirs += idle_add_latencies(GLib, loop, chunk)
    out = slow_result(ours)
    out.update(slow_result(theirs, "slow_idle"))
    return out


# -- threadworker ----------------------------------------------------------------

def glib_modules():
    try:
        import gi
        gi.require_version("Tw", "1.0")
        from gi.repository import GLib, Tw
        Tw.thread_worker  # the override is loaded
    except (ImportError, ValueError, AttributeError) as exc:
        print(f"threadworker's Python override is not available: {exc}", file=sys.stderr)
        sys.exit(77)
    return GLib, Tw


class GLibLoop(Loop):
    def __init__(self, GLib):
        self.GLib = GLib
        self.loop = GLib.MainLoop()

    def run(self, kick):
        GLib = self.GLib
        times = {}

        def start():
            times["start"] = time.perf_counter()
            kick(lambda: (times.setdefault("end", time.perf_counter()), self.loop.quit()))
            return GLib.SOURCE_REMOVE

        GLib.idle_add(start)
        self.loop.run()
        return times["end"] - times["start"]

    def timer(self, ms, callback):
        self.GLib.timeout_add(ms, callback, priority=REDRAW_PRIORITY)

    def later(self, ms, callback):
        self.GLib.timeout_add(ms, callback)

    def settle(self, running):
        context = self.GLib.MainContext.default()
        while running():
            context.iteration(True)


def cpu_workload(Tw, loop, n, rounds):
    """Seconds of a pure-Python loop run by a function worker, per variant;
    the variants take turns, and each one's best round counts."""

    def spin(n):
        total = 0
        for i in range(n):
            total += i * i
        return total

    def spin_traced(n):
        # solara's approach: a tracer checks a cancel flag at every event
        # of the thread's Python code, and raises to cancel.
        cancelled = threading.Event()

        def tracer(frame, event, arg):
            if cancelled.is_set():
                raise KeyboardInterrupt
            return tracer

        sys.settrace(tracer)
        try:
            return spin(n)
        finally:
            sys.settrace(None)

    variants = dict(plain=(spin, False), intrusive=(spin, True), settrace=(spin_traced, False))
    best = {}
    for _ in range(rounds):
        for name, (func, intrusive) in variants.items():
            def kick(done, func=func, intrusive=intrusive):
                worker = Tw.create_worker(func, n, _intrusive_cancel=intrusive)
                KEEP.append(worker)
                worker.returned.connect(lambda value: done())
                worker.start()

            seconds = loop.run(kick)
            best[name] = min(best.get(name, seconds), seconds)
    return {f"cpu_{k}_s": v for k, v in best.items()}


def measure_threadworker(sizes):
    GLib, Tw = glib_modules()
    loop = GLibLoop(GLib)
    out = dict(yields_per_s=yields_workload(Tw.thread_worker, loop, sizes["yields"]),
               jobs_per_s=jobs_workload(Tw.thread_worker, loop, sizes["jobs"]))
    # Not timed: the runs end (`finished`) before the next workload.
    loop.settle(lambda: any(w.is_running for w in KEEP))
    out.update(flood_workload(Tw.thread_worker, loop, sizes["flood_s"]))
    out.update(slow_side_by_side(Tw.thread_worker, GLib, loop, sizes["slow"]))
    out.update(cpu_workload(Tw, loop, sizes["cpu"], sizes["cpu_rounds"]))
    # Not timed: let every run end (finished comes after returned) before
    # the process exits.
    loop.settle(lambda: any(w.is_running for w in KEEP))
    return out


# -- superqt ---------------------------------------------------------------------

def measure_superqt(sizes):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyqt5")
    try:
        from qtpy.QtCore import QThreadPool, QTimer, Qt
        from qtpy.QtWidgets import QApplication
        from superqt.utils import thread_worker
    except ImportError as exc:
        print(f"superqt is not available: {exc}", file=sys.stderr)
        sys.exit(77)

    app = QApplication.instance() or QApplication([])
    timers = []

    class QtLoop(Loop):
        def run(self, kick):
            times = {}

            def start():
                times["start"] = time.perf_counter()
                kick(lambda: (times.setdefault("end", time.perf_counter()), app.quit()))

            QTimer.singleShot(0, start)
            app.exec_()
            return times["end"] - times["start"]

        def timer(self, ms, callback):
            timer = QTimer()
            timer.setTimerType(Qt.PreciseTimer)
            timer.setInterval(ms)

            def on_timeout():
                if not callback():
                    timer.stop()

            timer.timeout.connect(on_timeout)
            timer.start()
            timers.append(timer)

        def later(self, ms, callback):
            QTimer.singleShot(ms, callback)

    loop = QtLoop()
    out = dict(yields_per_s=yields_workload(thread_worker, loop, sizes["yields"]),
               jobs_per_s=jobs_workload(thread_worker, loop, sizes["jobs"]))
    # Not timed: the runs end before the next workload.
    QThreadPool.globalInstance().waitForDone()
    app.processEvents()
    out.update(flood_workload(thread_worker, loop, sizes["flood_s"]))
    out.update(slow_workload(thread_worker, loop, sizes["slow"]))
    # Not timed: let every run end (finished comes after returned) before
    # the process exits, or PyQt aborts in a worker thread emitting it.
    QThreadPool.globalInstance().waitForDone()
    app.processEvents()
    return out


# -- the floor: a thread, a deque, one GLib.idle_add per batch -------------------

def measure_floor(sizes):
    GLib, _ = glib_modules()
    loop = GLibLoop(GLib)
    n = sizes["yields"]

    def count(n):
        for i in range(n):
            yield i

    got = []

    def kick(done):
        queue = collections.deque()
        scheduled = [False]
        finished = [False]

        def drain():
            scheduled[0] = False
            while queue:
                got.append(queue.popleft())
            if finished[0] and not queue and len(got) == n:
                finished[0] = False     # done once
                done()
            return GLib.SOURCE_REMOVE

        def produce():
            for value in count(n):
                queue.append(value)
                if not scheduled[0]:
                    scheduled[0] = True
                    GLib.idle_add(drain)
            finished[0] = True
            GLib.idle_add(drain)

        thread = threading.Thread(target=produce, daemon=True)
        KEEP.append(thread)
        thread.start()

    seconds = loop.run(kick)
    assert got == list(range(n)), "values lost or reordered"
    out = dict(yields_per_s=n / seconds)

    # Slow producer: one GLib.idle_add per value.
    out.update(slow_result(idle_add_latencies(GLib, loop, sizes["slow"])))
    for thread in KEEP:
        thread.join()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", required=True, choices=["threadworker", "superqt", "floor"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        sizes = dict(yields=2000, jobs=50, flood_s=0.2, slow=10, cpu=100000, cpu_rounds=1)
    else:
        sizes = dict(yields=100000, jobs=1000, flood_s=2.0, slow=200, cpu=2000000,
                     cpu_rounds=3)

    measure = dict(threadworker=measure_threadworker, superqt=measure_superqt,
                   floor=measure_floor)[args.peer]
    out = measure(sizes)
    print(json.dumps(dict(bench="python", peer=args.peer, quick=int(args.quick),
                          n_yields=sizes["yields"], n_jobs=sizes["jobs"], **out)))


if __name__ == "__main__":
    main()
