/* test-worker.c: the per-run signal contract of function and generator
 * workers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

static void
return_42 (TwWorker *worker,
           gpointer  user_data)
{
  tw_worker_return_int (worker, 42);
}

static void
test_function_returns_value (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 42);
  g_assert_cmpint (g_value_get_int64 (tw_worker_get_value (worker)), ==, 42);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_FINISHED);
  g_assert_false (tw_worker_get_is_running (worker));
}

static gboolean
count_to_10000 (TwWorker     *worker,
                const GValue *sent,
                gpointer      user_data)
{
  gint64 *i = user_data;

  tw_worker_yield_int (worker, (*i)++);
  return *i < 10000;
}

static void
test_generator_10000_yields_in_order (void)
{
  gint64 counter = 0;
  g_autoptr(TwWorker) worker = tw_generator_worker_new (count_to_10000, &counter, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (rec->values->len, ==, 10000);
  for (guint i = 0; i < 10000; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
  g_assert_cmpuint (rec->log->len, ==, 10003);
  g_assert_cmpint (rec->log->str[0], ==, 'S');
  g_assert_cmpstr (rec->log->str + 10001, ==, "RF");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Worker/function-returns-value", test_function_returns_value);
  g_test_add_func ("/Tw/Worker/generator-10000-yields-in-order", test_generator_10000_yields_in_order);

  return g_test_run ();
}
