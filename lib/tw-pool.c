/* tw-pool.c: TwPool: the limit on concurrent runs with its FIFO of waiting
 * runs and the slots of paused runs (under the core's lock, any thread), the
 * GListModel of live workers (the pool's context) and shutdown. The threads
 * themselves are tw-thread-cache.c's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "tw-pool-private.h"
#include "tw-thread-cache-private.h"
#include "tw-worker-private.h"

/**
 * TwPool:
 *
 * The threads workers run on, and the list of live workers.
 *
 * ## Threads
 *
 * A pool keeps idle threads and reuses the one that became idle most
 * recently (LIFO), so a burst of short jobs stays on few, warm threads and
 * surplus threads exit after [property@Tw.Pool:idle-timeout]. A thread marks
 * itself idle *before* it delivers the end of its run, so jobs started one
 * after another from `finished` or `returned` handlers need one thread.
 *
 * ## The limit
 *
 * At most [property@Tw.Pool:max-threads] runs execute at once; further
 * started workers wait in state %TW_WORKER_STATE_WAITING and start in the
 * order they were started as runs end.
 *
 * A paused run does not hold its place: when work really pauses, its slot
 * goes to the next waiting run, so a paused worker never holds back unrelated
 * work. Resuming takes the slot back at once, without waiting, even if that
 * puts the pool over its limit for a while; no new run starts until the
 * number of executing runs is below the limit again. Resume is a user's
 * action and must be prompt; the cost is one more thread per paused worker.
 * A worker is reported paused before its slot is given away and resumed
 * after it took it back, so every worker the owner sees running holds a
 * slot.
 *
 * ## Live workers
 *
 * A pool is a [iface@Gio.ListModel] of the workers started on it and not yet
 * finished, in the order they were started, with
 * [property@Tw.Pool:n-running] and [property@Tw.Pool:n-waiting], so an app
 * can show a task list. The model changes on the pool's context (the default
 * main context for [func@Tw.Pool.get_default], else the thread-default
 * context of the thread that created it).
 *
 * ## Shutdown
 *
 * [method@Tw.Pool.quit_all] asks every live worker to quit;
 * [method@Tw.Pool.await] iterates the pool's context until they have
 * finished; [method@Tw.Pool.release_threads] ends the idle threads.
 * [method@Tw.Pool.bind_application] does all three when a
 * [class@Gio.Application] shuts down.
 */

typedef struct _TwPoolCore   TwPoolCore;

/* Shared with the threads, which outlive nothing but may outlive the GObject
 * for the instant between marking themselves idle and exiting. */
struct _TwPoolCore
{
  gatomicrefcount ref_count;
  GMutex          lock;
  guint           max_threads;
  guint           n_active;   /* runs executing and holding a slot */
  GQueue          waiting;    /* TwRun*, via run->pool_link, FIFO */
  TwThreadCache   cache;      /* its threads hold a reference on the core */
  TwPoolSlotHook  slot_hook;  /* tests only: see tw-pool-private.h */
  gpointer        slot_hook_data;
};

struct _TwPool
{
  GObject       parent_instance;

  GMainContext *context;
  GThread      *owner_thread;  /* that created it; NULL for the default pool */
  TwPoolCore   *core;
  /* Owner: the live workers in start order (TwWorker*, strong refs), linked
   * through the workers themselves (_tw_worker_get_pool_link()): joining
   * and leaving allocate nothing. */
  GQueue        live;
  /* Owner: the positions of the live workers, made the first time someone
   * asks for an item or listens to items-changed, and kept from then on,
   * so that a worker leaves in O(log n) wherever it is (ten thousand
   * workers must not cost ten thousand moves of the rest). Most
   * applications never list their workers, and never pay for it. */
  GSequence    *index;       /* each worker knows its iter: _tw_worker_get_pool_iter() */
  guint         n_running;   /* owner: live workers running or paused */
  guint         n_waiting;   /* owner: live workers waiting */
};

static void tw_pool_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TwPool, tw_pool, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      tw_pool_list_model_iface_init))

enum {
  PROP_0,
  PROP_MAX_THREADS,
  PROP_IDLE_TIMEOUT,
  PROP_N_RUNNING,
  PROP_N_WAITING,
  PROP_N_ITEMS,
  PROP_ITEM_TYPE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint items_changed_signal;   /* GListModel::items-changed */
static guint notify_signal;          /* GObject::notify */

#define DEFAULT_IDLE_TIMEOUT_MS 10000

/* The functions of the pool's context thread refuse every other thread, the
 * work above all: quit_all() from a work would quit workers on its thread,
 * and the setters would notify there. The thread that created the pool or
 * owns its context now is one; for the default pool, whose context is the
 * global default one whoever made it, any thread that could own that
 * context now except the pools' own. */
static gboolean
tw_pool_is_owner_thread (TwPool *self)
{
  if (G_LIKELY (g_thread_self () == self->owner_thread) ||
      g_main_context_is_owner (self->context))
    return TRUE;
  if (self->owner_thread == NULL && !_tw_thread_cache_is_cache_thread () &&
      g_main_context_acquire (self->context))
    {
      g_main_context_release (self->context);
      return TRUE;
    }
  return FALSE;
}

static gboolean
owner_thread_or_critical (TwPool     *self,
                          const char *func)
{
  if (G_LIKELY (tw_pool_is_owner_thread (self)))
    return TRUE;
  g_critical ("%s: must be called on the owner thread of the pool (the thread of "
              "its main context), not %s", func,
              _tw_thread_cache_is_cache_thread () ? "from a work" : "from another thread");
  return FALSE;
}

#define RETURN_IF_NOT_OWNER(self, val)                                        \
  G_STMT_START {                                                              \
    if (!owner_thread_or_critical (self, G_STRFUNC))                          \
      return val;                                                             \
  } G_STMT_END

/* ------------------------------------------------------------------------ */
/* Core: threads and the limit                                              */

static TwPoolCore *
tw_pool_core_ref (TwPoolCore *core)
{
  g_atomic_ref_count_inc (&core->ref_count);
  return core;
}

static void
tw_pool_core_unref (TwPoolCore *core)
{
  if (!g_atomic_ref_count_dec (&core->ref_count))
    return;

  g_assert (core->waiting.length == 0);
  _tw_thread_cache_clear (&core->cache);
  g_mutex_clear (&core->lock);
  g_free (core);
}

/* Called with core->lock held. Hands @run to an idle thread or a new one;
 * FALSE if no thread could be created. */
static gboolean
tw_pool_core_dispatch_locked (TwPoolCore *core,
                              TwRun      *run)
{
  guint n_threads = core->cache.threads->len;

  if (!_tw_thread_cache_run_locked (&core->cache, run))
    return FALSE;
  if (core->cache.threads->len > n_threads)
    TW_DEBUG ("Pool: a thread starts (%u threads, %u running work)",
              core->cache.threads->len, core->n_active);
  return TRUE;
}

/* Called with core->lock held: starts waiting runs while there is room. */
static void
tw_pool_core_start_waiting_locked (TwPoolCore *core)
{
  while (core->waiting.length > 0 && core->n_active < core->max_threads)
    {
      GList *link = g_queue_pop_head_link (&core->waiting);
      TwRun *run = link->data;

      run->queued = FALSE;
      core->n_active++;
      if (!tw_pool_core_dispatch_locked (core, run))
        {
          /* Try again when a thread frees up. */
          core->n_active--;
          run->queued = TRUE;
          g_queue_push_head_link (&core->waiting, link);
          break;
        }
    }
}

/* The thread cache's view of the pool. */

static void
tw_pool_cache_execute (gpointer job)
{
  _tw_run_execute (job);
}

/* On the run's thread, with core->lock held: @done_job gives up its slot,
 * and the thread takes the next waiting run if there is room for it. */
static gpointer
tw_pool_cache_next_job (gpointer owner,
                        gpointer done_job)
{
  TwPoolCore *core = owner;
  TwRun *run = done_job;
  TwRun *next;

  if (!run->slot_released)
    core->n_active--;
  run->slot_released = FALSE;

  if (core->waiting.length == 0 || core->n_active >= core->max_threads)
    return NULL;
  next = g_queue_pop_head_link (&core->waiting)->data;
  next->queued = FALSE;
  core->n_active++;
  return next;
}

static void
tw_pool_cache_deliver (gpointer job)
{
  _tw_run_push_done (job);
}

static void
tw_pool_cache_ref_core (gpointer owner)
{
  tw_pool_core_ref (owner);
}

static void
tw_pool_cache_unref_core (gpointer owner)
{
  tw_pool_core_unref (owner);
}

static const TwThreadCacheFuncs tw_pool_cache_funcs = {
  .execute = tw_pool_cache_execute,
  .next_job = tw_pool_cache_next_job,
  .deliver = tw_pool_cache_deliver,
  .ref_owner = tw_pool_cache_ref_core,
  .unref_owner = tw_pool_cache_unref_core,
};

void
_tw_pool_submit (TwPool *self,
                 TwRun  *run)
{
  TwPoolCore *core = self->core;

  g_mutex_lock (&core->lock);
  run->queued = TRUE;
  g_queue_push_tail_link (&core->waiting, &run->pool_link);
  tw_pool_core_start_waiting_locked (core);
  g_mutex_unlock (&core->lock);
}

gboolean
_tw_pool_unqueue (TwPool *self,
                  TwRun  *run)
{
  TwPoolCore *core = self->core;
  gboolean was_queued;

  g_mutex_lock (&core->lock);
  was_queued = run->queued;
  if (was_queued)
    {
      g_queue_unlink (&core->waiting, &run->pool_link);
      run->queued = FALSE;
    }
  g_mutex_unlock (&core->lock);

  return was_queued;
}

void
_tw_pool_run_paused (TwPool   *self,
                     TwRun    *run,
                     gboolean  paused)
{
  TwPoolCore *core = self->core;

  g_mutex_lock (&core->lock);
  if (G_UNLIKELY (core->slot_hook != NULL))
    {
      TwPoolSlotHook hook = core->slot_hook;
      gpointer data = core->slot_hook_data;

      g_mutex_unlock (&core->lock);
      hook (self, run->worker, paused, data);
      g_mutex_lock (&core->lock);
    }
  if (paused && !run->slot_released)
    {
      run->slot_released = TRUE;
      core->n_active--;
      tw_pool_core_start_waiting_locked (core);
    }
  else if (!paused && run->slot_released)
    {
      run->slot_released = FALSE;
      core->n_active++;
    }
  g_mutex_unlock (&core->lock);
}

void
_tw_pool_set_slot_hook (TwPool         *self,
                        TwPoolSlotHook  hook,
                        gpointer        user_data)
{
  TwPoolCore *core = self->core;

  g_mutex_lock (&core->lock);
  core->slot_hook = hook;
  core->slot_hook_data = user_data;
  g_mutex_unlock (&core->lock);
}

/* ------------------------------------------------------------------------ */
/* Live workers (pool context)                                              */

typedef struct
{
  TwPool        *pool;
  TwWorker      *worker;
  TwWorkerState  old_state;
  TwWorkerState  new_state;
} TrackCall;

static gboolean
is_live_state (TwWorkerState state)
{
  return state == TW_WORKER_STATE_WAITING ||
         state == TW_WORKER_STATE_RUNNING ||
         state == TW_WORKER_STATE_PAUSED;
}

static void
tw_pool_update_counts (TwPool        *self,
                       TwWorkerState  state,
                       int            delta)
{
  if (state == TW_WORKER_STATE_WAITING)
    self->n_waiting += delta;
  else if (state == TW_WORKER_STATE_RUNNING || state == TW_WORKER_STATE_PAUSED)
    self->n_running += delta;
}

/* The pool's context: makes the index of positions, if there is none. */
static void
tw_pool_ensure_index (TwPool *self)
{
  if (self->index != NULL)
    return;

  self->index = g_sequence_new (NULL);
  for (GList *link = self->live.head; link != NULL; link = link->next)
    _tw_worker_set_pool_iter (link->data, g_sequence_append (self->index, link->data));
}

static void
tw_pool_track_in_context (TwPool        *self,
                          TwWorker      *worker,
                          TwWorkerState  old_state,
                          TwWorkerState  new_state)
{
  gboolean was_live = is_live_state (old_state);
  gboolean is_live = is_live_state (new_state);
  gboolean counted_same = (old_state == TW_WORKER_STATE_PAUSED && new_state == TW_WORKER_STATE_RUNNING) ||
                          (old_state == TW_WORKER_STATE_RUNNING && new_state == TW_WORKER_STATE_PAUSED);
  guint old_waiting = self->n_waiting;
  guint old_running = self->n_running;
  guint position = 0, removed = 0, added = 0;
  gboolean tell = FALSE;
  /* Most applications never connect to the pool: one look-up for any
   * handler at all (unblocked: a blocked one would not run) spares the
   * look-ups of items-changed and notify below. */
  gboolean watched = g_signal_handler_find (self, G_SIGNAL_MATCH_UNBLOCKED, 0, 0,
                                            NULL, NULL, NULL) != 0;

  /* Change everything first, then tell: handlers of any notification see
   * the counts and the list agree. Every worker passes here three times, so
   * this does without g_object_freeze_notify(), which would cost more than
   * the rest of the function. */
  if (!counted_same)
    {
      if (was_live)
        tw_pool_update_counts (self, old_state, -1);
      if (is_live)
        tw_pool_update_counts (self, new_state, +1);
    }

  /* A position costs a walk up the tree: only when someone is told. */
  if (watched && was_live != is_live)
    tell = g_signal_has_handler_pending (self, items_changed_signal, 0, TRUE);

  if (tell)
    tw_pool_ensure_index (self);

  if (!was_live && is_live)
    {
      GList *link = _tw_worker_get_pool_link (worker);

      link->data = g_object_ref (worker);
      g_queue_push_tail_link (&self->live, link);
      if (self->index != NULL)
        {
          GSequenceIter *iter = g_sequence_append (self->index, worker);

          _tw_worker_set_pool_iter (worker, iter);
          if (tell)
            position = g_sequence_iter_get_position (iter);
        }
      added = 1;
    }
  else if (was_live && !is_live)
    {
      GList *link = _tw_worker_get_pool_link (worker);

      if (link->data != NULL)
        {
          if (self->index != NULL)
            {
              GSequenceIter *iter = _tw_worker_get_pool_iter (worker);

              if (tell)
                position = g_sequence_iter_get_position (iter);
              _tw_worker_set_pool_iter (worker, NULL);
              g_sequence_remove (iter);
            }
          g_queue_unlink (&self->live, link);
          link->data = NULL;
          /* The worker is kept alive by whoever changes its state. */
          g_object_unref (worker);
          removed = 1;
        }
    }

  /* Our handlers may connect to the worker and change it, in the middle of
   * its state change (when it is ours: a worker of another context was
   * tracked here later, on our context): it must look for notify handlers
   * again. */
  if (watched && tw_worker_get_context (worker) == self->context)
    _tw_worker_forget_watch (worker);
  if (tell && (added || removed))
    g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  /* With nobody listening, one handler lookup costs less than up to three
   * notifications (measured with callgrind). Match the id alone: handlers
   * of every detail ("notify::n-running") count. */
  if (!watched ||
      g_signal_handler_find (self, G_SIGNAL_MATCH_ID, notify_signal, 0,
                             NULL, NULL, NULL) == 0)
    return;
  if (self->n_waiting != old_waiting)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_WAITING]);
  if (self->n_running != old_running)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_RUNNING]);
  if (added || removed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static gboolean
track_call_cb (gpointer user_data)
{
  TrackCall *call = user_data;

  tw_pool_track_in_context (call->pool, call->worker, call->old_state, call->new_state);
  return G_SOURCE_REMOVE;
}

static void
track_call_free (gpointer user_data)
{
  TrackCall *call = user_data;

  g_object_unref (call->pool);
  g_object_unref (call->worker);
  g_free (call);
}

/* Worker's owner thread: a worker of this pool changed state. */
void
_tw_pool_track (TwPool        *self,
                TwWorker      *worker,
                TwWorkerState  old_state,
                TwWorkerState  new_state)
{
  TrackCall *call;
  gboolean was_live = is_live_state (old_state);
  gboolean is_live = is_live_state (new_state);

  /* Only joining, leaving, and moving between waiting and running count. */
  if (!was_live && !is_live)
    return;
  if (was_live && is_live &&
      (old_state == TW_WORKER_STATE_WAITING) == (new_state == TW_WORKER_STATE_WAITING))
    return;

  if (tw_worker_get_context (worker) == self->context)
    {
      tw_pool_track_in_context (self, worker, old_state, new_state);
      return;
    }

  /* A worker owned by another context: the model changes on ours. */
  call = g_new0 (TrackCall, 1);
  call->pool = g_object_ref (self);
  call->worker = g_object_ref (worker);
  call->old_state = old_state;
  call->new_state = new_state;
  _tw_context_post (self->context, "[threadworker] pool track", track_call_cb, call,
                    track_call_free);
}

/* ------------------------------------------------------------------------ */
/* GListModel                                                               */

static GType
tw_pool_get_item_type (GListModel *model)
{
  return TW_TYPE_WORKER;
}

static guint
tw_pool_get_n_items (GListModel *model)
{
  return TW_POOL (model)->live.length;
}

static gpointer
tw_pool_get_item (GListModel *model,
                  guint       position)
{
  TwPool *self = TW_POOL (model);

  if (position >= self->live.length)
    return NULL;
  tw_pool_ensure_index (self);
  return g_object_ref (g_sequence_get (g_sequence_get_iter_at_pos (self->index, position)));
}

static void
tw_pool_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = tw_pool_get_item_type;
  iface->get_n_items = tw_pool_get_n_items;
  iface->get_item = tw_pool_get_item;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

/* As TwWorker's: a g_object_set() from another thread (refused by the
 * setter) freezes the pool's notify queue for every thread, and its thaw
 * would emit there what the pool's context notified meanwhile. Those go to
 * the pool's context instead. */
static void
tw_pool_dispatch_properties_changed (GObject     *object,
                                     guint        n_pspecs,
                                     GParamSpec **pspecs)
{
  TwPool *self = TW_POOL (object);

  if (G_LIKELY (tw_pool_is_owner_thread (self)))
    {
      G_OBJECT_CLASS (tw_pool_parent_class)->dispatch_properties_changed (object, n_pspecs,
                                                                        pspecs);
      return;
    }

  _tw_context_post_notify (self->context, object, G_OBJECT_CLASS (tw_pool_parent_class),
                           n_pspecs, pspecs);
}

static void
tw_pool_finalize (GObject *object)
{
  TwPool *self = TW_POOL (object);

  /* Live workers hold a reference on their pool, so none is left. */
  g_assert (self->live.length == 0);

  tw_pool_release_threads (self);
  g_clear_pointer (&self->index, g_sequence_free);
  tw_pool_core_unref (self->core);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (tw_pool_parent_class)->finalize (object);
}

static void
tw_pool_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  TwPool *self = TW_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_THREADS:
      g_value_set_uint (value, tw_pool_get_max_threads (self));
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, tw_pool_get_idle_timeout (self));
      break;
    case PROP_N_RUNNING:
      g_value_set_uint (value, self->n_running);
      break;
    case PROP_N_WAITING:
      g_value_set_uint (value, self->n_waiting);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->live.length);
      break;
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, TW_TYPE_WORKER);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tw_pool_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  TwPool *self = TW_POOL (object);

  switch (prop_id)
    {
    case PROP_MAX_THREADS:
      tw_pool_set_max_threads (self, g_value_get_uint (value));
      break;
    case PROP_IDLE_TIMEOUT:
      tw_pool_set_idle_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tw_pool_class_init (TwPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  _tw_i18n_init ();

  object_class->finalize = tw_pool_finalize;
  object_class->get_property = tw_pool_get_property;
  object_class->set_property = tw_pool_set_property;
  object_class->dispatch_properties_changed = tw_pool_dispatch_properties_changed;

  /**
   * TwPool:max-threads:
   *
   * How many runs may execute at once. Defaults to the number of processors,
   * at least 2.
   */
  properties[PROP_MAX_THREADS] =
    g_param_spec_uint ("max-threads", NULL, NULL, 1, G_MAXUINT, 2,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwPool:idle-timeout:
   *
   * How long, in milliseconds, an idle thread waits for work before it exits.
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_IDLE_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwPool:n-running:
   *
   * How many live workers are running or paused (as seen on the pool's
   * context).
   */
  properties[PROP_N_RUNNING] =
    g_param_spec_uint ("n-running", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwPool:n-waiting:
   *
   * How many live workers wait for a thread.
   */
  properties[PROP_N_WAITING] =
    g_param_spec_uint ("n-waiting", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwPool:n-items:
   *
   * The number of live workers in the list.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwPool:item-type:
   *
   * The type of the items: [class@Tw.Worker].
   */
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, TW_TYPE_WORKER,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  items_changed_signal = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);
  notify_signal = g_signal_lookup ("notify", G_TYPE_OBJECT);
}

static void
tw_pool_init (TwPool *self)
{
  TwPoolCore *core = g_new0 (TwPoolCore, 1);

  g_atomic_ref_count_init (&core->ref_count);
  g_mutex_init (&core->lock);
  core->max_threads = MAX (2, g_get_num_processors ());
  _tw_thread_cache_init (&core->cache, &core->lock, &tw_pool_cache_funcs, core,
                         DEFAULT_IDLE_TIMEOUT_MS);

  self->core = core;
  self->context = g_main_context_ref_thread_default ();
  self->owner_thread = g_thread_self ();
  g_queue_init (&self->live);
}

/**
 * tw_pool_get_default:
 *
 * Gets the pool workers use unless given another. Its context is the global
 * default main context. Any thread.
 *
 * Returns: (transfer none): the default pool
 */
TwPool *
tw_pool_get_default (void)
{
  static gsize default_pool;

  if (g_once_init_enter (&default_pool))
    {
      TwPool *pool = g_object_new (TW_TYPE_POOL, NULL);

      /* Its context is the global default one, whichever thread gets here
       * first. Not by pushing that context as thread-default around the
       * construction: pushing acquires the context, which fails (with a
       * critical) on a thread while the main loop runs it. */
      g_main_context_unref (pool->context);
      pool->context = g_main_context_ref (g_main_context_default ());
      pool->owner_thread = NULL;
      g_once_init_leave (&default_pool, (gsize) pool);
    }

  return (TwPool *) default_pool;
}

/**
 * tw_pool_new:
 *
 * Creates a pool of its own, for example to give a kind of work its own
 * limit. Its context is the calling thread's thread-default main context.
 *
 * Returns: (transfer full): a new pool
 */
TwPool *
tw_pool_new (void)
{
  return g_object_new (TW_TYPE_POOL, NULL);
}

/**
 * tw_pool_get_max_threads:
 * @self: a pool
 *
 * Gets [property@Tw.Pool:max-threads]. Any thread.
 *
 * Returns: the limit
 */
guint
tw_pool_get_max_threads (TwPool *self)
{
  guint max;

  g_return_val_if_fail (TW_IS_POOL (self), 0);

  g_mutex_lock (&self->core->lock);
  max = self->core->max_threads;
  g_mutex_unlock (&self->core->lock);

  return max;
}

/**
 * tw_pool_set_max_threads:
 * @self: a pool
 * @max_threads: the limit, at least 1
 *
 * Sets [property@Tw.Pool:max-threads]. Raising it starts waiting runs at
 * once; lowering it lets executing runs finish. Pool's context thread.
 */
void
tw_pool_set_max_threads (TwPool *self,
                         guint   max_threads)
{
  gboolean changed;

  g_return_if_fail (TW_IS_POOL (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (max_threads >= 1);

  g_mutex_lock (&self->core->lock);
  changed = self->core->max_threads != max_threads;
  self->core->max_threads = max_threads;
  tw_pool_core_start_waiting_locked (self->core);
  g_mutex_unlock (&self->core->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_THREADS]);
}

/**
 * tw_pool_get_idle_timeout:
 * @self: a pool
 *
 * Gets [property@Tw.Pool:idle-timeout]. Any thread.
 *
 * Returns: the timeout in milliseconds
 */
guint
tw_pool_get_idle_timeout (TwPool *self)
{
  guint timeout;

  g_return_val_if_fail (TW_IS_POOL (self), 0);

  g_mutex_lock (&self->core->lock);
  timeout = self->core->cache.idle_timeout_ms;
  g_mutex_unlock (&self->core->lock);

  return timeout;
}

/**
 * tw_pool_set_idle_timeout:
 * @self: a pool
 * @milliseconds: how long an idle thread waits before it exits
 *
 * Sets [property@Tw.Pool:idle-timeout]; threads already idle keep the
 * timeout they started waiting with. Pool's context thread.
 */
void
tw_pool_set_idle_timeout (TwPool *self,
                          guint   milliseconds)
{
  gboolean changed;

  g_return_if_fail (TW_IS_POOL (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  g_mutex_lock (&self->core->lock);
  changed = self->core->cache.idle_timeout_ms != milliseconds;
  self->core->cache.idle_timeout_ms = milliseconds;
  g_mutex_unlock (&self->core->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

/**
 * tw_pool_get_n_running:
 * @self: a pool
 *
 * Gets [property@Tw.Pool:n-running]. Pool's context thread.
 *
 * Returns: the number of live workers running or paused
 */
guint
tw_pool_get_n_running (TwPool *self)
{
  g_return_val_if_fail (TW_IS_POOL (self), 0);

  return self->n_running;
}

/**
 * tw_pool_get_n_waiting:
 * @self: a pool
 *
 * Gets [property@Tw.Pool:n-waiting]. Pool's context thread.
 *
 * Returns: the number of live workers waiting for a thread
 */
guint
tw_pool_get_n_waiting (TwPool *self)
{
  g_return_val_if_fail (TW_IS_POOL (self), 0);

  return self->n_waiting;
}

/**
 * tw_pool_get_n_threads:
 * @self: a pool
 *
 * Gets the number of threads the pool has now, busy or idle. Any thread.
 *
 * Returns: the number of threads
 */
guint
tw_pool_get_n_threads (TwPool *self)
{
  guint n;

  g_return_val_if_fail (TW_IS_POOL (self), 0);

  g_mutex_lock (&self->core->lock);
  n = self->core->cache.threads->len;
  g_mutex_unlock (&self->core->lock);

  return n;
}

/**
 * tw_pool_get_context:
 * @self: a pool
 *
 * Gets the context on which the pool's list model and properties change.
 * Any thread.
 *
 * Returns: (transfer none): the pool's context
 */
GMainContext *
tw_pool_get_context (TwPool *self)
{
  g_return_val_if_fail (TW_IS_POOL (self), NULL);

  return self->context;
}

static gboolean
quit_in_owner_cb (gpointer user_data)
{
  tw_worker_quit (user_data);
  return G_SOURCE_REMOVE;
}

/**
 * tw_pool_quit_all:
 * @self: a pool
 *
 * Asks every live worker of the pool to quit (see [method@Tw.Worker.quit]):
 * at once for the workers owned by the calling thread, from their own
 * context for workers owned by another one.
 *
 * Call on the pool's context thread; from any other (a work, say) it is a
 * programmer error and does nothing but emit a critical.
 */
void
tw_pool_quit_all (TwPool *self)
{
  g_autoptr(GPtrArray) workers = NULL;

  g_return_if_fail (TW_IS_POOL (self));
  RETURN_IF_NOT_OWNER (self, /* void */);

  /* Copy: quitting a waiting worker may finish it and change the list. */
  workers = g_ptr_array_new_with_free_func (g_object_unref);
  for (GList *link = self->live.head; link != NULL; link = link->next)
    g_ptr_array_add (workers, g_object_ref (link->data));
  for (guint i = 0; i < workers->len; i++)
    {
      TwWorker *worker = g_ptr_array_index (workers, i);

      /* A worker owned by another context is quit on it. */
      if (_tw_worker_is_owner_thread (worker))
        tw_worker_quit (worker);
      else
        _tw_context_post (tw_worker_get_context (worker), "[threadworker] quit_all",
                          quit_in_owner_cb, g_object_ref (worker), g_object_unref);
    }
}

static gboolean
await_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * tw_pool_await:
 * @self: a pool
 * @timeout_ms: how long to wait, in milliseconds, or -1 for ever
 * @error: return location for a #GError
 *
 * Iterates the pool's context until every live worker has finished, or the
 * timeout has passed. Signals of the finishing workers are emitted
 * meanwhile. Usually called after [method@Tw.Pool.quit_all].
 *
 * Call on the pool's context thread.
 *
 * Returns: %TRUE if no live worker is left; %FALSE with
 *   %TW_WORKER_ERROR_TIMED_OUT naming the workers still running
 */
gboolean
tw_pool_await (TwPool  *self,
               int      timeout_ms,
               GError **error)
{
  gboolean timed_out = FALSE;
  GSource *timeout = NULL;
  g_autoptr(GString) names = NULL;
  guint n_left;

  g_return_val_if_fail (TW_IS_POOL (self), FALSE);
  RETURN_IF_NOT_OWNER (self, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (timeout_ms >= 0)
    {
      timeout = g_timeout_source_new (timeout_ms);
      g_source_set_name (timeout, "[threadworker] await");
      g_source_set_callback (timeout, await_timeout_cb, &timed_out, NULL);
      g_source_attach (timeout, self->context);
    }

  g_main_context_push_thread_default (self->context);
  while (self->live.length > 0 && !timed_out)
    g_main_context_iteration (self->context, TRUE);
  g_main_context_pop_thread_default (self->context);

  if (timeout != NULL)
    {
      g_source_destroy (timeout);
      g_source_unref (timeout);
    }

  if (self->live.length == 0)
    return TRUE;

  names = g_string_new (NULL);
  for (GList *link = self->live.head; link != NULL; link = link->next)
    {
      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, tw_worker_get_name (link->data));
    }
  n_left = self->live.length;
  g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_TIMED_OUT,
               g_dngettext (GETTEXT_PACKAGE,
                            "%u worker did not finish within %d ms: %s",
                            "%u workers did not finish within %d ms: %s",
                            n_left),
               n_left, timeout_ms, names->str);
  return FALSE;
}

/**
 * tw_pool_release_threads:
 * @self: a pool
 *
 * Ends the pool's idle threads now and waits for them to exit, instead of
 * letting them time out. Threads still running work are not affected (they
 * exit after their idle timeout). The pool stays usable: later work gets
 * new threads. Any thread but the pool's own.
 */
void
tw_pool_release_threads (TwPool *self)
{
  g_return_if_fail (TW_IS_POOL (self));

  _tw_thread_cache_release_idle (&self->core->cache);
}

typedef struct
{
  TwPool *pool;
  int     timeout_ms;
} BindData;

static void
application_shutdown_cb (GApplication *application,
                         gpointer      user_data)
{
  BindData *data = user_data;
  g_autoptr(GError) error = NULL;

  tw_pool_quit_all (data->pool);
  if (!tw_pool_await (data->pool, data->timeout_ms, &error))
    g_warning ("%s", error->message);
  tw_pool_release_threads (data->pool);
}

static void
bind_data_free (gpointer user_data,
                GClosure *closure)
{
  BindData *data = user_data;

  g_object_unref (data->pool);
  g_free (data);
}

/**
 * tw_pool_bind_application:
 * @self: a pool
 * @application: the application
 * @timeout_ms: how long shutdown waits for workers, in milliseconds, or -1
 *
 * Shuts the pool's workers down with the application: on
 * [signal@Gio.Application::shutdown] every live worker is asked to quit,
 * the pool waits up to @timeout_ms for them to finish (their `aborted` and
 * `finished` are emitted), warns naming any worker that did not stop, and
 * ends the idle threads. Work that never reaches a checkpoint cannot be
 * stopped from outside; the process exits without waiting for it after the
 * timeout.
 *
 * Call on the pool's context thread, usually the main thread.
 */
void
tw_pool_bind_application (TwPool       *self,
                          GApplication *application,
                          int           timeout_ms)
{
  BindData *data;

  g_return_if_fail (TW_IS_POOL (self));
  RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (G_IS_APPLICATION (application));

  data = g_new0 (BindData, 1);
  data->pool = g_object_ref (self);
  data->timeout_ms = timeout_ms;
  g_signal_connect_data (application, "shutdown", G_CALLBACK (application_shutdown_cb),
                         data, bind_data_free, 0);
}
