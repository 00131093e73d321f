/* tw-generator-worker.h: a worker that calls a step function repeatedly on a
 * thread, like a Python generator.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(TW_INSIDE) && !defined(TW_COMPILATION)
# error "Only <threadworker.h> can be included directly."
#endif

#include "tw-worker.h"

G_BEGIN_DECLS

/**
 * TwStepFunc:
 * @worker: the worker running the step
 * @sent: (nullable): the oldest value sent with [method@Tw.Worker.send] that
 *   no earlier step received, or %NULL. Owned by the worker; copy it to keep it.
 * @user_data: the data given to [ctor@Tw.GeneratorWorker.new]
 *
 * One step of a [class@Tw.GeneratorWorker]. Called repeatedly on a worker
 * thread. A step typically yields a value with [method@Tw.Worker.yield_value].
 *
 * Returns: %TRUE to be called again, %FALSE when the work is done
 */
typedef gboolean (*TwStepFunc) (TwWorker     *worker,
                                const GValue *sent,
                                gpointer      user_data);

#define TW_TYPE_GENERATOR_WORKER (tw_generator_worker_get_type ())
TW_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TwGeneratorWorker, tw_generator_worker, TW, GENERATOR_WORKER, TwWorker)

TW_AVAILABLE_IN_ALL
TwWorker *tw_generator_worker_new (TwStepFunc     step,
                                   gpointer       user_data,
                                   GDestroyNotify destroy);

G_END_DECLS
