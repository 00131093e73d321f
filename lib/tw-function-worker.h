/* tw-function-worker.h: a worker that runs one function once on a thread.
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
 * TwWorkFunc:
 * @worker: the worker running the function
 * @user_data: the data given to [ctor@Tw.FunctionWorker.new]
 *
 * The work of a [class@Tw.FunctionWorker]. Called once per run, on a worker
 * thread. Report the result with [method@Tw.Worker.return_value] (or one of
 * its conveniences) or [method@Tw.Worker.return_error].
 */
typedef void (*TwWorkFunc) (TwWorker *worker,
                            gpointer  user_data);

#define TW_TYPE_FUNCTION_WORKER (tw_function_worker_get_type ())
TW_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TwFunctionWorker, tw_function_worker, TW, FUNCTION_WORKER, TwWorker)

TW_AVAILABLE_IN_ALL
TwWorker *tw_function_worker_new (TwWorkFunc     func,
                                  gpointer       user_data,
                                  GDestroyNotify destroy);

G_END_DECLS
