/* tw-function-worker.c: TwFunctionWorker runs a TwWorkFunc once per run on a
 * worker thread (napari's FunctionWorker).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-function-worker.h"
#include "tw-worker-private.h"

/**
 * TwFunctionWorker:
 *
 * A worker that calls one function once per run, on a worker thread.
 *
 * The function reports its result with [method@Tw.Worker.return_value] (or a
 * convenience such as [method@Tw.Worker.return_int]) or fails with
 * [method@Tw.Worker.return_error]. It may yield values and report progress
 * like any work. [method@Tw.Worker.pause] and [method@Tw.Worker.quit] take
 * effect at its [method@Tw.Worker.checkpoint] and
 * [method@Tw.Worker.yield_value] calls; blocking GIO calls given
 * [method@Tw.Worker.get_cancellable] return as soon as it is quit.
 *
 * ```c
 * static void
 * sum_squares (TwWorker *worker, gpointer user_data)
 * {
 *   gint64 sum = 0;
 *
 *   for (gint64 i = 0; i < 1000000; i++)
 *     {
 *       if (i % 10000 == 0 && !tw_worker_checkpoint (worker))
 *         return;   // quit: the run ends with `aborted`
 *       sum += i * i;
 *     }
 *   tw_worker_return_int (worker, sum);
 * }
 *
 * TwWorker *worker = tw_function_worker_new (sum_squares, NULL, NULL);
 * g_signal_connect (worker, "returned", G_CALLBACK (on_returned), label);
 * tw_worker_start (worker);
 * ```
 */
struct _TwFunctionWorker
{
  TwWorker        parent_instance;

  TwWorkFunc      func;
  gpointer        user_data;
  GDestroyNotify  destroy;
};

G_DEFINE_FINAL_TYPE (TwFunctionWorker, tw_function_worker, TW_TYPE_WORKER)

static void
tw_function_worker_work (TwWorker     *worker,
                         GCancellable *cancellable)
{
  TwFunctionWorker *self = TW_FUNCTION_WORKER (worker);

  self->func (worker, self->user_data);
}

static void
tw_function_worker_finalize (GObject *object)
{
  TwFunctionWorker *self = TW_FUNCTION_WORKER (object);

  _tw_worker_invoke_destroy (TW_WORKER (self), self->destroy, self->user_data);

  G_OBJECT_CLASS (tw_function_worker_parent_class)->finalize (object);
}

static void
tw_function_worker_class_init (TwFunctionWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TwWorkerClass *worker_class = TW_WORKER_CLASS (klass);

  object_class->finalize = tw_function_worker_finalize;
  worker_class->work = tw_function_worker_work;
}

static void
tw_function_worker_init (TwFunctionWorker *self)
{
  /* The work calls a func that asks for the cancellable if it needs it. */
  _tw_worker_get_private (TW_WORKER (self))->work_ignores_cancellable = TRUE;
}

/**
 * tw_function_worker_new:
 * @func: (scope notified) (closure user_data) (destroy destroy): the work,
 *   called on a worker thread once per run
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the worker is finalized; called
 *   on the owner context
 *
 * Creates a worker that runs @func once per run on a worker thread. The
 * worker's owner context is the calling thread's thread-default main
 * context: its signals are emitted there.
 *
 * Returns: (transfer full) (type Tw.FunctionWorker): a new worker
 */
TwWorker *
tw_function_worker_new (TwWorkFunc     func,
                        gpointer       user_data,
                        GDestroyNotify destroy)
{
  TwFunctionWorker *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (TW_TYPE_FUNCTION_WORKER, NULL);
  self->func = func;
  self->user_data = user_data;
  self->destroy = destroy;

  return TW_WORKER (self);
}
