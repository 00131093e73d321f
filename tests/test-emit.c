/* test-emit.c: tw_worker_emit_signal(): a worker subclass's own signals,
 * emitted from its work, reach their handlers on the owner thread, in order
 * with the yields, with backpressure like a yield, and not after quit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "tw-test-util.h"

#define TEST_TYPE_COUNTER (test_counter_get_type ())
G_DECLARE_FINAL_TYPE (TestCounter, test_counter, TEST, COUNTER, TwWorker)

struct _TestCounter
{
  TwWorker parent_instance;
  gint64   n;
  gint     emitted;      /* emissions that returned, atomic */
  gboolean last_emit_result;
};

G_DEFINE_FINAL_TYPE (TestCounter, test_counter, TW_TYPE_WORKER)

static guint counted_signal;

static void
test_counter_work (TwWorker     *worker,
                   GCancellable *cancellable)
{
  TestCounter *self = TEST_COUNTER (worker);

  for (gint64 i = 0; i < self->n; i++)
    {
      g_auto(GValue) arg = G_VALUE_INIT;

      if (!tw_worker_yield_int (worker, i))
        return;
      g_value_init (&arg, G_TYPE_INT64);
      g_value_set_int64 (&arg, i);
      self->last_emit_result = tw_worker_emit_signal (worker, "counted::even",
                                                      &arg, 1);
      g_atomic_int_inc (&self->emitted);
      if (!self->last_emit_result)
        return;
    }
}

static void
test_counter_class_init (TestCounterClass *klass)
{
  TW_WORKER_CLASS (klass)->work = test_counter_work;
  counted_signal = g_signal_new ("counted", G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL, NULL,
                                 NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
test_counter_init (TestCounter *self)
{
}

typedef struct
{
  TwRecorder *rec;
  GString    *order;       /* y<i> and c<i> */
  guint       n_wrong_thread;
  guint       n_counted;
  gint        max_ahead;   /* emitted - delivered, seen by the handler */
  guint       n_after_end; /* handlers run after the run's terminal signal */
} Seen;

static void
on_counted (TestCounter *worker,
            gint64       i,
            Seen        *seen)
{
  if (g_thread_self () != seen->rec->owner)
    seen->n_wrong_thread++;
  seen->n_counted++;
  if (strpbrk (seen->rec->log->str, "REA") != NULL)
    seen->n_after_end++;
  seen->max_ahead = MAX (seen->max_ahead,
                         g_atomic_int_get (&worker->emitted) - (gint) seen->n_counted);
  g_string_append_printf (seen->order, "c%" G_GINT64_FORMAT " ", i);
}

static void
on_yielded (TwWorker     *worker,
            const GValue *value,
            Seen         *seen)
{
  g_string_append_printf (seen->order, "y%" G_GINT64_FORMAT " ", g_value_get_int64 (value));
}

static void
test_emitted_signals_arrive_on_the_owner_thread_in_order_with_the_yields (void)
{
  g_autoptr(TestCounter) worker = g_object_new (TEST_TYPE_COUNTER, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (TW_WORKER (worker));
  Seen seen = { rec, g_string_new (NULL), 0, 0, 0, 0 };

  worker->n = 3;
  g_signal_connect (worker, "counted::even", G_CALLBACK (on_counted), &seen);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), &seen);
  tw_worker_start (TW_WORKER (worker));
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYYRF");
  g_assert_cmpstr (seen.order->str, ==, "y0 c0 y1 c1 y2 c2 ");
  g_assert_cmpuint (seen.n_wrong_thread, ==, 0);
  g_assert_true (worker->last_emit_result);
  g_string_free (seen.order, TRUE);
}

static void
test_emitted_signals_have_backpressure_under_either_policy (void)
{
  for (TwYieldPolicy policy = TW_YIELD_POLICY_QUEUE; policy <= TW_YIELD_POLICY_LATEST; policy++)
    {
      g_autoptr(TestCounter) worker = g_object_new (TEST_TYPE_COUNTER,
                                                    "max-pending-yields", 4,
                                                    "yield-policy", policy, NULL);
      g_autoptr(TwRecorder) rec = tw_recorder_new (TW_WORKER (worker));
      Seen seen = { rec, g_string_new (NULL), 0, 0, 0, 0 };

      worker->n = 300;
      g_signal_connect (worker, "counted", G_CALLBACK (on_counted), &seen);
      tw_worker_start (TW_WORKER (worker));
      tw_recorder_wait_finished (rec, 1);

      /* Never coalesced, never more than the limit ahead of the owner (a
       * QUEUE yield sits between two emissions, and counts too). */
      g_assert_cmpuint (seen.n_counted, ==, 300);
      g_assert_cmpint (seen.max_ahead, <=, 4);
      g_assert_cmpuint (seen.n_wrong_thread, ==, 0);
      g_string_free (seen.order, TRUE);
    }
}

static void
quit_on_yield (TwWorker     *worker,
               const GValue *value,
               gpointer      user_data)
{
  tw_worker_quit (worker);
}

static void
test_no_emission_after_quit (void)
{
  g_autoptr(TestCounter) worker = g_object_new (TEST_TYPE_COUNTER, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (TW_WORKER (worker));
  Seen seen = { rec, g_string_new (NULL), 0, 0, 0, 0 };

  worker->n = 1000000;
  g_signal_connect (worker, "counted", G_CALLBACK (on_counted), &seen);
  g_signal_connect (worker, "yielded", G_CALLBACK (quit_on_yield), NULL);
  tw_worker_start (TW_WORKER (worker));
  tw_recorder_wait_finished (rec, 1);

  tw_assert_one_run (rec->log->str, 'A');
  /* What was emitted before quit arrives, before `aborted`; then nothing. */
  g_assert_cmpuint (seen.n_counted, <, 1000000);
  g_assert_cmpuint (seen.n_after_end, ==, 0);
  g_assert_cmpuint (seen.n_wrong_thread, ==, 0);
  g_string_free (seen.order, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Emit/signals-arrive-on-the-owner-thread-in-order-with-the-yields",
                   test_emitted_signals_arrive_on_the_owner_thread_in_order_with_the_yields);
  g_test_add_func ("/Tw/Emit/signals-have-backpressure-under-either-policy",
                   test_emitted_signals_have_backpressure_under_either_policy);
  g_test_add_func ("/Tw/Emit/no-emission-after-quit",
                   test_no_emission_after_quit);

  return g_test_run ();
}
