/* test-log.c: the library logs under the domain "Threadworker". Its debug
 * messages (a worker's start and end with its run time, the pool growing and
 * shrinking) appear when debug output is on, and cost nothing when it is
 * off.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

typedef struct
{
  GMutex     lock;
  GPtrArray *messages;      /* char*, in the order they were logged */
  GPtrArray *threads;       /* GThread* that logged each */
} Log;

static Log the_log;

static void
log_debug (const char     *domain,
           GLogLevelFlags  level,
           const char     *message,
           gpointer        user_data)
{
  Log *log = user_data;

  g_assert_cmpstr (domain, ==, "Threadworker");
  g_mutex_lock (&log->lock);
  g_ptr_array_add (log->messages, g_strdup (message));
  g_ptr_array_add (log->threads, g_thread_self ());
  g_mutex_unlock (&log->lock);
}

static guint
log_count (const char *pattern)
{
  guint n = 0;

  g_mutex_lock (&the_log.lock);
  for (guint i = 0; i < the_log.messages->len; i++)
    if (g_pattern_match_simple (pattern, the_log.messages->pdata[i]))
      n++;
  g_mutex_unlock (&the_log.lock);
  return n;
}

static GThread *
log_thread_of (const char *pattern)
{
  GThread *thread = NULL;

  g_mutex_lock (&the_log.lock);
  for (guint i = 0; i < the_log.messages->len && thread == NULL; i++)
    if (g_pattern_match_simple (pattern, the_log.messages->pdata[i]))
      thread = the_log.threads->pdata[i];
  g_mutex_unlock (&the_log.lock);
  return thread;
}

static void
log_reset (void)
{
  g_mutex_lock (&the_log.lock);
  g_ptr_array_set_size (the_log.messages, 0);
  g_ptr_array_set_size (the_log.threads, 0);
  g_mutex_unlock (&the_log.lock);
}

static void
raise_an_error (TwWorker *worker,
                gpointer  user_data)
{
  tw_worker_return_error (worker, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "no"));
}

static void
test_debug_names_the_worker_its_outcome_and_time (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwWorker) failing = tw_function_worker_new (raise_an_error, NULL, NULL);
  TwRecorder *rec = tw_recorder_new (worker);
  TwRecorder *failed = tw_recorder_new (failing);

  log_reset ();
  g_log_set_debug_enabled (TRUE);
  tw_worker_set_name (worker, "thumbnailer");
  tw_worker_set_name (failing, "loader");
  tw_worker_start (worker);
  tw_worker_start (failing);
  tw_recorder_wait_finished (rec, 1);
  tw_recorder_wait_finished (failed, 1);
  g_log_set_debug_enabled (FALSE);

  g_assert_cmpuint (log_count ("Worker “thumbnailer”: started"), ==, 1);
  g_assert_cmpuint (log_count ("Worker “thumbnailer”: returned after * ms"), ==, 1);
  g_assert_cmpuint (log_count ("Worker “loader”: errored after * ms"), ==, 1);
  /* A worker's messages come from its owner thread, like its signals. */
  g_assert_true (log_thread_of ("Worker “thumbnailer”: started") == g_thread_self ());
  g_assert_true (log_thread_of ("Worker “loader”: errored*") == g_thread_self ());
  g_assert_cmpuint (rec->n_wrong_thread + failed->n_wrong_thread, ==, 0);

  tw_recorder_free (rec);
  tw_recorder_free (failed);
}

static void
test_debug_shows_the_pool_growing_and_shrinking (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  TwRecorder *rec = tw_recorder_new (worker);

  log_reset ();
  g_log_set_debug_enabled (TRUE);
  tw_pool_set_idle_timeout (pool, 10);
  tw_worker_set_pool (worker, pool);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  /* The thread leaves the cache on its own once idle for 10 ms. */
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_threads (pool) == 0 &&
                      log_count ("Pool: a thread idle for 10 ms exits (0 threads left)") == 1);
  g_log_set_debug_enabled (FALSE);

  g_assert_cmpuint (log_count ("Pool: a thread starts (1 threads, 1 running work)"), ==, 1);
  g_assert_true (log_thread_of ("Pool: a thread idle*") != g_thread_self ());
  tw_recorder_free (rec);
}

static void
test_no_debug_output_when_it_is_off (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  TwRecorder *rec = tw_recorder_new (worker);

  log_reset ();
  g_assert_false (g_log_get_debug_enabled ());
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpuint (log_count ("*"), ==, 0);
  tw_recorder_free (rec);
}

int
main (int argc, char **argv)
{
  int status;

  /* Debug output is asked for through g_log_set_debug_enabled() here, not
   * through the environment. */
  g_unsetenv ("G_MESSAGES_DEBUG");
  g_test_init (&argc, &argv, NULL);
  g_mutex_init (&the_log.lock);
  the_log.messages = g_ptr_array_new_with_free_func (g_free);
  the_log.threads = g_ptr_array_new ();
  g_log_set_handler ("Threadworker", G_LOG_LEVEL_DEBUG, log_debug, &the_log);

  g_test_add_func ("/Tw/Log/debug-names-the-worker-its-outcome-and-time",
                   test_debug_names_the_worker_its_outcome_and_time);
  g_test_add_func ("/Tw/Log/debug-shows-the-pool-growing-and-shrinking",
                   test_debug_shows_the_pool_growing_and_shrinking);
  g_test_add_func ("/Tw/Log/no-debug-output-when-it-is-off",
                   test_no_debug_output_when_it_is_off);

  status = g_test_run ();
  g_ptr_array_unref (the_log.messages);
  g_ptr_array_unref (the_log.threads);
  g_mutex_clear (&the_log.lock);
  tw_pool_release_threads (tw_pool_get_default ());
  return status;
}
