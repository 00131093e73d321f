# Tw.py: the PyGObject override of threadworker: napari's and superqt's
# worker API (thread_worker, create_worker, FunctionWorker, GeneratorWorker,
# signals as attributes) on top of the C library.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python API of threadworker, compatible with superqt's and napari's.

Threads, the pool's limit, pause, abort and the signal order live in the
C library. This override adapts Python to it:

* a Python function runs as the ``TwWorkFunc`` of a ``Tw.FunctionWorker``; a
  generator function is driven in a Python loop by the ``TwStepFunc`` of a
  ``Tw.GeneratorWorker``, which hands its values to the C library in
  batches (see "Batches" below). Both run on a worker thread;
* yielded and returned objects travel as the Python objects themselves, so
  handlers receive the very object the worker produced;
* an exception raised by the work reaches ``errored`` handlers as the
  original exception instance;
* ``warnings.warn`` inside the work arrives through ``warned``.

Signal handlers run on the thread that created the worker, from its GLib
main context, never on the worker thread.
"""

import collections
import ctypes
import functools
import inspect
import itertools
import sys
import threading
import time
import warnings
import weakref

import gi
from gi.module import get_introspection_module
from gi.overrides import override
from gi.repository import GLib, GObject

Tw = get_introspection_module('Tw')

__all__ = []

class WorkerCancelled(BaseException):
    """Raised inside a worker's Python code by ``quit()`` when the worker
    was created with ``intrusive_cancel=True``, and by :func:`sleep` and
    :func:`wait` when the worker is quit while they block.

    It derives from :class:`BaseException` (like
    :class:`asyncio.CancelledError`) so that ``except Exception`` blocks in
    the work do not swallow it. The run then ends with ``aborted``.
    """


__all__.append('WorkerCancelled')


# A Python generator worker's default max-pending-yields (C's is 256).
# Every time its limit of undelivered values is reached, the generator and
# the main thread hand the GIL to each other (~20 µs on a 2-core machine,
# more than a hundred values' worth of work); at 1,024 a flood of small
# values needs a quarter of the hand-overs. Big values are bounded by
# max-pending-bytes (32 MiB) all the same. set_max_pending_yields() after
# creation overrides it.
PYTHON_MAX_PENDING_YIELDS = 1024
__all__.append('PYTHON_MAX_PENDING_YIELDS')


# ---------------------------------------------------------------------------
# Per-worker Python state

class _WorkerState:
    """What the override keeps for one worker, in the wrapper's dict.

    The fields marked *per run* are written by the worker thread while a run
    executes and read on the owner thread by the handlers of that run's
    signals; they are reset by the first ``finished`` handler, before any
    new run of the worker can begin.
    """

    __slots__ = ('lock', 'slots', 'quit_with', 'yield_slots', 'yield_handler', 'pointer',
                 'last_yielded', 'gated', 'report_errors', 'progress', 'intrusive', 'spec',
                 'sync', 'custom', 'watching', 'reported', 'error', 'warnings', 'warning',
                 'hooks', 'thread_ident', 'cancel_requested', 'cancel_sent', '__weakref__')

    def __init__(self):
        self.lock = _cancel_lock         # intrusive cancel (one for all workers)
        self.slots = {}                  # signal -> [(_Slot, handler id)], owner thread
        self.quit_with = set()           # id() of the objects given to quit_with()
        self.yield_slots = []            # [(_Slot, n_args)] of `yielded`, called by _on_yielded
        self.yield_handler = 0           # the handler id of _on_yielded
        self.pointer = None              # the GObject's address, for _gobject calls
        self.last_yielded = None         # the last value of the last batch delivered
        self.gated = False               # values wait for a frame clock (sync_to=)
        self.report_errors = False       # errors without a handler go to sys.excepthook
        self.progress = None             # (total, desc) from progress=
        self.intrusive = False
        self.spec = None                 # the _Spec of a Python function/generator worker
        self.sync = None                 # _SyncRun while work()/run() runs synchronously
        self.custom = frozenset()        # names of the SignalsClass's own signals
        self.watching = 0                # _WATCH_* handlers connected (_watch)
        # per run
        self.reported = False            # work() of a subclass emitted returned/errored
        self.error = None                # the exception that ended the run
        self.warnings = collections.deque()  # warnings.WarningMessage, in `warned` order,
                                             # kept only while a `warned` slot is connected
        self.warning = None              # the showwarning tuple of the `warned` being emitted
        self.hooks = None                # warnings' hooks when the run's Python code began
        self.thread_ident = None         # thread running the run's Python code
        self.cancel_requested = False
        self.cancel_sent = False

    def reset_run(self):
        self.reported = False
        self.error = None
        self.warnings.clear()
        self.warning = None
        self.hooks = None
        with self.lock:
            self.thread_ident = None
            self.cancel_requested = False
            self.cancel_sent = False
        if self.spec is not None:
            self.spec.reset()


_state_lock = threading.RLock()
# The intrusive-cancel fields of every worker (thread_ident, cancel_*): its
# sections are a few assignments and never nest, and a lock per worker
# cost more to make than the rest of its state.
_cancel_lock = threading.Lock()


def _state(worker):
    """The override's state of @worker, made on first use (for workers made
    in Python, by their constructor, before any handler is connected)."""
    state = worker.__dict__.get('_tw_state')
    if state is not None:
        return state
    with _state_lock:
        state = worker.__dict__.get('_tw_state')
        if state is None:
            state = worker.__dict__['_tw_state'] = _WorkerState()
            # Connected first, so they run before the application's handlers.
            if isinstance(worker, Tw.GeneratorWorker):
                _dispatch_yields(worker, state)   # batches: before any other
                _watch(worker, state, _WATCH_RESET | _WATCH_ABORT | _WATCH_ERRORED)
            elif not isinstance(worker, Tw.FunctionWorker):
                _watch(worker, state, _WATCH_RESET | _WATCH_ERRORED)
            # A function worker, most of what is made, connects none of them
            # here (about 3 µs each): each when first needed (see _watch).
    return state


# The override's own handlers of a worker's signals. Each costs a connect;
# a function worker's are connected when first needed, before the event
# that needs them is queued: the reset when its run leaves state behind
# (an error, warnings), the abort watch with intrusive_cancel, the error
# report before its first error, the warning taker with its first `warned`
# slot (it must run before the slots).
_WATCH_RESET = 1      # finished -> _on_finished_reset
_WATCH_ABORT = 2      # notify::abort-requested -> _on_abort_requested
_WATCH_ERRORED = 4    # errored -> _on_errored_report
_WATCH_WARNED = 8     # warned -> _on_warned_take


def _watch(worker, state, what):
    """Connects the handlers of @what not yet connected; any thread (GLib
    connects are thread-safe; the handlers run on the owner thread)."""
    if state.watching & what == what:
        return
    with _state_lock:
        missing = what & ~state.watching
        state.watching |= what
    if missing & _WATCH_RESET:
        GObject.Object.connect(worker, 'finished', _on_finished_reset)
    if missing & _WATCH_ABORT:
        GObject.Object.connect(worker, 'notify::abort-requested', _on_abort_requested)
    if missing & _WATCH_ERRORED:
        GObject.Object.connect(worker, 'errored', _on_errored_report)
    if missing & _WATCH_WARNED:
        GObject.Object.connect(worker, 'warned', _on_warned_take)


def _dispatch_yields(worker, state):
    """Connects _on_yielded, which calls the slots of `yielded`: for a
    generator worker at once, for others with the first slot."""
    global _YIELDED
    if state.yield_handler:
        return
    state.pointer = hash(worker)
    state.yield_handler = GObject.Object.connect(worker, 'yielded', _on_yielded)
    if not _YIELDED:
        _YIELDED = GObject.signal_lookup('yielded', Tw.Worker)


def _on_finished_reset(worker):
    _state(worker).reset_run()


# ---------------------------------------------------------------------------
# Values

# PyGObject's GObject.Value(type, obj) and get_value() compare the type
# with eight others in Python before they call these (a few microseconds
# for each returned value and each value yielded on its own).
_gvalue_set = gi._gi._gvalue_set
_gvalue_get = gi._gi._gvalue_get
_gvalue_get_type = gi._gi._gvalue_get_type


def _to_gvalue(obj):
    """Wraps any Python object in a GValue that carries it unchanged."""
    if isinstance(obj, GObject.Value):
        return obj
    value = GObject.Value()
    value.init(GObject.TYPE_PYOBJECT)
    if obj is not None:
        _gvalue_set(value, obj)
    return value


def _from_gvalue(value):
    if isinstance(value, GObject.Value):
        if _gvalue_get_type(value) == GObject.TYPE_PYOBJECT:
            return _gvalue_get(value)
        return value.get_value()
    return value


def _text(obj):
    """str(@obj), or its repr() if that fails, whatever they raise, as text
    that C can take (lone surrogates escaped)."""
    for text_of in (str, repr):
        try:
            text = text_of(obj)
            if isinstance(text, str):
                return str.encode(text, 'utf-8', 'backslashreplace').decode('utf-8')
        except BaseException:
            pass
    return '<str() failed>'


def _describe(exc):
    """``'Name: text'`` for @exc, whatever its ``__str__`` and ``__repr__``
    do: an error is never lost because its text cannot be made."""
    try:
        name = type(exc).__name__
    except BaseException:
        name = 'Exception'
    text = _text(exc)
    return '%s: %s' % (name, text) if text else name


# The byte budget (max-pending-bytes): the C library cannot see into a
# Python object, so the override tells it how many bytes a yielded value
# keeps alive. How to size an object is found once per type.

def _buffer_nbytes(obj):
    with memoryview(obj) as view:
        return view.nbytes


def _nbytes_attr(obj):
    return obj.nbytes   # numpy.ndarray, memoryview, array-likes


def _no_size(obj):
    return 0


_SMALL_TYPES = (int, float, bool, complex, type(None), tuple, list, dict, set, frozenset)
_sizers = {t: None for t in _SMALL_TYPES}   # type -> sizer, None for "small"


def _sizer_for(obj):
    t = type(obj)
    try:
        if issubclass(t, (bytes, bytearray, str)):
            sizer = len
        elif isinstance(getattr(t, 'nbytes', None), (property, type(memoryview.nbytes))):
            sizer = _nbytes_attr
        else:
            try:
                _buffer_nbytes(obj)
                sizer = _buffer_nbytes
            except Exception:
                sizer = None
    except Exception:   # a hostile metaclass
        sizer = None
    _sizers[t] = sizer
    return sizer


def _nbytes(obj):
    """How many bytes @obj keeps alive, as counted against max-pending-bytes:
    ``nbytes`` of a numpy array or memoryview, the length of bytes, bytearray
    and str, the size of any object with the buffer protocol; 0 for the
    rest."""
    sizer = _sizers.get(type(obj), _no_size)
    if sizer is _no_size:
        sizer = _sizer_for(obj)
    if sizer is None:
        return 0
    try:
        n = int(sizer(obj))
    except Exception:
        return 0
    return n if n > 0 else 0


def _yield(worker, value):
    """Worker thread: yields @value, sized for the byte budget."""
    if _sizers.get(type(value), _no_size) is not None:   # not a known small type
        n = _nbytes(value)
        if n:
            return Tw.Worker.yield_value_sized(worker, _to_gvalue(value), n)
    return Tw.Worker.yield_value(worker, _to_gvalue(value))


def _gerror_for(exc):
    return GLib.Error.new_literal(Tw.worker_error_quark(), _describe(exc),
                                  int(Tw.WorkerError.FAILED))


# ---------------------------------------------------------------------------
# The worker thread side

_tls = threading.local()   # .worker: the worker whose Python code this thread runs


def _current_worker():
    return getattr(_tls, 'worker', None)


def _cfunc(lib, name, restype, *argtypes):
    """The C function @name of the ctypes library @lib, with its signature."""
    func = getattr(lib, name)
    func.argtypes = argtypes
    func.restype = restype
    return func


_SetAsyncExc = _cfunc(ctypes.pythonapi, 'PyThreadState_SetAsyncExc', ctypes.c_int,
                      ctypes.c_ulong, ctypes.c_void_p)


def _intrusive_enter(state):
    with state.lock:
        if state.cancel_requested:
            raise WorkerCancelled()
        state.thread_ident = threading.get_ident()


def _intrusive_leave(state):
    # After this, quit() can no longer target this thread, and an exception
    # it sent that has not fired yet is dropped. It may fire inside this
    # function before the lock is taken: then try again.
    while True:
        try:
            with state.lock:
                state.thread_ident = None
                if state.cancel_sent:
                    _SetAsyncExc(threading.get_ident(), None)
            return
        except WorkerCancelled:
            continue


def _on_abort_requested(worker, pspec):
    """Owner thread, from quit() (Python or C, restart(), Pool.quit_all)."""
    if not worker.get_abort_requested():
        return
    state = _state(worker)
    _interrupt(state)
    if not state.intrusive:
        return
    with state.lock:
        state.cancel_requested = True
        if state.thread_ident is not None and not state.cancel_sent:
            state.cancel_sent = True
            _SetAsyncExc(state.thread_ident, id(WorkerCancelled))


def _call_in_worker(worker, state, func, *args, **kwargs):
    """Calls ``func(*args, **kwargs)`` as Python code of @worker's run, on its thread:
    warnings become ``warned``; with intrusive cancel, quit() interrupts it."""
    previous = getattr(_tls, 'worker', None)
    _tls.worker = worker
    if state.hooks is None:
        state.hooks = _warning_hooks()
    try:
        if not state.intrusive:
            return func(*args, **kwargs)
        _intrusive_enter(state)
        try:
            return func(*args, **kwargs)
        finally:
            _intrusive_leave(state)
    finally:
        _tls.worker = previous


def _run_begins(worker, state):
    if state.progress is not None:
        total, desc = state.progress
        if desc is not None:
            worker.set_progress_text(desc)
        if not total:
            worker.set_progress(-1.0)


def _run_returned(worker, state, result):
    try:
        native = not isinstance(result, GObject.Value) and _native_return()
        value = None if native else _to_gvalue(result)
    except BaseException as exc:   # a hostile value: the run fails with why
        _run_failed(worker, state, exc)
        return
    if state.progress is not None:
        worker.set_progress(1.0)
    if native:
        _return_object(native, worker, result)
    else:
        worker.return_value(value)


# tw_worker_return_value() with a GValue on the stack, through ctypes with
# the GIL kept: PyGObject's GObject.Value() and return_value() drop the GIL
# twice, and on a busy main thread each drop is a wait for the GIL back
# (every function worker's run returns this way).
_return_native = False


def _native_return():
    global _return_native
    if _return_native is False:
        _return_native = None
        native = _native if _native else _native_start()
        if native is None:
            return None
        try:
            gobject = ctypes.PyDLL('libgobject-2.0.so.0')
            lib = ctypes.PyDLL(_loaded_library('libthreadworker-1.so') or 'libthreadworker-1.so.0')
            type_from_name = gobject.g_type_from_name
            type_from_name.argtypes, type_from_name.restype = (ctypes.c_char_p,), ctypes.c_size_t
            init = gobject.g_value_init
            init.argtypes, init.restype = (ctypes.c_void_p, ctypes.c_size_t), ctypes.c_void_p
            set_boxed = gobject.g_value_set_boxed
            set_boxed.argtypes, set_boxed.restype = (ctypes.c_void_p, ctypes.c_void_p), None
            unset = gobject.g_value_unset
            unset.argtypes, unset.restype = (ctypes.c_void_p,), None
            return_value = lib.tw_worker_return_value
            return_value.argtypes, return_value.restype = (ctypes.c_void_p, ctypes.c_void_p), None
        except (OSError, AttributeError):
            return None
        pyobject = type_from_name(b'PyObject')
        if pyobject == 0:
            return None
        _return_native = (pyobject, init, set_boxed, unset, return_value)
    return _return_native


class _GValue(ctypes.Structure):
    _fields_ = [('g_type', ctypes.c_size_t), ('data', ctypes.c_uint64 * 2)]


def _return_object(native, worker, obj):
    """worker.return_value(GObject.Value(GObject.TYPE_PYOBJECT, obj))."""
    pyobject, init, set_boxed, unset, return_value = native
    value = _GValue()
    pointer = ctypes.addressof(value)
    init(pointer, pyobject)
    try:
        if obj is not None:
            set_boxed(pointer, id(obj))   # a reference of the GValue's own
        return_value(hash(worker), pointer)
    finally:
        unset(pointer)


def _run_failed(worker, state, exc):
    """Reports @exc as the run's error. It never raises: whatever the
    exception does, the run ends with exactly one of returned, errored or
    aborted."""
    if issubclass(type(exc), WorkerCancelled) and (state.cancel_requested or _quit_asked(worker)):
        return   # quit() interrupted it: the run ends with `aborted`
    _watch(worker, state, _WATCH_RESET | _WATCH_ERRORED)
    state.error = exc
    worker.return_error(_gerror_for(exc))


class _Spec:
    """The Python callable of a FunctionWorker or GeneratorWorker: the
    closure data of its C callback. It holds no reference to the worker."""

    def __init__(self, func, args, kwargs):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.gen = None           # generator of the current run
        self.inbox = collections.deque()
        self.count = 0
        self.flow = None          # _Flow of the current generator run
        self.control = 0          # bumped by the owner: quit, pause, send

    def reset(self):
        gen, self.gen = self.gen, None
        self.inbox.clear()
        self.count = 0
        self.flow = None
        if gen is not None:
            gen.close()


def _function_work(worker, spec):
    """TwWorkFunc: runs on a worker thread."""
    _keep_thread_state()
    state = _state(worker)
    _run_begins(worker, state)
    # This run's own, even without the reset of the last one (_watch).
    state.hooks = _warning_hooks()
    try:
        result = _call_in_worker(worker, state, spec.func, *spec.args, **spec.kwargs)
    except BaseException as exc:
        _run_failed(worker, state, exc)
        return
    finally:
        state.hooks = None
        if state.warnings or state.reported:
            _watch(worker, state, _WATCH_RESET)   # before the run's end is queued
    _run_returned(worker, state, result)


# tw_function_worker_new() through ctypes, with the GIL kept: PyGObject's
# call drops the GIL (the main thread then waits for it back from the work
# of the workers it started: about half of what making a worker cost it
# while 1,000 were started at once) and makes a libffi closure per worker.
# One ctypes callback serves every worker, with no user data and no
# destroy notify (a notify could run during the interpreter's shutdown,
# when a worker is finalized then): the callback finds the worker's _Spec
# in its Python state. The worker's Python wrapper is made by PyGObject's
# own pygobject_new() (its C API, the capsule gi._gi._PyGObject_API), so
# it is the wrapper PyGObject would have made; it lives as long as the
# GObject (it has a __dict__: PyGObject keeps it with a toggle reference).
_WORK_FUNC = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_worker_native = False


def _immortal(thunk):
    """Keeps a ctypes callback alive until the process exits, also through
    the interpreter's shutdown: C may still hold its address then."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(thunk))
    return thunk


def _native_function_worker():
    """(tw_function_worker_new, pygobject_new, g_object_unref) through
    ctypes, or None."""
    global _worker_native
    if _worker_native is not False:
        return _worker_native
    _worker_native = None
    Tw.FunctionWorker.__gtype__   # GI has loaded the library
    try:
        lib = ctypes.PyDLL(_loaded_library('libthreadworker-1.so') or 'libthreadworker-1.so.0')
        gobject = ctypes.PyDLL('libgobject-2.0.so.0')
        new = lib.tw_function_worker_new
        new.argtypes = (_WORK_FUNC, ctypes.c_void_p, ctypes.c_void_p)
        new.restype = ctypes.c_void_p
        unref = gobject.g_object_unref
        unref.argtypes, unref.restype = (ctypes.c_void_p,), None
        get_name = ctypes.pythonapi.PyCapsule_GetName
        get_name.argtypes, get_name.restype = (ctypes.py_object,), ctypes.c_char_p
        get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
        get_pointer.argtypes = (ctypes.py_object, ctypes.c_char_p)
        get_pointer.restype = ctypes.c_void_p
        capsule = gi._gi._PyGObject_API
        api = get_pointer(capsule, get_name(capsule))
        # struct _PyGObject_Functions: register_class, register_wrapper,
        # lookup_class, newgobj (= pygobject_new), ...
        address = ctypes.c_void_p.from_address(api + 3 * ctypes.sizeof(ctypes.c_void_p)).value
        if not address:
            return None
        newgobj = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p)(address)
    except (OSError, AttributeError, ValueError, TypeError):
        return None
    _worker_native = (new, newgobj, unref)
    return _worker_native


def _new_function_worker(spec):
    """Tw.FunctionWorker.new(_function_work, spec), with the GIL kept."""
    native = _native_function_worker()
    if native is None:
        return Tw.FunctionWorker.new(_function_work, spec)
    new, newgobj, unref = native
    pointer = new(_NATIVE_WORK, None, None)
    try:
        return newgobj(pointer)   # takes its own reference
    finally:
        unref(pointer)


def _on_native_work(pointer, _data):
    """TwWorkFunc of the workers made by _new_function_worker(), on a
    worker thread (their _Spec is set by _adopt() before they can start)."""
    worker = _worker_native[1](pointer)
    _function_work(worker, worker.__dict__['_tw_state'].spec)


_NATIVE_WORK = _immortal(_WORK_FUNC(_on_native_work))


# The work of a Python worker runs on a pool thread that Python did not
# create. PyGObject takes the GIL for each call with PyGILState_Ensure(),
# which makes the thread a new PyThreadState, and its PyGILState_Release()
# destroys it: on CPython 3.11 an mmap and an munmap of a frame stack per
# call, and the munmap interrupts every other core to flush its TLB. That
# was three quarters of the time of a generator's yields, and about half of
# what a function worker's run costs the machine (issue 13's profile).
#
# So a pool thread keeps one PyThreadState for its life: its first run
# takes one more PyGILState_Ensure(), never released on that thread. The
# thread's exit releases it safely: a GPrivate's destroy notify (run by
# the exiting thread, no Python) cancels a GCancellable of that thread,
# and the cancellable's source on the default main context then clears
# and deletes the dead thread's state on the main thread, with the GIL
# (_on_thread_exited). At interpreter shutdown the interpreter deletes the
# states of threads still alive; their later exit only cancels a
# GCancellable, and no main loop runs Python any more. If the ctypes
# calls are not available, a generator run keeps the state from its first
# step to its last (the function workers' runs then make their own).
_GILStateEnsure = ctypes.pythonapi.PyGILState_Ensure
_GILStateEnsure.restype = ctypes.c_int
_GILStateRelease = ctypes.pythonapi.PyGILState_Release
_GILStateRelease.argtypes = (ctypes.c_int,)
_ThreadStateGet = ctypes.pythonapi.PyThreadState_Get
_ThreadStateGet.restype = ctypes.c_void_p
_ThreadStateClear = ctypes.pythonapi.PyThreadState_Clear
_ThreadStateClear.argtypes, _ThreadStateClear.restype = (ctypes.c_void_p,), None
_ThreadStateDelete = ctypes.pythonapi.PyThreadState_Delete
_ThreadStateDelete.argtypes, _ThreadStateDelete.restype = (ctypes.c_void_p,), None

_EXITED_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_kept_states = {}      # key -> (PyThreadState address, GCancellable) of a live pool thread
_kept_keys = itertools.count(1)
_exit_native = False


def _thread_exit_native():
    """The GLib calls of the thread-exit release (PyDLL: the GIL is kept),
    or None."""
    global _exit_native
    if _exit_native is not False:
        return _exit_native
    _exit_native = None
    try:
        glib = ctypes.PyDLL('libglib-2.0.so.0')
        gio = ctypes.PyDLL('libgio-2.0.so.0')
        gobject = ctypes.PyDLL('libgobject-2.0.so.0')
        p = ctypes.c_void_p
        malloc0 = _cfunc(glib, 'g_malloc0', p, ctypes.c_size_t)
        private_get = _cfunc(glib, 'g_private_get', p, p)
        private_set = _cfunc(glib, 'g_private_set', None, p, p)
        cancellable_new = _cfunc(gio, 'g_cancellable_new', p)
        cancel = ctypes.cast(gio.g_cancellable_cancel, p).value
        source_new = _cfunc(gio, 'g_cancellable_source_new', p, p)
        set_callback = _cfunc(glib, 'g_source_set_callback', None, p, _EXITED_FUNC, p, p)
        attach = _cfunc(glib, 'g_source_attach', ctypes.c_uint, p, p)
        unref = _cfunc(glib, 'g_source_unref', None, p)
        default_context = _cfunc(glib, 'g_main_context_default', p)
        object_unref = _cfunc(gobject, 'g_object_unref', None, p)
    except (OSError, AttributeError):
        return None
    # G_PRIVATE_INIT (g_cancellable_cancel), never freed: { p, notify, future[2] }.
    private = malloc0(4 * ctypes.sizeof(ctypes.c_void_p))
    ctypes.c_void_p.from_address(private + ctypes.sizeof(ctypes.c_void_p)).value = cancel
    _exit_native = (private, private_get, private_set, cancellable_new, source_new,
                    set_callback, attach, unref, default_context, object_unref)
    return _exit_native


def _keep_thread_state():
    """Worker thread, in a pool thread's first Python call: keeps its
    PyThreadState until the thread exits. Returns whether it is kept so."""
    kept = getattr(_tls, 'kept_for_life', None)
    if kept is not None:
        return kept
    native = _thread_exit_native()
    if native is None:
        _tls.kept_for_life = False
        return False
    (private, private_get, private_set, cancellable_new, source_new, set_callback,
     attach, unref, default_context, _object_unref) = native
    if private_get(private):
        _tls.kept_for_life = True   # (cannot happen: the state would be this one)
        return True
    _GILStateEnsure()   # never released here: the thread keeps its state
    tstate = _ThreadStateGet()
    key = next(_kept_keys)
    cancellable = cancellable_new()
    _kept_states[key] = (tstate, cancellable)
    source = source_new(cancellable)
    set_callback(source, _EXITED_CALLBACK, key, None)
    attach(source, default_context())
    unref(source)
    private_set(private, cancellable)   # the thread's exit cancels it
    _tls.kept_for_life = True
    return True


def _on_thread_exited(cancellable, key):
    """Main context, once a pool thread that kept its PyThreadState has
    exited: deletes that state (the thread runs no Python any more)."""
    entry = _kept_states.pop(key, None)
    if entry is not None:
        tstate, cancellable = entry
        _ThreadStateClear(tstate)
        _ThreadStateDelete(tstate)
        _exit_native[9](cancellable)
    return False   # G_SOURCE_REMOVE


_EXITED_CALLBACK = _immortal(_EXITED_FUNC(_on_thread_exited))


def _keep_run_state():
    """Without _keep_thread_state(): a generator run keeps its state from
    its first step to its last."""
    if getattr(_tls, 'kept_gilstate', None) is None:
        _tls.kept_gilstate = _GILStateEnsure()


def _release_run_state():
    kept = getattr(_tls, 'kept_gilstate', None)
    if kept is not None:
        _tls.kept_gilstate = None
        _GILStateRelease(kept)


def _generator_step(worker, sent, spec):
    """TwStepFunc: one next()/send() of the generator, on a worker thread."""
    if _keep_thread_state():
        return _generator_step_kept(worker, sent, spec)
    _keep_run_state()
    going_on = False
    try:
        going_on = _generator_step_kept(worker, sent, spec)
        return going_on
    finally:
        if not going_on:
            _release_run_state()


def _generator_step_kept(worker, sent, spec):
    state = _state(worker)
    if sent is not None:
        spec.inbox.append(_from_gvalue(sent))
    if spec.gen is None:
        _run_begins(worker, state)
        spec.flow = _Flow(worker)
        spec.gen = spec.func(*spec.args, **spec.kwargs)
    flow = spec.flow
    try:
        return _call_in_worker(worker, state, _drive, worker, state, spec, flow)
    except StopIteration as stop:
        _close_batch(worker)
        _run_returned(worker, state, stop.value)
    except BaseException as exc:
        _close_batch(worker)
        _run_failed(worker, state, exc)
    return False


# ---------------------------------------------------------------------------
# Batches: a generator's values cross to the owner thread in lists
#
# The override drives the generator in a Python loop on the worker thread
# (_drive) and appends each value to the run's queue (_Flow). When the
# owner thread is idle (nothing handed over is undelivered) the value is
# handed over at once: the C library gets a marker (a G_TYPE_GTYPE value,
# one `yielded` event, queued in order with the run's other events), and
# the override's first `yielded` handler (_on_yielded) delivers the values
# up to the marker's count, calling the Python slots once per value. While
# the owner is busy delivering, values just pile up in the queue: when it
# is done it gives the generator the GIL for a moment, then takes them
# itself, without a marker; after that an idle callback goes on, after a
# turn of the main loop (and within _DELIVERY_BUDGET_S). So no value waits for a batch to fill or
# for the generator's next yield. A generator that gets half of
# max-pending-yields ahead of a busy owner waits (backpressure): at most
# about max-pending-yields values wait. Before any other event of the run
# (a warning, pause, quit, the end) what is queued is handed over with a
# marker, and the owner takes nothing after that point before the next
# marker, so values and events keep their order. Between two values the
# loop looks at spec.control, which the owner bumps on quit and pause: the
# C library's checkpoint then pauses or ends the run before the generator
# is advanced again. LATEST workers hand over every value on its own: the C
# library coalesces.

# How long the owner goes on delivering values yielded while it delivers
# before it gives the main loop a turn (seconds).
_DELIVERY_BUDGET_S = 0.002

# A value this big or bigger (numpy arrays, bytes...: see _nbytes) does not
# join a batch: it is yielded through the C queue on its own, where
# max-pending-bytes bounds what waits. A batch holds at most half of
# max-pending-yields values, each smaller than this.
_BATCH_MAX_VALUE_BYTES = 64 * 1024


class _BatchMarker(GObject.Object):
    """Its GType, in a G_TYPE_GTYPE value, is what the C library carries
    for a batch: copying it needs no GIL (a Python object in a GValue takes
    the GIL on both threads for each copy and free)."""

    __gtype_name__ = 'TwPythonBatch'


_BATCH = GObject.Value(GObject.TYPE_GTYPE, _BatchMarker.__gtype__)
_BATCH_GTYPE = _BatchMarker.__gtype__
_GTYPE = type(_BATCH_GTYPE)


class _Flow:
    """The values of one generator run on their way to the owner thread.

    The worker thread appends each value to .queue and counts it in
    .appended; a hand-over (under .cond) moves .handed_to, the count the
    owner may deliver up to, and queues a marker. The owner pops values and
    counts them in .delivered. Each count only grows; .appended has one
    writer (the worker), .delivered one (the owner)."""

    __slots__ = ('cap', 'limit', 'batching', 'fresh', 'cond', 'waiting', 'queue',
                 'appended', 'handed_to', 'delivered', 'boundaries', 'takeable', 'busy')

    def __init__(self, worker):
        # Read on the worker thread at the start of the run: the C run copies
        # them at the same moment.
        # Under a delivery gate (sync_to=) every value is its own event, so
        # that the gate's owner delivers them in its frames.
        self.batching = (worker.get_yield_policy() == Tw.YieldPolicy.QUEUE
                         and not _state(worker).gated)
        self.limit = max(1, worker.get_max_pending_yields())
        self.cap = max(1, (self.limit + 1) // 2)
        self.fresh = True         # the generator has not been started
        self.cond = threading.Condition(threading.Lock())
        self.waiting = False      # the generator waits for the owner
        self.queue = collections.deque()
        self.appended = 0
        self.handed_to = 0
        self.delivered = 0
        self.boundaries = collections.deque()   # .handed_to of each marker queued
        self.takeable = True      # no other event of the run since .handed_to
        self.busy = False         # the owner is delivering: it takes what comes

    def hand_over(self, event=False):
        """Worker thread: what is appended may be delivered; returns how many
        markers to queue (one per .cap values at most). With @event (another
        event of the run follows), values after it are delivered only once
        handed over too."""
        with self.cond:
            self.takeable = not event
            markers = 0
            while self.handed_to < self.appended:
                self.handed_to = min(self.appended, self.handed_to + self.cap)
                self.boundaries.append(self.handed_to)
                markers += 1
            return markers

    def wait(self, spec, control):
        """Worker thread, with .limit values undelivered while the owner
        delivers: waits until the owner has delivered some of them, or is
        done, or quit() or pause()."""
        with self.cond:
            while ((self.busy or self.delivered < self.handed_to) and spec.control == control
                   and self.appended - self.delivered >= self.limit):
                self.waiting = True
                self.cond.wait()
            self.waiting = False

    def take(self):
        """Owner thread, for a marker: the count to deliver up to."""
        with self.cond:
            self.busy = True
            return self.boundaries.popleft() if self.boundaries else self.delivered

    def take_more(self, last=True):
        """Owner thread, once it has delivered up to .handed_to: takes the
        values appended meanwhile (they were never handed over: no marker
        of theirs is queued). Returns the count to deliver up to, or None:
        then, with @last, the owner is no longer busy."""
        with self.cond:
            if self.waiting:
                self.cond.notify()
            if (self.delivered == self.handed_to and self.takeable
                    and self.appended > self.delivered):
                self.handed_to = min(self.appended, self.delivered + self.cap)
                return self.handed_to
            if last:
                self.busy = False
            return None

    def wake(self):
        """Owner thread: quit or pause while the generator waits."""
        with self.cond:
            self.cond.notify_all()


def _drive(worker, state, spec, flow):
    """Worker thread, inside the run's Python code: advances the generator
    and hands its values over until the run ends (StopIteration or the
    work's exception), quit() (returns False) or the generator had to wait
    (returns True: the C step loop takes values sent from C, then calls the
    step again)."""
    gen = spec.gen
    send = gen.send
    inbox = spec.inbox
    control = spec.control
    limit = flow.limit
    append = flow.queue.append
    total = state.progress[0] if state.progress is not None else 0
    batching = flow.batching
    sizer = _sizers.get
    small = None        # the type of the last value known to be small
    first = flow.fresh
    flow.fresh = False
    appended = flow.appended   # .appended has one writer: this loop
    while True:
        # The loop of every value: locals, and the common case first.
        if first:
            first = False
            value = next(gen)
        else:
            value = send(inbox.popleft() if inbox else None)
        if total:
            spec.count += 1
            worker.set_progress(min(spec.count / total, 1.0))
        if not batching:
            if not _yield(worker, value):
                return False
            continue
        if type(value) is not small:
            if sizer(type(value), _no_size) is None:
                small = type(value)
            else:
                size = _nbytes(value)
                if size >= _BATCH_MAX_VALUE_BYTES:
                    # A big value (a frame) crosses on its own, through the C
                    # queue and its byte budget (max-pending-bytes), after what
                    # was yielded before it.
                    for _ in range(flow.hand_over(True)):
                        if not worker.yield_value(_BATCH):
                            return False
                    if not Tw.Worker.yield_value_sized(worker, _to_gvalue(value), size):
                        return False
                    control = spec.control
                    continue
        append(value)
        appended += 1
        flow.appended = appended
        changed = spec.control != control
        if (flow.busy or flow.delivered < flow.handed_to) and not changed:
            # A delivery is in flight: the owner takes these values when it
            # is done with it (in batches of .cap).
            if appended - flow.delivered < limit:
                continue
            flow.wait(spec, control)     # full: backpressure
            changed = spec.control != control
            waited = True
        else:
            waited = False
        for _ in range(flow.hand_over(changed)):
            if not worker.yield_value(_BATCH):
                return False
        if changed:
            # quit() or pause(): the C library pauses or ends the run
            # before the generator goes on.
            control = spec.control
            if not worker.checkpoint():
                return False
        elif waited:
            return True


def _close_batch(worker):
    """Worker thread, before an event other than a value (a warning): the
    values yielded before it go before it, those after it behind it."""
    spec = _state(worker).spec
    if spec is not None and spec.flow is not None:
        for _ in range(spec.flow.hand_over(event=True)):
            worker.yield_value(_BATCH)


def _worker_base_do_work(self, cancellable):
    """TwWorkerClass.work of Python subclasses of WorkerBase: calls work()
    on the worker thread and reports what it returns or raises."""
    _keep_thread_state()
    state = _state(self)
    _run_begins(self, state)
    try:
        result = _call_in_worker(self, state, self.work)
    except BaseException as exc:
        if not state.reported:
            _run_failed(self, state, exc)
        return
    if not state.reported:   # work() may have emitted returned or errored itself
        _run_returned(self, state, result)


# ---------------------------------------------------------------------------
# Warnings

_showwarnmsg_orig = warnings._showwarnmsg


def _warning_hooks():
    """What the warnings module shows a warning with. catch_warnings(record=True)
    (and so pytest.warns) replaces them."""
    return (getattr(warnings, 'showwarning', None),
            getattr(warnings, '_showwarnmsg_impl', None))


def _showwarnmsg(msg):
    """Replaces warnings._showwarnmsg: a warning shown while a thread runs a
    worker's Python code is reported through the worker's `warned`, unless
    the work itself has caught warnings (catch_warnings(record=True),
    pytest.warns): those stay with it. Filtered warnings never get here."""
    worker = _current_worker()
    if worker is None:
        _showwarnmsg_orig(msg)
        return
    state = _state(worker)
    if state.hooks is not None and _warning_hooks() != state.hooks:
        _showwarnmsg_orig(msg)   # recorded by the work's catch_warnings
        return
    if state.slots.get('warned'):   # no slot, nothing kept (issue 17)
        state.warnings.append(msg)
    text = _text(msg.message)
    _close_batch(worker)
    sync = state.sync
    if sync is not None and sync.thread == threading.get_ident():
        GObject.Object.emit(worker, 'warned', text)
    else:
        Tw.Worker.warn(worker, text)


warnings._showwarnmsg = _showwarnmsg


def _warning_args(state, text):
    """superqt's `warned` argument: the arguments of warnings.showwarning."""
    if state.warnings and _text(state.warnings[0].message) == text:
        msg = state.warnings.popleft()
        return (msg.message, msg.category, msg.filename, msg.lineno, msg.file, msg.line)
    return (UserWarning(text), UserWarning, '', 0, None, None)


def _on_warned_take(worker, text):
    """The first `warned` handler: takes the warning once per emission, so
    that every slot gets the same tuple."""
    state = _state(worker)
    state.warning = _warning_args(state, text) if (state.warnings or state.slots.get('warned')) else None


# ---------------------------------------------------------------------------
# Signals as attributes

_accepts_cache = {}


def _accepts(slot, n_args):
    """Whether slot(*[None] * n_args) binds. Plain functions and methods
    are answered from their code object (inspect.signature costs tens of
    microseconds, and every worker connects its slots)."""
    func = getattr(slot, '__func__', slot)
    code = getattr(func, '__code__', None)
    if code is not None and type(func).__name__ == 'function' and not func.__kwdefaults__:
        key = (code, func.__defaults__, hasattr(slot, '__self__'), n_args)
        answer = _accepts_cache.get(key)
        if answer is None:
            answer = _accepts_cache[key] = _accepts_by_signature(slot, n_args)
            if len(_accepts_cache) > 4096:
                _accepts_cache.clear()
        return answer
    return _accepts_by_signature(slot, n_args)


def _accepts_by_signature(slot, n_args):
    try:
        signature = inspect.signature(slot)
    except (TypeError, ValueError):
        return True   # no signature (a builtin): assume it does
    try:
        signature.bind(*([None] * n_args))
    except TypeError:
        return False
    return True


def _handler(worker, *args):
    *args, (name, slot, n_args) = args
    if name == 'errored':
        args = [_exception_for(worker, args[0])]
    elif name == 'warned':
        warning = _state(worker).warning
        args = [warning if warning is not None else _warning_args(_state(worker), args[0])]
    else:
        args = [_from_gvalue(a) for a in args]
    slot(*args[:n_args])


# g_signal_* calls that keep the GIL: PyGObject's calls drop it, and on the
# owner thread every drop can hand it to a generator for a switch interval.
_gobject = ctypes.PyDLL('libgobject-2.0.so.0')
_handler_block = _gobject.g_signal_handler_block
_handler_block.argtypes = (ctypes.c_void_p, ctypes.c_ulong)
_handler_block.restype = None
_handler_unblock = _gobject.g_signal_handler_unblock
_handler_unblock.argtypes = (ctypes.c_void_p, ctypes.c_ulong)
_handler_unblock.restype = None
_has_handler_pending = _gobject.g_signal_has_handler_pending
_has_handler_pending.argtypes = (ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint32, ctypes.c_int)
_has_handler_pending.restype = ctypes.c_int
_stop_emission = _gobject.g_signal_stop_emission
_stop_emission.argtypes = (ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint32)
_stop_emission.restype = None
_YIELDED = 0   # the signal id, known once the class exists (_state())

# tw_worker_start() and tw_worker_get_is_running() with the GIL kept: an
# application starting many workers otherwise hands the GIL to the work of
# the ones it started at every call, and waits for it back.
def _loaded_library(name):
    """The path of the copy of @name that GI loaded (never a second one)."""
    try:
        with open('/proc/self/maps', encoding='utf-8', errors='replace') as maps:
            for line in maps:
                path = line.rstrip('\n').split(None, 5)[-1]
                if path.startswith('/') and path.rsplit('/', 1)[-1].startswith(name):
                    return path
    except OSError:
        pass
    return None


def _native_start():
    """(tw_worker_start, tw_worker_get_is_running, tw_worker_set_name)
    through ctypes, or None."""
    global _native
    if _native is False:
        Tw.Worker.__gtype__   # GI has loaded the library
        try:
            lib = ctypes.PyDLL(_loaded_library('libthreadworker-1.so') or 'libthreadworker-1.so.0')
            start, is_running = lib.tw_worker_start, lib.tw_worker_get_is_running
            set_name = lib.tw_worker_set_name
            start.argtypes = is_running.argtypes = (ctypes.c_void_p,)
            start.restype = None
            is_running.restype = ctypes.c_int
            set_name.argtypes = (ctypes.c_void_p, ctypes.c_char_p)
            set_name.restype = None
            _native = (start, is_running, set_name)
        except (OSError, AttributeError):
            _native = None
    return _native


_native = False


def _set_name(worker, name):
    """tw_worker_set_name() with the GIL kept: every worker made in Python
    is named, and PyGObject's call would hand the GIL to running work and
    wait for it back (about 2.4 µs, more under load)."""
    native = _native if _native else _native_start()
    if native is None or not isinstance(name, str):
        worker.set_name(name)
        return
    try:
        encoded = name.encode('utf-8')
    except UnicodeError:
        worker.set_name(name)   # PyGObject's error
        return
    native[2](hash(worker), encoded)


def _call_slots(slots, value):
    for slot, n_args in slots:
        try:
            if n_args:
                slot(value)
            else:
                slot()
        except Exception:
            # What PyGObject does with an exception of a signal handler.
            sys.excepthook(*sys.exc_info())


def _call_one(state, slot, popleft, n):
    """_call_slots() for @n values and one slot that takes the value: what
    most workers have, without a call per value in between (the _Slot's
    target is looked up once per batch)."""
    slot = slot.target()
    if slot is None:   # held weakly, and gone: the values still go
        for _ in range(n):
            state.last_yielded = popleft()
        return
    while n:
        i = -1
        try:
            for i in range(n):
                v = state.last_yielded = popleft()   # get_value() in the slot
                slot(v)
            return
        except Exception:
            sys.excepthook(*sys.exc_info())
        n -= i + 1


def _on_yielded(worker, value):
    """The first `yielded` handler of every worker: calls the slots
    connected with ``worker.yielded.connect()``, once per value of a batch.
    Other handlers (connected with GObject's connect(), or in C) get one
    emission per value too, with the value itself."""
    state = _state(worker)
    if type(value) is not _GTYPE or value != _BATCH_GTYPE:   # (a numpy array compares per item)
        _call_slots(state.yield_slots, _from_gvalue(value))
        return
    # The run's batches arrive in order, each once; `finished` (which ends
    # the flow) comes after the last.
    flow = state.spec.flow
    upto = flow.take()
    foreign = _foreign_handlers(state)
    if foreign:
        # Others see each value as its own emission, never the batch.
        _stop_emission(state.pointer, _YIELDED, 0)
    _deliver(worker, state, flow, upto, foreign)


def _foreign_handlers(state):
    """Whether `yielded` has handlers besides _on_yielded (and the blocked
    ones that only give the slots their ids)."""
    _handler_block(state.pointer, state.yield_handler)
    foreign = _has_handler_pending(state.pointer, _YIELDED, 0, 0)
    _handler_unblock(state.pointer, state.yield_handler)
    return foreign


def _deliver(worker, state, flow, upto, foreign):
    """Owner thread: calls the slots for each value up to the count @upto,
    then for the values the generator appended meanwhile (they never wait
    for its next yield); what comes after those is taken from an idle
    callback, after a turn of the main loop."""
    popleft = flow.queue.popleft
    deadline = time.monotonic() + _DELIVERY_BUDGET_S
    rounds = 0
    while upto is not None:
        rounds += 1
        # A marker's count may be behind: the owner took its values before.
        n = max(0, upto - flow.delivered)
        if not foreign:
            slots = state.yield_slots
            if len(slots) == 1 and slots[0][1]:
                _call_one(state, slots[0][0], popleft, n)
            else:
                for _ in range(n):
                    v = state.last_yielded = popleft()   # get_value() in the slot
                    _call_slots(slots, v)
        else:
            for _ in range(n):
                v = state.last_yielded = popleft()
                GObject.Object.emit(worker, 'yielded', _to_gvalue(v))
        flow.delivered += n
        if rounds >= 2 or time.monotonic() >= deadline:
            # The rest after a main-loop turn (frames are drawn in a flood).
            _deliver_later(worker, flow)
            with flow.cond:
                if flow.waiting:
                    flow.cond.notify()
            return
        if n and flow.appended - flow.delivered < flow.cap:
            # Let a generator in a flood fill the next batch now, rather
            # than hand it over one value at a time after we are gone (a
            # full batch already waiting is taken without that GIL switch).
            time.sleep(0)
        upto = flow.take_more(last=False)
        if upto is None:
            # Still busy for a turn of the main loop: what the generator
            # yields meanwhile needs no marker.
            _deliver_later(worker, flow)


def _deliver_later(worker, flow):
    """An idle callback on the worker's owner context (not necessarily the
    global default one) calls _deliver_more()."""
    native = _native_idle()
    if native is None:
        source = GLib.Idle()
        source.set_priority(GLib.PRIORITY_DEFAULT_IDLE)   # below redraw
        source.set_callback(lambda *args: _deliver_more(worker, flow))
        source.attach(Tw.Worker.get_context(worker))
        return
    # The same through ctypes, with the GIL kept: this runs once or twice
    # per main-loop turn in a flood, and each of PyGObject's five calls
    # would hand the GIL to the generator until it fills a batch (about
    # a fifth of the time of 100,000 yields).
    new, set_priority, set_callback, attach, unref, get_context = native
    key = next(_idle_keys)
    _idle_calls[key] = (worker, flow)
    source = new()
    set_priority(source, GLib.PRIORITY_DEFAULT_IDLE)   # below redraw
    set_callback(source, _IDLE_FUNC, key, _IDLE_NOTIFY)
    attach(source, get_context(hash(worker)))
    unref(source)


def _on_idle_call(key):
    call = _idle_calls.get(key)
    if call is not None:
        _deliver_more(*call)
    return False   # G_SOURCE_REMOVE


def _on_idle_destroyed(key):
    _idle_calls.pop(key, None)


_idle_calls = {}            # key -> (worker, flow) of an idle source attached
_idle_keys = itertools.count(1)
_IDLE_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)(_on_idle_call)
_IDLE_NOTIFY = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(_on_idle_destroyed)
_idle_native = False


def _native_idle():
    """GLib's idle-source calls and tw_worker_get_context() through ctypes
    (PyDLL: the GIL is kept), or None."""
    global _idle_native
    if _idle_native is False:
        _idle_native = None
        native = _native if _native else _native_start()
        try:
            glib = ctypes.PyDLL('libglib-2.0.so.0')
            lib = ctypes.PyDLL(_loaded_library('libthreadworker-1.so') or 'libthreadworker-1.so.0')
        except OSError:
            return None
        if native is None:
            return None
        p = ctypes.c_void_p
        new = _cfunc(glib, 'g_idle_source_new', p)
        set_priority = _cfunc(glib, 'g_source_set_priority', None, p, ctypes.c_int)
        set_callback = _cfunc(glib, 'g_source_set_callback', None,
                              p, type(_IDLE_FUNC), p, type(_IDLE_NOTIFY))
        attach = _cfunc(glib, 'g_source_attach', ctypes.c_uint, p, p)
        unref = _cfunc(glib, 'g_source_unref', None, p)
        get_context = _cfunc(lib, 'tw_worker_get_context', p, p)
        _idle_native = (new, set_priority, set_callback, attach, unref, get_context)
    return _idle_native


def _deliver_more(worker, flow):
    state = _state(worker)
    if state.spec is None or state.spec.flow is not flow:
        return GLib.SOURCE_REMOVE   # the run ended: its last values had a marker
    upto = flow.take_more(last=False)
    if upto is None:
        # Give a generator in a flood the GIL for a moment to fill the next
        # batch, rather than have it hand the batch over with a marker.
        time.sleep(0)
        upto = flow.take_more()
    if upto is not None:
        _deliver(worker, state, flow, upto, _foreign_handlers(state))
    return GLib.SOURCE_REMOVE


def _interrupt(state):
    """Owner thread (quit, pause): a running generator hands its values over
    and reaches the C library's checkpoint before its next value."""
    spec = state.spec
    if spec is None:
        return
    spec.control += 1
    flow = spec.flow
    if flow is not None:
        flow.wake()


def _exception_for(worker, error):
    exc = _state(worker).error
    return exc if exc is not None else error


def _on_errored_report(worker, error):
    state = _state(worker)
    if state.report_errors and not state.slots.get('errored'):
        exc = _exception_for(worker, error)
        sys.excepthook(type(exc), exc, exc.__traceback__)


class _WorkerSignal:
    """What every signal attribute of a worker holds: the worker and the
    signal's name."""

    __slots__ = ('_worker', '_name')

    def __init__(self, worker, name):
        self._worker = worker
        self._name = name

    def __repr__(self):
        return '<signal %s of %r>' % (self._name, self._worker)


class _BoundSignal(_WorkerSignal):
    """A signal of one worker, used like a Qt signal:
    ``worker.yielded.connect(slot)``. Slots get the Python value (the
    object that was yielded or returned, the exception instance for
    ``errored``, superqt's ``showwarning`` tuple for ``warned``). Like in
    PyQt, a slot that takes no argument may be connected to a signal that
    has one."""

    __slots__ = ()

    def connect(self, slot):
        if not callable(slot):
            raise TypeError('%r is not callable' % (slot,))
        n_args = 0 if self._name not in ('yielded', 'returned', 'errored', 'warned') else 1
        if n_args and not _accepts(slot, 1) and _accepts(slot, 0):
            n_args = 0
        state = _state(self._worker)
        if self._name == 'warned':
            # Before the slot: it takes each warning for every slot.
            _watch(self._worker, state, _WATCH_WARNED | _WATCH_RESET)
        held = _Slot(slot)
        if held.owner_id() in state.quit_with:
            held.hold_weakly()
        handler_id = GObject.Object.connect(self._worker, self._name, _handler,
                                            (self._name, held, n_args))
        if self._name == 'yielded':
            # _on_yielded calls it; the handler only gives it an id.
            _dispatch_yields(self._worker, state)
            GObject.signal_handler_block(self._worker, handler_id)
            state.yield_slots.append((held, n_args))
        state.slots.setdefault(self._name, []).append((held, handler_id))
        return handler_id

    def disconnect(self, slot=None):
        """Disconnects @slot, or every slot connected through this signal."""
        slots = _state(self._worker).slots.get(self._name, [])
        keep = []
        found = False
        for connected, handler_id in slots:
            if slot is None or connected.matches(slot):
                GObject.Object.disconnect(self._worker, handler_id)
                found = True
            else:
                keep.append((connected, handler_id))
        slots[:] = keep
        if self._name == 'yielded':
            state = _state(self._worker)
            kept = [s for s, _ in keep]
            state.yield_slots[:] = [(s, n) for s, n in state.yield_slots if s in kept]
        if slot is not None and not found:
            raise TypeError('%r is not connected to %s' % (slot, self._name))

    def emit(self, *args):
        """On the worker thread, from the work: ``yielded`` yields a value,
        ``warned`` warns, ``returned`` and ``errored`` report the result,
        ``aborted`` is a no-op (a quit run ends with it anyway). Elsewhere the
        signal is emitted at once in the calling thread (synchronous work)."""
        worker, name = self._worker, self._name
        state = _state(worker)
        if _in_run(worker, state):
            _close_batch(worker)
            if name == 'yielded':
                return _yield(worker, args[0])
            if name == 'warned':
                w = args[0]
                if isinstance(w, tuple):
                    if state.slots.get('warned'):
                        state.warnings.append(warnings.WarningMessage(*w))
                    w = w[0]
                return Tw.Worker.warn(worker, _text(w))
            if name == 'returned':
                value = _to_gvalue(args[0] if args else None)   # may raise: not reported
                state.reported = True
                return Tw.Worker.return_value(worker, value)
            if name == 'errored':
                _watch(worker, state, _WATCH_RESET | _WATCH_ERRORED)
                state.reported = True
                state.error = args[0]
                return Tw.Worker.return_error(worker, _gerror_for(args[0]))
            if name == 'aborted':
                return None
            raise RuntimeError('%s is emitted by threadworker, not by the work' % name)

        if name in ('yielded', 'returned'):
            args = (_to_gvalue(args[0] if args else None),)
        elif name == 'errored':
            _watch(worker, state, _WATCH_RESET | _WATCH_ERRORED)
            state.error = args[0]
            args = (_gerror_for(args[0]),)
        elif name == 'warned':
            w = args[0]
            if isinstance(w, tuple):
                if state.slots.get('warned'):
                    state.warnings.append(warnings.WarningMessage(*w))
                w = w[0]
            args = (_text(w),)
        GObject.Object.emit(worker, name, *args)
        return None


def _in_run(worker, state):
    """Whether the calling thread runs @worker's work on a worker thread."""
    return _current_worker() is worker and (
        state.sync is None or state.sync.thread != threading.get_ident())


# ---------------------------------------------------------------------------
# Custom signals

_OWN_SIGNALS = frozenset(('started', 'yielded', 'returned', 'errored', 'warned',
                          'paused', 'resumed', 'aborted', 'finished'))

# The signals of a SignalsClass travel in one detailed signal of every
# worker, the detail naming the signal: `tw-python-signal::counted`.
_CARRIER = 'tw-python-signal'
GObject.signal_new(_CARRIER, Tw.Worker,
                   GObject.SignalFlags.RUN_LAST | GObject.SignalFlags.DETAILED,
                   None, (GObject.TYPE_PYOBJECT,))


class Signal:
    """Declares a signal of a worker in a ``SignalsClass``, like superqt's
    (Qt's) ``Signal(int)``::

        class CounterSignals:
            counted = Tw.Signal(int)

        class Counter(Tw.WorkerBase):
            def __init__(self):
                super().__init__(SignalsClass=CounterSignals)

            def work(self):
                self.counted.emit(1)   # delivered on the owner thread

    The types document the arguments; any Python objects may be emitted.
    """

    def __init__(self, *types, name=None):
        self.types = types
        self.name = name


__all__.append('Signal')


def _declared_signals(signals_class):
    """The names of the signals a SignalsClass declares beyond the worker's
    own: attributes that are Tw.Signal, or a Qt Signal left from a port."""
    names = set()
    for attr in dir(signals_class):
        if attr.startswith('_') or attr in _OWN_SIGNALS:
            continue
        try:
            value = getattr(signals_class, attr)
        except Exception:
            continue
        if isinstance(value, Signal) or type(value).__name__ in (
                'Signal', 'pyqtSignal', 'SignalInstance', 'pyqtBoundSignal'):
            names.add(attr)
    return frozenset(names)


def _max_positional(slot):
    """How many positional arguments @slot takes (None: any number)."""
    try:
        parameters = inspect.signature(slot).parameters.values()
    except (TypeError, ValueError):
        return None
    n = 0
    for p in parameters:
        if p.kind == p.VAR_POSITIONAL:
            return None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            n += 1
    return n


def _custom_handler(worker, args, data):
    slot, n_args = data
    slot(*(args if n_args is None else args[:n_args]))


class _CustomSignal(_WorkerSignal):
    """A signal of a worker's SignalsClass: ``worker.counted.connect(slot)``,
    ``self.counted.emit(value)`` in the work. Slots get the emitted
    arguments (as many as they take, like PyQt), on the owner thread."""

    __slots__ = ()

    def connect(self, slot):
        if not callable(slot):
            raise TypeError('%r is not callable' % (slot,))
        # Held like the built-in signals' slots (see _Slot and quit_with()).
        held = _Slot(slot)
        handler_id = GObject.Object.connect(self._worker, '%s::%s' % (_CARRIER, self._name),
                                            _custom_handler, (held, _max_positional(slot)))
        _state(self._worker).slots.setdefault(self._name, []).append((held, handler_id))
        return handler_id

    disconnect = _BoundSignal.disconnect

    def emit(self, *args):
        """From the work, on the worker thread: delivered on the owner
        context in order with the yields, with backpressure like a yield.
        Elsewhere: emitted at once in the calling thread."""
        _emit_custom(self._worker, '%s::%s' % (_CARRIER, self._name), (args,))


_param_types = {}   # (GType, signal name) -> its parameter GTypes


def _emit_custom(worker, detailed_signal, args):
    state = _state(worker)
    if not _in_run(worker, state):
        GObject.Object.emit(worker, detailed_signal, *args)
        return
    key = (type(worker).__gtype__, detailed_signal)
    types = _param_types.get(key)
    if types is None:
        query = GObject.signal_query(detailed_signal.split('::', 1)[0], key[0])
        if query is None or not query.signal_id:
            raise TypeError('%s has no signal %r' % (type(worker).__name__, detailed_signal))
        types = _param_types[key] = tuple(query.param_types)
    if len(args) != len(types):
        raise TypeError('%s takes %d arguments, not %d' % (detailed_signal, len(types), len(args)))
    Tw.Worker.emit_signal(worker, detailed_signal,
                          [GObject.Value(t, a) for t, a in zip(types, args)])


class _Signal:
    """Descriptor: ``worker.<name>`` is that worker's _BoundSignal."""

    def __init__(self, name):
        self.name = name

    def __get__(self, worker, owner=None):
        if worker is None:
            return self
        return _BoundSignal(worker, self.name)


class _Slot:
    """A connected slot. A method of an object given to quit_with() is held
    through a weak reference, so that connecting it does not keep the object
    (a closed window) alive, which would keep it from ever being disposed."""

    __slots__ = ('_strong', '_weak', '_owner_id')

    def __init__(self, slot):
        self._strong = slot
        self._weak = None
        self._owner_id = None

    def target(self):
        return self._strong if self._weak is None else self._weak()

    def owner_id(self):
        """id() of the object the slot is a method of (None if it is not)."""
        if self._owner_id is not None:
            return self._owner_id
        owner = getattr(self._strong, '__self__', None)
        return None if owner is None else id(owner)

    def hold_weakly(self):
        if self._weak is not None:
            return
        try:
            weak = weakref.WeakMethod(self._strong)
        except TypeError:
            return   # not a method of a Python object: held as it is
        self._owner_id = id(self._strong.__self__)
        self._weak = weak
        self._strong = None

    def matches(self, slot):
        return self.target() == slot

    def __call__(self, *args):
        slot = self.target()
        if slot is not None:
            slot(*args)


def _disconnect_slots_of(worker_ref, obj_id):
    """The dispose of an object given to quit_with(): disconnects the slots
    of the worker that are methods of that object."""
    worker = worker_ref()
    if worker is None:
        return
    state = _state(worker)
    state.quit_with.discard(obj_id)
    for slots in state.slots.values():
        keep = []
        for slot, handler_id in slots:
            if slot.owner_id() == obj_id:
                GObject.Object.disconnect(worker, handler_id)
            else:
                keep.append((slot, handler_id))
        slots[:] = keep
    # The slots _on_yielded calls itself (their handlers only give them ids).
    state.yield_slots[:] = [(slot, n) for slot, n in state.yield_slots
                            if slot.owner_id() != obj_id]


class _SyncRun:
    """A synchronous run of work() in the calling thread."""

    def __init__(self):
        self.thread = threading.get_ident()
        self.abort = False
        self.inbox = collections.deque()
        self.paused = False
        self.pause_requested = False
        self.resume_requested = False

    def wait_while_paused(self, worker):
        """Between two values of a synchronous generator run: emits
        ``paused`` once a pause was asked for, then runs the calling
        thread's main context (so that a timer or a button can resume or
        quit) until resume() or quit(); emits ``resumed``. Like superqt's,
        which sleeps in a loop instead."""
        if not self.pause_requested or self.abort:
            return
        self.pause_requested = False
        self.paused = True
        worker.paused.emit()
        context = GLib.MainContext.ref_thread_default()
        while not self.resume_requested and not self.abort:
            context.iteration(True)
        self.paused = False
        self.resume_requested = False
        if not self.abort:
            worker.resumed.emit()


# ---------------------------------------------------------------------------
# Default names

_names_lock = threading.Lock()
_names_given = {}


_FunctionType = type(lambda: None)


def _is_generator_function(func):
    """inspect.isgeneratorfunction(), answered from the code object for a
    plain function (what almost every worker runs) without inspect's
    unwrapping (a few microseconds per worker)."""
    if type(func) is _FunctionType:
        return bool(func.__code__.co_flags & inspect.CO_GENERATOR)
    return inspect.isgeneratorfunction(func)


def _name_after(code):
    """A worker's default name: the ``__qualname__`` of the code it runs
    (a function, or a WorkerBase subclass), numbered from the second worker
    made from the same code on: ``load``, ``load-2``, ``load-3``... Warnings
    (a worker still running at shutdown) and the pool's list then say which
    code is meant, where the C default says only ``TwFunctionWorker-0``."""
    while isinstance(code, functools.partial):
        code = code.func
    base = getattr(code, '__qualname__', None) or type(code).__qualname__
    with _names_lock:
        count = _names_given.get(base, 0) + 1
        _names_given[base] = count
    return base if count == 1 else '%s-%d' % (base, count)


# ---------------------------------------------------------------------------
# The classes

@override
class Worker(Tw.Worker):
    """The base of every worker (superqt's ``WorkerBase``).

    Subclass it and implement :meth:`work` to write a worker in Python:
    ``work()`` runs on a worker thread; what it returns is emitted with
    ``returned``, what it raises with ``errored``. Check
    :attr:`abort_requested` regularly and return when it is true.
    """

    started = _Signal('started')
    yielded = _Signal('yielded')
    returned = _Signal('returned')
    errored = _Signal('errored')
    warned = _Signal('warned')
    paused = _Signal('paused')
    resumed = _Signal('resumed')
    aborted = _Signal('aborted')
    finished = _Signal('finished')

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith('gi.') or cls.__dict__.get('__gtype__') is not None:
            return   # the overrides, or subclasses sharing a C type's GType
        # A Python subclass gets a GType whose work() calls cls.work().
        if 'do_work' not in cls.__dict__ and getattr(cls, 'do_work', None) is not _worker_base_do_work:
            cls.do_work = _worker_base_do_work

    def __init__(self, func=None, *args, SignalsClass=None, name=None, **kwargs):
        # superqt's signature; like superqt, func and the rest are ignored.
        # A subclass's worker is named after the subclass unless @name says.
        GObject.Object.__init__(self)
        _set_signals_class(self, SignalsClass)
        _set_name(self, name if name is not None else _name_after(type(self)))

    def __getattr__(self, name):
        # Only for names not found otherwise: the SignalsClass's signals.
        state = self.__dict__.get('_tw_state')
        if state is not None and name in state.custom:
            return _CustomSignal(self, name)
        raise AttributeError('%r object has no attribute %r' % (type(self).__name__, name))

    def emit(self, detailed_signal, *args):
        """GObject's emit(). Called from the work, on the worker thread, the
        signal is delivered on the owner context instead, in order with the
        yields and with backpressure like a yield: handlers of signals
        declared with ``__gsignals__`` never run on the worker thread. The
        worker's own signals (``yielded``, ``returned``...) behave as their
        attributes' emit() (``self.yielded.emit(value)``)."""
        name = detailed_signal.split('::', 1)[0].replace('_', '-')
        if name in _OWN_SIGNALS and _in_run(self, _state(self)):
            return getattr(self, name).emit(*args)
        if name in _OWN_SIGNALS:
            return GObject.Object.emit(self, detailed_signal, *args)
        _emit_custom(self, detailed_signal, args)
        return None

    # -- run control (owner thread) --

    def start(self):
        """Starts a run on a thread of the default pool.

        Raises RuntimeError if a run is in progress.
        """
        native = _native if _native else _native_start()
        if native is None:
            if self.get_is_running():
                raise RuntimeError('This worker is already started!')
            Tw.Worker.start(self)
            return
        if native[1](hash(self)):
            raise RuntimeError('This worker is already started!')
        native[0](hash(self))

    def quit(self):
        """Asks the run to stop; it ends with ``aborted``. With
        ``intrusive_cancel=True``, WorkerCancelled is raised in the work's
        Python code at once."""
        sync = _state(self).sync
        if sync is not None:
            sync.abort = True
        Tw.Worker.quit(self)

    def quit_with(self, obj):
        """Quits the run when @obj (a widget, a window, any GObject) is
        disposed, and keeps the worker's slots off it: slots connected
        through this worker's signal attributes that are methods of @obj
        (``worker.yielded.connect(window.show_value)``), before or after
        this call, hold @obj only weakly, so they do not keep a closed
        window alive, and they are disconnected when it is disposed; the C
        library disconnects handlers whose data is @obj. The worker stays
        usable and may be started again. See ``Tw.Worker.quit_with()``;
        owner thread."""
        if not isinstance(obj, GObject.Object):
            raise TypeError('quit_with() needs a GObject, not %r' % (obj,))
        state = _state(self)
        obj_id = id(obj)
        if obj_id not in state.quit_with:
            state.quit_with.add(obj_id)
            for slots in state.slots.values():
                for slot, _handler_id in slots:
                    if slot.owner_id() == obj_id:
                        slot.hold_weakly()
            # Registered before the library's, so it runs first in the dispose.
            obj.weak_ref(_disconnect_slots_of, weakref.ref(self), obj_id)
        Tw.Worker.quit_with(self, obj)

    def send(self, value):
        """Sends any Python object into a running generator: the value of
        its ``yield`` expression. A GObject.Value is sent as is."""
        state = _state(self)
        sync = state.sync
        if sync is not None:
            sync.inbox.append(value)
            return True
        spec = state.spec
        if (spec is not None and isinstance(self, GeneratorWorker) and self.get_is_running()
                and not self.get_abort_requested() and not isinstance(value, GObject.Value)):
            # A generator driven by the override takes it at a later yield.
            # Every Python send of a run goes this way, also before its first
            # step (when spec.flow is not made yet): a value sent through C
            # then would reach the generator only at its next C step, after
            # values sent later (issue 13's merge; test_generator.py).
            spec.inbox.append(value)
            return True
        return Tw.Worker.send(self, _to_gvalue(value))

    def pause(self):
        """Asks the work to pause at its next yield or checkpoint; ``paused``
        is emitted once it has."""
        state = _state(self)
        if state.sync is not None:
            state.sync.pause_requested = True
            state.sync.resume_requested = False
            return
        Tw.Worker.pause(self)
        _interrupt(state)

    def resume(self):
        """Lets paused work go on; ``resumed`` is emitted once it does."""
        state = _state(self)
        if state.sync is not None:
            state.sync.pause_requested = False
            state.sync.resume_requested = state.sync.paused
            return
        Tw.Worker.resume(self)

    def toggle_pause(self):
        """Pauses running work, resumes paused work."""
        state = _state(self)
        sync = state.sync
        if sync is not None:
            if sync.paused and not sync.resume_requested or sync.pause_requested:
                self.resume()
            else:
                self.pause()
            return
        Tw.Worker.toggle_pause(self)
        _interrupt(state)

    def get_value(self):
        """The last value yielded or returned (tw_worker_get_value())."""
        value = Tw.Worker.get_value(self)
        if value == _BATCH_GTYPE:
            return _state(self).last_yielded
        return value

    @property
    def is_running(self):
        """Whether a run is in progress (from start() until ``finished``)."""
        return self.get_is_running() or _state(self).sync is not None

    @property
    def is_paused(self):
        """Whether the work has really paused."""
        sync = _state(self).sync
        if sync is not None:
            return sync.paused
        return self.get_is_paused()

    @property
    def abort_requested(self):
        """Whether quit() was called for the current run. Also correct on
        the worker thread, inside the work."""
        state = _state(self)
        if state.sync is not None:
            return state.sync.abort
        if _current_worker() is self:
            return self.get_cancellable().is_cancelled()
        return self.get_abort_requested()

    # -- synchronous use --

    def work(self):
        """The work. Subclasses implement it; it runs on a worker thread
        after start(), or in the calling thread when called directly."""
        raise NotImplementedError(
            '"%s" failed to define work() method' % type(self).__name__)

    def run(self):
        """Runs the work synchronously in the calling thread, emitting
        ``started``, ``returned`` or ``errored``, and ``finished`` there
        (superqt's ``run``). The worker's state properties do not change."""
        state = _state(self)
        _watch(self, state, _WATCH_RESET | _WATCH_ERRORED)
        owns = state.sync is None
        if owns:
            state.sync = _SyncRun()
        previous = getattr(_tls, 'worker', None)
        _tls.worker = self
        if state.hooks is None:
            state.hooks = _warning_hooks()
        try:
            self.started.emit()
            try:
                result = self.work()
                if not state.sync.abort:
                    self.returned.emit(result)
            except Exception as exc:
                self.errored.emit(exc)
            else:
                if state.sync.abort:
                    self.aborted.emit()
        finally:
            _tls.worker = previous
            if owns:
                state.sync = None
        self.finished.emit()

    @classmethod
    def await_workers(cls, msecs=None):
        """See :func:`await_workers`."""
        await_workers(msecs)


WorkerBase = Worker
__all__ += ['Worker', 'WorkerBase']


def _set_signals_class(worker, signals_class):
    state = _state(worker)
    if signals_class is not None:
        state.custom = _declared_signals(signals_class)


def _adopt(worker, cls, spec, signals_class=None):
    """Gives a worker made by a C constructor its Python class and state."""
    if type(worker) is not cls:
        worker.__class__ = cls    # a Python subclass of the final C type
    _state(worker).spec = spec
    _set_signals_class(worker, signals_class)
    _set_name(worker, _name_after(spec.func))
    return worker


@override
class FunctionWorker(Tw.FunctionWorker, Worker):
    """Runs ``func(*args, **kwargs)`` once per run on a worker thread.
    ``returned`` gets its result, ``errored`` the exception it raised."""

    def __init_subclass__(cls, **kwargs):
        # TwFunctionWorker is final in C: Python subclasses share its GType.
        cls.__gtype__ = Tw.FunctionWorker.__gtype__
        super().__init_subclass__(**kwargs)

    def __new__(cls, func, *args, SignalsClass=None, **kwargs):
        if _is_generator_function(func):
            raise TypeError(
                'Generator function %r cannot be used with FunctionWorker, '
                'use GeneratorWorker instead' % (func,))
        spec = _Spec(func, args, kwargs)
        return _adopt(_new_function_worker(spec), cls, spec, SignalsClass)

    def __init__(self, func, *args, **kwargs):
        pass   # made by __new__

    def work(self):
        """Calls the function in the calling thread and returns its result."""
        spec = _state(self).spec
        return spec.func(*spec.args, **spec.kwargs)


@override
class GeneratorWorker(Tw.GeneratorWorker, Worker):
    """Runs a generator function on a worker thread: each yielded value is
    emitted with ``yielded``; ``incoming = yield value`` receives what
    send() sent; ``return value`` ends the run with ``returned``. A new
    generator is made for every run."""

    def __init_subclass__(cls, **kwargs):
        cls.__gtype__ = Tw.GeneratorWorker.__gtype__
        super().__init_subclass__(**kwargs)

    def __new__(cls, func, *args, SignalsClass=None, **kwargs):
        if not _is_generator_function(func):
            raise TypeError(
                'Regular function %r cannot be used with GeneratorWorker, '
                'use FunctionWorker instead' % (func,))
        spec = _Spec(func, args, kwargs)
        worker = _adopt(Tw.GeneratorWorker.new(_generator_step, spec), cls, spec, SignalsClass)
        worker.set_max_pending_yields(PYTHON_MAX_PENDING_YIELDS)
        return worker

    def __init__(self, func, *args, **kwargs):
        pass   # made by __new__

    def work(self):
        """Runs the generator in the calling thread: ``yielded`` is emitted
        there for each value; returns the generator's return value (None
        after quit(), which emits ``aborted``)."""
        state = _state(self)
        spec = state.spec
        owns = state.sync is None
        if owns:
            state.sync = _SyncRun()
        sync = state.sync
        gen = spec.func(*spec.args, **spec.kwargs)
        try:
            first = True
            while True:
                if sync.abort:
                    if owns:
                        self.aborted.emit()
                    return None
                try:
                    if first:
                        value = next(gen)
                        first = False
                    else:
                        value = gen.send(sync.inbox.popleft() if sync.inbox else None)
                except StopIteration as stop:
                    return stop.value
                self.yielded.emit(value)
                sync.wait_while_paused(self)
        finally:
            gen.close()
            if owns:
                state.sync = None


__all__ += ['FunctionWorker', 'GeneratorWorker']


@override
class Pool(Tw.Pool):
    def await_(self, timeout_ms=-1):
        """tw_pool_await(): ``await`` is a Python keyword, so it is also
        reachable as ``await_`` (the name newer PyGObject gives it)."""
        return getattr(Tw.Pool, 'await')(self, timeout_ms)


__all__.append('Pool')


# ---------------------------------------------------------------------------
# Futures: concurrent.futures and dask.distributed results on the main loop
#
# A worker thread waits on the futures' own completion: each future's
# add_done_callback() appends it to a _Completions, whose condition variable
# the worker thread sleeps on (no polling; dask's as_completed iterator wakes
# every 100 ms, so it is not used). quit() and pause() wake the thread too.
# Cancelling happens on the worker thread: for dask it is a round trip to the
# scheduler, which the owner thread must never wait for. dask is never
# imported here: a dask future exists only if the application imported
# distributed.

class _Completions:
    """The futures of one run, in the order they completed. add() runs on
    whatever thread completes a future; wait() on the worker thread."""

    def __init__(self):
        self._cond = threading.Condition()
        self._done = collections.deque()
        self._woken = False

    def add(self, item):
        with self._cond:
            self._done.append(item)
            self._cond.notify()

    def wake(self):
        """Owner thread (quit, pause): wait() returns None once."""
        with self._cond:
            self._woken = True
            self._cond.notify()

    def wait(self):
        """The next completed item, or None after wake()."""
        with self._cond:
            while not self._done and not self._woken:
                self._cond.wait()
            self._woken = False
            return self._done.popleft() if self._done else None


def _is_dask_future(future):
    distributed = sys.modules.get('distributed')
    return distributed is not None and isinstance(future, distributed.Future)


def _cancel_futures(futures):
    """Cancels the futures that are not done: a dask future on its cluster
    (one request per client), a concurrent.futures future if it has not
    started (a running one cannot be stopped; its result is dropped).
    Worker thread."""
    by_client = {}
    for future in futures:
        if future.done():
            continue
        if _is_dask_future(future):
            by_client.setdefault(id(future.client), (future.client, []))[1].append(future)
        else:
            future.cancel()
    for client, pending in by_client.values():
        try:
            client.cancel(pending)
        except Exception as exc:   # a closed client: say so, end the run anyway
            warnings.warn('could not cancel %d dask futures: %r' % (len(pending), exc))


class _FuturesWorker(Worker):
    """What future_worker() and as_completed_worker() return: a worker whose
    run waits on futures, without polling, on a worker thread."""

    # PyGObject gives classes of a gi.overrides module no GType of their
    # own (their do_* methods would go into TwWorker's class): say they are
    # from elsewhere. Worker.__init_subclass__ then gives them do_work.
    __module__ = 'threadworker.futures'
    __gtype_name__ = 'TwPyFuturesWorker'

    def __init__(self, futures):
        super().__init__()
        self._futures = list(futures)
        self._completions = None     # of the current run

    # quit() and pause() (owner thread) first make the run's checkpoint
    # see the request, then wake the thread; the thread sets _completions
    # before its first checkpoint: one of the two sees the other.

    def do_quit(self):
        Tw.Worker.do_quit(self)
        completions = self._completions
        if completions is not None:
            completions.wake()

    def do_pause(self):
        Tw.Worker.do_pause(self)
        completions = self._completions
        if completions is not None:
            completions.wake()    # so that it reaches the checkpoint and pauses

    def _watch(self):
        completions = self._completions = _Completions()
        for index, future in enumerate(self._futures):
            future.add_done_callback(functools.partial(
                lambda i, f: completions.add((i, f)), index))
        return completions

    def _completed(self):
        """Yields (index, future) as the futures complete; ends early, having
        cancelled the rest, once quit() was called. Worker thread."""
        completions = self._watch()
        left = len(self._futures)
        try:
            while left:
                if not self.checkpoint():
                    return
                item = completions.wait()
                # A pause asked now holds the result here until resume().
                if not self.checkpoint():
                    return
                if item is not None:
                    left -= 1
                    yield item
        finally:
            if left:
                _cancel_futures(self._futures)

    @staticmethod
    def _result(future):
        # A done future: result() returns or raises at once, the remote
        # exception with its traceback (for dask, fetching the result is a
        # transfer from the worker that holds it).
        return future.result()


class _FutureWorker(_FuturesWorker):
    __module__ = 'threadworker.futures'
    __gtype_name__ = 'TwPyFutureWorker'

    def work(self):
        completed = self._completed()
        try:
            for _, future in completed:
                return self._result(future)
            return None
        finally:
            completed.close()


class _AsCompletedWorker(_FuturesWorker):
    __module__ = 'threadworker.futures'
    __gtype_name__ = 'TwPyAsCompletedWorker'

    def __init__(self, futures, with_index):
        super().__init__(futures)
        self._with_index = with_index

    def work(self):
        total = len(self._futures)
        done = 0
        completed = self._completed()
        try:
            for index, future in completed:
                # An exception ends the run with errored; closing
                # `completed` cancels the rest.
                result = self._result(future)
                done += 1
                self.set_progress(done / total)
                value = (index, result) if self._with_index else result
                if not self.yield_value(_to_gvalue(value)):
                    return None
        finally:
            completed.close()
        if total == 0:
            self.set_progress(1.0)
        return None


def _connect_and_start(worker, connect, start_thread):
    if connect is not None and not isinstance(connect, dict):
        raise TypeError("The 'connect' argument must be a dict")
    for key, val in (connect or {}).items():
        slots = val if isinstance(val, (tuple, list)) else [val]
        for slot in slots:
            if not callable(slot):
                raise TypeError('connect[%r] must be a function or sequence of functions' % (key,))
            getattr(worker, key).connect(slot)
    _state(worker).report_errors = True
    if start_thread is None:
        start_thread = connect is not None
    if start_thread:
        worker.start()
    return worker


def future_worker(future, *, connect=None, start_thread=None):
    """A worker for one ``concurrent.futures.Future`` or
    ``distributed.Future``: ``returned`` gets its result, ``errored`` the
    exception it raised (remotely: the same type, with its traceback).
    ``quit()`` cancels the future (a dask future on its cluster) and the run
    ends with ``aborted``; while paused, a result that arrives waits.

    ``connect`` maps signal names to slots and starts the worker unless
    ``start_thread=False``. Call on the owner thread; the run waits for the
    future on a worker thread, never on the owner's.
    """
    if not hasattr(future, 'add_done_callback'):
        raise TypeError('%r is not a future' % (future,))
    return _connect_and_start(_FutureWorker([future]), connect, start_thread)


def as_completed_worker(futures, *, connect=None, start_thread=None, with_index=False):
    """A worker that yields the result of each future as it completes, in
    completion order (``(index, result)`` with ``with_index=True``, index
    into @futures), and sets ``progress`` to done/total.

    ``quit()`` cancels every future that is not done yet. When a future
    fails, ``errored`` gets its exception and the rest are cancelled. Pause
    stops the yielding: results that complete meanwhile wait until resume.
    ``connect`` and ``start_thread`` are those of :func:`future_worker`.
    """
    futures = list(futures)
    for future in futures:
        if not hasattr(future, 'add_done_callback'):
            raise TypeError('%r is not a future' % (future,))
    return _connect_and_start(_AsCompletedWorker(futures, bool(with_index)),
                              connect, start_thread)


__all__ += ['future_worker', 'as_completed_worker']


# ---------------------------------------------------------------------------
# Functions

def _parse_yield_policy(policy):
    if isinstance(policy, Tw.YieldPolicy):
        return policy
    if isinstance(policy, str):
        try:
            return getattr(Tw.YieldPolicy, policy.upper())
        except AttributeError:
            pass
    raise ValueError("yield_policy must be a Tw.YieldPolicy, 'queue' or 'latest', not %r" % (policy,))


def _parse_progress(progress):
    if progress is None or progress is False:
        return None
    if progress is True:
        return (0, None)
    if isinstance(progress, dict):
        unknown = set(progress) - {'total', 'desc'}
        if unknown:
            raise TypeError('unknown progress keys: %s' % ', '.join(sorted(unknown)))
        total = progress.get('total') or 0
        if not isinstance(total, int) or total < 0:
            raise TypeError("progress['total'] must be a non-negative int")
        desc = progress.get('desc')
        return (total, None if desc is None else str(desc))
    raise TypeError('progress must be a bool or a dict with "total" and "desc"')


def create_worker(func, *args, _start_thread=None, _connect=None,
                  _worker_class=None, _ignore_errors=False, _progress=None,
                  _yield_policy=None, _intrusive_cancel=False, _sync_to=None,
                  _name=None, **kwargs):
    """Makes a worker that runs ``func(*args, **kwargs)`` on a thread.

    A generator function gives a GeneratorWorker, any other function a
    FunctionWorker, unless ``_worker_class`` (a subclass of WorkerBase) says
    otherwise.

    ``_connect`` maps signal names to a callable or a list of callables and
    starts the worker unless ``_start_thread=False``. Unless
    ``_ignore_errors`` or an ``errored`` handler is connected, an exception
    raised by the work is reported through ``sys.excepthook`` on the main
    thread (the program goes on).

    Beyond superqt: ``_progress`` (True, or a dict with ``total`` and
    ``desc``) drives the worker's ``progress`` and ``progress-text``
    properties (per yield: count / total); ``_yield_policy`` (a
    Tw.YieldPolicy, ``'queue'`` or ``'latest'``); ``_intrusive_cancel=True``
    makes quit() raise WorkerCancelled inside the work's Python code;
    ``_sync_to`` (a Gtk.Widget) delivers the yielded values in that widget's
    frame clock, one frame at a time (``TwGtk.sync_to_frames()``);
    ``_name`` names the worker (by default, after ``func.__qualname__``).
    """
    if not _worker_class:
        _worker_class = GeneratorWorker if _is_generator_function(func) else FunctionWorker
    if not (inspect.isclass(_worker_class) and issubclass(_worker_class, Worker)):
        raise TypeError('Worker %r must be a subclass of WorkerBase' % (_worker_class,))
    if _connect is not None and not isinstance(_connect, dict):
        raise TypeError("The '_connect' argument must be a dict")
    progress = _parse_progress(_progress)
    policy = None if _yield_policy is None else _parse_yield_policy(_yield_policy)

    worker = _worker_class(func, *args, **kwargs)
    state = _state(worker)
    state.progress = progress
    state.intrusive = bool(_intrusive_cancel)
    if state.intrusive:
        _watch(worker, state, _WATCH_RESET | _WATCH_ABORT)
    if _name is not None:
        worker.set_name(_name)
    if policy is not None:
        worker.set_yield_policy(policy)
    if _sync_to is not None:
        _sync_to_frames(worker, _sync_to)

    if _connect is not None:
        if _start_thread is None:
            _start_thread = True
        for key, val in _connect.items():
            slots = val if isinstance(val, (tuple, list)) else [val]
            for slot in slots:
                if not callable(slot):
                    raise TypeError(
                        '_connect[%r] must be a function or sequence of functions' % (key,))
                getattr(worker, key).connect(slot)

    state.report_errors = not _ignore_errors

    if _start_thread:
        worker.start()
    return worker


def _sync_to_frames(worker, widget):
    """TwGtk.sync_to_frames(), loaded only when asked for: the core needs
    no GTK."""
    gi.require_version('TwGtk', '1.0')
    from gi.repository import TwGtk
    _state(worker).gated = True     # no batches: see _Flow
    TwGtk.sync_to_frames(worker, widget)


def thread_worker(function=None, start_thread=None, connect=None,
                  worker_class=None, ignore_errors=False, progress=None,
                  yield_policy=None, intrusive_cancel=False, sync_to=None):
    """Decorator: calling the function makes a worker that runs it on a
    thread (see :func:`create_worker`). Use it bare (``@thread_worker``) or
    with arguments; each can be overridden at call time with its
    ``_``-prefixed name (``_start_thread``, ``_connect``, ...)."""

    def _inner(func):
        @functools.wraps(func)
        def worker_function(*args, **kwargs):
            kwargs.setdefault('_start_thread', start_thread)
            kwargs.setdefault('_connect', connect)
            kwargs.setdefault('_worker_class', worker_class)
            kwargs.setdefault('_ignore_errors', ignore_errors)
            kwargs.setdefault('_progress', progress)
            kwargs.setdefault('_yield_policy', yield_policy)
            kwargs.setdefault('_intrusive_cancel', intrusive_cancel)
            kwargs.setdefault('_sync_to', sync_to)
            return create_worker(func, *args, **kwargs)

        return worker_function

    return _inner if function is None else _inner(function)


def await_workers(msecs=None):
    """Asks every live worker of the default pool to quit and waits up to
    @msecs milliseconds (for ever if None) for them to finish, running the
    main context meanwhile. Raises RuntimeError if some did not finish."""
    pool = Tw.Pool.get_default()
    for worker in [pool.get_item(i) for i in range(pool.get_n_items())]:
        worker.quit()
    try:
        pool.await_(-1 if msecs is None else int(msecs))
    except GLib.Error as error:
        raise RuntimeError(
            'Workers did not quit gracefully in the time allotted (%s ms): %s'
            % (msecs, error.message)) from None


__all__ += ['create_worker', 'thread_worker', 'await_workers']


# ---------------------------------------------------------------------------
# Cancel at blocking calls: Tw.sleep(), Tw.wait(), Tw.cancellable()
#
# quit() cancels the run's GCancellable on the owner thread. A wait that
# blocks in the worker's Python code wakes up from that, never from a timeout
# checked over and over:
# * on a file descriptor (a socket, a pipe, a child's pidfd), poll() watches
#   the cancellable's own fd beside it;
# * on an object built on a threading.Condition (Event, Queue, Future, and
#   the private one of Tw.sleep), the wait parks on a waiter lock of its own,
#   exactly as Condition.wait() does, and the cancellable's `cancelled`
#   handler (owner thread) releases that one lock: other threads waiting on
#   the same object see no spurious wakeup.
# Outside a worker's run there is no cancellable and the waits are the plain
# calls. Everything here runs on the thread that calls it, but the
# `cancelled` handlers, which run on the owner thread.

import _thread
import concurrent.futures
import math
import os
import queue
import select
import subprocess

# Called on the worker thread just before a wait blocks (tests use it to
# quit a worker that is really blocked, with no sleep).
_blocking_hook = None

# How long Tw.wait() gives a child process between SIGTERM and SIGKILL.
DEFAULT_TERMINATE_GRACE = 2.0


def _run_cancellable():
    """The cancellable of the run whose Python code this thread runs, or
    None: outside a worker, and in a synchronous run()/work()."""
    worker = _current_worker()
    if worker is None:
        return None
    sync = _state(worker).sync
    if sync is not None and sync.thread == threading.get_ident():
        return None
    return worker.get_cancellable()


def cancellable():
    """The current run's :class:`Gio.Cancellable`, cancelled by ``quit()``:
    pass it to Gio calls made in the work so they return
    ``Gio.IOErrorEnum.CANCELLED`` at once. None outside a worker.

    Call it from the work, on the worker thread."""
    return _run_cancellable()


def _quit_asked(worker):
    """Worker thread: whether the current run was quit (a WorkerCancelled
    raised by a wait then ends the run with `aborted`)."""
    run_cancellable = worker.get_cancellable()
    return run_cancellable is not None and run_cancellable.is_cancelled()


class _Blocking:
    """One blocking wait in a worker's code. With intrusive cancel, quit()
    must not raise into this thread while it holds fds or waiter locks:
    the wait takes the thread out of quit()'s reach and puts it back after
    (raising WorkerCancelled then if quit() came meanwhile)."""

    def __init__(self):
        self.cancellable = _run_cancellable()
        self.state = None
        if self.cancellable is not None:
            state = _state(_current_worker())
            if state.intrusive and state.thread_ident == threading.get_ident():
                self.state = state

    def __enter__(self):
        if self.state is not None:
            _intrusive_leave(self.state)
        if self.cancellable is not None and self.cancellable.is_cancelled():
            self._restore()
            raise WorkerCancelled()
        return self.cancellable

    def __exit__(self, *exc_info):
        self._restore()
        return False

    def _restore(self):
        state, self.state = self.state, None
        if state is not None:
            _intrusive_enter(state)


class _Wakeup:
    """Releases the waiter lock a thread parks on, under a Condition, when
    the run's cancellable is cancelled. The handler runs on the owner
    thread, takes the condition's lock and releases the waiter only if no
    notify() took it first."""

    def __init__(self, cond, run_cancellable):
        self.cond = cond
        self.cancellable = run_cancellable
        self.waiter = None       # under cond's lock
        self.cancelled = False   # under cond's lock
        self.handler = GObject.Object.connect(run_cancellable, 'cancelled',
                                              self._on_cancelled)
        if run_cancellable.is_cancelled():   # before the handler was connected
            self._on_cancelled(run_cancellable)

    def _on_cancelled(self, run_cancellable):
        with self.cond:
            self.cancelled = True
            waiter = self.waiter
            if waiter is None:
                return
            try:
                self.cond._waiters.remove(waiter)
            except ValueError:
                return   # notified: it is released already
            waiter.release()

    def close(self):
        GObject.Object.disconnect(self.cancellable, self.handler)


def _deadline(timeout):
    if timeout is None:
        return None
    return time.monotonic() + max(float(timeout), 0.0)


def _wait_condition(cond, ready, take, run_cancellable, timeout):
    """Waits under @cond until ready() holds and returns take(), both called
    with the condition's lock held; raises TimeoutError after @timeout
    seconds and WorkerCancelled at once when @run_cancellable is
    cancelled."""
    deadline = _deadline(timeout)
    wake = None if run_cancellable is None else _Wakeup(cond, run_cancellable)
    try:
        with cond:
            while True:
                if wake is not None and wake.cancelled:
                    if ready():
                        cond.notify()   # a notify() meant for a taker may have woken us
                    raise WorkerCancelled()
                if ready():
                    return take()
                remaining = -1
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError()
                # Condition.wait(), with the waiter known to the handler.
                waiter = _thread.allocate_lock()
                waiter.acquire()
                cond._waiters.append(waiter)
                if wake is not None:
                    wake.waiter = waiter
                if _blocking_hook is not None:
                    _blocking_hook()
                saved = cond._release_save()
                got = False
                try:
                    got = waiter.acquire(True, remaining)
                finally:
                    cond._acquire_restore(saved)
                    if wake is not None:
                        wake.waiter = None
                    if not got:
                        try:
                            cond._waiters.remove(waiter)
                        except ValueError:
                            pass
    finally:
        if wake is not None:
            wake.close()


def _poll_readable(fd, run_cancellable, timeout):
    """Waits until @fd is readable (True) or @timeout seconds have passed
    (False); raises WorkerCancelled at once when @run_cancellable is
    cancelled: poll() watches its fd too."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    cancel_fd = -1
    if run_cancellable is not None:
        cancel_fd = run_cancellable.get_fd()
    try:
        if cancel_fd >= 0:
            poller.register(cancel_fd, select.POLLIN)
        deadline = _deadline(timeout)
        while True:
            ms = None
            if deadline is not None:
                ms = max(math.ceil((deadline - time.monotonic()) * 1000), 0)
            if _blocking_hook is not None:
                _blocking_hook()
            events = poller.poll(ms)
            if run_cancellable is not None and run_cancellable.is_cancelled():
                raise WorkerCancelled()
            if any(ready == fd for ready, _ in events):
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
    finally:
        if cancel_fd >= 0:
            run_cancellable.release_fd()


def sleep(seconds):
    """Like :func:`time.sleep`, but in a worker's run it returns at once
    when the worker is quit, raising :class:`WorkerCancelled` (the run ends
    with ``aborted``). Outside a worker it is :func:`time.sleep`."""
    blocking = _Blocking()
    if blocking.cancellable is None:
        time.sleep(seconds)
        return
    if seconds < 0:
        raise ValueError('sleep length must be non-negative')
    with blocking as run_cancellable:
        try:
            _wait_condition(threading.Condition(threading.Lock()), lambda: False,
                            None, run_cancellable, seconds)
        except TimeoutError:
            pass


def _wait_event(event, run_cancellable, timeout):
    return _wait_condition(event._cond, event.is_set, lambda: True,
                           run_cancellable, timeout)


def _wait_queue(q, run_cancellable, timeout):
    def take():
        item = q._get()
        q.not_full.notify()
        return item

    return _wait_condition(q.not_empty, lambda: q._qsize() > 0, take,
                           run_cancellable, timeout)


def _wait_future(future, run_cancellable, timeout):
    # The future's condition uses an RLock: done() and result() may take it.
    return _wait_condition(future._condition, future.done, lambda: future.result(0),
                           run_cancellable, timeout)


def _wait_fd(waitable, run_cancellable, timeout):
    pending = getattr(waitable, 'pending', None)   # ssl.SSLSocket's buffered bytes
    if pending is not None and pending() > 0:
        return waitable
    fd = waitable if isinstance(waitable, int) else waitable.fileno()
    if fd < 0:
        raise ValueError('Tw.wait(): %r is closed' % (waitable,))   # poll() would skip it
    if not _poll_readable(fd, run_cancellable, timeout):
        raise TimeoutError()
    return waitable


def _stop_child(proc, pidfd, grace):
    """Terminates @proc, kills it if it still runs after @grace seconds,
    and reaps it."""
    try:
        proc.terminate()
    except ProcessLookupError:
        pass
    if not _poll_readable(pidfd, None, grace):
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    proc.wait()


def _child_fd(proc):
    """A file descriptor readable once @proc has exited: its pidfd, or (where
    the kernel has none) the read end of a pipe whose other end a thread
    waiting for the child closes."""
    try:
        return os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        pass
    read_fd, write_fd = os.pipe()

    def reap():
        try:
            proc.wait()
        finally:
            os.close(write_fd)   # EOF: readable

    thread = threading.Thread(target=reap, name='Tw.wait child reaper', daemon=True)
    thread.start()
    return read_fd


def _wait_process(proc, run_cancellable, timeout, grace):
    if proc.poll() is not None:
        return proc.returncode
    fd = _child_fd(proc)
    try:
        try:
            exited = _poll_readable(fd, run_cancellable, timeout)
        except WorkerCancelled:
            _stop_child(proc, fd, grace)
            raise
        if not exited:
            raise TimeoutError()
        return proc.wait()
    finally:
        # After a timeout, a fallback reaper goes on waiting for the child
        # and closes its own end of the pipe when the child exits.
        os.close(fd)


def wait(waitable, timeout=None, *, grace=None):
    """Blocks until @waitable is ready and returns what it gives; in a
    worker's run, raises :class:`WorkerCancelled` at once when the worker is
    quit (the run ends with ``aborted``). @waitable is one of:

    * a :class:`threading.Event`: returns True once it is set;
    * a :class:`queue.Queue` (or a subclass): returns the next item, like
      ``get()``;
    * a :class:`concurrent.futures.Future`: returns its result (raises its
      exception);
    * a :class:`subprocess.Popen`: returns the exit code; when the worker is
      quit the child is terminated, killed after @grace seconds (default
      ``Tw.DEFAULT_TERMINATE_GRACE``) if it is still running, and reaped
      before WorkerCancelled is raised;
    * a socket, or any object with ``fileno()``, or a file descriptor:
      returns @waitable once it is readable (or at end of file).

    After @timeout seconds (None: no limit) it raises :class:`TimeoutError`.
    Outside a worker it waits like the plain call, with no cancellation.
    """
    if isinstance(waitable, threading.Event):
        how = _wait_event
    elif isinstance(waitable, queue.Queue):
        how = _wait_queue
    elif isinstance(waitable, concurrent.futures.Future):
        how = _wait_future
    elif isinstance(waitable, subprocess.Popen):
        grace = DEFAULT_TERMINATE_GRACE if grace is None else float(grace)
        how = lambda p, c, t: _wait_process(p, c, t, grace)   # noqa: E731
    elif isinstance(waitable, int) or hasattr(waitable, 'fileno'):
        how = _wait_fd
    else:
        raise TypeError('Tw.wait() takes a threading.Event, a queue.Queue, a '
                        'concurrent.futures.Future, a subprocess.Popen, a socket or a '
                        'file descriptor, not %s' % type(waitable).__name__)
    with _Blocking() as run_cancellable:
        return how(waitable, run_cancellable, timeout)


__all__ += ['sleep', 'wait', 'cancellable', 'DEFAULT_TERMINATE_GRACE']
