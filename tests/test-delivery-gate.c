/* test-delivery-gate.c: tw_worker_set_delivery_gate() and
 * tw_worker_deliver_held(), the core of frame-synced delivery: values and
 * progress wait for the gate's owner, in order, with the run's end behind
 * them, and removing the gate delivers what it held.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

typedef struct
{
  gint64 n;
  gint64 i;
} Count;

static gboolean
count_step (TwWorker     *worker,
            const GValue *sent,
            gpointer      user_data)
{
  Count *c = user_data;

  tw_worker_set_progress (worker, (double) (c->i + 1) / c->n);
  if (!tw_worker_yield_int (worker, c->i++))
    return FALSE;
  return c->i < c->n;
}

typedef struct
{
  guint    n_ready;
  gboolean delivering;      /* inside tw_worker_deliver_held() */
  guint    n_outside;       /* values emitted outside it */
  guint    n_this_call;
  guint    max_per_call;
  gboolean destroyed;
} Gate;

static void
gate_ready (TwWorker *worker,
            gpointer  user_data)
{
  Gate *gate = user_data;

  g_assert_true (g_main_context_is_owner (tw_worker_get_context (worker)) ||
                 g_main_context_default () == tw_worker_get_context (worker));
  gate->n_ready++;
}

static void
gate_destroy (gpointer user_data)
{
  Gate *gate = user_data;

  gate->destroyed = TRUE;
}

static void
on_yielded (TwWorker     *worker,
            const GValue *value,
            gpointer      user_data)
{
  Gate *gate = user_data;

  if (!gate->delivering)
    gate->n_outside++;
  gate->n_this_call++;
  gate->max_per_call = MAX (gate->max_per_call, gate->n_this_call);
}

static gboolean
deliver (TwWorker *worker,
         Gate     *gate,
         gint64    budget)
{
  gboolean more;

  gate->delivering = TRUE;
  gate->n_this_call = 0;
  more = tw_worker_deliver_held (worker, budget);
  gate->delivering = FALSE;
  return more;
}

/* QUEUE: nothing is emitted until the gate delivers; then every value, in
 * order, one event per call with a zero budget, and the end last. */
static void
test_queue_values_wait_for_the_gate (void)
{
  Count count = { 100, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);
  Gate gate = { 0 };

  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), &gate);
  tw_worker_set_delivery_gate (worker, gate_ready, &gate, gate_destroy);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (gate.n_ready > 0);
  g_assert_cmpuint (rec->values->len, ==, 0);

  while (rec->n_finished == 0)
    {
      TW_TEST_WAIT_UNTIL (deliver (worker, &gate, 0) || rec->n_finished > 0);
      g_assert_cmpuint (gate.n_this_call, <=, 1);
    }

  g_assert_cmpuint (gate.n_outside, ==, 0);
  g_assert_cmpuint (rec->values->len, ==, 100);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
  g_assert_cmpstr (rec->log->str + rec->log->len - 2, ==, "RF");
  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, 1.0);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);

  g_assert_false (gate.destroyed);
  tw_recorder_free (rec);
  g_assert_finalize_object (worker);
  g_assert_true (gate.destroyed);
}

/* LATEST: one call delivers at most one value, the newest. */
static void
test_latest_one_value_per_delivery (void)
{
  Count count = { 100000, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);
  Gate gate = { 0 };

  tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), &gate);
  tw_worker_set_delivery_gate (worker, gate_ready, &gate, gate_destroy);
  tw_worker_start (worker);

  TW_TEST_WAIT_UNTIL ((deliver (worker, &gate, G_MAXINT64), rec->n_finished > 0));

  g_assert_cmpuint (gate.max_per_call, ==, 1);
  g_assert_cmpuint (gate.n_outside, ==, 0);
  g_assert_cmpint (tw_recorder_int (rec, rec->values->len - 1), ==, 99999);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);

  tw_recorder_free (rec);
  g_assert_finalize_object (worker);
}

/* Removing the gate delivers what it held, in order, at once; after that,
 * delivery is the normal one. */
static void
test_removing_the_gate_delivers_what_it_held (void)
{
  Count count = { 50, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);
  Gate gate = { 0 };

  tw_worker_set_delivery_gate (worker, gate_ready, &gate, gate_destroy);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (gate.n_ready > 0);
  g_assert_cmpuint (rec->values->len, ==, 0);

  tw_worker_set_delivery_gate (worker, NULL, NULL, NULL);
  g_assert_true (gate.destroyed);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpuint (rec->values->len, ==, 50);
  for (guint i = 0; i < 50; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);

  tw_recorder_free (rec);
  g_assert_finalize_object (worker);
}

/* Held events keep the worker alive: the last reference may be dropped
 * while they wait, and they are delivered later. */
static void
test_last_unref_while_held (void)
{
  Count count = { 20, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);
  Gate gate = { 0 };
  GWeakRef weak;

  g_weak_ref_init (&weak, worker);
  tw_worker_set_delivery_gate (worker, gate_ready, &gate, gate_destroy);
  tw_worker_start (worker);
  g_object_unref (worker);
  worker = NULL;
  TW_TEST_WAIT_UNTIL (gate.n_ready > 0);

  /* Through the weak reference only: the worker goes once it finished. */
  while (rec->n_finished == 0)
    {
      TwWorker *alive = g_weak_ref_get (&weak);

      g_assert_nonnull (alive);
      TW_TEST_WAIT_UNTIL ((deliver (alive, &gate, G_MAXINT64), TRUE));
      g_object_unref (alive);
      if (rec->n_finished == 0)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (rec->values->len, ==, 20);
  g_assert_true (gate.destroyed);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);

  rec->worker = NULL;   /* gone: nothing to disconnect */
  tw_recorder_free (rec);
}

/* A handler that removes the gate while the gate delivers. */
static void
on_yielded_remove_gate (TwWorker     *worker,
                        const GValue *value,
                        gpointer      user_data)
{
  tw_worker_set_delivery_gate (worker, NULL, NULL, NULL);
}

static void
test_handler_removes_the_gate (void)
{
  Count count = { 30, 0 };
  TwWorker *worker = tw_generator_worker_new (count_step, &count, NULL);
  TwRecorder *rec = tw_recorder_new (worker);
  Gate gate = { 0 };

  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded_remove_gate), NULL);
  tw_worker_set_delivery_gate (worker, gate_ready, &gate, gate_destroy);
  tw_worker_start (worker);
  /* The first held event may be progress: deliver until a value came. */
  TW_TEST_WAIT_UNTIL ((deliver (worker, &gate, 0), gate.destroyed));
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpuint (rec->values->len, ==, 30);
  for (guint i = 0; i < 30; i++)
    g_assert_cmpint (tw_recorder_int (rec, i), ==, i);

  tw_recorder_free (rec);
  g_assert_finalize_object (worker);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/DeliveryGate/queue-values-wait-for-the-gate",
                   test_queue_values_wait_for_the_gate);
  g_test_add_func ("/Tw/DeliveryGate/latest-delivers-at-most-one-value-per-call",
                   test_latest_one_value_per_delivery);
  g_test_add_func ("/Tw/DeliveryGate/removing-the-gate-delivers-what-it-held",
                   test_removing_the_gate_delivers_what_it_held);
  g_test_add_func ("/Tw/DeliveryGate/last-unref-while-events-are-held",
                   test_last_unref_while_held);
  g_test_add_func ("/Tw/DeliveryGate/handler-removes-the-gate-while-it-delivers",
                   test_handler_removes_the_gate);

  return g_test_run ();
}
