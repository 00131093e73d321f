#!/usr/bin/python3
"""Runs every threadworker benchmark against its peers and prints a table.

Each benchmark program measures one peer per process (--peer NAME) and prints
one JSON object. Rounds run every peer once, in a rotating order; a ratio is
taken between peers of the same round and the table shows the median over
rounds, so load from other processes on a shared machine hits both sides of a
ratio alike. Absolute figures are printed for context, never asserted: a
missed target is reported, and the exit status only says whether every
program ran.

Usage: benchmarks/run.py [--quick] [--builddir DIR] [--rounds N] [--only 1,2]

Benchmark 13 counts the owner thread's instructions per job and per value
under callgrind (`--only 13` alone takes about a minute).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SRCDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MiB = 1024 * 1024


def fmt_rate(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f} M/s"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k/s"
    return f"{v:.0f} /s"


def fmt_us(v):
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.0f} µs"


def fmt_ms(v):
    return f"{v:.1f} ms"


def fmt_s(v):
    return f"{v:.3f} s"


def fmt_bytes(v):
    return f"{v / MiB:.1f} MiB" if v >= MiB else f"{v:.0f} B"


# What each benchmark runs. `peers` are the --peer values, threadworker's
# first; `cases` are measurements of threadworker alone (no peer).
BENCHES = [
    dict(id=1, prog="bench-function-workers", peers=["threadworker", "gtask", "gthread", "gobject"],
         title="100,000 tiny function workers, start → returned (jobs/s)"),
    dict(id=2, prog="bench-yield-throughput", peers=["threadworker", "invoke", "floor"],
         title="1,000,000 yields to a C handler (values/s)"),
    dict(id=3, prog="bench-latency", peers=["threadworker", "invoke"],
         title="latency yield → handler, idle loop"),
    dict(id=4, prog="bench_python.py", peers=["threadworker", "superqt", "floor"],
         title="Python: 100,000 yields; 1,000 function workers; 2 s flood; slow producer; "
               "intrusive cancel", python=True),
    dict(id=5, prog="bench-ui-stall", peers=["threadworker", "invoke", "quiet"],
         title="UI stall: longest gap of a 16 ms redraw-priority timer, 2 s flood"),
    dict(id=6, prog="bench-memory", peers=["queue", "latest", "idle-workers"],
         title="memory: 1,000,000 × 4 KiB yields to a 1,000/s consumer; idle workers",
         rounds=1),
    dict(id=7, prog="bench-control", peers=["quit", "pause"],
         title="control latency, generator stepping every 1 ms (p99)"),
    dict(id=8, prog="bench-scale", peers=["threadworker", "gtask"],
         title="10,000 workers, pool max-threads 8"),
    # A real GTK window under Xvfb, once per renderer; three rounds, since
    # each scenario runs for 3 s.
    dict(id=9, prog="bench-frames", xvfb=True, env={"GSK_RENDERER": "cairo"},
         peers=["idle", "int-flood", "int-invoke", "tex-queue", "tex-latest", "tex-queue-synced", "tex-latest-synced", "tex-invoke", "tex-control"], rounds=3, frames=True,
         title="real window (cairo): longest frame gap while 4 workers stream into it"),
    dict(id=10, prog="bench-frames", xvfb=True, env={"GSK_RENDERER": "gl"},
         peers=["idle", "int-flood", "int-invoke", "tex-queue", "tex-latest", "tex-queue-synced", "tex-latest-synced", "tex-invoke", "tex-control"], rounds=3, frames=True,
         title="real window (GL): longest frame gap while 4 workers stream into it"),
    # superqt's samples each wait for a 5 s call to return: three rounds.
    dict(id=11, prog="bench_python_cancel.py", peers=["threadworker", "superqt"],
         python=True, rounds=3,
         title="Python: quit() → aborted while the work blocks (p99)"),
    dict(id=12, prog="bench_python_frames.py", peers=["threadworker", "count-only", "superqt"],
         python=True, rounds=1,
         title="Python: 150 × 8 MiB numpy frames to a 30 ms handler, peak RSS"),
    # Instructions, not time: the same on a loaded machine, so one round.
    # Each peer is "PROGRAM-PEER" of benchmarks 1 and 2, run under callgrind
    # (see CALLGRIND below and doc/performance.md).
    dict(id=13, prog="valgrind --tool=callgrind", callgrind=True, rounds=1,
         peers=["jobs:threadworker", "jobs:gtask", "jobs:gobject",
                "values:threadworker", "values:floor", "values:invoke"],
         title="owner-thread instructions per job and per value (callgrind)"),
]

# Benchmark 13: which program and size each of its peers runs. The figure
# is the main thread's instructions (callgrind --separate-threads), less the
# jobs' own work where it runs there (the "gobject" bound), divided by N.
CALLGRIND = {
    "jobs": ("bench-function-workers", 20000, 2000),
    "values": ("bench-yield-throughput", 200000, 20000),
}


def median(values):
    return statistics.median(values) if values else float("nan")


def ratios(runs, key, num, den):
    """Median over rounds of runs[num][i][key] / runs[den][i][key]."""
    pairs = zip(runs.get(num, []), runs.get(den, []))
    return median([a[key] / b[key] for a, b in pairs if b.get(key)])


def within(runs, peer, num, den):
    """Median over rounds of runs[peer][i][num] / runs[peer][i][den]: two
    figures of one run of one peer."""
    return median([r[num] / r[den] for r in runs.get(peer, []) if r.get(den)])


def med(runs, peer, key):
    return median([r[key] for r in runs.get(peer, []) if key in r])


def worst(runs, peer, key, highest=True):
    values = [r[key] for r in runs.get(peer, []) if key in r]
    if not values:
        return float("nan")
    return max(values) if highest else min(values)


def row(measure, tw, peer, ratio, target, met):
    return dict(measure=measure, threadworker=tw, peer=peer, ratio=ratio,
                target=target, met=met)


def rows_for(bench, runs):
    """The table rows of one benchmark, from its runs: {peer: [json, ...]}."""
    i = bench["id"]
    out = []
    if i == 1:
        r = ratios(runs, "jobs_per_s", "threadworker", "gtask")
        out.append(row("jobs/s vs GTask", fmt_rate(med(runs, "threadworker", "jobs_per_s")),
                       "GTask " + fmt_rate(med(runs, "gtask", "jobs_per_s")),
                       r, "≥ 1.5×", r >= 1.5))
        r = ratios(runs, "jobs_per_s", "threadworker", "gthread")
        out.append(row("jobs/s vs a GThread per job", "",
                       "GThread " + fmt_rate(med(runs, "gthread", "jobs_per_s")),
                       r, "", None))
        r = ratios(runs, "jobs_per_s", "gobject", "gtask")
        out.append(row("bound: a GObject with a handler per job, work and emission on "
                       "the main thread, no thread (÷ GTask)",
                       fmt_rate(med(runs, "gobject", "jobs_per_s")),
                       "GTask " + fmt_rate(med(runs, "gtask", "jobs_per_s")), r, "", None))
    elif i == 2:
        tw = fmt_rate(med(runs, "threadworker", "values_per_s"))
        r = ratios(runs, "values_per_s", "threadworker", "invoke")
        out.append(row("values/s vs invoke per value", tw,
                       "invoke " + fmt_rate(med(runs, "invoke", "values_per_s")),
                       r, "≥ 10×", r >= 10))
        r = ratios(runs, "values_per_s", "threadworker", "floor")
        out.append(row("values/s vs locked queue + idle (floor)", "",
                       "floor " + fmt_rate(med(runs, "floor", "values_per_s")),
                       r, "≥ 0.6×", r >= 0.6))
    elif i == 3:
        r = ratios(runs, "p99_us", "threadworker", "invoke")
        out.append(row("p99 latency", fmt_us(med(runs, "threadworker", "p99_us")),
                       "invoke " + fmt_us(med(runs, "invoke", "p99_us")),
                       r, "≤ 1.5×", r <= 1.5))
        r = ratios(runs, "p50_us", "threadworker", "invoke")
        out.append(row("p50 latency", fmt_us(med(runs, "threadworker", "p50_us")),
                       "invoke " + fmt_us(med(runs, "invoke", "p50_us")),
                       r, "", None))
    elif i == 4:
        out += python_rows(runs)
    elif i == 5:
        gap = med(runs, "threadworker", "max_gap_ms")
        r = ratios(runs, "max_gap_ms", "threadworker", "invoke")
        out.append(row("longest frame gap", fmt_ms(gap),
                       "invoke " + fmt_ms(med(runs, "invoke", "max_gap_ms")),
                       r, "≤ 20 ms", gap <= 20))
        r = ratios(runs, "max_gap_ms", "threadworker", "quiet")
        out.append(row("longest frame gap vs no flood (machine jitter)", "",
                       "no flood " + fmt_ms(med(runs, "quiet", "max_gap_ms")),
                       r, "", None))
    elif i == 6:
        peak = worst(runs, "queue", "peak_rss")
        q = runs.get("queue", [{}])[0]
        out.append(row("QUEUE peak RSS ({:,} of {:,} delivered in a {:.0f} s window)".format(
                           q.get("handled", 0), q.get("n", 0), q.get("window_s", 0)),
                       fmt_bytes(peak), "", None, "≤ 64 MiB", peak <= 64 * MiB))
        blocks = worst(runs, "latest", "blocks_peak")
        out.append(row("LATEST blocks alive at once", f"{blocks:.0f}", "", None,
                       "≤ 8", blocks <= 8))
        per = max(worst(runs, "idle-workers", "heap_bytes_per_worker"),
                  worst(runs, "idle-workers", "rss_bytes_per_worker"))
        out.append(row("bytes per idle worker (10,000)", fmt_bytes(per), "", None,
                       "≤ 1 KiB", per <= 1024))
    elif i == 7:
        for peer, what in (("quit", "quit() → aborted p99"), ("pause", "pause() → paused p99")):
            p99 = med(runs, peer, "p99_ms")
            out.append(row(what, fmt_ms(p99), "", None, "≤ 5 ms", p99 <= 5))
    elif i == 8:
        threads = worst(runs, "threadworker", "peak_threads")
        out.append(row("peak threads", f"{threads:.0f}",
                       "GTask {:.0f}".format(worst(runs, "gtask", "peak_threads")),
                       None, "≤ 9", threads <= 9))
        r = ratios(runs, "seconds", "threadworker", "gtask")
        out.append(row("time vs GTask", fmt_s(med(runs, "threadworker", "seconds")),
                       "GTask " + fmt_s(med(runs, "gtask", "seconds")),
                       r, "≤ 0.8×", r <= 0.8))
    elif i == 11:
        out += cancel_rows(runs)
    elif i == 13:
        out += callgrind_rows(runs)
    elif i == 12:
        peak = worst(runs, "threadworker", "peak_above_baseline")
        secs = med(runs, "threadworker", "seconds")
        for peer, what in (("count-only", "no byte budget (count only)"), ("superqt", "superqt")):
            other = worst(runs, peer, "peak_above_baseline")
            out.append(row("peak RSS above baseline vs " + what,
                           fmt_bytes(peak) if peer == "count-only" else "",
                           f"{what} {fmt_bytes(other)}", peak / other if other else None,
                           "≤ 64 MiB" if peer == "count-only" else "",
                           peak <= 64 * MiB if peer == "count-only" else None))
        r = ratios(runs, "seconds", "threadworker", "count-only")
        out.append(row("stream time vs no byte budget", fmt_s(secs),
                       "count only " + fmt_s(med(runs, "count-only", "seconds")),
                       r, "≤ 1.1×", r <= 1.1))
    elif bench.get("frames"):
        out += frame_rows(runs)
    return out


def python_rows(runs):
    tw = "threadworker"
    out = []
    rate = fmt_rate(med(runs, tw, "yields_per_s"))
    r = ratios(runs, "yields_per_s", tw, "superqt")
    out.append(row("Python: 100,000 yields to a handler vs superqt", rate,
                   "superqt " + fmt_rate(med(runs, "superqt", "yields_per_s")),
                   r, "≥ 5×", r >= 5))
    r = ratios(runs, "yields_per_s", tw, "floor")
    out.append(row("Python: the same vs the floor (thread + deque + idle_add per batch)", "",
                   "floor " + fmt_rate(med(runs, "floor", "yields_per_s")),
                   r, "≥ 0.3×", r >= 0.3))
    r = ratios(runs, "jobs_per_s", tw, "superqt")
    out.append(row("Python: 1,000 function workers, start → all returned",
                   fmt_rate(med(runs, tw, "jobs_per_s")),
                   "superqt " + fmt_rate(med(runs, "superqt", "jobs_per_s")),
                   r, "≥ 2×", r >= 2))
    gap = med(runs, tw, "flood_max_gap_ms")
    r = ratios(runs, "flood_values", tw, "superqt")
    out.append(row("Python: 2 s flood, 16 ms redraw timer: longest gap; values ÷ superqt's "
                   "({:,.0f} vs {:,.0f})".format(med(runs, tw, "flood_values"),
                                                 med(runs, "superqt", "flood_values")),
                   fmt_ms(gap), "superqt " + fmt_ms(med(runs, "superqt", "flood_max_gap_ms")),
                   r, "≤ 20 ms and > 1×", gap <= 20 and r > 1))
    r = within(runs, tw, "flood_max_gap_ms", "flood_quiet_max_gap_ms")
    out.append(row("Python: the flood's longest gap ÷ the timer alone (machine jitter)", "",
                   "timer alone " + fmt_ms(med(runs, tw, "flood_quiet_max_gap_ms")),
                   r, "", None))
    # The peer took turns with threadworker in its process.
    r = within(runs, tw, "slow_p99_us", "slow_idle_p99_us")
    out.append(row("Python: one yield every 10 ms, p99 yield → handler",
                   fmt_us(med(runs, tw, "slow_p99_us")),
                   "idle_add per value " + fmt_us(med(runs, tw, "slow_idle_p99_us")),
                   r, "≤ 1.5×", r <= 1.5))
    r = within(runs, tw, "slow_p50_us", "slow_idle_p50_us")
    out.append(row("Python: the same, p50", fmt_us(med(runs, tw, "slow_p50_us")),
                   "idle_add per value " + fmt_us(med(runs, tw, "slow_idle_p50_us")),
                   r, "", None))
    r = within(runs, tw, "cpu_intrusive_s", "cpu_plain_s")
    out.append(row("Python: intrusive_cancel=True, pure-Python loop, time ÷ without",
                   fmt_s(med(runs, tw, "cpu_intrusive_s")),
                   "without " + fmt_s(med(runs, tw, "cpu_plain_s")),
                   r, "≤ 1.05×", r <= 1.05))
    r = within(runs, tw, "cpu_settrace_s", "cpu_plain_s")
    out.append(row("Python: solara's sys.settrace tracer on the same loop, ÷ without",
                   fmt_s(med(runs, tw, "cpu_settrace_s")), "", r, "", None))
    return out


def frame_rows(runs):
    idle = med(runs, "idle", "max_gap_ms")
    out = [row("idle window: longest frame gap", fmt_ms(idle), "", None, "", None)]

    def vs_idle(peer, what, target=None, limit=None):
        gap = med(runs, peer, "max_gap_ms")
        r = ratios(runs, "max_gap_ms", peer, "idle")
        values = med(runs, peer, "values")
        met = None
        if target is not None:
            met = r <= target and (limit is None or gap <= limit)
        label = f"≤ {target}× idle" if target is not None else ""
        if limit is not None:
            label += f" and ≤ {limit} ms"
        out.append(row(f"{what} ({values:,.0f} values)", fmt_ms(gap), "idle " + fmt_ms(idle),
                       r, label, met))

    vs_idle("int-flood", "ints, a label set per value", 1.2)
    vs_idle("int-invoke", "ints, one invoke per value (peer)")
    vs_idle("tex-queue", "textures, QUEUE")
    vs_idle("tex-latest", "textures, LATEST")
    vs_idle("tex-queue-synced", "textures, QUEUE synced to frames", 1.5)
    vs_idle("tex-latest-synced", "textures, LATEST synced to frames", 1.2, 20)
    per = worst(runs, "tex-latest-synced", "max_per_worker_frame")
    out.append(row("LATEST synced: most values of one worker in one frame", f"{per:.0f}",
                   "", None, "≤ 1", per <= 1))
    vs_idle("tex-invoke", "textures, one invoke per texture (peer)")
    vs_idle("tex-control", "control: 4 threads making textures, none shown")
    # What the CPU load alone costs: synced delivery can do no better.
    r = ratios(runs, "max_gap_ms", "tex-latest-synced", "tex-control")
    out.append(row("LATEST synced vs the control (CPU load alone)",
                   fmt_ms(med(runs, "tex-latest-synced", "max_gap_ms")),
                   "control " + fmt_ms(med(runs, "tex-control", "max_gap_ms")), r, "", None))
    return out


def cancel_rows(runs):
    """Benchmark 11: Tw.sleep()/Tw.wait() beside superqt's plain calls,
    which its quit() cannot interrupt."""
    plain = dict(sleep="time.sleep(5)", queue="Queue.get()", event="Event.wait()")
    out = []
    for kind, what in (("sleep", "Tw.sleep()"), ("event", "Tw.wait(Event)"),
                       ("queue", "Tw.wait(Queue)"), ("future", "Tw.wait(Future)"),
                       ("socket", "Tw.wait(socket)"), ("popen", "Tw.wait(Popen), child terminated")):
        key = f"{kind}_p99_ms"
        p99 = med(runs, "threadworker", key)
        peer = ""
        if kind in plain:
            # threadworker ÷ superqt is ~0.0001: the table's two decimals
            # would print 0.00×, so the peer column says how much longer.
            longer = ratios(runs, key, "superqt", "threadworker")
            peer = (f"superqt {plain[kind]} " + fmt_ms(med(runs, "superqt", key))
                    + f" ({longer:,.0f}× longer)")
        out.append(row(f"quit → aborted p99, blocked in {what}", fmt_ms(p99), peer, None,
                       "≤ 5 ms", p99 <= 5))
    return out


def callgrind_rows(runs):
    """Benchmark 13: the owner thread's instructions per job and per value."""
    def per(peer):
        return med(runs, peer, "owner_instructions_per_item")

    def fmt(v):
        return f"{v:,.0f}"

    tw = per("jobs:threadworker")
    out = [row("owner-thread instructions per job vs GTask's per task", fmt(tw),
               "GTask " + fmt(per("jobs:gtask")), tw / per("jobs:gtask"),
               "≤ 1×", tw <= per("jobs:gtask")),
           row("the same vs a GObject made, connected, emitted and freed per job "
               "(the bound of any GObject-per-job design)", "",
               "GObject alone " + fmt(per("jobs:gobject")), tw / per("jobs:gobject"),
               "", None)]
    tw = per("values:threadworker")
    out.append(row("owner-thread instructions per value vs the floor", fmt(tw),
                   "floor " + fmt(per("values:floor")), tw / per("values:floor"), "", None))
    out.append(row("the same vs one invoke per value", "",
                   "invoke " + fmt(per("values:invoke")), tw / per("values:invoke"), "", None))
    return out


def callgrind_owner_instructions(out_file):
    """The main thread's instructions in a --separate-threads run, less
    those of bench_spin() (a job's own work) on that thread."""
    main = out_file + "-01"
    total = 0
    with open(main, encoding="utf-8") as f:
        for line in f:
            if line.startswith("totals:"):
                total = int(line.split()[1])
    annotate = subprocess.run(["callgrind_annotate", "--inclusive=yes", main],
                              capture_output=True, text=True, timeout=120)
    spin = 0
    for line in annotate.stdout.splitlines():
        if ":bench_spin " in line:
            spin = int(line.split()[0].replace(",", ""))
            break
    return total - spin


def run_callgrind(bench, peer, args):
    what, name = peer.split(":")
    prog, n_full, n_quick = CALLGRIND[what]
    n = n_quick if args.quick else n_full
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", "--separate-threads=yes",
               f"--callgrind-out-file={out_file}",
               os.path.join(args.builddir, "benchmarks", prog), "--peer", name, "-n", str(n)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
        except subprocess.TimeoutExpired:
            return None, "timed out"
        except FileNotFoundError:
            return None, "skipped: valgrind is not installed"
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return None, f"exit {proc.returncode}: {tail}"
        owner = callgrind_owner_instructions(out_file)
    return dict(n=n, owner_instructions=owner, owner_instructions_per_item=owner / n), None


def command_for(bench, peer, args):
    if bench.get("python"):
        cmd = ["/usr/bin/python3", os.path.join(SRCDIR, "benchmarks", bench["prog"])]
    else:
        cmd = [os.path.join(args.builddir, "benchmarks", bench["prog"])]
    cmd += ["--peer", peer]
    if args.quick:
        cmd.append("--quick")
    if bench.get("xvfb"):
        cmd = [os.path.join(SRCDIR, "demos", "run-headless.sh")] + cmd
    return cmd


def python_env(args):
    env = dict(os.environ)
    typelib_dirs = [os.path.join(args.builddir, "introspection"),
                    os.path.join(args.builddir, "lib")]
    env["GI_TYPELIB_PATH"] = os.pathsep.join(
        typelib_dirs + [p for p in [env.get("GI_TYPELIB_PATH")] if p])
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [os.path.join(args.builddir, "lib")] +
        [p for p in [env.get("LD_LIBRARY_PATH")] if p])
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(SRCDIR, "introspection")] +
        [p for p in [env.get("PYTHONPATH")] if p])
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_one(bench, peer, args):
    if bench.get("callgrind"):
        return run_callgrind(bench, peer, args)
    cmd = command_for(bench, peer, args)
    env = python_env(args) if bench.get("python") else None
    if bench.get("env") or bench.get("xvfb"):
        env = dict(env or os.environ)
        env.update(bench.get("env", {}))
        env.update(GTK_A11Y="none", GSETTINGS_BACKEND="memory", NO_AT_BRIDGE="1")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                              timeout=120 if args.quick else 1200)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    if proc.returncode == 77:
        return None, "skipped: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return None, f"exit {proc.returncode}: {tail}"
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1]), None
    except (ValueError, IndexError):
        return None, "no JSON on stdout"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small N: proves every program builds and runs")
    parser.add_argument("--builddir", default=os.path.join(SRCDIR, "_build-bench"))
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds per benchmark (default 5, 1 with --quick)")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers")
    parser.add_argument("--output", default=os.path.join(SRCDIR, "benchmarks", "results",
                                                         "latest.json"))
    args = parser.parse_args()
    args.builddir = os.path.abspath(args.builddir)
    rounds = args.rounds or (1 if args.quick else 5)
    only = {int(x) for x in args.only.split(",") if x}

    started = time.time()
    load_before = os.getloadavg()
    results = []
    failures = []
    for bench in BENCHES:
        if only and bench["id"] not in only:
            continue
        n_rounds = min(rounds, bench.get("rounds", rounds))
        runs, problems = {}, []
        print(f"[{bench['id']}] {bench['title']}", file=sys.stderr, flush=True)
        for r in range(n_rounds):
            peers = bench["peers"]
            order = peers[r % len(peers):] + peers[:r % len(peers)]
            for peer in order:
                result, problem = run_one(bench, peer, args)
                if result is None:
                    problems.append(f"{peer}: {problem}")
                    print(f"    {peer}: {problem}", file=sys.stderr, flush=True)
                else:
                    runs.setdefault(peer, []).append(result)
        skipped = problems and all(": skipped" in p for p in problems)
        complete = all(len(runs.get(p, [])) == n_rounds for p in bench["peers"])
        entry = dict(id=bench["id"], title=bench["title"], program=bench["prog"],
                     rounds=n_rounds, runs=runs, problems=problems,
                     rows=rows_for(bench, runs) if complete else [])
        if not complete and not skipped:
            failures.append(bench["id"])
        results.append(entry)

    table = format_table(results, args, rounds)
    print(table)

    report = dict(
        command=" ".join(["benchmarks/run.py"] + sys.argv[1:]),
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        commit=git_commit(),
        quick=args.quick, rounds=rounds,
        host=dict(nproc=os.cpu_count(), loadavg_before=load_before,
                  loadavg_after=os.getloadavg()),
        seconds=round(time.time() - started, 1),
        benchmarks=results)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, ensure_ascii=False, default=str)
        f.write("\n")
    # The same table as Markdown, for the README's Performance section.
    markdown = os.path.splitext(args.output)[0] + ".md"
    with open(markdown, "w", encoding="utf-8") as f:
        f.write(f"`{report['command']}` at {report['commit']}, {report['date']}\n")
        f.write(table + "\n")
    print(f"\nwrote {os.path.relpath(args.output, SRCDIR)} and "
          f"{os.path.relpath(markdown, SRCDIR)}", file=sys.stderr)

    if failures:
        print("benchmarks that did not run: " + ", ".join(map(str, failures)),
              file=sys.stderr)
        return 1
    return 0


def git_commit():
    try:
        out = subprocess.run(["git", "-C", SRCDIR, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def format_table(results, args, rounds):
    mode = "quick (small N: proves it runs, the figures mean little)" if args.quick \
        else f"full, median of {rounds} rounds"
    lines = [f"\nthreadworker benchmarks — {mode}; ratios are threadworker ÷ peer, "
             "same run\n",
             "| # | measurement | threadworker | peer | ratio | target | met |",
             "|---|---|---|---|---|---|---|"]
    for entry in results:
        if not entry["rows"]:
            why = "; ".join(entry["problems"]) or "not run"
            lines.append(f"| {entry['id']} | {entry['title']} | — | — | — | — | {why} |")
            continue
        for n, r in enumerate(entry["rows"]):
            ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}×"
            met = {True: "yes", False: "**no**", None: ""}[r["met"]]
            num = str(entry["id"]) if n == 0 else ""
            lines.append(f"| {num} | {r['measure']} | {r['threadworker']} | {r['peer']} "
                         f"| {ratio} | {r['target']} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
