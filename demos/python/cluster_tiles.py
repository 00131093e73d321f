#!/usr/bin/python3
# cluster_tiles.py: a picture computed in tiles on a dask.distributed
# cluster, each tile painted as it arrives. A distributed.LocalCluster of two
# worker processes stands in for a real cluster (give the Client a
# scheduler's address instead). Tw.as_completed_worker() streams the tiles
# into the GTK main loop in the order they complete; the progress bar follows
# its progress; Stop cancels the tiles not computed yet, on the cluster.
#
# The GTK main thread never waits on the cluster: the cluster is started,
# and the tiles submitted, by a worker thread; the results are waited for by
# another one.
#
# Run from a build tree (see demos/python/meson.build):
#   meson devenv -C _build --workdir . /usr/bin/python3 demos/python/cluster_tiles.py
# With --smoke it checks itself and exits; with --screenshot FILE.png it also
# saves the window once every tile is painted.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import threading

import numpy as np

# The dask workers are new processes that import this file (as __mp_main__)
# to find tile(): only numpy at the top level, GTK is imported in main().

WIDTH, HEIGHT = 768, 512
TILE = 64
MAX_ITER = 256
VIEW = (-2.2, 0.8, -1.0, 1.0)   # x0, x1, y0, y1 of the Mandelbrot set
N_WORKERS = 2


def tiles():
    """(x, y) of each tile's top-left pixel, row by row."""
    return [(x, y) for y in range(0, HEIGHT, TILE) for x in range(0, WIDTH, TILE)]


def tile(x, y):
    """The RGB pixels (TILE×TILE×3, uint8) of the tile at pixel (x, y).
    Runs on a dask worker."""
    x0, x1, y0, y1 = VIEW
    xs = x0 + (x1 - x0) * (np.arange(x, x + TILE) + 0.5) / WIDTH
    ys = y0 + (y1 - y0) * (np.arange(y, y + TILE) + 0.5) / HEIGHT
    c = xs[np.newaxis, :] + 1j * ys[:, np.newaxis]
    z = np.zeros_like(c)
    escaped = np.full(c.shape, float(MAX_ITER))
    for i in range(MAX_ITER):
        inside = escaped == MAX_ITER
        z[inside] = z[inside] * z[inside] + c[inside]
        out = inside & (np.abs(z) > 2.0)
        # Smooth colouring: the fractional escape count.
        escaped[out] = i + 1 - np.log2(np.log(np.abs(z[out])))
    t = np.sqrt(np.clip(escaped / MAX_ITER, 0.0, 1.0))
    rgb = np.stack([9 * (1 - t) * t ** 3, 15 * (1 - t) ** 2 * t ** 2,
                    8.5 * (1 - t) ** 3 * t], axis=-1)
    rgb[escaped == MAX_ITER] = 0.0
    return (np.clip(rgb, 0.0, 1.0) * 255).astype(np.uint8)


def start_cluster():
    """Starts the local cluster and submits every tile: runs on a worker
    thread (it takes seconds). Returns (cluster, client, futures)."""
    import distributed

    # Everything on 127.0.0.1: no dashboard, the workers' HTTP servers local.
    cluster = distributed.LocalCluster(n_workers=N_WORKERS, threads_per_worker=1,
                                       processes=True, host='127.0.0.1',
                                       dashboard_address=None,
                                       worker_dashboard_address='127.0.0.1:0')
    client = distributed.Client(cluster)
    futures = [client.submit(tile, x, y, pure=False) for x, y in tiles()]
    return cluster, client, futures


def build(app, smoke, resources, screenshot):
    from demo_app import Gdk, GLib, Gtk, Tw, save_screenshot

    def to_rgb_texture(rgb):
        height, width, _ = rgb.shape
        return Gdk.MemoryTexture.new(width, height, Gdk.MemoryFormat.R8G8B8,
                                     GLib.Bytes.new(rgb.tobytes()), width * 3)

    main_thread = threading.current_thread()
    window = Gtk.ApplicationWindow(application=app, title='Tiles from a cluster',
                                   default_width=WIDTH + 24, default_height=HEIGHT + 110)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=6,
                  margin_top=12, margin_bottom=12, margin_start=12, margin_end=12)
    picture = Gtk.Picture(content_fit=Gtk.ContentFit.CONTAIN, vexpand=True)
    progress = Gtk.ProgressBar(show_text=True, text='Starting the cluster…')
    row = Gtk.Box(spacing=6)
    status = Gtk.Label(label='', hexpand=True, xalign=0.0)
    stop = Gtk.Button(label='Stop', sensitive=False)
    row.append(status)
    row.append(stop)
    box.append(picture)
    box.append(progress)
    box.append(row)
    window.set_child(box)

    canvas = np.full((HEIGHT, WIDTH, 3), 48, dtype=np.uint8)
    picture.set_paintable(to_rgb_texture(canvas))
    painted = []
    off_main = []
    state = {}

    def paint(value):            # main thread, one tile at a time
        if threading.current_thread() is not main_thread:
            off_main.append('yielded')
        index, pixels = value
        x, y = tiles()[index]
        canvas[y:y + TILE, x:x + TILE] = pixels
        picture.set_paintable(to_rgb_texture(canvas))
        painted.append(index)

    def on_progress(worker, pspec):
        fraction = worker.props.progress
        progress.set_fraction(fraction)
        progress.set_text('%d of %d tiles' % (round(fraction * len(tiles())), len(tiles())))

    def on_tiles_finished():
        stop.set_sensitive(False)
        worker = state['tiles']
        if worker.get_state() == Tw.WorkerState.ABORTED:
            status.set_text('Stopped: the other tiles were cancelled on the cluster')
        elif worker.get_state() == Tw.WorkerState.ERRORED:
            status.set_text('A tile failed: %s' % worker.get_error().message)
        else:
            status.set_text('Done, on %d worker processes' % N_WORKERS)
        if smoke is not None:
            check(worker)

    def on_cluster(result):      # main thread: the cluster runs, the tiles are submitted
        cluster, client, futures = result
        resources.update(cluster=cluster, client=client)
        status.set_text('Cluster at %s' % cluster.scheduler_address)
        worker = state['tiles'] = Tw.as_completed_worker(futures, with_index=True)
        worker.yielded.connect(paint)
        worker.connect('notify::progress', on_progress)
        worker.finished.connect(on_tiles_finished)
        stop.connect('clicked', lambda button: worker.quit())
        stop.set_sensitive(True)
        progress.set_text('0 of %d tiles' % len(futures))
        worker.start()

    def on_cluster_error(exc):
        status.set_text('The cluster did not start: %s' % exc)
        progress.set_text('')
        if smoke is not None:
            smoke.failed('the cluster did not start: %r' % (exc,))

    Tw.create_worker(start_cluster, _connect={
        'returned': on_cluster, 'errored': on_cluster_error})
    window.present()

    def check(worker):
        n = len(tiles())
        if not smoke.check(off_main == [], 'handlers ran off the main thread'):
            return
        if not smoke.check(worker.get_state() == Tw.WorkerState.FINISHED,
                           'the tiles ended %s' % worker.get_state()):
            return
        if not smoke.check(sorted(painted) == list(range(n)),
                           '%d of %d tiles painted' % (len(set(painted)), n)):
            return
        if not smoke.check(worker.props.progress == 1.0,
                           'progress %.3f' % worker.props.progress):
            return
        expected = tile(*tiles()[n // 2])
        x, y = tiles()[n // 2]
        if not smoke.check(np.array_equal(canvas[y:y + TILE, x:x + TILE], expected),
                           'a tile shows the wrong pixels'):
            return
        message = '%d tiles from %d dask worker processes, painted as they completed' % (
            n, N_WORKERS)
        if screenshot is None:
            smoke.passed(message)
            return

        def saved(error):
            if error is None:
                smoke.passed(message)
            else:
                smoke.failed(error)
        save_screenshot(window, screenshot, saved)


def main():
    import demo_app

    screenshot = None
    if '--screenshot' in sys.argv:
        screenshot = sys.argv[sys.argv.index('--screenshot') + 1]
    resources = {}
    try:
        return demo_app.run('org.threadworker.Demo.ClusterTiles',
                            lambda app, smoke: build(app, smoke, resources, screenshot))
    finally:
        # The main loop has ended: waiting for the cluster to close freezes nothing.
        if 'client' in resources:
            resources['client'].close()
            resources['cluster'].close()


if __name__ == '__main__':
    sys.exit(main())
