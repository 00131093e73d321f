/* tw-worker.c: TwWorker, the state machine of a worker and the only place its
 * signals are emitted. Owns the owner-side view (state, value, error,
 * progress), the worker-thread API (yield, return, checkpoint, progress) and
 * the run lifecycle (start, pause, quit, restart, run_async).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "tw-enums.h"
#include "tw-value-size.h"
#include "tw-worker-private.h"

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

typedef struct
{
  GMainContext  *context;
  const char    *owner_marker;  /* &thread_marker of the creating thread */
  TwDispatcher  *dispatcher;
  TwPool        *pool;
  char          *name;          /* NULL until first read: see get_name() */
  guint          number;        /* of the default name */
  TwYieldPolicy  yield_policy;
  guint          max_pending_yields;
  guint64        max_pending_bytes;

  /* Owner view, changed only on the owner thread. */
  TwWorkerState  state;
  guint          is_paused : 1;
  guint          abort_requested : 1;
  guint          pause_requested : 1;
  guint          restart_pending : 1;
  double         progress;
  char          *progress_text;
  TwValue        value;
  GError        *error;
  TwRun         *run;           /* the live run (started, not finished) */
  GSequenceIter *pool_iter;     /* place in the pool's live list; pool context only */
  GList         *pending_tasks; /* run_async calls waiting for a restart */
  gint64         debug_started; /* when `started` was emitted; only with TW_DEBUG on */

  /* The delivery gate (tw_worker_set_delivery_gate()), owner thread only:
   * events held back until the gate's owner calls deliver_held(). */
  TwDeliveryReadyFunc gate_ready;
  gpointer       gate_data;
  GDestroyNotify gate_destroy;
  GQueue         held;          /* TwEvent*, in dispatch order */

  /* Actions and quit_with() (tw-worker-ui.c), owner thread; NULL until a
   * caller asks for either. */
  TwWorkerUi    *ui;
} TwWorkerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (TwWorker, tw_worker, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATE,
  PROP_IS_RUNNING,
  PROP_IS_PAUSED,
  PROP_ABORT_REQUESTED,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  PROP_YIELD_POLICY,
  PROP_MAX_PENDING_YIELDS,
  PROP_MAX_PENDING_BYTES,
  PROP_POOL,
  N_PROPS
};

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

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static guint notify_signal;   /* GObject::notify */
static GPrivate current_run;   /* TwRun* executing on this thread */
static guint name_counter;

G_DEFINE_QUARK (tw-worker-error-quark, tw_worker_error)

#define PROGRESS_INTERVAL_MS 16

/* ------------------------------------------------------------------------ */
/* Values                                                                   */

/* The data of a pointer value that more than one holder keeps alive. */
struct _TwValueOwner
{
  gatomicrefcount ref_count;
  gpointer        data;
  GDestroyNotify  destroy;
};

static TwValueOwner *
tw_value_owner_ref (TwValueOwner *owner)
{
  g_atomic_ref_count_inc (&owner->ref_count);
  return owner;
}

static void
tw_value_owner_unref (gpointer data)
{
  TwValueOwner *owner = data;

  if (!g_atomic_ref_count_dec (&owner->ref_count))
    return;
  owner->destroy (owner->data);
  g_free (owner);
}

/* Owner thread: shares the ownership of @self's data, if it owns some;
 * returns a new reference to its owner, or NULL. */
static TwValueOwner *
tw_value_share (TwValue *self)
{
  if (self->owner == NULL)
    {
      if (self->destroy == NULL || !G_VALUE_HOLDS_POINTER (&self->value))
        return NULL;
      self->owner = g_new (TwValueOwner, 1);
      g_atomic_ref_count_init (&self->owner->ref_count);
      self->owner->data = g_value_get_pointer (&self->value);
      self->owner->destroy = g_steal_pointer (&self->destroy);
    }
  return tw_value_owner_ref (self->owner);
}

void
_tw_value_clear (TwValue *self)
{
  if (self->owner != NULL)
    g_clear_pointer (&self->owner, tw_value_owner_unref);
  else if (self->destroy != NULL && G_VALUE_HOLDS_POINTER (&self->value))
    self->destroy (g_value_get_pointer (&self->value));
  self->destroy = NULL;
  if (G_IS_VALUE (&self->value))
    g_value_unset (&self->value);
}

void
_tw_value_move (TwValue *dest,
                TwValue *src)
{
  _tw_value_clear (dest);
  *dest = *src;
  *src = (TwValue) TW_VALUE_INIT;
}

static void
tw_value_init_copy (TwValue      *self,
                    const GValue *value)
{
  *self = (TwValue) TW_VALUE_INIT;
  g_value_init (&self->value, G_VALUE_TYPE (value));
  g_value_copy (value, &self->value);
}

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

static gboolean
set_str (char       **dest,
         const char  *value)
{
  if (g_strcmp0 (*dest, value) == 0)
    return FALSE;
  g_free (*dest);
  *dest = g_strdup (value);
  return TRUE;
}

/* A byte per thread, whose address tells threads apart in a couple of
 * instructions where g_thread_self() costs some forty: the owner-thread check
 * of every owner function compares it. (A thread created after the owner
 * thread exited may get its address; it could then pass for the owner of a
 * worker whose owner is gone, which is no worse than before the check.) */
static _Thread_local char thread_marker;

/* The thread that created the worker, or whichever thread owns (iterates)
 * its context now. On the creating thread this is one compare. */
static inline gboolean
is_owner_thread (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  return G_LIKELY (&thread_marker == priv->owner_marker) ||
         g_main_context_is_owner (priv->context);
}

gboolean
_tw_worker_is_owner_thread (TwWorker *self)
{
  return is_owner_thread (self);
}

/* The owner-thread API refuses every other thread (a work that calls it, a
 * thread of the application's), leaving the worker as it was: it would
 * otherwise change the run's state under the owner's feet and emit
 * notifications on the wrong thread. */
static void
not_owner_thread_critical (TwWorker   *self,
                           const char *func)
{
  g_critical ("%s: must be called on the owner thread of %s (the thread of its "
              "main context), not %s", func, G_OBJECT_TYPE_NAME (self),
              _tw_worker_get_current_run (self) != NULL ? "from its work"
              : g_private_get (&current_run) != NULL ? "from the work of another worker"
              : "from another thread");
}

gboolean
_tw_worker_check_owner_thread (TwWorker   *self,
                               const char *func)
{
  if (G_LIKELY (is_owner_thread (self)))
    return TRUE;
  not_owner_thread_critical (self, func);
  return FALSE;
}

/* Inline: on the owner thread the check is a TLS address and a compare. */
#define RETURN_IF_NOT_OWNER(self, val)                                        \
  G_STMT_START {                                                              \
    if (G_UNLIKELY (!is_owner_thread (self)))                                 \
      {                                                                       \
        not_owner_thread_critical (self, G_STRFUNC);                          \
        return val;                                                           \
      }                                                                       \
  } G_STMT_END

/* Whether anything can observe a notification: a notify handler (bindings
 * and GTK's list items connect one) or a notify vfunc. Matching the signal
 * id alone finds handlers of every detail ("notify::state");
 * g_signal_has_handler_pending() with detail 0 would miss those. */
static gboolean
is_watched (TwWorker *self)
{
  return G_OBJECT_GET_CLASS (self)->notify != NULL ||
         g_signal_handler_find (self, G_SIGNAL_MATCH_ID, notify_signal, 0,
                                NULL, NULL, NULL) != 0;
}

/* g_object_freeze_notify() and its thaw cost more than the rest of a state
 * change, and with nobody watching there is nothing to hold back: freeze
 * only when someone listens. Returns whether it froze; thaw with
 * thaw_notify_if_frozen(). */
static gboolean
freeze_notify_if_watched (TwWorker *self)
{
  if (!is_watched (self))
    return FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  return TRUE;
}

static void
thaw_notify_if_frozen (TwWorker *self,
                       gboolean  frozen)
{
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

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (was_paused != priv->is_paused)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_PAUSED]);
}

static void
set_abort_requested (TwWorker *self,
                     gboolean  abort_requested)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  if (priv->abort_requested == !!abort_requested)
    return;
  priv->abort_requested = !!abort_requested;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ABORT_REQUESTED]);
}

static void
set_progress (TwWorker   *self,
              double      progress,
              const char *text)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  gboolean progress_changed = priv->progress != progress;
  gboolean text_changed = set_str (&priv->progress_text, text);

  /* Both change before either is notified: a `notify::progress` handler
   * reads the text that came with the fraction. */
  priv->progress = progress;
  if (progress_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
  if (text_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_TEXT]);
}

/* Owner thread: the actions (if anyone asked for them) follow what the
 * worker's methods would do now. */
static inline void
controls_changed (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  if (G_UNLIKELY (priv->ui != NULL))
    _tw_worker_ui_update (priv->ui);
}

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */

static TwRun *
tw_run_new (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run = g_new0 (TwRun, 1);

  run->worker = g_object_ref (self);
  run->dispatcher = priv->dispatcher;
  run->pool = g_object_ref (priv->pool);
  run->cancellable = g_cancellable_new ();
  run->policy = priv->yield_policy;
  run->max_pending = priv->max_pending_yields;
  run->max_bytes = (gsize) MIN (priv->max_pending_bytes, G_MAXSIZE);
  g_mutex_init (&run->lock);
  g_cond_init (&run->cond);
  g_queue_init (&run->sent);
  run->pool_link.data = run;

  return run;
}

static void
tw_run_free (TwRun *run)
{
  GValue *sent;

  g_assert (run->tasks == NULL);
  g_assert (run->progress_source == NULL);

  while ((sent = g_queue_pop_head (&run->sent)) != NULL)
    {
      g_value_unset (sent);
      g_free (sent);
    }
  _tw_value_clear (&run->latest);
  _tw_value_clear (&run->result);
  g_clear_error (&run->error);
  g_free (run->progress_text);
  g_clear_object (&run->cancellable);
  g_mutex_clear (&run->lock);
  g_cond_clear (&run->cond);
  g_clear_object (&run->pool);
  /* Last: may finalize the worker (and with it the dispatcher). */
  g_clear_object (&run->worker);
  g_free (run);
}

static TwEvent *
tw_event_new (TwRun       *run,
              TwEventKind  kind)
{
  TwEvent *event = g_new0 (TwEvent, 1);

  event->item.dispatch = _tw_event_dispatch;
  event->run = run;
  event->kind = kind;
  return event;
}

void
_tw_event_free (TwEvent *event)
{
  _tw_value_clear (&event->value);
  g_free (event->message);
  if (event->args != NULL)
    {
      for (guint i = 0; i <= event->n_args; i++)
        if (G_IS_VALUE (&event->args[i]))
          g_value_unset (&event->args[i]);
      g_free (event->args);
    }
  g_free (event);
}

static void
tw_run_push (TwRun       *run,
             TwEventKind  kind)
{
  _tw_dispatcher_push (run->dispatcher, &tw_event_new (run, kind)->item);
}

TwRun *
_tw_worker_get_current_run (TwWorker *self)
{
  TwRun *run = g_private_get (&current_run);

  if (run == NULL || run->worker != self)
    return NULL;
  return run;
}

TwRun *
_tw_worker_get_run (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  return priv->run;
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

/* Called with run->lock held. Reports a real pause or resume, once. */
static void
tw_run_set_paused_locked (TwRun    *run,
                          gboolean  paused)
{
  if (run->paused == !!paused)
    return;
  run->paused = !!paused;
  if (paused || !run->abort)
    tw_run_push (run, paused ? TW_EVENT_PAUSED : TW_EVENT_RESUMED);
}

/* Worker thread. Blocks while a pause is requested; FALSE once quit. */
gboolean
_tw_run_checkpoint (TwRun *run)
{
  gboolean keep_going;

  /* Called for every yield and every step: nothing asked, nothing to lock. */
  if (!g_atomic_int_get (&run->pause_requested) && !g_atomic_int_get (&run->abort))
    return TRUE;

  g_mutex_lock (&run->lock);
  if (run->pause_requested && !run->abort)
    {
      tw_run_set_paused_locked (run, TRUE);
      g_mutex_unlock (&run->lock);

      /* A paused run gives its slot to waiting work (see TwPool), once it
       * really is paused and said so. */
      _tw_pool_run_paused (run->pool, run, TRUE);

      g_mutex_lock (&run->lock);
      while (run->pause_requested && !run->abort)
        g_cond_wait (&run->cond, &run->lock);
      g_mutex_unlock (&run->lock);

      /* Take the slot back before the resume is announced: a run the owner
       * sees running holds a slot, so no run that ends meanwhile can give
       * "its" slot to waiting work. */
      _tw_pool_run_paused (run->pool, run, FALSE);

      g_mutex_lock (&run->lock);
      tw_run_set_paused_locked (run, FALSE);
    }
  keep_going = !run->abort;
  g_mutex_unlock (&run->lock);

  return keep_going;
}

GValue *
_tw_run_pop_sent (TwRun *run)
{
  GValue *sent;

  g_mutex_lock (&run->lock);
  sent = g_queue_pop_head (&run->sent);
  g_mutex_unlock (&run->lock);

  return sent;
}

/* Whether an event of @n_bytes may join the undelivered ones: fewer than
 * max-pending-yields wait, and the bytes stay within max-pending-bytes. A
 * value bigger than the budget travels alone; small values (0 bytes) only
 * count. Any thread, no lock. */
static inline gboolean
tw_run_has_room (TwRun *run,
                 gsize  n_bytes)
{
  guint pending = (guint) g_atomic_int_get (&run->pending_yields);

  if (pending >= run->max_pending)
    return FALSE;
  return n_bytes == 0 || pending == 0 ||
         (gsize) g_atomic_pointer_get (&run->pending_bytes) + n_bytes <= run->max_bytes;
}

static inline void
tw_run_count_in (TwRun   *run,
                 TwEvent *event)
{
  if (event->n_bytes > 0)
    g_atomic_pointer_add (&run->pending_bytes, (gssize) event->n_bytes);
  g_atomic_int_inc (&run->pending_yields);
}

/* Worker thread: pushes @event, counted against max-pending-yields and
 * max-pending-bytes, and waits first while there is no room (backpressure).
 * Takes @event; after quit it is dropped. Returns whether it was pushed. */
static gboolean
tw_run_push_counted (TwRun   *run,
                     TwEvent *event)
{
  /* Room and no quit, the common case of a flood: no lock. The order of one
   * run's events is the order this thread pushes them in. */
  if (tw_run_has_room (run, event->n_bytes) && !g_atomic_int_get (&run->abort))
    {
      tw_run_count_in (run, event);
      _tw_dispatcher_push (run->dispatcher, &event->item);
      return TRUE;
    }

  g_mutex_lock (&run->lock);

  /* Backpressure: wait until the owner has taken enough values. The owner
   * decrements the counts without the lock and then reads producer_waiting;
   * we set producer_waiting and then read the counts. Both sides are
   * sequentially consistent atomics, so one of them sees the other: either
   * we see room, or the owner sees us waiting and signals (under the lock we
   * hold until g_cond_wait). The owner signals at half the limits, or when
   * the queue is empty, which always leaves room. */
  while (!tw_run_has_room (run, event->n_bytes) && !run->abort)
    {
      g_atomic_int_set (&run->producer_waiting, TRUE);
      if (tw_run_has_room (run, event->n_bytes))
        break;
      g_cond_wait (&run->cond, &run->lock);
    }
  g_atomic_int_set (&run->producer_waiting, FALSE);

  if (!run->abort)
    {
      tw_run_count_in (run, event);
      _tw_dispatcher_push (run->dispatcher, &event->item);
      event = NULL;
    }

  g_mutex_unlock (&run->lock);

  /* Dropped after quit: the run ends with `aborted`, nothing more arrives. */
  if (event != NULL)
    {
      _tw_event_free (event);
      return FALSE;
    }
  return TRUE;
}

/* Owner thread: a counted event of @n_bytes was taken. Wakes a blocked
 * producer once half the queue (or half the byte budget) has drained, not
 * for every value: it then produces a batch without waiting. The lock is
 * taken only to wake it (see tw_run_push_counted()). */
static void
tw_run_take_counted (TwRun *run,
                     gsize  n_bytes)
{
  gboolean drained = FALSE;

  if (n_bytes > 0)
    drained = (gsize) (g_atomic_pointer_add (&run->pending_bytes, -(gssize) n_bytes)
                       - (gssize) n_bytes) <= run->max_bytes / 2;
  if ((guint) (g_atomic_int_add (&run->pending_yields, -1) - 1) <= run->max_pending / 2)
    drained = TRUE;
  if (drained && g_atomic_int_get (&run->producer_waiting))
    {
      g_mutex_lock (&run->lock);
      if (run->producer_waiting)
        {
          g_atomic_int_set (&run->producer_waiting, FALSE);
          g_cond_signal (&run->cond);
        }
      g_mutex_unlock (&run->lock);
    }
}

/* Worker thread. Takes @value; @n_bytes is its size, or -1 to ask
 * tw_value_size(). */
static gboolean
tw_run_yield (TwRun   *run,
              TwValue *value,
              gssize   n_bytes)
{
  if (run->policy == TW_YIELD_POLICY_QUEUE)
    {
      TwEvent *event = tw_event_new (run, TW_EVENT_YIELDED);

      event->n_bytes = n_bytes >= 0 ? (gsize) n_bytes : tw_value_size (&value->value);
      _tw_value_move (&event->value, value);
      tw_run_push_counted (run, event);
      return _tw_run_checkpoint (run);
    }

  g_mutex_lock (&run->lock);

  /* LATEST */
  if (!run->abort)
    {
      /* The value it replaces is freed below, after the lock: freeing a big
       * one (a texture) must not hold up the owner's take. */
      TwValue replaced = run->latest;

      run->latest = *value;
      *value = replaced;
      if (!run->latest_queued)
        {
          run->latest_queued = TRUE;
          tw_run_push (run, TW_EVENT_LATEST);
        }
      else
        run->n_coalesced++;
    }

  g_mutex_unlock (&run->lock);

  /* The replaced value, or this one after quit: the run ends with
   * `aborted`, nothing more arrives. */
  _tw_value_clear (value);

  return _tw_run_checkpoint (run);
}

void
_tw_run_execute (TwRun *run)
{
  TwWorker *self = run->worker;

  run->thread = g_thread_self ();
  g_private_set (&current_run, run);

  tw_run_push (run, TW_EVENT_STARTED);
  if (_tw_run_checkpoint (run))
    TW_WORKER_GET_CLASS (self)->work (self, run->cancellable);

  g_private_set (&current_run, NULL);

  g_mutex_lock (&run->lock);
  if (run->abort)
    run->outcome = TW_OUTCOME_ABORTED;
  else if (run->error != NULL)
    run->outcome = TW_OUTCOME_ERRORED;
  else
    run->outcome = TW_OUTCOME_RETURNED;
  g_mutex_unlock (&run->lock);
}

void
_tw_run_push_done (TwRun *run)
{
  tw_run_push (run, TW_EVENT_DONE);
}

/* ------------------------------------------------------------------------ */
/* Dispatch (owner thread): the one place signals are emitted.             */

static gboolean
progress_timeout_cb (gpointer data);

/* Reads the run's progress slot into the properties. */
static gboolean
tw_run_flush_progress (TwRun *run)
{
  double progress;
  char *text;
  gboolean changed;

  g_mutex_lock (&run->lock);
  changed = run->progress_changed;
  run->progress_changed = FALSE;
  progress = run->progress;
  text = g_strdup (run->progress_text);
  if (!changed)
    run->progress_queued = FALSE;
  g_mutex_unlock (&run->lock);

  if (changed)
    set_progress (run->worker, progress, text);
  g_free (text);

  return changed;
}

static gboolean
progress_timeout_cb (gpointer data)
{
  TwRun *run = data;
  TwWorkerPrivate *priv = tw_worker_get_instance_private (run->worker);

  /* Gated: the progress is shown when the gate delivers (at the next frame),
   * so only tell the gate's owner that there is something to show. */
  if (priv->gate_ready != NULL)
    {
      gboolean changed;

      g_mutex_lock (&run->lock);
      changed = run->progress_changed;
      g_mutex_unlock (&run->lock);
      if (changed)
        {
          priv->gate_ready (run->worker, priv->gate_data);
          return G_SOURCE_CONTINUE;
        }
    }

  /* Nothing new in the last interval: the next update is pushed at once. */
  if (!tw_run_flush_progress (run))
    {
      g_clear_pointer (&run->progress_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
free_gvalue (gpointer data)
{
  GValue *value = data;

  if (G_IS_VALUE (value))
    g_value_unset (value);
  g_free (value);
}

/* Owner thread: drops the cancellable connection of a run_async task once it
 * completes, so an application's long-lived cancellable keeps neither the
 * task nor the worker alive. Never called from the cancellable's handler
 * (which only schedules run_task_cancel_in_owner()), where disconnecting
 * would deadlock. */
static void
task_disconnect_cancellable (GTask *task)
{
  gulong handler = GPOINTER_TO_SIZE (g_object_steal_data (G_OBJECT (task),
                                                          "tw-cancel-handler"));

  if (handler != 0)
    g_cancellable_disconnect (g_task_get_cancellable (task), handler);
}

/* Completes the run_async calls @tasks (freeing the list) with a run's
 * outcome: @returned, the value `returned` carried (unset if the work
 * returned none), or @error, the error `errored` carried. @owner (nullable)
 * keeps the data of a returned pointer alive as long as a task is. */
static void
tw_worker_complete_tasks (TwWorker     *self,
                          GList        *tasks,
                          TwOutcome     outcome,
                          const GValue *returned,
                          const GError *error,
                          TwValueOwner *owner)
{
  for (const GList *l = tasks; l != NULL; l = l->next)
    {
      GTask *task = l->data;

      task_disconnect_cancellable (task);
      switch (outcome)
        {
        case TW_OUTCOME_RETURNED:
          {
            GValue *copy = g_new0 (GValue, 1);

            if (G_IS_VALUE (returned))
              {
                g_value_init (copy, G_VALUE_TYPE (returned));
                g_value_copy (returned, copy);
              }
            if (owner != NULL)
              g_object_set_data_full (G_OBJECT (task), "tw-value-owner",
                                      tw_value_owner_ref (owner), tw_value_owner_unref);
            g_task_return_pointer (task, copy, free_gvalue);
          }
          break;
        case TW_OUTCOME_ERRORED:
          g_task_return_error (task, g_error_copy (error));
          break;
        case TW_OUTCOME_ABORTED:
        default:
          if (!g_task_return_error_if_cancelled (task))
            g_task_return_new_error (task, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED,
                                     _("The worker “%s” was quit before it finished"),
                                     tw_worker_get_name (self));
          break;
        }
      g_object_unref (task);
    }
  g_list_free (tasks);
}

static void tw_worker_start_run (TwWorker *self);

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
  if (run->progress_source != NULL)
    {
      g_source_destroy (run->progress_source);
      g_clear_pointer (&run->progress_source, g_source_unref);
    }
  tw_run_flush_progress (run);

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
      g_signal_emit (self, signals[RETURNED], 0, G_IS_VALUE (returned) ? returned : &nothing);
      break;
    case TW_OUTCOME_ERRORED:
      g_clear_error (&priv->error);
      priv->error = g_steal_pointer (&run->error);
      set_state (self, TW_WORKER_STATE_ERRORED);
      g_signal_emit (self, signals[ERRORED], 0, priv->error);
      break;
    case TW_OUTCOME_ABORTED:
    default:
      set_state (self, TW_WORKER_STATE_ABORTED);
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
            task_owner = tw_value_share (&priv->value);
        }
      else if (outcome == TW_OUTCOME_ERRORED)
        task_error = g_error_copy (priv->error);
    }

  priv->run = NULL;
  priv->pause_requested = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_RUNNING]);
  thaw_notify_if_frozen (self, frozen);
  controls_changed (self);

  g_signal_emit (self, signals[FINISHED], 0);

  tw_worker_complete_tasks (self, g_steal_pointer (&run->tasks), outcome,
                            &task_value, task_error, task_owner);
  if (G_IS_VALUE (&task_value))
    g_value_unset (&task_value);
  g_clear_error (&task_error);
  g_clear_pointer (&task_owner, tw_value_owner_unref);

  /* restart(): the new run begins only now that the old one has ended. */
  if (priv->restart_pending && priv->run == NULL)
    {
      priv->restart_pending = FALSE;
      tw_worker_start_run (self);
    }

  tw_run_free (run);
}

/* Owner thread: emits what @event reports, now. Frees it. */
static void
tw_event_dispatch_now (TwEvent *event)
{
  TwRun *run = event->run;
  TwWorker *self = run->worker;
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  /* A handler may iterate the owner context (a nested main loop, or
   * tw_pool_await()): the run can then end inside this emission, drop its
   * reference on the worker and be freed. Keep the worker alive until the
   * event is done with it, and touch @run only before emitting. */
  g_object_ref (self);

  switch (event->kind)
    {
    case TW_EVENT_STARTED:
      {
        gboolean frozen = freeze_notify_if_watched (self);

        set_progress (self, 0.0, NULL);
        set_state (self, TW_WORKER_STATE_RUNNING);
        thaw_notify_if_frozen (self, frozen);
        if (G_UNLIKELY (_tw_debug_enabled ()))
          {
            priv->debug_started = g_get_monotonic_time ();
            g_debug ("Worker “%s”: started", tw_worker_get_name (self));
          }
        g_signal_emit (self, signals[STARTED], 0);
      }
      break;

    case TW_EVENT_YIELDED:
      tw_run_take_counted (run, event->n_bytes);
      _tw_value_move (&priv->value, &event->value);
      g_signal_emit (self, signals[YIELDED], 0, &priv->value.value);
      break;

    case TW_EVENT_LATEST:
      {
        TwValue latest = TW_VALUE_INIT;

        g_mutex_lock (&run->lock);
        _tw_value_move (&latest, &run->latest);
        run->latest_queued = FALSE;
        g_mutex_unlock (&run->lock);

        if (G_IS_VALUE (&latest.value))
          {
            _tw_value_move (&priv->value, &latest);
            g_signal_emit (self, signals[YIELDED], 0, &priv->value.value);
          }
      }
      break;

    case TW_EVENT_PROGRESS:
      /* Coalesced: at most one notify per interval while updates flow. The
       * interval starts before the notify is emitted (see above); if
       * nothing changes in it, the timeout removes itself. */
      if (run->progress_source == NULL)
        {
          run->progress_source = g_timeout_source_new (PROGRESS_INTERVAL_MS);
          g_source_set_name (run->progress_source, "[threadworker] progress");
          g_source_set_callback (run->progress_source, progress_timeout_cb, run, NULL);
          g_source_attach (run->progress_source, priv->context);
        }
      tw_run_flush_progress (run);
      break;

    case TW_EVENT_WARNED:
      g_signal_emit (self, signals[WARNED], 0, event->message);
      break;

    case TW_EVENT_EMIT:
      tw_run_take_counted (run, 0);
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

/* Whether the gate holds @event back: values and progress always do, and
 * once something is held everything after it does too, so that the run's
 * order (and `finished` after the last value) is kept. */
static gboolean
tw_event_is_held (TwWorkerPrivate *priv,
                  TwEvent         *event)
{
  if (priv->gate_ready == NULL)
    return FALSE;
  if (priv->held.length > 0)
    return TRUE;
  return event->kind == TW_EVENT_YIELDED ||
         event->kind == TW_EVENT_EMIT ||
         event->kind == TW_EVENT_LATEST ||
         event->kind == TW_EVENT_PROGRESS;
}

void
_tw_event_dispatch (TwDispatchItem *item)
{
  TwEvent *event = (TwEvent *) item;
  TwWorker *self = event->run->worker;
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  if (G_LIKELY (!tw_event_is_held (priv, event)))
    {
      tw_event_dispatch_now (event);
      return;
    }

  /* The held event keeps its run, and the run keeps the worker. */
  g_queue_push_tail_link (&priv->held, &event->item.link);
  if (priv->held.length == 1)
    priv->gate_ready (self, priv->gate_data);
}

/**
 * tw_worker_deliver_held:
 * @self: a worker
 * @budget_usec: how long delivery may take, in microseconds; 0 delivers one
 *   event, `G_MAXINT64` everything held
 *
 * Delivers the events that the delivery gate of @self holds (see
 * [method@Tw.Worker.set_delivery_gate]), oldest first, until none is left or
 * @budget_usec has passed, and shows the run's latest progress. Events that
 * arrive while it runs wait for the next call. With
 * %TW_YIELD_POLICY_LATEST at most one value per run is held, the newest, so
 * one call delivers at most one value of each run.
 *
 * Call on the owner thread. A handler it runs may call it again.
 *
 * Returns: whether events are still held
 */
gboolean
tw_worker_deliver_held (TwWorker *self,
                        gint64    budget_usec)
{
  TwWorkerPrivate *priv;
  gint64 deadline;
  guint n;

  g_return_val_if_fail (TW_IS_WORKER (self), FALSE);
  RETURN_IF_NOT_OWNER (self, FALSE);

  priv = tw_worker_get_instance_private (self);
  deadline = budget_usec >= G_MAXINT64 / 2 ? G_MAXINT64
                                           : g_get_monotonic_time () + MAX (budget_usec, 0);

  g_object_ref (self);

  /* Progress first: it is coalesced, and the newest is what a frame shows. */
  if (priv->run != NULL && priv->run->progress_source != NULL)
    tw_run_flush_progress (priv->run);

  /* Only what was held when the call began: a handler that iterates the
   * context adds to the queue, and those events wait for the next call. */
  n = priv->held.length;
  while (n-- > 0)
    {
      GList *link = g_queue_pop_head_link (&priv->held);

      if (link == NULL)
        break;
      tw_event_dispatch_now (link->data);
      if (g_get_monotonic_time () >= deadline)
        break;
    }

  n = priv->held.length;
  g_object_unref (self);
  return n > 0;
}

/**
 * tw_worker_set_delivery_gate:
 * @self: a worker
 * @ready: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called on the owner context when events are held; %NULL removes the gate
 * @user_data: data for @ready
 * @destroy: (nullable): frees @user_data when the gate is replaced or
 *   removed, or the worker is finalized; called on the owner thread
 *
 * Holds the delivery of @self's yielded values and progress until the gate's
 * owner calls [method@Tw.Worker.deliver_held]: how a worker is put in step
 * with something other than the main loop, such as a widget's frame clock
 * (`tw_gtk_sync_to_frames()` in threadworker-gtk is built on it; most
 * applications use that). The order of each run's signals is unchanged:
 * once something is held, the events after it (the run's end among them)
 * wait behind it. QUEUE backpressure counts held values as undelivered.
 *
 * Removing the gate, or replacing it, delivers everything it held first.
 *
 * Call on the owner thread. Called elsewhere it emits a critical and
 * changes nothing; @destroy is still called, on the owner context.
 */
void
tw_worker_set_delivery_gate (TwWorker            *self,
                             TwDeliveryReadyFunc  ready,
                             gpointer             user_data,
                             GDestroyNotify       destroy)
{
  TwWorkerPrivate *priv;
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (TW_IS_WORKER (self));
  if (G_UNLIKELY (!is_owner_thread (self)))
    {
      not_owner_thread_critical (self, G_STRFUNC);
      /* @user_data is ours even when the call is refused. */
      _tw_worker_invoke_destroy (self, destroy, user_data);
      return;
    }

  priv = tw_worker_get_instance_private (self);
  g_object_ref (self);

  /* Deliver what the old gate held before the new one takes over. */
  while (priv->held.length > 0)
    tw_worker_deliver_held (self, G_MAXINT64);

  old_destroy = priv->gate_destroy;
  old_data = priv->gate_data;
  priv->gate_ready = ready;
  priv->gate_data = user_data;
  priv->gate_destroy = ready != NULL ? destroy : NULL;
  if (old_destroy != NULL)
    old_destroy (old_data);

  g_object_unref (self);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
tw_worker_real_work (TwWorker     *self,
                     GCancellable *cancellable)
{
  g_critical ("%s does not implement TwWorker.work()", G_OBJECT_TYPE_NAME (self));
}

static gboolean
tw_worker_real_send (TwWorker     *self,
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
  TwRun *run = priv->run;

  g_mutex_lock (&run->lock);
  g_atomic_int_set (&run->pause_requested, TRUE);
  g_mutex_unlock (&run->lock);
}

static void
tw_worker_real_resume (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run = priv->run;

  g_mutex_lock (&run->lock);
  g_atomic_int_set (&run->pause_requested, FALSE);
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->lock);
}

static void
tw_worker_real_quit (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run = priv->run;

  g_mutex_lock (&run->lock);
  g_atomic_int_set (&run->abort, TRUE);
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->lock);

  /* Blocking GIO calls in the work return G_IO_ERROR_CANCELLED at once. */
  g_cancellable_cancel (run->cancellable);
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

static void
tw_worker_class_init (TwWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

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

  klass->work = tw_worker_real_work;
  klass->send = tw_worker_real_send;
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
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:state:
   *
   * The state of the worker as seen on the owner thread.
   */
  properties[PROP_STATE] =
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
  properties[PROP_IS_RUNNING] =
    g_param_spec_boolean ("is-running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:is-paused:
   *
   * Whether the work has really paused: set when [signal@Tw.Worker::paused]
   * is emitted, not when the pause is requested.
   */
  properties[PROP_IS_PAUSED] =
    g_param_spec_boolean ("is-paused", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:abort-requested:
   *
   * Whether [method@Tw.Worker.quit] was called for the current (or last) run.
   * Reset when a new run starts.
   */
  properties[PROP_ABORT_REQUESTED] =
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
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, 0.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:progress-text:
   *
   * A text describing the progress, as set by
   * [method@Tw.Worker.set_progress_text], or %NULL.
   */
  properties[PROP_PROGRESS_TEXT] =
    g_param_spec_string ("progress-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:yield-policy:
   *
   * How yielded values travel to the owner. Takes effect at the next start.
   */
  properties[PROP_YIELD_POLICY] =
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
  properties[PROP_MAX_PENDING_YIELDS] =
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
  properties[PROP_MAX_PENDING_BYTES] =
    g_param_spec_uint64 ("max-pending-bytes", NULL, NULL,
                         1, G_MAXUINT64, TW_DEFAULT_MAX_PENDING_BYTES,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwWorker:pool:
   *
   * The pool whose threads run the work; %NULL until set or started, when
   * the default pool is used.
   */
  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, TW_TYPE_POOL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  priv->owner_marker = &thread_marker;
  priv->dispatcher = _tw_dispatcher_ref_for_context (priv->context);
  priv->yield_policy = TW_YIELD_POLICY_QUEUE;
  priv->max_pending_yields = TW_DEFAULT_MAX_PENDING_YIELDS;
  priv->max_pending_bytes = TW_DEFAULT_MAX_PENDING_BYTES;
  priv->value = (TwValue) TW_VALUE_INIT;
}

/* Calls @func (then @notify) from @context, wherever that context is
 * iterated; any thread. Not g_main_context_invoke(): on a thread whose
 * thread-default context is @context and that can acquire it (any plain
 * thread, when @context is the global default one) it calls at once, on the
 * wrong thread. A source always runs where the context is iterated. */
void
_tw_context_post (GMainContext   *context,
                  const char     *name,
                  GSourceFunc     func,
                  gpointer        data,
                  GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_name (source, name);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  g_source_unref (source);
}

typedef struct
{
  GDestroyNotify destroy;
  gpointer       data;
} DestroyCall;

static gboolean
destroy_call_cb (gpointer user_data)
{
  DestroyCall *call = user_data;

  call->destroy (call->data);
  g_free (call);
  return G_SOURCE_REMOVE;
}

/* Runs @destroy on the owner thread: at once when called there, else from
 * the owner context. */
void
_tw_worker_invoke_destroy (TwWorker       *self,
                           GDestroyNotify  destroy,
                           gpointer        data)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  DestroyCall *call;

  if (destroy == NULL)
    return;
  if (is_owner_thread (self))
    {
      destroy (data);
      return;
    }

  call = g_new (DestroyCall, 1);
  call->destroy = destroy;
  call->data = data;
  _tw_context_post (priv->context, "[threadworker] destroy notify", destroy_call_cb, call, NULL);
}

/* ------------------------------------------------------------------------ */
/* Owner thread API                                                         */

static void
tw_worker_start_run (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run;
  gboolean frozen;

  if (priv->pool == NULL)
    priv->pool = g_object_ref (tw_pool_get_default ());

  run = tw_run_new (self);
  priv->run = run;
  priv->pause_requested = FALSE;
  /* This run is the one a pending restart asked for (a `finished` handler
   * may start the worker before the restart does): never start two. */
  priv->restart_pending = FALSE;
  run->tasks = g_steal_pointer (&priv->pending_tasks);

  frozen = freeze_notify_if_watched (self);
  set_abort_requested (self, FALSE);
  set_state (self, TW_WORKER_STATE_WAITING);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_RUNNING]);
  thaw_notify_if_frozen (self, frozen);
  controls_changed (self);

  _tw_pool_submit (priv->pool, run);
}

/**
 * tw_worker_start:
 * @self: a worker
 *
 * Starts a run: the work is queued on the worker's pool and runs on one of
 * its threads as soon as the pool's limit allows. The state becomes
 * %TW_WORKER_STATE_WAITING until [signal@Tw.Worker::started] is emitted.
 *
 * Call on the owner thread. Starting a worker whose run is in progress is a
 * programmer error; start it again from its `finished` handler, or use
 * [method@Tw.Worker.restart].
 */
void
tw_worker_start (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  priv = tw_worker_get_instance_private (self);
  g_return_if_fail (priv->run == NULL);

  tw_worker_start_run (self);
}

/**
 * tw_worker_quit:
 * @self: a worker
 *
 * Asks the run to stop. The request takes effect at the work's next
 * checkpoint (between steps of a generator, at
 * [method@Tw.Worker.checkpoint], [method@Tw.Worker.yield_value] or
 * [method@Tw.Worker.sleep]) and wakes a paused worker; the run's
 * [method@Tw.Worker.get_cancellable] is cancelled, so blocking GIO calls in
 * the work return at once. The run then ends with
 * [signal@Tw.Worker::aborted] and [signal@Tw.Worker::finished];
 * `returned` is not emitted after this call.
 *
 * A run still waiting for a thread never begins: it emits `started`,
 * `aborted` and `finished` without calling the work.
 *
 * Does nothing if no run is in progress. Call on the owner thread.
 */
void
tw_worker_quit (TwWorker *self)
{
  TwWorkerPrivate *priv;
  TwRun *run;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  priv = tw_worker_get_instance_private (self);
  run = priv->run;
  if (priv->restart_pending)
    {
      /* The restart will not happen: run_async calls waiting for it end
       * with the run being quit. */
      priv->restart_pending = FALSE;
      if (run != NULL)
        run->tasks = g_list_concat (run->tasks, g_steal_pointer (&priv->pending_tasks));
      else
        {
          /* From a `finished` handler or a run_async callback of the old
           * run: it has ended and the new one has not begun. */
          tw_worker_complete_tasks (self, g_steal_pointer (&priv->pending_tasks),
                                    TW_OUTCOME_ABORTED, NULL, NULL, NULL);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_RUNNING]);
        }
    }
  if (run == NULL || run->quit_called)
    {
      controls_changed (self);
      return;
    }

  run->quit_called = TRUE;
  set_abort_requested (self, TRUE);

  TW_WORKER_GET_CLASS (self)->quit (self);

  if (_tw_pool_unqueue (priv->pool, run))
    {
      run->outcome = TW_OUTCOME_ABORTED;
      tw_run_push (run, TW_EVENT_STARTED);
      tw_run_push (run, TW_EVENT_DONE);
    }
  controls_changed (self);
}

/**
 * tw_worker_pause:
 * @self: a worker
 *
 * Asks the run to pause at its next checkpoint. [signal@Tw.Worker::paused]
 * is emitted once the work has really paused; it then waits (on a condition
 * variable, without polling) until [method@Tw.Worker.resume] or
 * [method@Tw.Worker.quit]. Work that never reaches a checkpoint (a function
 * worker that does not call [method@Tw.Worker.checkpoint]) does not pause.
 *
 * Does nothing if no run is in progress. Call on the owner thread.
 */
void
tw_worker_pause (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  priv = tw_worker_get_instance_private (self);
  if (priv->run == NULL || priv->run->quit_called || priv->pause_requested)
    return;
  priv->pause_requested = TRUE;
  TW_WORKER_GET_CLASS (self)->pause (self);
  controls_changed (self);
}

/**
 * tw_worker_resume:
 * @self: a worker
 *
 * Withdraws a pause request; paused work continues and
 * [signal@Tw.Worker::resumed] is emitted. A pause that had not taken effect
 * yet is simply cancelled (neither `paused` nor `resumed` is emitted).
 *
 * Does nothing if no pause was requested. Call on the owner thread.
 */
void
tw_worker_resume (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  priv = tw_worker_get_instance_private (self);
  if (priv->run == NULL || !priv->pause_requested)
    return;
  priv->pause_requested = FALSE;
  TW_WORKER_GET_CLASS (self)->resume (self);
  controls_changed (self);
}

/**
 * tw_worker_toggle_pause:
 * @self: a worker
 *
 * Resumes the worker if a pause was requested, pauses it otherwise.
 *
 * Call on the owner thread.
 */
void
tw_worker_toggle_pause (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  priv = tw_worker_get_instance_private (self);
  if (priv->pause_requested)
    tw_worker_resume (self);
  else
    tw_worker_pause (self);
}

/**
 * tw_worker_send:
 * @self: a worker
 * @value: the value to send; copied
 * @error: return location for a #GError
 *
 * Sends a value into the running work. A [class@Tw.GeneratorWorker] hands
 * each sent value to exactly one later step, oldest first: nothing is
 * overwritten or lost while the run lasts (values still unread when the run
 * ends are dropped). Other worker types may not accept values.
 *
 * Call on the owner thread.
 *
 * Returns: %TRUE if the value was queued; %FALSE with
 *   %TW_WORKER_ERROR_NOT_SUPPORTED if the worker does not accept values, or
 *   %TW_WORKER_ERROR_NOT_RUNNING if no run is in progress or it was quit
 */
gboolean
tw_worker_send (TwWorker      *self,
                const GValue  *value,
                GError       **error)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), FALSE);
  RETURN_IF_NOT_OWNER (self, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = tw_worker_get_instance_private (self);
  if (TW_WORKER_GET_CLASS (self)->send == tw_worker_real_send)
    return tw_worker_real_send (self, value, error);

  if (priv->run == NULL || priv->run->quit_called)
    {
      g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_RUNNING,
                   _("Cannot send a value to the worker “%s”: it is not running"),
                   tw_worker_get_name (self));
      return FALSE;
    }

  return TW_WORKER_GET_CLASS (self)->send (self, value, error);
}

/**
 * tw_worker_restart:
 * @self: a worker
 *
 * Quits the current run, if any, and starts a new one (solara's retry). The
 * new run waits until the previous run's work has returned, so two threads
 * never run one worker's work at once: the old run ends with
 * [signal@Tw.Worker::aborted] and [signal@Tw.Worker::finished] before the
 * new run's [signal@Tw.Worker::started]. The value and error of the previous
 * run stay readable until the new run produces its own. Several restarts
 * while the old run is still ending start one new run, and so does a
 * [method@Tw.Worker.start] from a `finished` handler of the old run (it
 * takes the place of the pending restart). [method@Tw.Worker.quit] before
 * the new run began cancels the restart, also when called from a `finished`
 * handler or a run_async callback of the old run: the new run never begins
 * and run_async calls waiting for it complete with
 * %TW_WORKER_ERROR_CANCELLED.
 *
 * Call on the owner thread.
 */
void
tw_worker_restart (TwWorker *self)
{
  TwWorkerPrivate *priv;
  GList *joined;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  priv = tw_worker_get_instance_private (self);
  if (priv->run == NULL)
    {
      tw_worker_start_run (self);
      return;
    }

  /* A restart already pending stays the one new run: the run_async calls
   * that joined it keep waiting for it (quit() would end them with the old
   * run). */
  joined = g_steal_pointer (&priv->pending_tasks);
  tw_worker_quit (self);
  priv->restart_pending = TRUE;
  priv->pending_tasks = joined;
  controls_changed (self);
}

static void
run_task_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data);

/**
 * tw_worker_run_async:
 * @self: a worker
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called on the owner context when the run has finished
 * @user_data: data for @callback
 *
 * Starts a run, or joins the one in progress, and completes when it has
 * finished (after [signal@Tw.Worker::finished]). Get the result with
 * [method@Tw.Worker.run_finish]. This makes a worker awaitable from Python
 * and JavaScript.
 *
 * Cancelling @cancellable quits the run if this call started it; a joined
 * run goes on and only this call completes, with %G_IO_ERROR_CANCELLED. If
 * @cancellable is already cancelled, the call completes with
 * %G_IO_ERROR_CANCELLED without starting or joining a run (as GIO
 * operations do). The worker drops its connection to @cancellable when the
 * call completes.
 *
 * Call on the owner thread.
 */
void
tw_worker_run_async (TwWorker            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  TwWorkerPrivate *priv;
  g_autoptr(GTask) task = NULL;
  gboolean starts;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  priv = tw_worker_get_instance_private (self);
  starts = priv->run == NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tw_worker_run_async);
  g_task_set_check_cancellable (task, FALSE);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (starts)
    tw_worker_start_run (self);

  if (priv->restart_pending)
    priv->pending_tasks = g_list_append (priv->pending_tasks, g_object_ref (task));
  else
    priv->run->tasks = g_list_append (priv->run->tasks, g_object_ref (task));

  if (cancellable != NULL)
    {
      gulong handler;

      g_object_set_data (G_OBJECT (task), "tw-starts", GINT_TO_POINTER (starts));
      handler = g_cancellable_connect (cancellable, G_CALLBACK (run_task_cancelled_cb),
                                       g_object_ref (task), g_object_unref);
      g_object_set_data (G_OBJECT (task), "tw-cancel-handler", GSIZE_TO_POINTER (handler));
    }
}

static gboolean
run_task_cancel_in_owner (gpointer user_data)
{
  GTask *task = user_data;
  TwWorker *self = g_task_get_source_object (task);
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run = priv->run;

  if (run != NULL && g_list_find (run->tasks, task) != NULL)
    {
      if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "tw-starts")))
        {
          /* Quit the run this call started; the call completes at
           * `finished`. If it was quit already (restart() does that),
           * quitting again would cancel the pending restart. */
          if (!run->quit_called)
            tw_worker_quit (self);
          return G_SOURCE_REMOVE;
        }
      run->tasks = g_list_remove (run->tasks, task);
    }
  else if (g_list_find (priv->pending_tasks, task) != NULL)
    priv->pending_tasks = g_list_remove (priv->pending_tasks, task);   /* waited for a restart */
  else
    return G_SOURCE_REMOVE;   /* already completed */

  task_disconnect_cancellable (task);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
run_task_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  GTask *task = user_data;

  /* The cancellable may be cancelled from any thread, and the task must not
   * complete (and disconnect) from inside this handler: always defer to the
   * owner context. */
  _tw_context_post (g_task_get_context (task), "[threadworker] run_async cancelled",
                    run_task_cancel_in_owner, g_object_ref (task), g_object_unref);
}

/**
 * tw_worker_run_finish:
 * @self: a worker
 * @result: the result given to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue for the
 *   returned value (left unset if the run returned none); unset it after use
 * @error: return location for a #GError
 *
 * Finishes [method@Tw.Worker.run_async]. Call on the owner thread, usually
 * from the callback. The outcome is the one of the run the call waited for,
 * even if a `finished` handler has run another one since.
 *
 * A %G_TYPE_POINTER value (from [method@Tw.Worker.return_pointer]) is not
 * copied: its data stays valid until the callback returns, even if the
 * worker has a newer value by then, and after that as long as it is the
 * worker's value.
 *
 * Returns: %TRUE if the run returned; %FALSE with the run's error if it
 *   errored, %TW_WORKER_ERROR_CANCELLED if it was quit, or
 *   %G_IO_ERROR_CANCELLED if the call's cancellable was cancelled
 */
gboolean
tw_worker_run_finish (TwWorker      *self,
                      GAsyncResult  *result,
                      GValue        *value,
                      GError       **error)
{
  GValue *returned;

  g_return_val_if_fail (TW_IS_WORKER (self), FALSE);
  RETURN_IF_NOT_OWNER (self, FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  returned = g_task_propagate_pointer (G_TASK (result), error);
  if (returned == NULL)
    return FALSE;

  if (value != NULL && G_IS_VALUE (returned))
    {
      g_value_init (value, G_VALUE_TYPE (returned));
      g_value_copy (returned, value);
    }
  free_gvalue (returned);

  return TRUE;
}

/**
 * tw_worker_run_finish_value: (rename-to tw_worker_run_finish)
 * @self: a worker
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Tw.Worker.run_async], returning the value rather than
 * filling in a caller's #GValue. Language bindings know this function as
 * `run_finish`: in JavaScript, `Gio._promisify (Tw.Worker.prototype,
 * 'run_async', 'run_finish')` makes `await worker.run_async (null)` give the
 * returned value or throw the run's error.
 *
 * Returns: (transfer full) (nullable): a copy of the returned value, or
 *   %NULL if the run returned none or failed (then @error is set, as for
 *   [method@Tw.Worker.run_finish]). Free it with g_boxed_free() and
 *   %G_TYPE_VALUE.
 */
GValue *
tw_worker_run_finish_value (TwWorker      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  GValue *returned;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);
  RETURN_IF_NOT_OWNER (self, NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  returned = g_task_propagate_pointer (G_TASK (result), error);
  if (returned != NULL && !G_IS_VALUE (returned))
    g_clear_pointer (&returned, free_gvalue);

  return returned;
}

/**
 * tw_worker_get_state:
 * @self: a worker
 *
 * Gets the state of the worker as seen on the owner thread.
 *
 * Returns: the state
 */
TwWorkerState
tw_worker_get_state (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), TW_WORKER_STATE_IDLE);

  priv = tw_worker_get_instance_private (self);
  return priv->state;
}

/**
 * tw_worker_get_is_running:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:is-running]. Owner thread.
 *
 * Returns: whether a run is in progress
 */
gboolean
tw_worker_get_is_running (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), FALSE);

  priv = tw_worker_get_instance_private (self);
  return priv->run != NULL || priv->restart_pending;
}

/**
 * tw_worker_get_is_paused:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:is-paused]. Owner thread.
 *
 * Returns: whether the work has really paused
 */
gboolean
tw_worker_get_is_paused (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), FALSE);

  priv = tw_worker_get_instance_private (self);
  return priv->is_paused;
}

/**
 * tw_worker_get_abort_requested:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:abort-requested]. Owner thread.
 *
 * Returns: whether quit was requested for the current or last run
 */
gboolean
tw_worker_get_abort_requested (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), FALSE);

  priv = tw_worker_get_instance_private (self);
  return priv->abort_requested;
}

/**
 * tw_worker_get_progress:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:progress]. Owner thread.
 *
 * Returns: the progress, 0 to 1, or negative when unknown
 */
double
tw_worker_get_progress (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), 0.0);

  priv = tw_worker_get_instance_private (self);
  return priv->progress;
}

/**
 * tw_worker_get_progress_text:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:progress-text]. Owner thread.
 *
 * Returns: (nullable): the progress text
 */
const char *
tw_worker_get_progress_text (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);

  priv = tw_worker_get_instance_private (self);
  return priv->progress_text;
}

/**
 * tw_worker_get_value:
 * @self: a worker
 *
 * Gets the last value delivered on the owner thread: the last yielded or
 * returned value. A run that returns no value (a generator whose step
 * returned %FALSE, a function that reported no result) leaves the last
 * yielded value in place. It stays readable after the run, and through the
 * next run until that run delivers a value. Owner thread.
 *
 * Returns: (transfer none): the value, unset (type %G_TYPE_INVALID) if none
 *   was delivered yet; owned by the worker
 */
const GValue *
tw_worker_get_value (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);

  priv = tw_worker_get_instance_private (self);
  return &priv->value.value;
}

/**
 * tw_worker_get_error:
 * @self: a worker
 *
 * Gets the error of the last run that errored. It stays readable until a
 * later run returns or errors. Owner thread.
 *
 * Returns: (transfer none) (nullable): the error
 */
const GError *
tw_worker_get_error (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);

  priv = tw_worker_get_instance_private (self);
  return priv->error;
}

/**
 * tw_worker_get_name:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:name]. Owner thread.
 *
 * Returns: the name
 */
const char *
tw_worker_get_name (TwWorker *self)
{
  TwWorkerPrivate *priv;
  char *name;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);

  priv = tw_worker_get_instance_private (self);
  name = g_atomic_pointer_get (&priv->name);
  if (name == NULL)
    {
      char *fresh = g_strdup_printf ("%s-%u", G_OBJECT_TYPE_NAME (self), priv->number);

      if (g_atomic_pointer_compare_and_exchange (&priv->name, NULL, fresh))
        name = fresh;
      else
        {
          g_free (fresh);
          name = g_atomic_pointer_get (&priv->name);
        }
    }
  return name;
}

/**
 * tw_worker_set_name:
 * @self: a worker
 * @name: (nullable): the name; %NULL picks a default
 *
 * Sets [property@Tw.Worker:name]. Owner thread.
 */
void
tw_worker_set_name (TwWorker   *self,
                    const char *name)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  priv = tw_worker_get_instance_private (self);
  /* NULL goes back to the default, derived on the next read. */
  if (name == NULL)
    {
      if (priv->name != NULL)
        {
          g_clear_pointer (&priv->name, g_free);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
        }
      return;
    }
  if (set_str (&priv->name, name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * tw_worker_get_yield_policy:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:yield-policy]. Owner thread.
 *
 * Returns: the policy
 */
TwYieldPolicy
tw_worker_get_yield_policy (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), TW_YIELD_POLICY_QUEUE);

  priv = tw_worker_get_instance_private (self);
  return priv->yield_policy;
}

/**
 * tw_worker_set_yield_policy:
 * @self: a worker
 * @policy: the policy
 *
 * Sets [property@Tw.Worker:yield-policy]; takes effect at the next start.
 * Owner thread.
 */
void
tw_worker_set_yield_policy (TwWorker      *self,
                            TwYieldPolicy  policy)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (policy == TW_YIELD_POLICY_QUEUE || policy == TW_YIELD_POLICY_LATEST);

  priv = tw_worker_get_instance_private (self);
  if (priv->yield_policy == policy)
    return;
  priv->yield_policy = policy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_YIELD_POLICY]);
}

/**
 * tw_worker_get_max_pending_yields:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:max-pending-yields]. Owner thread.
 *
 * Returns: the limit
 */
guint
tw_worker_get_max_pending_yields (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), 0);

  priv = tw_worker_get_instance_private (self);
  return priv->max_pending_yields;
}

/**
 * tw_worker_set_max_pending_yields:
 * @self: a worker
 * @max_pending: the limit, at least 1
 *
 * Sets [property@Tw.Worker:max-pending-yields]; takes effect at the next
 * start. Owner thread.
 */
void
tw_worker_set_max_pending_yields (TwWorker *self,
                                  guint     max_pending)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (max_pending >= 1);

  priv = tw_worker_get_instance_private (self);
  if (priv->max_pending_yields == max_pending)
    return;
  priv->max_pending_yields = max_pending;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PENDING_YIELDS]);
}

/**
 * tw_worker_get_max_pending_bytes:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:max-pending-bytes]. Owner thread.
 *
 * Returns: the byte budget
 */
guint64
tw_worker_get_max_pending_bytes (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), 0);

  priv = tw_worker_get_instance_private (self);
  return priv->max_pending_bytes;
}

/**
 * tw_worker_set_max_pending_bytes:
 * @self: a worker
 * @max_bytes: the byte budget, at least 1 (`G_MAXUINT64`: no budget)
 *
 * Sets [property@Tw.Worker:max-pending-bytes]; takes effect at the next
 * start. Owner thread.
 */
void
tw_worker_set_max_pending_bytes (TwWorker *self,
                                 guint64   max_bytes)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (max_bytes >= 1);

  priv = tw_worker_get_instance_private (self);
  if (priv->max_pending_bytes == max_bytes)
    return;
  priv->max_pending_bytes = max_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PENDING_BYTES]);
}

/**
 * tw_worker_get_pool:
 * @self: a worker
 *
 * Gets [property@Tw.Worker:pool]. Owner thread.
 *
 * Returns: (transfer none) (nullable): the pool
 */
TwPool *
tw_worker_get_pool (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);

  priv = tw_worker_get_instance_private (self);
  return priv->pool;
}

/**
 * tw_worker_set_pool:
 * @self: a worker
 * @pool: (nullable): the pool, or %NULL for the default pool
 *
 * Sets the pool whose threads run the work. Owner thread, while no run is in
 * progress.
 */
void
tw_worker_set_pool (TwWorker *self,
                    TwPool   *pool)
{
  TwWorkerPrivate *priv;

  g_return_if_fail (TW_IS_WORKER (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (pool == NULL || TW_IS_POOL (pool));
  g_return_if_fail (!tw_worker_get_is_running (self));

  priv = tw_worker_get_instance_private (self);
  if (g_set_object (&priv->pool, pool))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POOL]);
}

/**
 * tw_worker_get_context:
 * @self: a worker
 *
 * Gets the owner context: the thread-default main context of the thread
 * that created the worker, where all its signals are emitted. Any thread.
 *
 * Returns: (transfer none): the owner context
 */
GMainContext *
tw_worker_get_context (TwWorker *self)
{
  TwWorkerPrivate *priv;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);

  priv = tw_worker_get_instance_private (self);
  return priv->context;
}

/* ------------------------------------------------------------------------ */
/* What the worker's methods would do (for its actions, tw-worker-ui.c)     */

/* The table of doc/gtk.md ("Buttons and menus"), read off the methods above:
 * each flag is set exactly when that method would change something. */
TwWorkerControls
_tw_worker_get_controls (TwWorker *self)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);
  TwRun *run = priv->run;
  gboolean live = run != NULL && !run->quit_called;
  TwWorkerControls controls = 0;

  if (run == NULL && !priv->restart_pending)
    controls |= TW_WORKER_CAN_START;
  /* A pending restart is quit's to cancel. */
  if (live || priv->restart_pending)
    controls |= TW_WORKER_CAN_QUIT;
  if (live)
    {
      controls |= TW_WORKER_CAN_TOGGLE_PAUSE;
      controls |= priv->pause_requested ? TW_WORKER_CAN_RESUME : TW_WORKER_CAN_PAUSE;
      if (priv->pause_requested)
        controls |= TW_WORKER_PAUSE_REQUESTED;
    }
  if (!priv->restart_pending)
    controls |= TW_WORKER_CAN_RESTART;

  return controls;
}

TwWorkerUi *
_tw_worker_get_ui (TwWorker *self,
                   gboolean  create)
{
  TwWorkerPrivate *priv = tw_worker_get_instance_private (self);

  if (priv->ui == NULL && create)
    priv->ui = _tw_worker_ui_new (self);
  return priv->ui;
}

/* ------------------------------------------------------------------------ */
/* Worker thread API                                                        */

/* The worker-thread API finds its run through the calling thread; called
 * from anywhere else it is a programmer error. */
static TwRun *
current_run_or_critical (TwWorker   *self,
                         const char *func)
{
  TwRun *run;

  if (!TW_IS_WORKER (self))
    {
      g_return_if_fail_warning (G_LOG_DOMAIN, func, "TW_IS_WORKER (self)");
      return NULL;
    }
  run = _tw_worker_get_current_run (self);
  if (run == NULL)
    g_critical ("%s: must be called from the work of %s, on its thread",
                func, G_OBJECT_TYPE_NAME (self));
  return run;
}

#define RETURN_RUN_OR(self, val)                                              \
  TwRun *run = current_run_or_critical (self, G_STRFUNC);                     \
  if (run == NULL)                                                            \
    return val

/**
 * tw_worker_yield_value:
 * @self: a worker
 * @value: the value; copied
 *
 * Sends a value to the owner, where [signal@Tw.Worker::yielded] is emitted
 * with it. With %TW_YIELD_POLICY_QUEUE this blocks while
 * [property@Tw.Worker:max-pending-yields] values are undelivered; with
 * %TW_YIELD_POLICY_LATEST it never blocks. Then it is a checkpoint: it
 * blocks while the worker is paused.
 *
 * Call on the worker thread, from the work. After [method@Tw.Worker.quit]
 * the value is dropped.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested (stop the work)
 */
gboolean
tw_worker_yield_value (TwWorker     *self,
                       const GValue *value)
{
  TwValue copy;

  RETURN_RUN_OR (self, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);

  tw_value_init_copy (&copy, value);
  return tw_run_yield (run, &copy, -1);
}

/**
 * tw_worker_yield_value_sized:
 * @self: a worker
 * @value: the value; copied
 * @n_bytes: how many bytes @value keeps alive
 *
 * Yields @value like [method@Tw.Worker.yield_value], counting @n_bytes
 * against [property@Tw.Worker:max-pending-bytes] instead of the size
 * [func@Tw.value_size] finds. For values whose memory threadworker cannot
 * see (a pointer to a buffer, a binding's object: the Python override sizes
 * numpy arrays and buffers this way).
 *
 * Call on the worker thread, from the work.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested (stop the work)
 */
gboolean
tw_worker_yield_value_sized (TwWorker     *self,
                             const GValue *value,
                             gsize         n_bytes)
{
  TwValue copy;

  RETURN_RUN_OR (self, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);

  tw_value_init_copy (&copy, value);
  return tw_run_yield (run, &copy, (gssize) MIN (n_bytes, (gsize) G_MAXSSIZE));
}

#define YIELD_WITH(self, gtype, setter, val)                                  \
  TwValue tv = TW_VALUE_INIT;                                                 \
  RETURN_RUN_OR (self, FALSE);                                                \
  g_value_init (&tv.value, gtype);                                            \
  setter (&tv.value, val);                                                    \
  return tw_run_yield (run, &tv, -1)

/**
 * tw_worker_yield_int:
 * @self: a worker
 * @value: the value
 *
 * Yields a %G_TYPE_INT64 value; see [method@Tw.Worker.yield_value].
 * Worker thread.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested
 */
gboolean
tw_worker_yield_int (TwWorker *self,
                     gint64    value)
{
  YIELD_WITH (self, G_TYPE_INT64, g_value_set_int64, value);
}

/**
 * tw_worker_yield_double:
 * @self: a worker
 * @value: the value
 *
 * Yields a %G_TYPE_DOUBLE value; see [method@Tw.Worker.yield_value].
 * Worker thread.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested
 */
gboolean
tw_worker_yield_double (TwWorker *self,
                        double    value)
{
  YIELD_WITH (self, G_TYPE_DOUBLE, g_value_set_double, value);
}

/**
 * tw_worker_yield_string:
 * @self: a worker
 * @value: (nullable): the string; copied
 *
 * Yields a %G_TYPE_STRING value; see [method@Tw.Worker.yield_value].
 * Worker thread.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested
 */
gboolean
tw_worker_yield_string (TwWorker   *self,
                        const char *value)
{
  YIELD_WITH (self, G_TYPE_STRING, g_value_set_string, value);
}

/**
 * tw_worker_yield_object:
 * @self: a worker
 * @object: (type GObject) (transfer none): the object; a reference is taken
 *
 * Yields an object (for example a `GdkTexture` made on the worker thread) as
 * a value of its own type; see [method@Tw.Worker.yield_value]. The object
 * must be safe to hand to the owner thread. Worker thread.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested
 */
gboolean
tw_worker_yield_object (TwWorker *self,
                        gpointer  object)
{
  g_return_val_if_fail (G_IS_OBJECT (object), FALSE);
  {
    YIELD_WITH (self, G_OBJECT_TYPE (object), g_value_set_object, object);
  }
}

/**
 * tw_worker_yield_pointer:
 * @self: a worker
 * @data: (nullable): the pointer
 * @destroy: (nullable): frees @data once nobody needs it
 *
 * Yields a %G_TYPE_POINTER value that owns @data. @destroy is called once
 * the value is no longer needed: on the owner thread after it was replaced as
 * the worker's [method@Tw.Worker.get_value] (or the worker was finalized), or
 * on the worker thread if it was dropped because the run was quit.
 * Worker thread. Not for language bindings.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested
 */
gboolean
tw_worker_yield_pointer (TwWorker       *self,
                         gpointer        data,
                         GDestroyNotify  destroy)
{
  TwValue tv = TW_VALUE_INIT;
  TwRun *run;

  run = current_run_or_critical (self, G_STRFUNC);
  if (run == NULL)
    {
      /* @data is ours even when the call is refused. */
      if (destroy != NULL)
        destroy (data);
      return FALSE;
    }

  g_value_init (&tv.value, G_TYPE_POINTER);
  g_value_set_pointer (&tv.value, data);
  tv.destroy = destroy;
  return tw_run_yield (run, &tv, 0);
}

/* Worker thread. Takes @value. */
static void
tw_run_return (TwRun    *run,
               TwValue  *value,
               GError   *error)
{
  if (run->has_result)
    {
      g_critical ("%s: the work of %s already reported its result",
                  G_STRFUNC, G_OBJECT_TYPE_NAME (run->worker));
      if (value != NULL)   /* NULL for tw_worker_return_error() */
        _tw_value_clear (value);
      g_clear_error (&error);
      return;
    }

  run->has_result = TRUE;
  if (error != NULL)
    run->error = error;
  else
    _tw_value_move (&run->result, value);
}

/**
 * tw_worker_return_value:
 * @self: a worker
 * @value: the result; copied
 *
 * Reports the result of the run: [signal@Tw.Worker::returned] is emitted
 * with it when the work has ended. A [class@Tw.GeneratorWorker] ends after
 * the step that returned. Report at most one result per run.
 *
 * Call on the worker thread, from the work.
 */
void
tw_worker_return_value (TwWorker     *self,
                        const GValue *value)
{
  TwValue copy;

  RETURN_RUN_OR (self, /* void */);
  g_return_if_fail (G_IS_VALUE (value));

  tw_value_init_copy (&copy, value);
  tw_run_return (run, &copy, NULL);
}

#define RETURN_WITH(self, gtype, setter, val)                                 \
  TwValue tv = TW_VALUE_INIT;                                                 \
  RETURN_RUN_OR (self, /* void */);                                                     \
  g_value_init (&tv.value, gtype);                                            \
  setter (&tv.value, val);                                                    \
  tw_run_return (run, &tv, NULL)

/**
 * tw_worker_return_int:
 * @self: a worker
 * @value: the result
 *
 * Returns a %G_TYPE_INT64 result; see [method@Tw.Worker.return_value].
 * Worker thread.
 */
void
tw_worker_return_int (TwWorker *self,
                      gint64    value)
{
  RETURN_WITH (self, G_TYPE_INT64, g_value_set_int64, value);
}

/**
 * tw_worker_return_double:
 * @self: a worker
 * @value: the result
 *
 * Returns a %G_TYPE_DOUBLE result; see [method@Tw.Worker.return_value].
 * Worker thread.
 */
void
tw_worker_return_double (TwWorker *self,
                         double    value)
{
  RETURN_WITH (self, G_TYPE_DOUBLE, g_value_set_double, value);
}

/**
 * tw_worker_return_string:
 * @self: a worker
 * @value: (nullable): the result; copied
 *
 * Returns a %G_TYPE_STRING result; see [method@Tw.Worker.return_value].
 * Worker thread.
 */
void
tw_worker_return_string (TwWorker   *self,
                         const char *value)
{
  RETURN_WITH (self, G_TYPE_STRING, g_value_set_string, value);
}

/**
 * tw_worker_return_object:
 * @self: a worker
 * @object: (type GObject) (transfer none): the result; a reference is taken
 *
 * Returns an object as a value of its own type; see
 * [method@Tw.Worker.return_value]. Worker thread.
 */
void
tw_worker_return_object (TwWorker *self,
                         gpointer  object)
{
  g_return_if_fail (G_IS_OBJECT (object));
  {
    RETURN_WITH (self, G_OBJECT_TYPE (object), g_value_set_object, object);
  }
}

/**
 * tw_worker_return_pointer:
 * @self: a worker
 * @data: (nullable): the pointer
 * @destroy: (nullable): frees @data once nobody needs it
 *
 * Returns a %G_TYPE_POINTER result that owns @data; @destroy is called when
 * it is replaced as the worker's value or the worker is finalized (or at
 * once on the worker thread if the run was quit). Worker thread. Not for
 * language bindings.
 */
void
tw_worker_return_pointer (TwWorker       *self,
                          gpointer        data,
                          GDestroyNotify  destroy)
{
  TwValue tv = TW_VALUE_INIT;
  TwRun *run;

  run = current_run_or_critical (self, G_STRFUNC);
  if (run == NULL)
    {
      /* @data is ours even when the call is refused. */
      if (destroy != NULL)
        destroy (data);
      return;
    }

  g_value_init (&tv.value, G_TYPE_POINTER);
  g_value_set_pointer (&tv.value, data);
  tv.destroy = destroy;
  tw_run_return (run, &tv, NULL);
}

/**
 * tw_worker_return_error:
 * @self: a worker
 * @error: (transfer full): the error
 *
 * Reports that the run failed: [signal@Tw.Worker::errored] is emitted with
 * @error when the work has ended. A [class@Tw.GeneratorWorker] ends after the
 * step that returned. Report at most one result per run.
 *
 * Call on the worker thread, from the work.
 */
void
tw_worker_return_error (TwWorker *self,
                        GError   *error)
{
  TwRun *run;

  g_return_if_fail (error != NULL);

  run = current_run_or_critical (self, G_STRFUNC);
  if (run == NULL)
    {
      /* @error is ours even when the call is refused. */
      g_error_free (error);
      return;
    }

  tw_run_return (run, NULL, error);
}



gboolean
_tw_run_has_result (TwRun *run)
{
  return run->has_result;
}

/**
 * tw_worker_checkpoint:
 * @self: a worker
 *
 * A point where the work may pause or stop: blocks while the worker is
 * paused (without polling) and reports whether to go on.
 *
 * Call on the worker thread, from the work.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested (stop the work)
 */
gboolean
tw_worker_checkpoint (TwWorker *self)
{
  RETURN_RUN_OR (self, FALSE);

  return _tw_run_checkpoint (run);
}

/**
 * tw_worker_sleep:
 * @self: a worker
 * @milliseconds: how long to sleep
 *
 * Sleeps on the worker thread, waking at once if the worker is quit.
 *
 * Call on the worker thread, from the work.
 *
 * Returns: %TRUE if the time passed, %FALSE if quit was requested
 */
gboolean
tw_worker_sleep (TwWorker *self,
                 guint     milliseconds)
{
  gint64 end_time;
  gboolean keep_going;

  RETURN_RUN_OR (self, FALSE);

  end_time = g_get_monotonic_time () + (gint64) milliseconds * G_TIME_SPAN_MILLISECOND;
  g_mutex_lock (&run->lock);
  while (!run->abort && g_cond_wait_until (&run->cond, &run->lock, end_time))
    ;
  keep_going = !run->abort;
  g_mutex_unlock (&run->lock);

  return keep_going;
}

static void
tw_run_update_progress (TwRun      *run,
                        gboolean    set_fraction,
                        double      fraction,
                        gboolean    set_text,
                        const char *text)
{
  g_mutex_lock (&run->lock);
  if (set_fraction)
    run->progress = fraction;
  if (set_text)
    set_str (&run->progress_text, text);
  run->progress_changed = TRUE;
  if (!run->progress_queued)
    {
      run->progress_queued = TRUE;
      tw_run_push (run, TW_EVENT_PROGRESS);
    }
  g_mutex_unlock (&run->lock);
}

/* NaN (say 0/0 before the total is known) is unknown progress too: it would
 * otherwise notify on every flush and reach bound properties. */
static double
normalize_fraction (double fraction)
{
  if (!(fraction >= 0.0))
    return -1.0;
  return MIN (fraction, 1.0);
}

/**
 * tw_worker_set_progress:
 * @self: a worker
 * @fraction: the progress, 0 to 1, or negative (or NaN) when unknown
 *
 * Updates [property@Tw.Worker:progress] on the owner. Updates are coalesced:
 * calling this a million times costs a handful of notifications, and the
 * last value is always delivered before the run ends. Never blocks.
 *
 * Call on the worker thread, from the work.
 */
void
tw_worker_set_progress (TwWorker *self,
                        double    fraction)
{
  RETURN_RUN_OR (self, /* void */);

  tw_run_update_progress (run, TRUE, normalize_fraction (fraction), FALSE, NULL);
}

/**
 * tw_worker_set_progress_with_text:
 * @self: a worker
 * @fraction: the progress, 0 to 1, or negative (or NaN) when unknown
 * @text: (nullable): a text describing the progress
 *
 * Updates [property@Tw.Worker:progress] and
 * [property@Tw.Worker:progress-text] in one update: the owner never shows
 * the new fraction with the old text, and a `notify::progress` handler reads
 * the text that came with the fraction (two calls,
 * [method@Tw.Worker.set_progress] then [method@Tw.Worker.set_progress_text],
 * may be delivered apart). Coalesced like [method@Tw.Worker.set_progress].
 * The subprocess worker's `PROGRESS 0.5 half` lines use it.
 *
 * Call on the worker thread, from the work.
 */
void
tw_worker_set_progress_with_text (TwWorker   *self,
                                  double      fraction,
                                  const char *text)
{
  RETURN_RUN_OR (self, /* void */);

  tw_run_update_progress (run, TRUE, normalize_fraction (fraction), TRUE, text);
}

/**
 * tw_worker_set_progress_text:
 * @self: a worker
 * @text: (nullable): a text describing the progress
 *
 * Updates [property@Tw.Worker:progress-text] on the owner, coalesced like
 * [method@Tw.Worker.set_progress].
 *
 * Call on the worker thread, from the work.
 */
void
tw_worker_set_progress_text (TwWorker   *self,
                             const char *text)
{
  RETURN_RUN_OR (self, /* void */);

  tw_run_update_progress (run, FALSE, 0.0, TRUE, text);
}

/**
 * tw_worker_warn:
 * @self: a worker
 * @message: the warning; copied
 *
 * Emits [signal@Tw.Worker::warned] on the owner, in order with the yielded
 * values.
 *
 * Call on the worker thread, from the work.
 */
void
tw_worker_warn (TwWorker   *self,
                const char *message)
{
  TwEvent *event;

  RETURN_RUN_OR (self, /* void */);
  g_return_if_fail (message != NULL);

  event = tw_event_new (run, TW_EVENT_WARNED);
  event->message = g_strdup (message);
  _tw_dispatcher_push (run->dispatcher, &event->item);
}

/**
 * tw_worker_emit_signal:
 * @self: a worker
 * @detailed_signal: a signal of @self's type, with its detail if any
 *   (`"counted"`, `"changed::size"`)
 * @args: (array length=n_args) (nullable): the signal's arguments, without
 *   the instance; copied
 * @n_args: how many arguments, the number the signal takes
 *
 * Emits a signal of @self on the owner context, like a yielded value: in
 * order with the yielded values, warnings and the other events of the run,
 * counted against [property@Tw.Worker:max-pending-yields] and blocking while
 * that many are undelivered, whatever the yield policy (an emission is never
 * coalesced or dropped, except after quit). Its handlers run on the owner
 * thread, never on the worker thread. The signal must not have a return
 * value. Then it is a checkpoint, like [method@Tw.Worker.yield_value].
 *
 * This is how a worker subclass delivers signals of its own from its work;
 * `g_signal_emit()` there would run the handlers on the worker
 * thread.
 *
 * Call on the worker thread, from the work.
 *
 * Returns: %TRUE to go on, %FALSE once quit was requested (the emission is
 *   then dropped)
 */
gboolean
tw_worker_emit_signal (TwWorker     *self,
                       const char   *detailed_signal,
                       const GValue *args,
                       guint         n_args)
{
  GSignalQuery query;
  guint signal_id;
  GQuark detail = 0;
  TwEvent *event;

  RETURN_RUN_OR (self, FALSE);
  g_return_val_if_fail (detailed_signal != NULL, FALSE);
  g_return_val_if_fail (args != NULL || n_args == 0, FALSE);

  if (!g_signal_parse_name (detailed_signal, G_OBJECT_TYPE (self), &signal_id, &detail, TRUE))
    {
      g_critical ("%s: %s has no signal “%s”", G_STRFUNC,
                  G_OBJECT_TYPE_NAME (self), detailed_signal);
      return FALSE;
    }
  g_signal_query (signal_id, &query);
  if (query.n_params != n_args || query.return_type != G_TYPE_NONE)
    {
      g_critical ("%s: the signal “%s” takes %u arguments and returns %s, not %u and nothing",
                  G_STRFUNC, detailed_signal, query.n_params,
                  g_type_name (query.return_type), n_args);
      return FALSE;
    }
  for (guint i = 0; i < n_args; i++)
    {
      GType wanted = query.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE;

      if (!G_IS_VALUE (&args[i]) || !g_type_is_a (G_VALUE_TYPE (&args[i]), wanted))
        {
          g_critical ("%s: argument %u of “%s” must be a %s, not %s", G_STRFUNC,
                      i + 1, detailed_signal, g_type_name (wanted),
                      G_IS_VALUE (&args[i]) ? G_VALUE_TYPE_NAME (&args[i]) : "an unset value");
          return FALSE;
        }
    }

  event = tw_event_new (run, TW_EVENT_EMIT);
  event->signal_id = signal_id;
  event->detail = detail;
  event->n_args = n_args;
  event->args = g_new0 (GValue, n_args + 1);
  for (guint i = 0; i < n_args; i++)
    {
      g_value_init (&event->args[i + 1], G_VALUE_TYPE (&args[i]));
      g_value_copy (&args[i], &event->args[i + 1]);
    }
  tw_run_push_counted (run, event);

  return _tw_run_checkpoint (run);
}

/**
 * tw_worker_get_cancellable:
 * @self: a worker
 *
 * Gets the cancellable of the current run, cancelled by
 * [method@Tw.Worker.quit]. Pass it to blocking GIO calls in the work so they
 * return %G_IO_ERROR_CANCELLED at once when the worker is quit.
 *
 * Call on the worker thread, from the work; the work's `cancellable`
 * argument is the same object.
 *
 * Returns: (transfer none): the run's cancellable
 */
GCancellable *
tw_worker_get_cancellable (TwWorker *self)
{
  RETURN_RUN_OR (self, NULL);

  return run->cancellable;
}
