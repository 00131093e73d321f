/* tw-test-workers.c: C workers for the binding tests. Their work runs on a
 * worker thread, in C, as an application's own C workers would; the tests
 * handle their signals in JavaScript on the main loop.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-workers.h"

static void
report_nothing (TwWorker *worker,
                gpointer  user_data)
{
}

/**
 * tw_test_nothing_worker_new:
 *
 * A function worker whose work returns without a result.
 *
 * Returns: (transfer full): a new worker
 */
TwWorker *
tw_test_nothing_worker_new (void)
{
  return tw_function_worker_new (report_nothing, NULL, NULL);
}

static gboolean
yield_then_stop (TwWorker     *worker,
                 const GValue *sent,
                 gpointer      user_data)
{
  guint *left = user_data;

  if (*left == 0)
    return FALSE;
  return tw_worker_yield_int (worker, (*left)--);
}

/**
 * tw_test_yield_then_nothing_worker_new:
 * @n_values: how many values each run yields
 *
 * A generator worker whose first run yields @n_values integers (from
 * @n_values down to 1) and then ends without a result; later runs yield
 * nothing.
 *
 * Returns: (transfer full): a new worker
 */
TwWorker *
tw_test_yield_then_nothing_worker_new (guint n_values)
{
  guint *left = g_new (guint, 1);

  *left = n_values;
  return tw_generator_worker_new (yield_then_stop, left, g_free);
}
