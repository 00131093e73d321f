/* tw-worker-owner.c: TwWorker's owner-thread API: start, pause, resume,
 * quit, restart, send, run_async and its completion, and the property
 * accessors. The owner thread only (each call checks it); the notifications
 * and signals of a state change come from tw-worker.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "tw-worker-private.h"
#include "tw-worker-props-private.h"

/* ------------------------------------------------------------------------ */
/* Helpers for every thread                                                 */

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
  GObject      *object;
  GObjectClass *parent_class;
  guint         n_pspecs;
  GParamSpec  **pspecs;
} NotifyCall;

static gboolean
notify_call_cb (gpointer user_data)
{
  NotifyCall *call = user_data;

  call->parent_class->dispatch_properties_changed (call->object, call->n_pspecs, call->pspecs);
  return G_SOURCE_REMOVE;
}

static void
notify_call_free (gpointer user_data)
{
  NotifyCall *call = user_data;

  for (guint i = 0; i < call->n_pspecs; i++)
    g_param_spec_unref (call->pspecs[i]);
  g_free (call->pspecs);
  g_object_unref (call->object);
  g_free (call);
}

void
_tw_context_post_notify (GMainContext  *context,
                         GObject       *object,
                         GObjectClass  *parent_class,
                         guint          n_pspecs,
                         GParamSpec   **pspecs)
{
  NotifyCall *call = g_new0 (NotifyCall, 1);

  call->object = g_object_ref (object);
  call->parent_class = parent_class;
  call->n_pspecs = n_pspecs;
  call->pspecs = g_new (GParamSpec *, n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    call->pspecs[i] = g_param_spec_ref (pspecs[i]);
  _tw_context_post (context, "[threadworker] notify", notify_call_cb, call, notify_call_free);
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
  TwWorkerPrivate *priv = _tw_worker_get_private (self);
  DestroyCall *call;

  if (destroy == NULL)
    return;
  if (_tw_worker_is_owner_thread_inline (self))
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
/* run_async completion                                                     */

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
void
_tw_worker_complete_tasks (TwWorker     *self,
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
                                      _tw_value_owner_ref (owner), _tw_value_owner_unref);
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

/* ------------------------------------------------------------------------ */
/* Owner thread API                                                         */

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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);
  priv = _tw_worker_get_private (self);
  g_return_if_fail (priv->run == NULL);

  _tw_worker_start_run (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);

  priv = _tw_worker_get_private (self);
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
          _tw_worker_complete_tasks (self, g_steal_pointer (&priv->pending_tasks),
                                     TW_OUTCOME_ABORTED, NULL, NULL, NULL);
          _tw_worker_notify (self, PROP_IS_RUNNING);
        }
    }
  if (run == NULL || run->quit_called)
    {
      _tw_worker_controls_changed (self);
      return;
    }

  run->quit_called = TRUE;
  _tw_worker_set_abort_requested (self, TRUE);

  TW_WORKER_GET_CLASS (self)->quit (self);

  if (_tw_pool_unqueue (priv->pool, run))
    {
      run->outcome = TW_OUTCOME_ABORTED;
      _tw_run_push (run, TW_EVENT_STARTED);
      _tw_run_push (run, TW_EVENT_DONE);
    }
  _tw_worker_controls_changed (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);

  priv = _tw_worker_get_private (self);
  if (priv->run == NULL || priv->run->quit_called || priv->pause_requested)
    return;
  priv->pause_requested = TRUE;
  TW_WORKER_GET_CLASS (self)->pause (self);
  _tw_worker_controls_changed (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);

  priv = _tw_worker_get_private (self);
  if (priv->run == NULL || !priv->pause_requested)
    return;
  priv->pause_requested = FALSE;
  TW_WORKER_GET_CLASS (self)->resume (self);
  _tw_worker_controls_changed (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);

  priv = _tw_worker_get_private (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = _tw_worker_get_private (self);
  if (TW_WORKER_GET_CLASS (self)->send == _tw_worker_real_send)
    return _tw_worker_real_send (self, value, error);

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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);

  priv = _tw_worker_get_private (self);
  if (priv->run == NULL)
    {
      _tw_worker_start_run (self);
      return;
    }

  /* A restart already pending stays the one new run: the run_async calls
   * that joined it keep waiting for it (quit() would end them with the old
   * run). */
  joined = g_steal_pointer (&priv->pending_tasks);
  tw_worker_quit (self);
  priv->restart_pending = TRUE;
  priv->pending_tasks = joined;
  _tw_worker_controls_changed (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  priv = _tw_worker_get_private (self);
  starts = priv->run == NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tw_worker_run_async);
  g_task_set_check_cancellable (task, FALSE);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (starts)
    _tw_worker_start_run (self);

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
  TwWorkerPrivate *priv = _tw_worker_get_private (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, FALSE);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, NULL);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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

  priv = _tw_worker_get_private (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);

  priv = _tw_worker_get_private (self);
  /* NULL goes back to the default, derived on the next read. */
  if (name == NULL)
    {
      if (priv->name != NULL)
        {
          g_clear_pointer (&priv->name, g_free);
          _tw_worker_notify (self, PROP_NAME);
        }
      return;
    }
  if (_tw_set_str (&priv->name, name))
    _tw_worker_notify (self, PROP_NAME);
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

  priv = _tw_worker_get_private (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (policy == TW_YIELD_POLICY_QUEUE || policy == TW_YIELD_POLICY_LATEST);

  priv = _tw_worker_get_private (self);
  if (priv->yield_policy == policy)
    return;
  priv->yield_policy = policy;
  _tw_worker_notify (self, PROP_YIELD_POLICY);
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

  priv = _tw_worker_get_private (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (max_pending >= 1);

  priv = _tw_worker_get_private (self);
  if (priv->max_pending_yields == max_pending)
    return;
  priv->max_pending_yields = max_pending;
  _tw_worker_notify (self, PROP_MAX_PENDING_YIELDS);
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

  priv = _tw_worker_get_private (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (max_bytes >= 1);

  priv = _tw_worker_get_private (self);
  if (priv->max_pending_bytes == max_bytes)
    return;
  priv->max_pending_bytes = max_bytes;
  _tw_worker_notify (self, PROP_MAX_PENDING_BYTES);
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

  priv = _tw_worker_get_private (self);
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
  TW_WORKER_RETURN_IF_NOT_OWNER (self, /* void */);
  g_return_if_fail (pool == NULL || TW_IS_POOL (pool));
  g_return_if_fail (!tw_worker_get_is_running (self));

  priv = _tw_worker_get_private (self);
  if (g_set_object (&priv->pool, pool))
    _tw_worker_notify (self, PROP_POOL);
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

  priv = _tw_worker_get_private (self);
  return priv->context;
}

/* ------------------------------------------------------------------------ */
/* What the worker's methods would do (for its actions, tw-worker-ui.c)     */

/* The table of doc/gtk.md ("Buttons and menus"), read off the methods above:
 * each flag is set exactly when that method would change something. */
TwWorkerControls
_tw_worker_get_controls (TwWorker *self)
{
  TwWorkerPrivate *priv = _tw_worker_get_private (self);
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
  TwWorkerPrivate *priv = _tw_worker_get_private (self);

  if (priv->ui == NULL && create)
    priv->ui = _tw_worker_ui_new (self);
  return priv->ui;
}

