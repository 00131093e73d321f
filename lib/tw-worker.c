/* tw-worker.c: TwWorker, the GObject: its type, properties and signals, the
 * state the owner sees, and the delivery of a run's events as signals, the
 * only place they are emitted. The owner thread only, except the debug
 * switch and _tw_i18n_init(); the owner-thread API is in tw-worker-owner.c,
 * the run and the worker-thread API in tw-run.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "tw-enums.h"
#include "tw-worker-private.h"
#include "tw-worker-props-private.h"

int _tw_debug_env = -1;

/* Reads G_MESSAGES_DEBUG once (see TW_DEBUG()), with GLib's own rule:
 * "all", or a list that names our domain. g_log_set_debug_enabled() is
 * checked apart, on every call: it can change at any time. */
int
_tw_debug_env_read (void)
{
  const char *domains = g_getenv ("G_MESSAGES_DEBUG");
  int env = domains != NULL && (strcmp (domains, "all") == 0 || strstr (domains, G_LOG_DOMAIN) != NULL);

  g_atomic_int_set (&_tw_debug_env, env);
  return env;
}

/**
 * TwWorker:
 *
 * A unit of work that runs on a thread from a [class@Tw.Pool] and reports on
 * the main context it was created in.
 *
 * ## Threads
 *
 * A worker belongs to its *owner context*: the thread-default
 * [struct@GLib.MainContext] of the thread that created it. Every signal and
 * every property notification is emitted on that context, never on a worker
 * thread, so handlers may touch GTK widgets.
 *
 * - Owner thread: [method@Tw.Worker.start], [method@Tw.Worker.pause],
 *   [method@Tw.Worker.resume], [method@Tw.Worker.toggle_pause],
 *   [method@Tw.Worker.quit], [method@Tw.Worker.send],
 *   [method@Tw.Worker.restart], [method@Tw.Worker.run_async],
 *   [method@Tw.Worker.get_actions] (and the activation of its actions),
 *   [method@Tw.Worker.quit_with], the property setters and every getter of
 *   run state. The functions that change something refuse any other thread
 *   (a work that calls them, say) with a critical, and leave the worker as
 *   it was.
 * - Worker thread, only from inside the work: [method@Tw.Worker.yield_value]
 *   and its conveniences, [method@Tw.Worker.return_value] and its
 *   conveniences, [method@Tw.Worker.return_error],
 *   [method@Tw.Worker.checkpoint], [method@Tw.Worker.sleep],
 *   [method@Tw.Worker.set_progress], [method@Tw.Worker.set_progress_text],
 *   [method@Tw.Worker.set_progress_with_text], [method@Tw.Worker.warn],
 *   [method@Tw.Worker.get_cancellable].
 *
 * ## Signal order
 *
 * Each run emits [signal@Tw.Worker::started] first; then
 * [signal@Tw.Worker::yielded] in the order values were produced, with
 * [signal@Tw.Worker::paused], [signal@Tw.Worker::resumed] and
 * [signal@Tw.Worker::warned] in between; then exactly one of
 * [signal@Tw.Worker::returned], [signal@Tw.Worker::errored] or
 * [signal@Tw.Worker::aborted]; then exactly one [signal@Tw.Worker::finished].
 * Every value yielded before the end of the run is delivered before the
 * terminal signal (with %TW_YIELD_POLICY_LATEST, undelivered values are
 * replaced by newer ones, but the last one is always delivered). Once
 * [method@Tw.Worker.quit] has been called, the run ends with `aborted`, even if
 * the work went on to return a value or an error.
 *
 * A running worker keeps itself alive: the last reference may be dropped while
 * it runs, and it is finalized after `finished`.
 */

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (TwWorker, tw_worker, G_TYPE_OBJECT)

enum {
  STARTED,
  YIELDED,
  RETURNED,
  ERRORED,
  WARNED,
  PAUSED,
  RESUMED,
  ABORTED,
  FINISHED,
  N_SIGNALS
};

gint _tw_worker_private_offset;   /* see _tw_worker_get_private() */
GParamSpec *_tw_worker_properties[N_PROPS];
static guint signals[N_SIGNALS];
static guint notify_signal;   /* GObject::notify */
static guint name_counter;

G_DEFINE_QUARK (tw-worker-error-quark, tw_worker_error)

void
_tw_i18n_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}

/* ------------------------------------------------------------------------ */
/* Owner-side state                                                         */

/* Its address tells the owner thread (see tw-worker-private.h). */
_Thread_local char _tw_thread_marker;

gboolean
_tw_worker_is_owner_thread (TwWorker *self)
{
  return _tw_worker_is_owner_thread_inline (self);
}

/* The owner-thread API refuses every other thread (a work that calls it, a
 * thread of the application's), leaving the worker as it was: it would
 * otherwise change the run's state under the owner's feet and emit
 * notifications on the wrong thread. */
void
_tw_worker_not_owner_thread_critical (TwWorker   *self,
                                      const char *func)
{
  g_critical ("%s: must be called on the owner thread of %s (the thread of its "
              "main context), not %s", func, G_OBJECT_TYPE_NAME (self),
              _tw_worker_get_current_run (self) != NULL ? "from its work"
              : _tw_run_get_current () != NULL ? "from the work of another worker"
              : "from another thread");
}

gboolean
_tw_worker_check_owner_thread (TwWorker   *self,
                               const char *func)
{
  if (G_LIKELY (_tw_worker_is_owner_thread_inline (self)))
    return TRUE;
  _tw_worker_not_owner_thread_critical (self, func);
  return FALSE;
}

/* Whether anything can observe a notification: a notify handler (bindings
 * and GTK's list items connect one) or a notify vfunc. Matching the signal
 * id alone finds handlers of every detail ("notify::state");
 * g_signal_has_handler_pending() with detail 0 would miss those. */
static gboolean
is_watched (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  if (priv->watch_known)
    return priv->watched;
  return G_OBJECT_GET_CLASS (self)->notify != NULL ||
         g_signal_handler_find (self, G_SIGNAL_MATCH_ID, notify_signal, 0,
                                NULL, NULL, NULL) != 0;
}

/* Inside a notify section, before a signal is emitted: its handlers may
 * connect or disconnect a notify handler and then change the worker, so
 * from now on notifications look again. */
static inline void
watch_unknown (TwWorker *self)
{
  _tw_worker_get_private (self)->watch_known = FALSE;
}

void
_tw_worker_forget_watch (TwWorker *self)
{
  watch_unknown (self);
}

/* Owner thread: notifies @prop unless nothing can observe it. With nobody
 * watching, GLib 2.74 still freezes and thaws the notify queue (two qdata
 * look-ups and a set) and calls dispatch_properties_changed, ~900
 * instructions a notification; the handler look-up costs ~220. A worker
 * changes state three times a run, and most workers are never watched.
 * Looked up at each notification, except within a notify section until a
 * signal is emitted (the worker's or the pool's): a handler connected from
 * any signal still gets the notifications after it. */
void
_tw_worker_notify (TwWorker *self,
                   guint     prop)
{
  if (is_watched (self))
    g_object_notify_by_pspec (G_OBJECT (self), _tw_worker_properties[prop]);
}

/* A notify section: a state change that notifies several properties at
 * once. g_object_freeze_notify() and its thaw cost more than the rest of a
 * state change, and with nobody watching there is nothing to hold back:
 * it freezes only when someone listens, and the notifications inside look
 * that up once, until the section emits a signal (watch_unknown()).
 * Returns whether it froze; end it with thaw_notify_if_frozen(). */
static gboolean
freeze_notify_if_watched (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  gboolean watched = is_watched (self);

  priv->watched = watched;
  priv->watch_known = TRUE;
  if (watched)
    g_object_freeze_notify (G_OBJECT (self));
  return watched;
}

static void
thaw_notify_if_frozen (TwWorker *self,
                       gboolean  frozen)
{
  /* Not restored for an enclosing section: one only encloses another
   * through a handler, and a handler makes it look again anyway. */
  watch_unknown (self);
  if (frozen)
    g_object_thaw_notify (G_OBJECT (self));
}

static void
set_state (TwWorker      *self,
           TwWorkerState  state)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwWorkerState old = priv->state;
  gboolean was_paused = priv->is_paused;

  if (old == state)
    return;

  priv->state = state;
  priv->is_paused = state == TW_WORKER_STATE_PAUSED;
  if (priv->pool != NULL)
    _tw_pool_track (priv->pool, self, old, state);

  _tw_worker_notify (self, PROP_STATE);
  if (was_paused != priv->is_paused)
    _tw_worker_notify (self, PROP_IS_PAUSED);
}

void
_tw_worker_set_abort_requested (TwWorker *self,
                                gboolean  abort_requested)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  if (priv->abort_requested == !!abort_requested)
    return;
  priv->abort_requested = !!abort_requested;
  _tw_worker_notify (self, PROP_ABORT_REQUESTED);
}

void
_tw_worker_set_progress (TwWorker   *self,
                         double      progress,
                         const char *text)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  gboolean progress_changed = priv->progress != progress;
  gboolean text_changed = _tw_set_str (&priv->progress_text, text);

  /* Both change before either is notified: a `notify::progress` handler
   * reads the text that came with the fraction. */
  priv->progress = progress;
  if (progress_changed)
    _tw_worker_notify (self, PROP_PROGRESS);
  if (text_changed)
    _tw_worker_notify (self, PROP_PROGRESS_TEXT);
}

TwRun *
_tw_worker_get_run (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  return priv->run;
}

GList *
_tw_worker_get_pool_link (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  return &priv->pool_link;
}

GSequenceIter *
_tw_worker_get_pool_iter (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  return priv->pool_iter;
}

void
_tw_worker_set_pool_iter (TwWorker      *self,
                          GSequenceIter *iter)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  priv->pool_iter = iter;
}

/* ------------------------------------------------------------------------ */
/* Delivery (owner thread): the one place signals are emitted.             */

static void
tw_run_dispatch_done (TwRun *run)
{
  TwWorker *self = run->worker;
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwOutcome outcome = run->quit_called ? TW_OUTCOME_ABORTED : run->outcome;
  const GValue *returned = &run->result.value;
  g_auto(GValue) nothing = G_VALUE_INIT;
  GValue task_value = G_VALUE_INIT;
  GError *task_error = NULL;
  TwValueOwner *task_owner = NULL;
  gboolean frozen;

  /* The last progress value is always delivered. */
  _tw_run_finish_progress (run);

  frozen = freeze_notify_if_watched (self);

  TW_DEBUG ("Worker “%s”: %s after %.3f ms", tw_worker_get_name (self),
            outcome == TW_OUTCOME_RETURNED ? "returned"
            : outcome == TW_OUTCOME_ERRORED ? "errored" : "aborted",
            priv->debug_started == 0 ? 0.0
            : (g_get_monotonic_time () - priv->debug_started) / 1000.0);
  priv->debug_started = 0;

  switch (outcome)
    {
    case TW_OUTCOME_RETURNED:
      /* A run that returns no value (a generator that ran out, a function
       * that reported nothing) keeps its last yielded value as the value:
       * only a returned value replaces it. */
      if (G_IS_VALUE (&run->result.value))
        {
          _tw_value_move (&priv->value, &run->result);
          returned = &priv->value.value;
        }
      g_clear_error (&priv->error);
      set_state (self, TW_WORKER_STATE_FINISHED);
      /* No bindings can convert an unset GValue: "nothing" is a NULL
       * pointer, None in Python and null in JavaScript. */
      if (!G_IS_VALUE (returned))
        g_value_init (&nothing, G_TYPE_POINTER);
      watch_unknown (self);
      g_signal_emit (self, signals[RETURNED], 0, G_IS_VALUE (returned) ? returned : &nothing);
      break;
    case TW_OUTCOME_ERRORED:
      g_clear_error (&priv->error);
      priv->error = g_steal_pointer (&run->error);
      set_state (self, TW_WORKER_STATE_ERRORED);
      watch_unknown (self);
      g_signal_emit (self, signals[ERRORED], 0, priv->error);
      break;
    case TW_OUTCOME_ABORTED:
    default:
      set_state (self, TW_WORKER_STATE_ABORTED);
      watch_unknown (self);
      g_signal_emit (self, signals[ABORTED], 0);
      break;
    }

  /* The run_async calls get this run's outcome, taken now: a `finished`
   * handler may iterate the context while another run replaces the value
   * and the error. No call can join the run once it is not the live one. */
  if (run->tasks != NULL)
    {
      if (outcome == TW_OUTCOME_RETURNED && G_IS_VALUE (returned))
        {
          g_value_init (&task_value, G_VALUE_TYPE (returned));
          g_value_copy (returned, &task_value);
          if (returned == &priv->value.value)
            task_owner = _tw_value_share (&priv->value);
        }
      else if (outcome == TW_OUTCOME_ERRORED)
        task_error = g_error_copy (priv->error);
    }

  priv->run = NULL;
  priv->pause_requested = FALSE;
  _tw_worker_notify (self, PROP_IS_RUNNING);
  thaw_notify_if_frozen (self, frozen);
  _tw_worker_controls_changed (self);

  g_signal_emit (self, signals[FINISHED], 0);

  _tw_worker_complete_tasks (self, g_steal_pointer (&run->tasks), outcome,
                            &task_value, task_error, task_owner);
  if (G_IS_VALUE (&task_value))
    g_value_unset (&task_value);
  g_clear_error (&task_error);
  g_clear_pointer (&task_owner, _tw_value_owner_unref);

  /* restart(): the new run begins only now that the old one has ended. */
  if (priv->restart_pending && priv->run == NULL)
    {
      priv->restart_pending = FALSE;
      _tw_worker_start_run (self);
    }

  _tw_run_free (run);
}

/* Owner thread: delivers the next value of the batch @batch, the head of
 * @queue. It stays first until its last value, which takes it out: a
 * handler that iterates the context continues the batch before anything
 * queued after it (see TwDispatchFunc). */
static void
tw_batch_deliver_one (TwWorker *self,
                      TwEvent  *batch,
                      GQueue   *queue)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run = batch->run;
  TwValue value = TW_VALUE_INIT;

  if (!batch->batch_closed)
    _tw_run_close_batch (run, batch);
  _tw_run_take_counted (run, _tw_run_take_value (run, &value));
  if (--batch->n_values == 0)
    {
      g_queue_unlink (queue, &batch->item.link);
      _tw_event_free (batch);
    }
  _tw_value_move (&priv->value, &value);
  g_signal_emit (self, signals[YIELDED], 0, &priv->value.value);
}

/* Owner thread: emits what @event, the head of @queue, reports, now. Takes
 * it out of @queue and frees it, but for a batch of values with more to
 * deliver (tw_batch_deliver_one()). */
void
_tw_event_dispatch_now (TwEvent *event,
                        GQueue  *queue)
{
  TwRun *run = event->run;
  TwWorker *self = run->worker;
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  /* A handler may iterate the owner context (a nested main loop, or
   * tw_pool_await()): the run can then end inside this emission, drop its
   * reference on the worker and be freed. Keep the worker alive until the
   * event is done with it, and touch @run only before emitting. */
  g_object_ref (self);

  if (event->kind == TW_EVENT_YIELDED)
    {
      tw_batch_deliver_one (self, event, queue);
      g_object_unref (self);
      return;
    }

  g_queue_unlink (queue, &event->item.link);

  switch (event->kind)
    {
    case TW_EVENT_STARTED:
      {
        gboolean frozen = freeze_notify_if_watched (self);

        _tw_worker_set_progress (self, 0.0, NULL);
        set_state (self, TW_WORKER_STATE_RUNNING);
        thaw_notify_if_frozen (self, frozen);
        if (G_UNLIKELY (_tw_debug_enabled ()))
          {
            priv->debug_started = g_get_monotonic_time ();
            g_debug ("Worker “%s”: started", tw_worker_get_name (self));
          }
        /* The event lives in the run, which a handler that iterates the
         * context may see end and freed: done with it before emitting. */
        _tw_event_free (event);
        g_signal_emit (self, signals[STARTED], 0);
        g_object_unref (self);
      }
      return;

    case TW_EVENT_LATEST:
      {
        TwValue latest = TW_VALUE_INIT;

        _tw_run_take_latest (run, &latest);

        if (G_IS_VALUE (&latest.value))
          {
            _tw_value_move (&priv->value, &latest);
            g_signal_emit (self, signals[YIELDED], 0, &priv->value.value);
          }
      }
      break;

    case TW_EVENT_PROGRESS:
      /* Coalesced: at most one notify per interval (tw-run.c). */
      _tw_run_dispatch_progress (run, priv->context);
      break;

    case TW_EVENT_WARNED:
      g_signal_emit (self, signals[WARNED], 0, event->message);
      break;

    case TW_EVENT_EMIT:
      _tw_run_take_counted (run, 0);
      g_value_init (&event->args[0], G_OBJECT_TYPE (self));
      g_value_set_object (&event->args[0], self);
      g_signal_emitv (event->args, event->signal_id, event->detail, NULL);
      break;

    case TW_EVENT_PAUSED:
      set_state (self, TW_WORKER_STATE_PAUSED);
      g_signal_emit (self, signals[PAUSED], 0);
      break;

    case TW_EVENT_RESUMED:
      set_state (self, TW_WORKER_STATE_RUNNING);
      g_signal_emit (self, signals[RESUMED], 0);
      break;

    case TW_EVENT_DONE:
      _tw_event_free (event);
      tw_run_dispatch_done (run);
      g_object_unref (self);
      return;

    default:
      g_assert_not_reached ();
    }

  _tw_event_free (event);
  g_object_unref (self);
}

void
_tw_event_dispatch (TwDispatchItem *item,
                    GQueue         *queue)
{
  TwEvent *event = (TwEvent *) item;

  if (G_LIKELY (!_tw_worker_gate_take (event->run->worker, event, queue)))
    _tw_event_dispatch_now (event, queue);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
tw_worker_real_work (TwWorker     *self,
                     GCancellable *cancellable)
{
  g_critical ("%s does not implement TwWorker.work()", G_OBJECT_TYPE_NAME (self));
}

gboolean
_tw_worker_real_send (TwWorker     *self,
                      const GValue *value,
                      GError      **error)
{
  g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_SUPPORTED,
               _("Workers of type %s do not accept sent values"),
               G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

static void
tw_worker_real_pause (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  _tw_run_request_pause (priv->run, TRUE);
}

static void
tw_worker_real_resume (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  _tw_run_request_pause (priv->run, FALSE);
}

static void
tw_worker_real_quit (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  /* Also cancels the run's cancellable. */
  _tw_run_request_quit (priv->run);
}

static void
tw_worker_constructed (GObject *object)
{
  TwWorker *self = TW_WORKER (object);
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  G_OBJECT_CLASS (tw_worker_parent_class)->constructed (object);

  /* The default name is numbered now and written on first read: most
   * workers' names are never read, and formatting one costs as much as a
   * signal emission. */
  if (priv->name == NULL)
    priv->number = g_atomic_int_add (&name_counter, 1);
}

static void
tw_worker_finalize (GObject *object)
{
  TwWorker *self = TW_WORKER (object);
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  g_assert (priv->run == NULL);
  g_assert (priv->pending_tasks == NULL);
  /* Held events keep the worker alive, so none can be left. */
  g_assert (priv->held.length == 0);

  if (priv->gate_destroy != NULL)
    priv->gate_destroy (priv->gate_data);
  g_clear_pointer (&priv->ui, _tw_worker_ui_free);

  _tw_value_clear (&priv->value);
  g_clear_error (&priv->error);
  g_clear_pointer (&priv->name, g_free);
  g_clear_pointer (&priv->progress_text, g_free);
  g_clear_object (&priv->pool);
  g_clear_pointer (&priv->dispatcher, _tw_dispatcher_unref);
  g_clear_pointer (&priv->context, g_main_context_unref);

  G_OBJECT_CLASS (tw_worker_parent_class)->finalize (object);
}

static void
tw_worker_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TwWorker *self = TW_WORKER (object);
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, tw_worker_get_name (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, priv->state);
      break;
    case PROP_IS_RUNNING:
      g_value_set_boolean (value, tw_worker_get_is_running (self));
      break;
    case PROP_IS_PAUSED:
      g_value_set_boolean (value, priv->is_paused);
      break;
    case PROP_ABORT_REQUESTED:
      g_value_set_boolean (value, priv->abort_requested);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, priv->progress);
      break;
    case PROP_PROGRESS_TEXT:
      g_value_set_string (value, priv->progress_text);
      break;
    case PROP_YIELD_POLICY:
      g_value_set_enum (value, priv->yield_policy);
      break;
    case PROP_MAX_PENDING_YIELDS:
      g_value_set_uint (value, priv->max_pending_yields);
      break;
    case PROP_MAX_PENDING_BYTES:
      g_value_set_uint64 (value, priv->max_pending_bytes);
      break;
    case PROP_POOL:
      g_value_set_object (value, priv->pool);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tw_worker_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  TwWorker *self = TW_WORKER (object);

  switch (prop_id)
    {
    case PROP_NAME:
      tw_worker_set_name (self, g_value_get_string (value));
      break;
    case PROP_YIELD_POLICY:
      tw_worker_set_yield_policy (self, g_value_get_enum (value));
      break;
    case PROP_MAX_PENDING_YIELDS:
      tw_worker_set_max_pending_yields (self, g_value_get_uint (value));
      break;
    case PROP_MAX_PENDING_BYTES:
      tw_worker_set_max_pending_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_POOL:
      tw_worker_set_pool (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Notifications are emitted on the owner thread only, even these: a
 * g_object_set() from another thread (refused by the setter, with a
 * critical) freezes the object's notify queue for every thread, and its
 * thaw would emit there what the owner notified meanwhile (a state change,
 * say). They go to the owner context instead, in one idle callback. */
static void
tw_worker_dispatch_properties_changed (GObject     *object,
                                       guint        n_pspecs,
                                       GParamSpec **pspecs)
{
  TwWorker *self = TW_WORKER (object);

  if (G_LIKELY (_tw_worker_is_owner_thread_inline (self)))
    {
      G_OBJECT_CLASS (tw_worker_parent_class)->dispatch_properties_changed (object, n_pspecs,
                                                                          pspecs);
      return;
    }

  _tw_context_post_notify (_tw_worker_get_private (self)->context, object,
                           G_OBJECT_CLASS (tw_worker_parent_class), n_pspecs, pspecs);
}

static void
tw_worker_class_init (TwWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _tw_worker_private_offset = TwWorker_private_offset;
  _tw_i18n_init ();

  /* Error quarks cache their value in a static variable without a lock
   * (G_DEFINE_QUARK): resolved here, before any worker exists, runs on pool
   * threads only read them, and never race to store them (a data race
   * ThreadSanitizer reports). G_IO_ERROR is the one GIO sets on those
   * threads for a cancelled read or wait. */
  tw_worker_error_quark ();
  g_io_error_quark ();

  /* Likewise, the first initialization of a class sets a flag on its parent
   * class without a lock (g_object_base_class_init() in GLib 2.74), which
   * races with a g_object_new() of the parent type on another thread (a
   * work making a plain GObject, say). The GObject classes the engine
   * makes instances of are initialized here, before any run exists. */
  g_type_class_unref (g_type_class_ref (G_TYPE_TASK));
  g_type_class_unref (g_type_class_ref (G_TYPE_CANCELLABLE));

  object_class->constructed = tw_worker_constructed;
  object_class->finalize = tw_worker_finalize;
  object_class->get_property = tw_worker_get_property;
  object_class->set_property = tw_worker_set_property;
  object_class->dispatch_properties_changed = tw_worker_dispatch_properties_changed;

  klass->work = tw_worker_real_work;
  klass->send = _tw_worker_real_send;
  klass->pause = tw_worker_real_pause;
  klass->resume = tw_worker_real_resume;
  klass->quit = tw_worker_real_quit;

  /**
   * TwWorker:name:
   *
   * A name for the worker, used in messages (for example by
   * [method@Tw.Pool.await] when a worker does not stop) and shown by task
   * lists. Defaults to the type name and a number.
   */
  _tw_worker_properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:state:
   *
   * The state of the worker as seen on the owner thread.
   */
  _tw_worker_properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       TW_TYPE_WORKER_STATE, TW_WORKER_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:is-running:
   *
   * Whether a run is in progress: %TRUE from [method@Tw.Worker.start] until
   * [signal@Tw.Worker::finished] is emitted (while waiting for a thread,
   * running or paused).
   */
  _tw_worker_properties[PROP_IS_RUNNING] =
    g_param_spec_boolean ("is-running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:is-paused:
   *
   * Whether the work has really paused: set when [signal@Tw.Worker::paused]
   * is emitted, not when the pause is requested.
   */
  _tw_worker_properties[PROP_IS_PAUSED] =
    g_param_spec_boolean ("is-paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:abort-requested:
   *
   * Whether [method@Tw.Worker.quit] was called for the current (or last) run.
   * Reset when a new run starts.
   */
  _tw_worker_properties[PROP_ABORT_REQUESTED] =
    g_param_spec_boolean ("abort-requested", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:progress:
   *
   * The progress of the run, from 0 to 1, or negative when unknown, as set by
   * the work with [method@Tw.Worker.set_progress]. Notifications are
   * coalesced (at most about one per frame) and the last value is always
   * delivered. Reset to 0 when a run starts. Bind it to
   * `GtkProgressBar:fraction` with g_object_bind_property(). That property
   * ranges from 0 to 1, so GObject warns if an unknown (negative) progress
   * is bound to it: work that reports unknown progress should be bound with
   * g_object_bind_property_full() and a transform that skips it (and pulse
   * the bar instead).
   */
  _tw_worker_properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:progress-text:
   *
   * A text describing the progress, as set by
   * [method@Tw.Worker.set_progress_text], or %NULL.
   */
  _tw_worker_properties[PROP_PROGRESS_TEXT] =
    g_param_spec_string ("progress-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:yield-policy:
   *
   * How yielded values travel to the owner. Takes effect at the next start.
   */
  _tw_worker_properties[PROP_YIELD_POLICY] =
    g_param_spec_enum ("yield-policy", NULL, NULL,
                       TW_TYPE_YIELD_POLICY, TW_YIELD_POLICY_QUEUE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:max-pending-yields:
   *
   * With %TW_YIELD_POLICY_QUEUE, how many yielded values may wait for the
   * owner before [method@Tw.Worker.yield_value] blocks. Takes effect at the
   * next start.
   */
  _tw_worker_properties[PROP_MAX_PENDING_YIELDS] =
    g_param_spec_uint ("max-pending-yields", NULL, NULL,
                       1, G_MAXUINT, TW_DEFAULT_MAX_PENDING_YIELDS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:max-pending-bytes:
   *
   * With %TW_YIELD_POLICY_QUEUE, how many bytes the yielded values waiting
   * for the owner may keep alive before [method@Tw.Worker.yield_value]
   * blocks, besides [property@Tw.Worker:max-pending-yields]. A value is
   * sized by [func@Tw.value_size] (strings, [struct@GLib.Bytes], types with
   * a registered size such as `GdkTexture` when libthreadworker-gtk is
   * loaded) or by [method@Tw.Worker.yield_value_sized]; values of size 0
   * (numbers, small objects) count only against max-pending-yields. A value
   * bigger than the budget is delivered alone. The default, 32 MiB, keeps a
   * stream of 2 MiB frames (512×512 float64) under 64 MiB. Takes effect at
   * the next start.
   */
  _tw_worker_properties[PROP_MAX_PENDING_BYTES] =
    g_param_spec_uint64 ("max-pending-bytes", NULL, NULL,
                         1, G_MAXUINT64, TW_DEFAULT_MAX_PENDING_BYTES,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:pool:
   *
   * The pool whose threads run the work; %NULL until set or started, when
   * the default pool is used.
   */
  _tw_worker_properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, TW_TYPE_POOL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, _tw_worker_properties);

  notify_signal = g_signal_lookup ("notify", G_TYPE_OBJECT);

  /**
   * TwWorker::started:
   *
   * Emitted on the owner context when a run begins, before anything else of
   * the run.
   */
  signals[STARTED] =
    g_signal_new ("started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__VOID, G_TYPE_NONE, 0);
  g_signal_set_va_marshaller (signals[STARTED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__VOIDv);

  /**
   * TwWorker::yielded:
   * @self: the worker
   * @value: the yielded value; owned by the worker, valid during the emission
   *   (copy it to keep it, or read it later with [method@Tw.Worker.get_value])
   *
   * Emitted on the owner context for each value the work yields, in order.
   */
  signals[YIELDED] =
    g_signal_new ("yielded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__BOXED, G_TYPE_NONE,
                  1, G_TYPE_VALUE | G_SIGNAL_TYPE_STATIC_SCOPE);
  g_signal_set_va_marshaller (signals[YIELDED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__BOXEDv);

  /**
   * TwWorker::returned:
   * @self: the worker
   * @value: the result. A run that returned nothing (a generator that ran
   *   out, a work function that reported no result) gives a %G_TYPE_POINTER
   *   value holding %NULL, never an unset value: bindings convert it (`None`
   *   in Python, `null` in JavaScript), and C handlers test it with
   *   `G_VALUE_HOLDS_POINTER (value) && g_value_get_pointer (value) == NULL`.
   *
   * Emitted on the owner context when a run returns a result. Never emitted
   * after [method@Tw.Worker.quit].
   */
  signals[RETURNED] =
    g_signal_new ("returned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__BOXED, G_TYPE_NONE,
                  1, G_TYPE_VALUE | G_SIGNAL_TYPE_STATIC_SCOPE);
  g_signal_set_va_marshaller (signals[RETURNED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__BOXEDv);

  /**
   * TwWorker::errored:
   * @self: the worker
   * @error: the error the work reported
   *
   * Emitted on the owner context when a run fails.
   */
  signals[ERRORED] =
    g_signal_new ("errored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__BOXED, G_TYPE_NONE,
                  1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  g_signal_set_va_marshaller (signals[ERRORED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__BOXEDv);

  /**
   * TwWorker::warned:
   * @self: the worker
   * @message: the warning
   *
   * Emitted on the owner context for each [method@Tw.Worker.warn] of the work.
   */
  signals[WARNED] =
    g_signal_new ("warned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__STRING, G_TYPE_NONE,
                  1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
  g_signal_set_va_marshaller (signals[WARNED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__STRINGv);

  /**
   * TwWorker::paused:
   *
   * Emitted on the owner context once the work has really paused (at a
   * checkpoint), not when the pause was requested.
   */
  signals[PAUSED] =
    g_signal_new ("paused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__VOID, G_TYPE_NONE, 0);
  g_signal_set_va_marshaller (signals[PAUSED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__VOIDv);

  /**
   * TwWorker::resumed:
   *
   * Emitted on the owner context when paused work runs again.
   */
  signals[RESUMED] =
    g_signal_new ("resumed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__VOID, G_TYPE_NONE, 0);
  g_signal_set_va_marshaller (signals[RESUMED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__VOIDv);

  /**
   * TwWorker::aborted:
   *
   * Emitted on the owner context when a run ends because
   * [method@Tw.Worker.quit] was called.
   */
  signals[ABORTED] =
    g_signal_new ("aborted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__VOID, G_TYPE_NONE, 0);
  g_signal_set_va_marshaller (signals[ABORTED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__VOIDv);

  /**
   * TwWorker::finished:
   *
   * Emitted on the owner context once per run, last, after `returned`,
   * `errored` or `aborted`. The worker may be started again from a handler.
   */
  signals[FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, g_cclosure_marshal_VOID__VOID, G_TYPE_NONE, 0);
  g_signal_set_va_marshaller (signals[FINISHED], G_TYPE_FROM_CLASS (klass),
                              g_cclosure_marshal_VOID__VOIDv);
}

static void
tw_worker_init (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  priv->context = g_main_context_ref_thread_default ();
  priv->owner_marker = &_tw_thread_marker;
  priv->dispatcher = _tw_dispatcher_ref_for_context (priv->context);
  priv->yield_policy = TW_YIELD_POLICY_QUEUE;
  priv->max_pending_yields = TW_DEFAULT_MAX_PENDING_YIELDS;
  priv->max_pending_bytes = TW_DEFAULT_MAX_PENDING_BYTES;
  priv->value = (TwValue) TW_VALUE_INIT;
}

/* ------------------------------------------------------------------------ */
/* Starting a run                                                           */

void
_tw_worker_start_run (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run;
  gboolean frozen;

  if (priv->pool == NULL)
    priv->pool = g_object_ref (tw_pool_get_default ());

  run = _tw_run_new (self, priv->dispatcher, priv->pool, priv->yield_policy,
                     priv->max_pending_yields, priv->max_pending_bytes);
  priv->run = run;
  priv->pause_requested = FALSE;
  /* This run is the one a pending restart asked for (a `finished` handler
   * may start the worker before the restart does): never start two. */
  priv->restart_pending = FALSE;
  run->tasks = g_steal_pointer (&priv->pending_tasks);

  frozen = freeze_notify_if_watched (self);
  _tw_worker_set_abort_requested (self, FALSE);
  set_state (self, TW_WORKER_STATE_WAITING);
  _tw_worker_notify (self, PROP_IS_RUNNING);
  thaw_notify_if_frozen (self, frozen);
  _tw_worker_controls_changed (self);

  _tw_pool_submit (priv->pool, run);
}

