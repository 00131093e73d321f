"""bench_util.py: what the Python benchmarks share: loading each peer's
modules; a peer that cannot be loaded exits 77 (skipped). Main thread only.
"""
import os
import sys


def glib_modules(needs="thread_worker"):
    """GLib and Tw with threadworker's override loaded (it has Tw.@needs);
    exits 77 without."""
    try:
        import gi
        gi.require_version("Tw", "1.0")
        from gi.repository import GLib, Tw
        getattr(Tw, needs)  # the override is loaded
    except (ImportError, ValueError, AttributeError) as exc:
        print(f"threadworker's Python override is not available: {exc}", file=sys.stderr)
        sys.exit(77)
    return GLib, Tw


def superqt_modules():
    """(QtCore, app, superqt's thread_worker) on PyQt5, offscreen; exits 77
    when qtpy, PyQt5 or superqt is missing."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyqt5")
    try:
        from qtpy import QtCore
        from qtpy.QtWidgets import QApplication
        from superqt.utils import thread_worker
    except ImportError as exc:
        print(f"superqt is not available: {exc}", file=sys.stderr)
        sys.exit(77)
    return QtCore, QApplication.instance() or QApplication([]), thread_worker

