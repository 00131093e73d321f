# demo_app.py: what the Python demos share: a Gtk.Application whose
# shutdown stops the workers still running, a numpy image as a texture, and
# --smoke, which drives a demo headless and exits 0 only if it did its job.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

import gi
gi.require_version('Gdk', '4.0')
gi.require_version('Gtk', '4.0')
gi.require_version('Tw', '1.0')
from gi.repository import Gdk, Gio, GLib, GObject, Gtk, Tw  # noqa: E402

import numpy as np  # noqa: E402

# How long shutdown waits for workers to stop, and how long a smoke run may
# take before it fails.
SHUTDOWN_TIMEOUT_MS = 3000
SMOKE_DEADLINE_S = 60


def to_texture(image, contrast_limits):
    """A 2-D float array as a grey Gdk.MemoryTexture, mapping
    contrast_limits (low, high) to black and white, like napari's
    contrast_limits. Call on the main thread."""
    low, high = contrast_limits
    grey = np.clip((image - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
    rgb = np.ascontiguousarray(np.repeat(grey[:, :, np.newaxis], 3, axis=2))
    height, width = grey.shape
    return Gdk.MemoryTexture.new(width, height, Gdk.MemoryFormat.R8G8B8,
                                 GLib.Bytes.new(rgb.tobytes()), width * 3)


class Smoke:
    """A headless run of a demo: the demo drives itself and reports
    passed() or failed(); the run fails if neither comes in time."""

    def __init__(self, app):
        self.app = app
        self.status = 1
        self.done = False
        self._deadline = GLib.timeout_add_seconds(SMOKE_DEADLINE_S, self._on_deadline)

    def _on_deadline(self):
        self._deadline = 0
        self.failed('nothing happened within %d s' % SMOKE_DEADLINE_S)
        return GLib.SOURCE_REMOVE

    def _finish(self, status, message):
        if self.done:
            return
        self.done = True
        self.status = status
        print(('ok: ' if status == 0 else 'FAILED: ') + message, flush=True)
        if self._deadline:
            GLib.source_remove(self._deadline)
            self._deadline = 0
        # Closing the windows ends the application; its shutdown stops any
        # worker still running.
        for window in self.app.get_windows():
            window.destroy()

    def passed(self, message):
        self._finish(0, message)

    def failed(self, message):
        self._finish(1, message)

    def check(self, condition, message):
        """Fails the run unless condition holds; returns condition."""
        if not condition:
            self.failed(message)
        return condition


def run(application_id, build):
    """Runs the demo. build(app, smoke) makes and presents the window when
    the application activates; smoke is a Smoke with --smoke, else None."""
    smoke_mode = '--smoke' in sys.argv[1:]
    app = Gtk.Application(application_id=application_id,
                          flags=Gio.ApplicationFlags.NON_UNIQUE)
    # Quitting while workers run asks them to stop and waits for them.
    Tw.Pool.get_default().bind_application(app, SHUTDOWN_TIMEOUT_MS)

    state = {}

    def on_activate(app):
        state['smoke'] = Smoke(app) if smoke_mode else None
        build(app, state['smoke'])

    app.connect('activate', on_activate)
    status = app.run([sys.argv[0]])
    smoke = state.get('smoke')
    if smoke_mode and smoke is None:
        print('FAILED: the application never activated', flush=True)
        return 1
    return smoke.status if smoke is not None else status



def _render_window_to_png(window, path):
    """gtk_widget_paintable_new() of @window, rendered by its renderer into
    a texture saved as a PNG. Through ctypes: PyGObject 3.42 cannot wrap a
    GskRenderNode. Returns None or an error message."""
    import ctypes

    gtk = ctypes.CDLL('libgtk-4.so.1')
    gobject = ctypes.CDLL('libgobject-2.0.so.0')
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = (ctypes.py_object, ctypes.c_char_p)
    for name, restype, argtypes in (
            ('gtk_snapshot_new', ctypes.c_void_p, ()),
            ('gdk_paintable_snapshot', None,
             (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_double, ctypes.c_double)),
            ('gtk_snapshot_free_to_node', ctypes.c_void_p, (ctypes.c_void_p,)),
            ('gtk_native_get_renderer', ctypes.c_void_p, (ctypes.c_void_p,)),
            ('gsk_renderer_render_texture', ctypes.c_void_p,
             (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)),
            ('gdk_texture_save_to_png', ctypes.c_int, (ctypes.c_void_p, ctypes.c_char_p)),
            ('gsk_render_node_unref', None, (ctypes.c_void_p,))):
        function = getattr(gtk, name)
        function.restype = restype
        function.argtypes = argtypes
    gobject.g_object_unref.argtypes = (ctypes.c_void_p,)

    width, height = window.get_width(), window.get_height()
    # Holds the window's last painted render node: call right after a paint.
    paintable = Gtk.WidgetPaintable.new(window)
    snapshot = gtk.gtk_snapshot_new()
    gtk.gdk_paintable_snapshot(get_pointer(paintable.__gpointer__, None), snapshot,
                               width, height)
    node = gtk.gtk_snapshot_free_to_node(snapshot)
    if not node or width <= 0 or height <= 0:
        if node:
            gtk.gsk_render_node_unref(node)
        return 'the window has nothing to draw (%d×%d)' % (width, height)
    rect = (ctypes.c_float * 4)(0, 0, width, height)   # graphene_rect_t
    renderer = gtk.gtk_native_get_renderer(get_pointer(window.__gpointer__, None))
    texture = gtk.gsk_renderer_render_texture(renderer, node, ctypes.byref(rect))
    gtk.gsk_render_node_unref(node)
    saved = gtk.gdk_texture_save_to_png(texture, path.encode())
    gobject.g_object_unref(texture)
    if not saved:
        return 'could not write %s' % path
    print('saved %s (%d×%d)' % (path, width, height), flush=True)
    return None


def save_screenshot(window, path, done):
    """Saves a PNG of @window as the user sees it, right after its next
    paint, then calls done(error), error None or a message: the C viewer's
    --screenshot, for the Python demos. Call on the main thread."""
    clock = window.get_frame_clock()
    handler = []

    def after_paint(frame_clock):
        frame_clock.disconnect(handler.pop())
        error = _render_window_to_png(window, path)
        # Not from inside the frame clock's signal.
        GLib.idle_add(lambda: done(error) and False)

    handler.append(clock.connect('after-paint', after_paint))
    window.queue_draw()
