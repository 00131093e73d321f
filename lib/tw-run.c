/* tw-run.c: a run, one execution of a worker's work on a pool thread:
 * its events, checkpoint, pause and quit, the send inbox, progress
 * coalescing, and the worker-thread API the work calls (tw_worker_yield_*(),
 * return_*(), checkpoint(), ...); the values on their way to the owner are
 * tw-run-values.c's. The work's thread runs it; the owner thread asks it to
 * pause or quit and takes its events (delivered, with the signals, by
 * tw-worker.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-value-size.h"
#include "tw-worker-private.h"

static GPrivate current_run;   /* TwRun* executing on this thread */

#define PROGRESS_INTERVAL_MS 16

/* ------------------------------------------------------------------------ */
/* Runs                                                                     */

TwRun *
_tw_run_new (TwWorker      *worker,
             TwDispatcher  *dispatcher,
             TwPool        *pool,
             TwYieldPolicy  policy,
             guint          max_pending,
             guint64        max_bytes)
{
  TwRun *run = g_new0 (TwRun, 1);

  run->worker = g_object_ref (worker);
  run->dispatcher = dispatcher;
  run->pool = g_object_ref (pool);
  run->policy = policy;
  run->max_pending = max_pending;
  run->max_bytes = (gsize) MIN (max_bytes, G_MAXSIZE);
  g_mutex_init (&run->lock);
  g_cond_init (&run->cond);
  g_queue_init (&run->sent);
  run->pool_link.data = run;

  return run;
}

void
_tw_run_free (TwRun *run)
{
  GValue *sent;

  g_assert (run->tasks == NULL);
  g_assert (run->progress_source == NULL);

  while ((sent = g_queue_pop_head (&run->sent)) != NULL)
    {
      g_value_unset (sent);
      g_free (sent);
    }
  _tw_run_values_clear (run);
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

static void
tw_event_init (TwEvent     *event,
               TwRun       *run,
               TwEventKind  kind)
{
  event->item.dispatch = _tw_event_dispatch;
  event->run = run;
  event->kind = kind;
}

TwEvent *
_tw_event_new (TwRun       *run,
               TwEventKind  kind)
{
  TwEvent *event = g_new0 (TwEvent, 1);

  tw_event_init (event, run, kind);
  return event;
}

void
_tw_event_free (TwEvent *event)
{
  g_free (event->message);
  if (event->args != NULL)
    {
      for (guint i = 0; i <= event->n_args; i++)
        if (G_IS_VALUE (&event->args[i]))
          g_value_unset (&event->args[i]);
      g_free (event->args);
    }
  /* STARTED and DONE live in their run (tw_run_push_started(),
   * _tw_run_push_done()). */
  if (event != &event->run->started_event && event != &event->run->done_event)
    g_free (event);
}

/* With run->lock held: pushes @event after everything the run pushed
 * before. Values yielded after it must not join a batch before it, so it
 * closes the open batch. Every event of a run but its values goes out
 * here. */
void
_tw_run_push_event_locked (TwRun   *run,
                           TwEvent *event)
{
  run->open_batch = NULL;
  _tw_dispatcher_push (run->dispatcher, &event->item);
}

static void
tw_run_push_event (TwRun   *run,
                   TwEvent *event)
{
  g_mutex_lock (&run->lock);
  _tw_run_push_event_locked (run, event);
  g_mutex_unlock (&run->lock);
}

/* The run's thread: pushes the run's own STARTED event, which lives in the
 * run (as DONE does): no allocation for the two events every run sends. */
static void
tw_run_push_started (TwRun *run)
{
  tw_event_init (&run->started_event, run, TW_EVENT_STARTED);
  tw_run_push_event (run, &run->started_event);
}

void
_tw_run_push_locked (TwRun       *run,
                     TwEventKind  kind)
{
  _tw_run_push_event_locked (run, _tw_event_new (run, kind));
}

void
_tw_run_push (TwRun       *run,
              TwEventKind  kind)
{
  tw_run_push_event (run, _tw_event_new (run, kind));
}

TwRun *
_tw_run_get_current (void)
{
  return g_private_get (&current_run);
}

TwRun *
_tw_worker_get_current_run (TwWorker *self)
{
  TwRun *run = g_private_get (&current_run);

  if (run == NULL || run->worker != self)
    return NULL;
  return run;
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
    _tw_run_push_locked (run, paused ? TW_EVENT_PAUSED : TW_EVENT_RESUMED);
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

void
_tw_run_execute (TwRun *run)
{
  TwWorker *self = run->worker;

  run->thread = g_thread_self ();
  g_private_set (&current_run, run);

  tw_run_push_started (run);
  if (_tw_run_checkpoint (run))
    {
      /* The function and generator workers' work ignores its cancellable
       * (their funcs ask tw_worker_get_cancellable() for it): made only
       * when asked for. Any other class's work may use its argument. */
      GCancellable *cancellable = NULL;

      if (!_tw_worker_get_private (self)->work_ignores_cancellable)
        cancellable = _tw_run_get_cancellable (run);
      TW_WORKER_GET_CLASS (self)->work (self, cancellable);
    }

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
  TwDispatcher *dispatcher = run->dispatcher;

  /* Closes the last batch as every push does, but pushes after the lock is
   * released: the owner may free the run as soon as DONE is in the queue. */
  g_mutex_lock (&run->lock);
  run->open_batch = NULL;
  g_mutex_unlock (&run->lock);

  tw_event_init (&run->done_event, run, TW_EVENT_DONE);
  _tw_dispatcher_push (dispatcher, &run->done_event.item);
}

/* ------------------------------------------------------------------------ */
/* Progress coalescing (owner thread)                                       */

/* Reads the run's progress slot into the properties. */
gboolean
_tw_run_flush_progress (TwRun *run)
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
    _tw_worker_set_progress (run->worker, progress, text);
  g_free (text);

  return changed;
}

static gboolean
progress_timeout_cb (gpointer data)
{
  TwRun *run = data;
  TwWorkerPrivate *priv = _tw_worker_get_private (run->worker);

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
  if (!_tw_run_flush_progress (run))
    {
      g_clear_pointer (&run->progress_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
_tw_run_dispatch_progress (TwRun        *run,
                           GMainContext *context)
{
  /* Coalesced: at most one notify per interval while updates flow. The
   * interval starts before the notify is emitted (see above); if
   * nothing changes in it, the timeout removes itself. */
  if (run->progress_source == NULL)
    {
      run->progress_source = g_timeout_source_new (PROGRESS_INTERVAL_MS);
      g_source_set_name (run->progress_source, "[threadworker] progress");
      g_source_set_callback (run->progress_source, progress_timeout_cb, run, NULL);
      g_source_attach (run->progress_source, context);
    }
  _tw_run_flush_progress (run);
}

void
_tw_run_finish_progress (TwRun *run)
{
  /* The last progress value is always delivered. */
  if (run->progress_source != NULL)
    {
      g_source_destroy (run->progress_source);
      g_clear_pointer (&run->progress_source, g_source_unref);
    }
  _tw_run_flush_progress (run);
}

/* Owner thread: TwWorker's default pause and resume. */
void
_tw_run_request_pause (TwRun    *run,
                       gboolean  pause)
{
  g_mutex_lock (&run->lock);
  g_atomic_int_set (&run->pause_requested, pause);
  if (!pause)
    g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->lock);
}

/* Owner thread: TwWorker's default quit. */
void
_tw_run_request_quit (TwRun *run)
{
  GCancellable *cancellable;

  g_mutex_lock (&run->lock);
  g_atomic_int_set (&run->abort, TRUE);
  g_cond_broadcast (&run->cond);
  /* One made after this is made cancelled (_tw_run_get_cancellable()). */
  cancellable = run->cancellable != NULL ? g_object_ref (run->cancellable) : NULL;
  g_mutex_unlock (&run->lock);

  /* Blocking GIO calls in the work return G_IO_ERROR_CANCELLED at once. */
  if (cancellable != NULL)
    {
      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
    }
}

/* Any thread: the run's cancellable, made on
 * first use: most works never ask, and a GCancellable made and finalized
 * per run costs more than a third of a tiny run's owner-side work. Made
 * under the lock, and cancelled at once if quit came first, so that a quit
 * either finds it or is seen by it. */
GCancellable *
_tw_run_get_cancellable (TwRun *run)
{
  GCancellable *cancellable = g_atomic_pointer_get (&run->cancellable);

  if (G_LIKELY (cancellable != NULL))
    return cancellable;

  g_mutex_lock (&run->lock);
  if (run->cancellable == NULL)
    {
      cancellable = g_cancellable_new ();
      if (run->abort)
        g_cancellable_cancel (cancellable);
      g_atomic_pointer_set (&run->cancellable, cancellable);
    }
  cancellable = run->cancellable;
  g_mutex_unlock (&run->lock);

  return cancellable;
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

  _tw_value_init_copy (&copy, value);
  return _tw_run_yield (run, &copy, -1);
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

  _tw_value_init_copy (&copy, value);
  return _tw_run_yield (run, &copy, (gssize) MIN (n_bytes, (gsize) G_MAXSSIZE));
}

#define YIELD_WITH(self, gtype, setter, val)                                  \
  TwValue tv = TW_VALUE_INIT;                                                 \
  RETURN_RUN_OR (self, FALSE);                                                \
  g_value_init (&tv.value, gtype);                                            \
  setter (&tv.value, val);                                                    \
  return _tw_run_yield (run, &tv, -1)

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
  return _tw_run_yield (run, &tv, 0);
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

  _tw_value_init_copy (&copy, value);
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
    _tw_set_str (&run->progress_text, text);
  run->progress_changed = TRUE;
  if (!run->progress_queued)
    {
      run->progress_queued = TRUE;
      _tw_run_push_locked (run, TW_EVENT_PROGRESS);
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

  event = _tw_event_new (run, TW_EVENT_WARNED);
  event->message = g_strdup (message);
  tw_run_push_event (run, event);
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

  event = _tw_event_new (run, TW_EVENT_EMIT);
  event->signal_id = signal_id;
  event->detail = detail;
  event->n_args = n_args;
  event->args = g_new0 (GValue, n_args + 1);
  for (guint i = 0; i < n_args; i++)
    {
      g_value_init (&event->args[i + 1], G_VALUE_TYPE (&args[i]));
      g_value_copy (&args[i], &event->args[i + 1]);
    }
  _tw_run_push_counted (run, event);

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

  return _tw_run_get_cancellable (run);
}
