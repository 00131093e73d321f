/* tw-generator-worker.c: TwGeneratorWorker calls a TwStepFunc repeatedly on a
 * worker thread and hands each sent value to exactly one step (napari's
 * GeneratorWorker). Pause and quit take effect between steps.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-generator-worker.h"
#include "tw-worker-private.h"


/**
 * TwGeneratorWorker:
 *
 * A worker that calls a step function repeatedly on a worker thread, like a
 * Python generator: each step usually yields a value with
 * [method@Tw.Worker.yield_value] and returns %TRUE to be called again, or
 * %FALSE when done. Values sent with [method@Tw.Worker.send] arrive as the
 * `sent` argument of later steps, one value per step, oldest first.
 *
 * Between steps the worker is at a checkpoint: it pauses there while
 * [method@Tw.Worker.pause] is in effect and stops there after
 * [method@Tw.Worker.quit]. A step that calls [method@Tw.Worker.return_value]
 * or [method@Tw.Worker.return_error] ends the run; a run whose last step
 * returns %FALSE without a result emits `returned` with nothing (a %NULL
 * %G_TYPE_POINTER value, see [signal@Tw.Worker::returned]).
 *
 * ```c
 * static gboolean
 * count_step (TwWorker *worker, const GValue *sent, gpointer user_data)
 * {
 *   int *i = user_data;
 *
 *   tw_worker_yield_int (worker, (*i)++);
 *   return *i < 100;
 * }
 * ```
 */
struct _TwGeneratorWorker
{
  TwWorker        parent_instance;

  TwStepFunc      step;
  gpointer        user_data;
  GDestroyNotify  destroy;
};

G_DEFINE_FINAL_TYPE (TwGeneratorWorker, tw_generator_worker, TW_TYPE_WORKER)

static void
tw_generator_worker_work (TwWorker     *worker,
                          GCancellable *cancellable)
{
  TwGeneratorWorker *self = TW_GENERATOR_WORKER (worker);
  TwRun *run = _tw_worker_get_current_run (worker);
  gboolean more = TRUE;

  /* The first checkpoint was made before the work was called. */
  while (more)
    {
      GValue *sent = _tw_run_pop_sent (run);

      more = self->step (worker, sent, self->user_data);

      if (sent != NULL)
        {
          g_value_unset (sent);
          g_free (sent);
        }

      if (_tw_run_has_result (run))
        break;
      if (more)
        more = _tw_run_checkpoint (run);
    }
}

static gboolean
tw_generator_worker_send (TwWorker      *worker,
                          const GValue  *value,
                          GError       **error)
{
  TwRun *run = _tw_worker_get_run (worker);
  GValue *copy = g_new0 (GValue, 1);

  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);

  g_mutex_lock (&run->lock);
  g_queue_push_tail (&run->sent, copy);
  g_mutex_unlock (&run->lock);

  return TRUE;
}

static void
tw_generator_worker_finalize (GObject *object)
{
  TwGeneratorWorker *self = TW_GENERATOR_WORKER (object);

  _tw_worker_invoke_destroy (TW_WORKER (self), self->destroy, self->user_data);

  G_OBJECT_CLASS (tw_generator_worker_parent_class)->finalize (object);
}

static void
tw_generator_worker_class_init (TwGeneratorWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TwWorkerClass *worker_class = TW_WORKER_CLASS (klass);

  object_class->finalize = tw_generator_worker_finalize;
  worker_class->work = tw_generator_worker_work;
  worker_class->send = tw_generator_worker_send;
}

static void
tw_generator_worker_init (TwGeneratorWorker *self)
{
  /* The work calls a func that asks for the cancellable if it needs it. */
  _tw_worker_get_private (TW_WORKER (self))->work_ignores_cancellable = TRUE;
}

/**
 * tw_generator_worker_new:
 * @step: (scope notified) (closure user_data) (destroy destroy): one step of
 *   the work, called repeatedly on a worker thread
 * @user_data: data for @step
 * @destroy: (nullable): frees @user_data when the worker is finalized; called
 *   on the owner context
 *
 * Creates a worker that calls @step on a worker thread until it returns
 * %FALSE, reports a result, or the worker is quit. The owner context is the
 * calling thread's thread-default main context.
 *
 * Returns: (transfer full) (type Tw.GeneratorWorker): a new worker
 */
TwWorker *
tw_generator_worker_new (TwStepFunc     step,
                         gpointer       user_data,
                         GDestroyNotify destroy)
{
  TwGeneratorWorker *self;

  g_return_val_if_fail (step != NULL, NULL);

  self = g_object_new (TW_TYPE_GENERATOR_WORKER, NULL);
  self->step = step;
  self->user_data = user_data;
  self->destroy = destroy;

  return TW_WORKER (self);
}
