#!/usr/bin/python3
"""bench_python_frames.py: memory of a napari-style stream from Python: a
generator yields 8 MiB numpy frames (1024×1024 float64) faster than a slow
handler (10 ms a frame) takes them. Reports the peak RSS above the RSS
before the stream. Prints one JSON object.

Peers: threadworker (the default max-pending-bytes), count-only
(threadworker with no byte budget: only max-pending-yields, as before the
budget existed) and superqt (PyQt5, offscreen).

Usage: bench_python_frames.py --peer threadworker|count-only|superqt [--quick]
Exits 77 (skipped) when the peer's modules cannot be imported.
"""
import argparse
import json
import os
import resource
import sys
import time

from bench_util import glib_modules, superqt_modules

KEEP = []
HANDLER_S = 0.030
SHAPE = (1024, 1024)


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def workload(thread_worker, np, n_frames):
    @thread_worker
    def frames(n):
        for i in range(n):
            yield np.full(SHAPE, float(i))     # touched: 8 MiB resident

    got = []

    def on_frame(frame):
        got.append(float(frame[0, 0]))
        time.sleep(HANDLER_S)                  # a slow redraw

    return frames, on_frame, got


def measure_threadworker(np, n_frames, budget):
    GLib, Tw = glib_modules()

    frames, on_frame, got = workload(Tw.thread_worker, np, n_frames)
    worker = frames(n_frames)
    KEEP.append(worker)
    if budget is not None:
        worker.props.max_pending_bytes = budget
    worker.yielded.connect(on_frame)
    loop = GLib.MainLoop()
    worker.finished.connect(loop.quit)
    baseline = rss_bytes()
    start = time.perf_counter()
    worker.start()
    loop.run()
    return got, baseline, time.perf_counter() - start


def measure_superqt(np, n_frames):
    QtCore, app, thread_worker = superqt_modules()
    frames, on_frame, got = workload(thread_worker, np, n_frames)
    worker = frames(n_frames)
    KEEP.append(worker)
    worker.yielded.connect(on_frame)
    worker.finished.connect(app.quit)
    baseline = rss_bytes()
    start = time.perf_counter()
    worker.start()
    app.exec_()
    seconds = time.perf_counter() - start
    QtCore.QThreadPool.globalInstance().waitForDone()
    return got, baseline, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", required=True, choices=["threadworker", "count-only", "superqt"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n_frames = 20 if args.quick else 150
    try:
        import numpy as np
    except ImportError as exc:
        print(f"numpy is not available: {exc}", file=sys.stderr)
        sys.exit(77)
    np.full(SHAPE, 0.0)   # numpy's own first-use memory is in the baseline

    if args.peer == "superqt":
        got, baseline, seconds = measure_superqt(np, n_frames)
    else:
        got, baseline, seconds = measure_threadworker(
            np, n_frames, None if args.peer == "threadworker" else 2 ** 64 - 1)
    assert got == [float(i) for i in range(n_frames)], "frames lost or reordered"
    peak = peak_rss_bytes()
    print(json.dumps(dict(bench="python-frames", peer=args.peer, quick=int(args.quick),
                          n_frames=n_frames, frame_bytes=SHAPE[0] * SHAPE[1] * 8,
                          seconds=seconds, baseline_rss=baseline, peak_rss=peak,
                          peak_above_baseline=max(peak - baseline, 0))))


if __name__ == "__main__":
    main()
