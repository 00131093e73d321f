/* test-bad-input.c: every public function, called with NULL or invalid
 * arguments or from the wrong thread, emits a critical warning and returns
 * a harmless value instead of crashing; arguments it owns (transfer full)
 * are still freed. The owner-thread API called from a work is refused the
 * same way and leaves every worker and pool as it was. The last test reads
 * the public headers and fails if a function was added without a bad-input
 * case here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "tw-test-util.h"

#define DOMAIN "Threadworker"

/* Functions this file calls with bad input; checked against the headers. */
static GHashTable *covered;

static void
cover (const char *name)
{
  g_hash_table_add (covered, (gpointer) name);
}

/* Calls fn(args) expecting one critical matching @pattern; evaluates to the
 * call's result. */
#define CRITICAL(pattern, fn, ...)                                           \
  ({                                                                         \
    __typeof__ (fn (__VA_ARGS__)) _result;                                   \
    cover (#fn);                                                             \
    g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, pattern);           \
    _result = fn (__VA_ARGS__);                                              \
    g_test_assert_expected_messages ();                                      \
    _result;                                                                 \
  })

#define CRITICAL_VOID(pattern, fn, ...)                                      \
  G_STMT_START {                                                             \
    cover (#fn);                                                             \
    g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, pattern);           \
    fn (__VA_ARGS__);                                                        \
    g_test_assert_expected_messages ();                                      \
  } G_STMT_END

#define NOT_A_WORKER "*TW_IS_WORKER*"
#define NOT_A_POOL "*TW_IS_POOL*"
#define NOT_IN_WORK "*must be called from the work*"

static int n_destroyed;

static void
count_destroy (gpointer data)
{
  n_destroyed++;
  g_free (data);
}

static void
do_nothing (TwWorker *worker,
            gpointer  user_data)
{
}

/* A GObject that is not a worker nor a pool. */
static GObject *
not_a_worker (void)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

/* ------------------------------------------------------------------------ */

static void
test_constructors_reject_null_functions (void)
{
  g_assert_null (CRITICAL ("*func != NULL*", tw_function_worker_new, NULL, NULL, NULL));
  g_assert_null (CRITICAL ("*step != NULL*", tw_generator_worker_new, NULL, NULL, NULL));
}

static void
test_owner_api_rejects_null_and_other_types (void)
{
  g_autoptr(GObject) other = not_a_worker ();
  TwWorker *bad[] = { NULL, (TwWorker *) other };
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      TwWorker *w = bad[i];
      g_autoptr(GError) error = NULL;

      CRITICAL_VOID (NOT_A_WORKER, tw_worker_start, w);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_quit, w);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_pause, w);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_resume, w);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_toggle_pause, w);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_restart, w);
      g_assert_false (CRITICAL (NOT_A_WORKER, tw_worker_send, w, &value, &error));
      g_assert_no_error (error);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_run_async, w, NULL, NULL, NULL);
      g_assert_false (CRITICAL (NOT_A_WORKER, tw_worker_run_finish, w, NULL, NULL, &error));
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_run_finish_value, w, NULL, &error));
      g_assert_no_error (error);

      g_assert_cmpint (CRITICAL (NOT_A_WORKER, tw_worker_get_state, w), ==, TW_WORKER_STATE_IDLE);
      g_assert_false (CRITICAL (NOT_A_WORKER, tw_worker_get_is_running, w));
      g_assert_false (CRITICAL (NOT_A_WORKER, tw_worker_get_is_paused, w));
      g_assert_false (CRITICAL (NOT_A_WORKER, tw_worker_get_abort_requested, w));
      g_assert_cmpfloat (CRITICAL (NOT_A_WORKER, tw_worker_get_progress, w), ==, 0.0);
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_get_progress_text, w));
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_get_value, w));
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_get_error, w));
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_get_name, w));
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_set_name, w, "name");
      g_assert_cmpint (CRITICAL (NOT_A_WORKER, tw_worker_get_yield_policy, w), ==, TW_YIELD_POLICY_QUEUE);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_set_yield_policy, w, TW_YIELD_POLICY_LATEST);
      g_assert_cmpuint (CRITICAL (NOT_A_WORKER, tw_worker_get_max_pending_yields, w), ==, 0);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_set_max_pending_yields, w, 4);
      g_assert_cmpuint (CRITICAL (NOT_A_WORKER, tw_worker_get_max_pending_bytes, w), ==, 0);
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_set_max_pending_bytes, w, 4);
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_get_pool, w));
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_set_pool, w, NULL);
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_get_context, w));
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_set_delivery_gate, w, NULL, NULL, NULL);
      g_assert_false (CRITICAL (NOT_A_WORKER, tw_worker_deliver_held, w, 0));
      g_assert_null (CRITICAL (NOT_A_WORKER, tw_worker_get_actions, w));
      CRITICAL_VOID (NOT_A_WORKER, tw_worker_quit_with, w, other);
    }
}

static void
test_owner_api_rejects_invalid_arguments (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (do_nothing, NULL, NULL);
  g_autoptr(TwWorker) other = tw_function_worker_new (do_nothing, NULL, NULL);
  g_autoptr(GObject) not_a_pool = not_a_worker ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) set_error = g_error_new_literal (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED, "set");
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GTask) foreign_task = g_task_new (other, NULL, NULL, NULL);
  g_auto(GValue) unset = G_VALUE_INIT;
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);

  g_assert_false (CRITICAL ("*G_IS_VALUE*", tw_worker_send, worker, NULL, &error));
  g_assert_false (CRITICAL ("*G_IS_VALUE*", tw_worker_send, worker, &unset, &error));
  g_assert_false (CRITICAL ("*error == NULL*", tw_worker_send, worker, &value, &set_error));
  g_assert_no_error (error);

  CRITICAL_VOID ("*G_IS_CANCELLABLE*", tw_worker_run_async, worker,
                 (GCancellable *) not_a_pool, NULL, NULL);
  g_assert_false (CRITICAL ("*g_task_is_valid*", tw_worker_run_finish, worker, NULL, NULL, &error));
  g_assert_false (CRITICAL ("*g_task_is_valid*", tw_worker_run_finish, worker,
                            G_ASYNC_RESULT (foreign_task), NULL, &error));
  g_assert_null (CRITICAL ("*g_task_is_valid*", tw_worker_run_finish_value, worker, NULL, &error));
  g_assert_null (CRITICAL ("*g_task_is_valid*", tw_worker_run_finish_value, worker,
                           G_ASYNC_RESULT (foreign_task), &error));
  g_assert_no_error (error);
  /* Nothing was started by the bad calls. */
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_IDLE);

  CRITICAL_VOID ("*policy*", tw_worker_set_yield_policy, worker, (TwYieldPolicy) 42);
  g_assert_cmpint (tw_worker_get_yield_policy (worker), ==, TW_YIELD_POLICY_QUEUE);
  CRITICAL_VOID ("*max_pending >= 1*", tw_worker_set_max_pending_yields, worker, 0);
  g_assert_cmpuint (tw_worker_get_max_pending_yields (worker), >=, 1);
  CRITICAL_VOID ("*max_bytes >= 1*", tw_worker_set_max_pending_bytes, worker, 0);
  g_assert_cmpuint (tw_worker_get_max_pending_bytes (worker), >=, 1);
  CRITICAL_VOID ("*TW_IS_POOL*", tw_worker_set_pool, worker, (TwPool *) not_a_pool);
  CRITICAL_VOID ("*G_IS_OBJECT*", tw_worker_quit_with, worker, NULL);
  CRITICAL_VOID ("*self != object*", tw_worker_quit_with, worker, worker);

  /* Programmer errors of state: start twice, change the pool while running. */
  tw_worker_start (worker);
  CRITICAL_VOID ("*priv->run == NULL*", tw_worker_start, worker);
  CRITICAL_VOID ("*running*", tw_worker_set_pool, worker, NULL);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
}

/* The worker-thread API called on the owner thread, outside any work. */
static void
test_worker_thread_api_outside_the_work (void)
{
  g_autoptr(GObject) other = not_a_worker ();
  g_autoptr(TwWorker) worker = tw_function_worker_new (do_nothing, NULL, NULL);
  TwWorker *workers[] = { NULL, (TwWorker *) other, worker };
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);

  for (guint i = 0; i < G_N_ELEMENTS (workers); i++)
    {
      TwWorker *w = workers[i];
      const char *pattern = w == worker ? NOT_IN_WORK : NOT_A_WORKER;
      g_autoptr(GObject) object = not_a_worker ();

      n_destroyed = 0;

      g_assert_false (CRITICAL (pattern, tw_worker_yield_value, w, &value));
      g_assert_false (CRITICAL (pattern, tw_worker_yield_value_sized, w, &value, 8));
      g_assert_false (CRITICAL (pattern, tw_worker_yield_int, w, 1));
      g_assert_false (CRITICAL (pattern, tw_worker_yield_double, w, 1.0));
      g_assert_false (CRITICAL (pattern, tw_worker_yield_string, w, "s"));
      g_assert_false (CRITICAL (pattern, tw_worker_yield_object, w, object));
      g_assert_false (CRITICAL (pattern, tw_worker_yield_pointer, w, g_malloc (8), count_destroy));
      CRITICAL_VOID (pattern, tw_worker_return_value, w, &value);
      CRITICAL_VOID (pattern, tw_worker_return_int, w, 1);
      CRITICAL_VOID (pattern, tw_worker_return_double, w, 1.0);
      CRITICAL_VOID (pattern, tw_worker_return_string, w, "s");
      CRITICAL_VOID (pattern, tw_worker_return_object, w, object);
      CRITICAL_VOID (pattern, tw_worker_return_pointer, w, g_malloc (8), count_destroy);
      /* Transfer full: the error is freed (valgrind checks it). */
      CRITICAL_VOID (pattern, tw_worker_return_error, w,
                     g_error_new_literal (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED, "e"));
      g_assert_false (CRITICAL (pattern, tw_worker_checkpoint, w));
      g_assert_false (CRITICAL (pattern, tw_worker_sleep, w, 1));
      CRITICAL_VOID (pattern, tw_worker_set_progress, w, 0.5);
      CRITICAL_VOID (pattern, tw_worker_set_progress_text, w, "p");
      CRITICAL_VOID (pattern, tw_worker_set_progress_with_text, w, 0.5, "p");
      CRITICAL_VOID (pattern, tw_worker_warn, w, "w");
      g_assert_false (CRITICAL (pattern, tw_worker_emit_signal, w, "warned", &value, 1));
      g_assert_null (CRITICAL (pattern, tw_worker_get_cancellable, w));

      /* Owned pointers are freed even when the call is refused. */
      g_assert_cmpint (n_destroyed, ==, 2);
    }

  /* Invalid values, whoever calls. */
  g_assert_false (CRITICAL ("*G_IS_OBJECT*", tw_worker_yield_object, worker, NULL));
  CRITICAL_VOID ("*G_IS_OBJECT*", tw_worker_return_object, worker, NULL);
  CRITICAL_VOID ("*error != NULL*", tw_worker_return_error, worker, NULL);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_IDLE);
}

/* Invalid arguments from inside the work, on the worker thread. */
typedef struct
{
  TwWorker *other;
  gboolean  done;
} InWorkData;

static void
bad_calls_in_work (TwWorker *worker,
                   gpointer  user_data)
{
  InWorkData *data = user_data;
  g_auto(GValue) unset = G_VALUE_INIT;

  /* Expected by the owner before it started the worker. */
  g_assert_false (tw_worker_yield_value (worker, NULL));
  g_assert_false (tw_worker_yield_value (worker, &unset));
  g_assert_false (tw_worker_yield_value_sized (worker, &unset, 8));
  g_assert_false (tw_worker_yield_object (worker, NULL));
  tw_worker_warn (worker, NULL);
  g_assert_false (tw_worker_emit_signal (worker, NULL, NULL, 0));
  g_assert_false (tw_worker_emit_signal (worker, "no-such-signal", NULL, 0));
  g_assert_false (tw_worker_emit_signal (worker, "warned", NULL, 0));
  g_assert_false (tw_worker_emit_signal (worker, "warned", &unset, 1));
  tw_worker_return_value (worker, NULL);
  tw_worker_return_error (worker, NULL);
  /* Another worker's API from this work. */
  g_assert_false (tw_worker_yield_int (data->other, 1));
  g_assert_false (tw_worker_checkpoint (data->other));
  g_assert_null (tw_worker_get_cancellable (data->other));

  /* A second result is refused; the first one stands. */
  tw_worker_return_int (worker, 1);
  tw_worker_return_int (worker, 2);
  tw_worker_return_error (worker, g_error_new_literal (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED, "late"));
  data->done = TRUE;
}

static void
test_worker_thread_api_rejects_invalid_arguments (void)
{
  g_autoptr(TwWorker) other = tw_function_worker_new (do_nothing, NULL, NULL);
  InWorkData data = { other, FALSE };
  g_autoptr(TwWorker) worker = tw_function_worker_new (bad_calls_in_work, &data, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*G_IS_VALUE*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*G_IS_VALUE*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*G_IS_VALUE*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*G_IS_OBJECT*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*message != NULL*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*detailed_signal != NULL*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*has no signal*no-such-signal*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*takes 1 arguments*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*must be a gchararray, not an unset value*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*G_IS_VALUE*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*error != NULL*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, NOT_IN_WORK);
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, NOT_IN_WORK);
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, NOT_IN_WORK);
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*already reported*");
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, "*already reported*");
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_test_assert_expected_messages ();

  g_assert_true (data.done);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 1);
}

/* The owner-thread API called from a work, on its worker thread: refused
 * with a critical, on its own worker, on another one, on the pool and on a
 * subprocess worker, and nothing changes. */
#define NOT_OWNER "*must be called on the owner thread*"

typedef struct
{
  TwWorker      *other;
  TwWorker      *child;
  TwPool        *pool;
  GApplication  *app;
  GThread       *owner;
  guint          n_wrong_thread;   /* notifications off the owner thread */
  gboolean       done;
} OwnerCalls;

static void
never_ready (TwWorker *worker,
             gpointer  user_data)
{
  g_assert_not_reached ();
}

static void
owner_calls_on_worker (TwWorker *w)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_value_init (&value, G_TYPE_INT64);

  CRITICAL_VOID (NOT_OWNER, tw_worker_start, w);
  CRITICAL_VOID (NOT_OWNER, tw_worker_quit, w);
  CRITICAL_VOID (NOT_OWNER, tw_worker_pause, w);
  CRITICAL_VOID (NOT_OWNER, tw_worker_resume, w);
  CRITICAL_VOID (NOT_OWNER, tw_worker_toggle_pause, w);
  CRITICAL_VOID (NOT_OWNER, tw_worker_restart, w);
  g_assert_false (CRITICAL (NOT_OWNER, tw_worker_send, w, &value, &error));
  g_assert_no_error (error);
  CRITICAL_VOID (NOT_OWNER, tw_worker_run_async, w, NULL, NULL, NULL);
  g_assert_false (CRITICAL (NOT_OWNER, tw_worker_run_finish, w, NULL, NULL, &error));
  g_assert_null (CRITICAL (NOT_OWNER, tw_worker_run_finish_value, w, NULL, &error));
  g_assert_no_error (error);
  CRITICAL_VOID (NOT_OWNER, tw_worker_set_name, w, "renamed");
  CRITICAL_VOID (NOT_OWNER, tw_worker_set_yield_policy, w, TW_YIELD_POLICY_LATEST);
  CRITICAL_VOID (NOT_OWNER, tw_worker_set_max_pending_yields, w, 3);
  CRITICAL_VOID (NOT_OWNER, tw_worker_set_max_pending_bytes, w, 3);
  CRITICAL_VOID (NOT_OWNER, tw_worker_set_pool, w, NULL);
  /* The gate's data is freed even though the call is refused. */
  CRITICAL_VOID (NOT_OWNER, tw_worker_set_delivery_gate, w, never_ready, g_malloc (8), count_destroy);
  g_assert_false (CRITICAL (NOT_OWNER, tw_worker_deliver_held, w, 0));
  /* Through the property, as bindings set it. */
  g_test_expect_message (DOMAIN, G_LOG_LEVEL_CRITICAL, NOT_OWNER);
  g_object_set (w, "max-pending-yields", 5, NULL);
  g_test_assert_expected_messages ();
}

static void
owner_calls_in_work (TwWorker *worker,
                     gpointer  user_data)
{
  OwnerCalls *data = user_data;
  TwSubprocessWorker *child = TW_SUBPROCESS_WORKER (data->child);
  g_autoptr(GError) error = NULL;

  owner_calls_on_worker (worker);
  owner_calls_on_worker (data->other);
  owner_calls_on_worker (data->child);

  CRITICAL_VOID (NOT_OWNER, tw_subprocess_worker_set_kill_timeout, child, 1);
  CRITICAL_VOID (NOT_OWNER, tw_subprocess_worker_set_stderr_tail_lines, child, 1);
  CRITICAL_VOID (NOT_OWNER, tw_subprocess_worker_set_parse_progress, child, FALSE);
  g_assert_false (CRITICAL (NOT_OWNER, tw_subprocess_worker_close_stdin, child, &error));
  g_assert_no_error (error);

  CRITICAL_VOID (NOT_OWNER, tw_pool_quit_all, data->pool);
  CRITICAL_VOID (NOT_OWNER, tw_pool_set_max_threads, data->pool, 7);
  CRITICAL_VOID (NOT_OWNER, tw_pool_set_idle_timeout, data->pool, 7);
  g_assert_false (CRITICAL (NOT_OWNER, tw_pool_await, data->pool, 0, &error));
  g_assert_no_error (error);
  CRITICAL_VOID (NOT_OWNER, tw_pool_bind_application, data->pool, data->app, 0);
  /* The default pool, whose context is the global default one. */
  CRITICAL_VOID (NOT_OWNER, tw_pool_quit_all, tw_pool_get_default ());
  CRITICAL_VOID (NOT_OWNER, tw_pool_set_max_threads, tw_pool_get_default (), 1);

  /* The run goes on as if nothing had happened. */
  g_assert_true (tw_worker_checkpoint (worker));
  tw_worker_return_int (worker, 5);
  data->done = TRUE;
}

static void
count_notify_off_owner (GObject    *object,
                        GParamSpec *pspec,
                        OwnerCalls *data)
{
  if (g_thread_self () != data->owner)
    data->n_wrong_thread++;
}

static void
test_owner_api_from_the_work_is_refused (void)
{
  const char *argv[] = { "true", NULL };
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GApplication) app = g_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(TwWorker) other = tw_function_worker_new (do_nothing, NULL, NULL);
  g_autoptr(TwWorker) child = tw_subprocess_worker_new (argv, NULL);
  OwnerCalls data = { other, child, pool, app, g_thread_self () };
  g_autoptr(TwWorker) worker = tw_function_worker_new (owner_calls_in_work, &data, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(TwRecorder) other_rec = tw_recorder_new (other);
  guint max_threads = tw_pool_get_max_threads (pool);
  guint default_max_threads = tw_pool_get_max_threads (tw_pool_get_default ());
  GObject *watched[] = { G_OBJECT (worker), G_OBJECT (other), G_OBJECT (child), G_OBJECT (pool) };

  for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
    g_signal_connect (watched[i], "notify", G_CALLBACK (count_notify_off_owner), &data);
  g_assert_nonnull (child);
  n_destroyed = 0;
  tw_worker_set_pool (worker, pool);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_true (data.done);
  /* The refused gates' data, one per worker, freed on the owner context. */
  TW_TEST_WAIT_UNTIL (n_destroyed == 3);

  /* Unharmed: the run ended as its work said, nothing else started or
   * changed, and nothing was notified on the worker thread. */
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 5);
  g_assert_false (tw_worker_get_abort_requested (worker));
  g_assert_cmpuint (data.n_wrong_thread, ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      TwWorker *w = TW_WORKER (watched[i]);

      g_assert_false (tw_worker_get_is_running (w));
      g_assert_cmpstr (tw_worker_get_name (w), !=, "renamed");
      g_assert_cmpint (tw_worker_get_yield_policy (w), ==, TW_YIELD_POLICY_QUEUE);
      g_assert_cmpuint (tw_worker_get_max_pending_yields (w), !=, 3);
      g_assert_cmpuint (tw_worker_get_max_pending_yields (w), !=, 5);
      g_assert_cmpuint (tw_worker_get_max_pending_bytes (w), !=, 3);
    }
  g_assert_cmpint (tw_worker_get_state (other), ==, TW_WORKER_STATE_IDLE);
  g_assert_cmpint (tw_worker_get_state (child), ==, TW_WORKER_STATE_IDLE);
  g_assert_true (tw_worker_get_pool (worker) == pool);
  g_assert_cmpuint (tw_subprocess_worker_get_kill_timeout (TW_SUBPROCESS_WORKER (child)), !=, 1);
  g_assert_cmpuint (tw_subprocess_worker_get_stderr_tail_lines (TW_SUBPROCESS_WORKER (child)), !=, 1);
  g_assert_true (tw_subprocess_worker_get_parse_progress (TW_SUBPROCESS_WORKER (child)));
  g_assert_cmpuint (tw_pool_get_max_threads (pool), ==, max_threads);
  g_assert_cmpuint (tw_pool_get_idle_timeout (pool), !=, 7);
  g_assert_cmpuint (tw_pool_get_max_threads (tw_pool_get_default ()), ==, default_max_threads);

  /* The other worker has no gate: its value arrives as usual. */
  tw_worker_start (other);
  tw_recorder_wait_finished (other_rec, 1);
  g_assert_cmpstr (other_rec->log->str, ==, "SRF");
  for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
    g_signal_handlers_disconnect_by_data (watched[i], &data);
}

/* g_object_set() from a work freezes the worker's notify queue for every
 * thread, and would thaw it there: what the owner notified meanwhile must
 * still be emitted on the owner thread. Forced: the work holds the queue
 * frozen until the owner has notified. */
typedef struct
{
  TwGate   notified;
  int      frozen;
  GThread *owner;
  guint    n_name;
  guint    n_wrong_thread;
} FrozenNotify;

static void
freeze_until_the_owner_notified (TwWorker *worker,
                                 gpointer  user_data)
{
  FrozenNotify *data = user_data;

  g_object_freeze_notify (G_OBJECT (worker));
  g_atomic_int_set (&data->frozen, 1);
  tw_gate_wait (&data->notified);
  g_object_thaw_notify (G_OBJECT (worker));   /* emits the queued notify::name */
  tw_worker_return_int (worker, 1);
}

static void
count_name_notify (GObject      *object,
                   GParamSpec   *pspec,
                   FrozenNotify *data)
{
  data->n_name++;
  if (g_thread_self () != data->owner)
    data->n_wrong_thread++;
}

static void
test_notify_thawed_on_the_work_is_emitted_on_the_owner (void)
{
  FrozenNotify data = { .owner = g_thread_self () };
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  tw_gate_init (&data.notified);
  worker = tw_function_worker_new (freeze_until_the_owner_notified, &data, NULL);
  rec = tw_recorder_new (worker);
  g_signal_connect (worker, "notify::name", G_CALLBACK (count_name_notify), &data);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&data.frozen));
  tw_worker_set_name (worker, "renamed while frozen");   /* queued, not emitted */
  g_assert_cmpuint (data.n_name, ==, 0);
  tw_gate_open (&data.notified);
  tw_recorder_wait_finished (rec, 1);
  TW_TEST_WAIT_UNTIL (data.n_name == 1);
  g_assert_cmpuint (data.n_wrong_thread, ==, 0);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_signal_handlers_disconnect_by_data (worker, &data);
  tw_gate_clear (&data.notified);
}

/* The same for a pool: its notify queue frozen by a work, the pool's own
 * notification made meanwhile, the thaw on the work. */
typedef struct
{
  TwPool  *pool;
  TwGate   notified;
  int      frozen;
  GThread *owner;
  guint    n_notified;
  guint    n_wrong_thread;
} FrozenPool;

static void
freeze_the_pool_until_it_notified (TwWorker *worker,
                                   gpointer  user_data)
{
  FrozenPool *data = user_data;

  g_object_freeze_notify (G_OBJECT (data->pool));
  g_atomic_int_set (&data->frozen, 1);
  tw_gate_wait (&data->notified);
  g_object_thaw_notify (G_OBJECT (data->pool));
  tw_worker_return_int (worker, 1);
}

static void
count_pool_notify (GObject    *object,
                   GParamSpec *pspec,
                   FrozenPool *data)
{
  data->n_notified++;
  if (g_thread_self () != data->owner)
    data->n_wrong_thread++;
}

static void
test_pool_notify_thawed_on_the_work_is_emitted_on_the_owner (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  FrozenPool data = { .pool = pool, .owner = g_thread_self () };
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  tw_gate_init (&data.notified);
  worker = tw_function_worker_new (freeze_the_pool_until_it_notified, &data, NULL);
  rec = tw_recorder_new (worker);
  g_signal_connect (pool, "notify::idle-timeout", G_CALLBACK (count_pool_notify), &data);
  tw_worker_start (worker);   /* on the default pool: @pool only watched */
  TW_TEST_WAIT_UNTIL (g_atomic_int_get (&data.frozen));
  tw_pool_set_idle_timeout (pool, tw_pool_get_idle_timeout (pool) + 1);   /* queued */
  g_assert_cmpuint (data.n_notified, ==, 0);
  tw_gate_open (&data.notified);
  tw_recorder_wait_finished (rec, 1);
  TW_TEST_WAIT_UNTIL (data.n_notified == 1);
  g_assert_cmpuint (data.n_wrong_thread, ==, 0);
  g_signal_handlers_disconnect_by_data (pool, &data);
  tw_gate_clear (&data.notified);
}

/* The same from a thread of the application's own, neither the owner nor a
 * pool's. */
static gpointer
owner_calls_on_a_plain_thread (gpointer user_data)
{
  OwnerCalls *data = user_data;

  owner_calls_on_worker (data->other);
  CRITICAL_VOID (NOT_OWNER, tw_pool_quit_all, data->pool);
  CRITICAL_VOID (NOT_OWNER, tw_pool_set_max_threads, data->pool, 7);
  return NULL;
}

static void
test_owner_api_from_another_thread_is_refused (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(TwWorker) other = tw_function_worker_new (do_nothing, NULL, NULL);
  OwnerCalls data = { other, NULL, pool, NULL, g_thread_self () };
  g_autoptr(TwRecorder) rec = tw_recorder_new (other);
  guint max_threads = tw_pool_get_max_threads (pool);

  n_destroyed = 0;
  g_signal_connect (other, "notify", G_CALLBACK (count_notify_off_owner), &data);
  g_thread_join (g_thread_new ("tw-test-plain", owner_calls_on_a_plain_thread, &data));
  TW_TEST_WAIT_UNTIL (n_destroyed == 1);

  g_assert_cmpuint (data.n_wrong_thread, ==, 0);
  g_assert_cmpint (tw_worker_get_state (other), ==, TW_WORKER_STATE_IDLE);
  g_assert_cmpuint (tw_worker_get_max_pending_yields (other), !=, 3);
  g_assert_cmpuint (tw_pool_get_max_threads (pool), ==, max_threads);
  tw_test_iterate_ticks (2);
  g_assert_cmpstr (rec->log->str, ==, "");
  g_signal_handlers_disconnect_by_data (other, &data);
}

static void
test_pool_api_rejects_invalid_arguments (void)
{
  g_autoptr(GObject) other = not_a_worker ();
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GApplication) app = g_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(GError) set_error = g_error_new_literal (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED, "set");
  TwPool *bad[] = { NULL, (TwPool *) other };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      TwPool *p = bad[i];
      g_autoptr(GError) error = NULL;

      g_assert_cmpuint (CRITICAL (NOT_A_POOL, tw_pool_get_max_threads, p), ==, 0);
      CRITICAL_VOID (NOT_A_POOL, tw_pool_set_max_threads, p, 2);
      g_assert_cmpuint (CRITICAL (NOT_A_POOL, tw_pool_get_idle_timeout, p), ==, 0);
      CRITICAL_VOID (NOT_A_POOL, tw_pool_set_idle_timeout, p, 2);
      g_assert_cmpuint (CRITICAL (NOT_A_POOL, tw_pool_get_n_running, p), ==, 0);
      g_assert_cmpuint (CRITICAL (NOT_A_POOL, tw_pool_get_n_waiting, p), ==, 0);
      g_assert_cmpuint (CRITICAL (NOT_A_POOL, tw_pool_get_n_threads, p), ==, 0);
      g_assert_null (CRITICAL (NOT_A_POOL, tw_pool_get_context, p));
      CRITICAL_VOID (NOT_A_POOL, tw_pool_quit_all, p);
      g_assert_false (CRITICAL (NOT_A_POOL, tw_pool_await, p, 0, &error));
      g_assert_no_error (error);
      CRITICAL_VOID (NOT_A_POOL, tw_pool_release_threads, p);
      CRITICAL_VOID (NOT_A_POOL, tw_pool_bind_application, p, app, 0);
    }

  CRITICAL_VOID ("*max_threads >= 1*", tw_pool_set_max_threads, pool, 0);
  g_assert_cmpuint (tw_pool_get_max_threads (pool), >=, 1);
  g_assert_false (CRITICAL ("*error == NULL*", tw_pool_await, pool, 0, &set_error));
  CRITICAL_VOID ("*G_IS_APPLICATION*", tw_pool_bind_application, pool, NULL, 0);
  CRITICAL_VOID ("*G_IS_APPLICATION*", tw_pool_bind_application, pool, (GApplication *) other, 0);
}

static void
test_subprocess_api_rejects_invalid_arguments (void)
{
  const char *argv[] = { "true", NULL };
  const char *empty[] = { NULL };
  g_autoptr(GObject) other = not_a_worker ();
  g_autoptr(TwWorker) function = tw_function_worker_new (do_nothing, NULL, NULL);
  g_autoptr(GError) set_error = g_error_new_literal (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED, "set");
  g_autoptr(GError) error = NULL;
  g_autoptr(TwWorker) worker = NULL;
  /* NULL, a GObject, and a worker of another type. */
  TwSubprocessWorker *bad[] = { NULL, (TwSubprocessWorker *) other, (TwSubprocessWorker *) function };

  g_assert_null (CRITICAL ("*argv != NULL*", tw_subprocess_worker_new, NULL, &error));
  g_assert_null (CRITICAL ("*argv != NULL*", tw_subprocess_worker_new, empty, &error));
  g_assert_null (CRITICAL ("*error == NULL*", tw_subprocess_worker_new, argv, &set_error));
  g_assert_null (CRITICAL ("*G_IS_SUBPROCESS_LAUNCHER*", tw_subprocess_worker_new_with_launcher,
                           (GSubprocessLauncher *) other, argv, &error));
  g_assert_null (CRITICAL ("*argv != NULL*", tw_subprocess_worker_new_with_launcher,
                           NULL, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      TwSubprocessWorker *w = bad[i];

      g_assert_null (CRITICAL ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_get_argv, w));
      g_assert_null (CRITICAL ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_get_launcher, w));
      g_assert_cmpuint (CRITICAL ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_get_kill_timeout, w), ==, 0);
      CRITICAL_VOID ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_set_kill_timeout, w, 10);
      g_assert_cmpuint (CRITICAL ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_get_stderr_tail_lines, w), ==, 0);
      CRITICAL_VOID ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_set_stderr_tail_lines, w, 10);
      g_assert_false (CRITICAL ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_get_parse_progress, w));
      CRITICAL_VOID ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_set_parse_progress, w, TRUE);
      g_assert_false (CRITICAL ("*TW_IS_SUBPROCESS_WORKER*", tw_subprocess_worker_close_stdin, w, &error));
      g_assert_no_error (error);
    }

  worker = tw_subprocess_worker_new (argv, &error);
  g_assert_no_error (error);
  CRITICAL_VOID ("*n_lines*", tw_subprocess_worker_set_stderr_tail_lines,
                 TW_SUBPROCESS_WORKER (worker), G_MAXUINT);
  g_assert_cmpuint (tw_subprocess_worker_get_stderr_tail_lines (TW_SUBPROCESS_WORKER (worker)), <, G_MAXUINT);
  g_assert_false (CRITICAL ("*error == NULL*", tw_subprocess_worker_close_stdin,
                            TW_SUBPROCESS_WORKER (worker), &set_error));
  /* The worker API of a subprocess worker, outside its work, as any other. */
  g_assert_false (CRITICAL (NOT_IN_WORK, tw_worker_yield_int, worker, 1));
}

/* Functions that take nothing invalid (no arguments, or only a type). */
static gsize
size_of_nothing (const GValue *value)
{
  return 0;
}

static void
test_value_size_api_rejects_invalid_arguments (void)
{
  g_auto(GValue) unset = G_VALUE_INIT;

  g_assert_cmpuint (CRITICAL ("*G_IS_VALUE*", tw_value_size, NULL), ==, 0);
  g_assert_cmpuint (CRITICAL ("*G_IS_VALUE*", tw_value_size, &unset), ==, 0);
  CRITICAL_VOID ("*type != G_TYPE_INVALID*", tw_value_size_register, G_TYPE_INVALID, size_of_nothing);
  CRITICAL_VOID ("*func != NULL*", tw_value_size_register, G_TYPE_OBJECT, NULL);
}

static const char * const no_invalid_input[] = {
  "tw_pool_get_default",
  "tw_pool_new",
  "tw_worker_error_quark",
};

static void
test_every_public_function_is_covered (void)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autofree char *libdir = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GRegex) decl = g_regex_new ("^\\s*[A-Za-z_][\\w\\s\\*]*?\\b(tw_[a-z0-9_]+)\\s*\\(",
                                        G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GString) missing = g_string_new (NULL);
  const char *name;
  guint n_functions = 0;

  if (srcdir == NULL)
    {
      g_test_skip ("G_TEST_SRCDIR is not set: cannot find the headers");
      return;
    }
  libdir = g_build_filename (srcdir, "..", "lib", NULL);
  dir = g_dir_open (libdir, 0, NULL);
  g_assert_nonnull (dir);

  for (guint i = 0; i < G_N_ELEMENTS (no_invalid_input); i++)
    cover (no_invalid_input[i]);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) match = NULL;

      if (!g_str_has_prefix (name, "tw-") || !g_str_has_suffix (name, ".h") ||
          strstr (name, "-private") != NULL)
        continue;
      path = g_build_filename (libdir, name, NULL);
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));

      g_regex_match (decl, text, 0, &match);
      for (; g_match_info_matches (match); g_match_info_next (match, NULL))
        {
          g_autofree char *func = g_match_info_fetch (match, 1);

          if (g_str_has_suffix (func, "_get_type"))
            continue;
          n_functions++;
          if (!g_hash_table_contains (covered, func))
            g_string_append_printf (missing, " %s (%s)", func, name);
        }
    }

  g_test_message ("%u public functions in the headers", n_functions);
  g_assert_cmpuint (n_functions, >, 50);
  if (missing->len > 0)
    g_error ("public functions without a bad-input case:%s", missing->str);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  covered = g_hash_table_new (g_str_hash, g_str_equal);

  g_test_add_func ("/Tw/BadInput/constructors-reject-null-functions",
                   test_constructors_reject_null_functions);
  g_test_add_func ("/Tw/BadInput/owner-api-rejects-null-and-other-types",
                   test_owner_api_rejects_null_and_other_types);
  g_test_add_func ("/Tw/BadInput/owner-api-rejects-invalid-arguments",
                   test_owner_api_rejects_invalid_arguments);
  g_test_add_func ("/Tw/BadInput/worker-thread-api-outside-the-work-is-refused",
                   test_worker_thread_api_outside_the_work);
  g_test_add_func ("/Tw/BadInput/worker-thread-api-rejects-invalid-arguments",
                   test_worker_thread_api_rejects_invalid_arguments);
  g_test_add_func ("/Tw/BadInput/owner-api-from-the-work-is-refused",
                   test_owner_api_from_the_work_is_refused);
  g_test_add_func ("/Tw/BadInput/owner-api-from-another-thread-is-refused",
                   test_owner_api_from_another_thread_is_refused);
  g_test_add_func ("/Tw/BadInput/pool-api-rejects-invalid-arguments",
                   test_pool_api_rejects_invalid_arguments);
  g_test_add_func ("/Tw/BadInput/child-process-worker-api-rejects-invalid-arguments",
                   test_subprocess_api_rejects_invalid_arguments);
  g_test_add_func ("/Tw/BadInput/value-size-api-rejects-invalid-arguments",
                   test_value_size_api_rejects_invalid_arguments);
  /* Last: the other tests have recorded what they cover. */
  g_test_add_func ("/Tw/BadInput/notify-thawed-on-the-work-is-emitted-on-the-owner",
                   test_notify_thawed_on_the_work_is_emitted_on_the_owner);
  g_test_add_func ("/Tw/BadInput/pool-notify-thawed-on-the-work-is-emitted-on-the-owner",
                   test_pool_notify_thawed_on_the_work_is_emitted_on_the_owner);
  g_test_add_func ("/Tw/BadInput/every-public-function-is-covered",
                   test_every_public_function_is_covered);

  return g_test_run ();
}
