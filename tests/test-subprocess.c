/* test-subprocess.c: TwSubprocessWorker: output lines, results, signals to
 * the child (quit, pause, resume), its input, memory bounds and running many
 * at once, with the pool, restart() and run_async().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tw-test-util.h"

/* A quit must end a run well within this, on any machine. */
#define QUIT_DEADLINE_MS 10000

/* Iterates the thread-default context until @expr holds; fails the test if
 * it does not within @ms. */
#define WAIT_WITH_DEADLINE(expr, ms)                                               \
  G_STMT_START {                                                                   \
    gint64 _end = g_get_monotonic_time () + (ms) * (gint64) 1000;                  \
    GSource *_wake = g_timeout_source_new (20);                                    \
    g_source_set_callback (_wake, tw_test_wakeup_cb, NULL, NULL);                  \
    g_source_attach (_wake, g_main_context_get_thread_default ());                 \
    while (!(expr))                                                                \
      {                                                                            \
        if (g_get_monotonic_time () > _end)                                        \
          g_error ("not within %d ms: %s", (int) (ms), #expr);                     \
        g_main_context_iteration (g_main_context_get_thread_default (), TRUE);     \
      }                                                                            \
    g_source_destroy (_wake);                                                      \
    g_source_unref (_wake);                                                        \
  } G_STMT_END

static TwWorker *
new_worker (const char *first,
            ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  TwWorker *worker;
  const char *arg;
  va_list args;

  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  worker = tw_subprocess_worker_new ((const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (TW_IS_SUBPROCESS_WORKER (worker));
  return worker;
}

static const char *
rec_string (TwRecorder *rec,
            guint       index)
{
  g_assert_cmpuint (index, <, rec->values->len);
  return g_value_get_string (g_ptr_array_index (rec->values, index));
}

static GPid
rec_pid (TwRecorder *rec,
         guint       index)
{
  GPid pid = atoi (rec_string (rec, index));

  g_assert_cmpint (pid, >, 1);
  return pid;
}

static guint
count_char (const char *str,
            char        c)
{
  guint n = 0;

  for (; *str != '\0'; str++)
    n += *str == c;
  return n;
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms, to see that something does NOT happen. */
static void
iterate_for (guint ms)
{
  gboolean done = FALSE;
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, set_flag_cb, &done, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  while (!done)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_source_destroy (source);
  g_source_unref (source);
}

/* The state letter of /proc/PID/stat (R, S, T, Z, ...), or 0 if @pid is gone. */
static char
process_state (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  const char *paren;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  paren = strrchr (contents, ')');
  g_assert_nonnull (paren);
  return paren[2];
}

/* Gone, or a zombie nobody reaped yet: dead either way. */
static gboolean
process_dead (GPid pid)
{
  char state = process_state (pid);

  return state == 0 || state == 'Z' || state == 'X';
}

static gsize
vm_rss_kb (void)
{
  g_autofree char *contents = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &contents, NULL, NULL));
  line = strstr (contents, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

/* ------------------------------------------------------------------------ */

static void
test_lines_in_order (void)
{
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "seq 1 2000; printf 'no newline'", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (rec->values->len, ==, 2001);
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%u", i + 1);

      g_assert_cmpstr (rec_string (rec, i), ==, expected);
    }
  g_assert_cmpstr (rec_string (rec, 2000), ==, "no newline");
  g_assert_cmpint (rec->log->str[0], ==, 'S');
  g_assert_cmpstr (rec->log->str + 2002, ==, "RF");
  g_assert_cmpuint (rec->n_wrong_thread, ==, 0);
}

static void
test_crlf_line_endings_are_stripped (void)
{
  g_autoptr(TwWorker) worker = new_worker ("printf", "dos\\r\\n\\r\\nunix\\n", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYYRF");
  g_assert_cmpstr (rec_string (rec, 0), ==, "dos");
  g_assert_cmpstr (rec_string (rec, 1), ==, "");
  g_assert_cmpstr (rec_string (rec, 2), ==, "unix");
}

static void
test_exit_zero_returns_status (void)
{
  g_autoptr(TwWorker) worker = new_worker ("true", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_true (G_VALUE_HOLDS_INT64 (&rec->returned));
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 0);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_FINISHED);
}

static void
test_exit_status_errors_with_stderr_tail (void)
{
  g_autoptr(TwWorker) worker =
    new_worker ("sh", "-c", "echo out; echo first problem >&2; echo last problem >&2; exit 3", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYEF");
  g_assert_cmpstr (rec_string (rec, 0), ==, "out");
  g_assert_error (rec->error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_test_message ("message: %s", rec->error->message);
  g_assert_nonnull (strstr (rec->error->message, "“sh”"));
  g_assert_nonnull (strstr (rec->error->message, " 3"));
  g_assert_nonnull (strstr (rec->error->message, "first problem\nlast problem"));
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ERRORED);
}

static void
test_stderr_tail_keeps_last_lines (void)
{
  g_autoptr(TwWorker) worker =
    new_worker ("sh", "-c", "for i in $(seq 1 20); do echo \"problem $i\" >&2; done; exit 1", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_assert_cmpuint (tw_subprocess_worker_get_stderr_tail_lines (TW_SUBPROCESS_WORKER (worker)), ==, 10);
  tw_subprocess_worker_set_stderr_tail_lines (TW_SUBPROCESS_WORKER (worker), 3);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SEF");
  g_assert_nonnull (strstr (rec->error->message, "problem 18\nproblem 19\nproblem 20"));
  g_assert_null (strstr (rec->error->message, "problem 17"));
}

static void
test_crash_errors_naming_the_signal (void)
{
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "echo crashing >&2; kill -SEGV $$", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autofree char *number = g_strdup_printf ("signal %d", SIGSEGV);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SEF");
  g_assert_error (rec->error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_test_message ("message: %s", rec->error->message);
  g_assert_nonnull (strstr (rec->error->message, number));
  g_assert_nonnull (strstr (rec->error->message, g_strsignal (SIGSEGV)));
  g_assert_nonnull (strstr (rec->error->message, "crashing"));
}

static void
test_quit_kills_sleeping_child (void)
{
  /* `exec`: the pid printed is the sleep's. */
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "echo $$; exec sleep 1000", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  gint64 quit_time;
  GPid pid;

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  pid = rec_pid (rec, 0);
  g_assert_false (process_dead (pid));

  quit_time = g_get_monotonic_time ();
  tw_worker_quit (worker);
  WAIT_WITH_DEADLINE (rec->n_finished == 1, QUIT_DEADLINE_MS);
  g_test_message ("quit took %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - quit_time) / 1000);

  g_assert_cmpstr (rec->log->str, ==, "SYAF");
  /* Reaped before the run ended: the pid is gone, not a zombie. */
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

static void
test_quit_kills_child_ignoring_sigterm_after_grace_period (void)
{
  g_autoptr(TwWorker) worker =
    new_worker ("sh", "-c", "trap '' TERM; echo $$; while :; do sleep 0.1; done", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  const guint grace_ms = 300;
  gint64 quit_time, elapsed_ms;
  GPid pid;

  g_assert_cmpuint (tw_subprocess_worker_get_kill_timeout (TW_SUBPROCESS_WORKER (worker)), ==, 2000);
  tw_subprocess_worker_set_kill_timeout (TW_SUBPROCESS_WORKER (worker), grace_ms);
  tw_worker_start (worker);
  /* The trap is set once the pid line is out. */
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  pid = rec_pid (rec, 0);

  quit_time = g_get_monotonic_time ();
  tw_worker_quit (worker);
  WAIT_WITH_DEADLINE (rec->n_finished == 1, QUIT_DEADLINE_MS);
  elapsed_ms = (g_get_monotonic_time () - quit_time) / 1000;
  g_test_message ("quit took %" G_GINT64_FORMAT " ms", elapsed_ms);

  g_assert_cmpstr (rec->log->str, ==, "SYAF");
  /* It ignored SIGTERM: only SIGKILL, after the grace period, ended it. */
  g_assert_cmpint (elapsed_ms, >=, grace_ms);
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

static void
test_quit_kills_the_process_group (void)
{
  /* The grandchild's pid is printed; sh then waits for it. */
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "sleep 1000 & echo $!; wait", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GPid grandchild;

  /* The run ends once the group is gone, but a killed grandchild stays in
   * it until init reaps it, which some inits do lazily: then the grace
   * period ends the wait. Keep it short. */
  tw_subprocess_worker_set_kill_timeout (TW_SUBPROCESS_WORKER (worker), 500);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  grandchild = rec_pid (rec, 0);
  g_assert_false (process_dead (grandchild));

  tw_worker_quit (worker);
  WAIT_WITH_DEADLINE (rec->n_finished == 1, QUIT_DEADLINE_MS);
  g_assert_cmpstr (rec->log->str, ==, "SYAF");

  /* Not our child: it is reaped by init, if at all. */
  WAIT_WITH_DEADLINE (process_dead (grandchild), QUIT_DEADLINE_MS);
}

static void
test_pause_stops_output_until_resume (void)
{
  /* One process (a shell would vfork a `sleep` each time, and a stopped
   * shell waiting for its vfork child is in state D, not T): its pid, then
   * a counter, a line every 10 ms. perl is part of every Debian system. */
  g_autoptr(TwWorker) worker =
    new_worker ("perl", "-e",
                "$| = 1; print \"$$\\n\"; "
                "for (my $i = 1; ; $i++) { print \"$i\\n\"; select (undef, undef, undef, 0.01) }",
                NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  guint n_paused;
  GPid pid;

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len >= 5);
  pid = rec_pid (rec, 0);

  tw_worker_pause (worker);
  TW_TEST_WAIT_UNTIL (strchr (rec->log->str, 'P') != NULL);
  n_paused = rec->values->len;
  g_assert_true (tw_worker_get_is_paused (worker));
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_PAUSED);
  /* Really stopped, not just unread. */
  TW_TEST_WAIT_UNTIL (process_state (pid) == 'T');

  /* A line that must not come. */
  iterate_for (300);
  g_assert_cmpuint (rec->values->len, ==, n_paused);
  g_assert_cmpint (process_state (pid), ==, 'T');

  tw_worker_resume (worker);
  TW_TEST_WAIT_UNTIL (strchr (rec->log->str, 'U') != NULL && rec->values->len > n_paused + 3);
  g_assert_false (tw_worker_get_is_paused (worker));

  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);

  /* Reported once each, with no line in between, and no line lost. */
  g_assert_cmpuint (count_char (rec->log->str, 'P'), ==, 1);
  g_assert_cmpuint (count_char (rec->log->str, 'U'), ==, 1);
  g_assert_nonnull (strstr (rec->log->str, "PU"));
  for (guint i = 1; i < rec->values->len; i++)
    g_assert_cmpint (atoi (rec_string (rec, i)), ==, i);
  g_assert_true (g_str_has_suffix (rec->log->str, "AF"));
}

static void
test_quit_while_paused_kills_child (void)
{
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "echo $$; exec sleep 1000", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GPid pid;

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  pid = rec_pid (rec, 0);

  tw_worker_pause (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  TW_TEST_WAIT_UNTIL (process_state (pid) == 'T');

  /* SIGTERM stays pending on a stopped process: the worker continues it. */
  tw_worker_quit (worker);
  WAIT_WITH_DEADLINE (rec->n_finished == 1, QUIT_DEADLINE_MS);

  g_assert_cmpstr (rec->log->str, ==, "SYPAF");
  g_assert_cmpint (kill (pid, 0), ==, -1);
  g_assert_cmpint (errno, ==, ESRCH);
}

/* The pool's test hook stops the run right before it takes its slot back
 * (see test-pool.c): until then the worker is still paused for the owner. */
static void
test_resume_is_announced_once_the_slot_is_taken_back (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "echo $$; exec sleep 1000", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  TwSlotStop stop;

  tw_pool_set_max_threads (pool, 1);
  tw_worker_set_pool (worker, pool);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  tw_worker_pause (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));

  tw_slot_stop_init (&stop, pool, worker, FALSE);
  tw_worker_resume (worker);
  TW_TEST_WAIT_UNTIL (tw_gate_is_open (&stop.entered));
  tw_test_dispatch_pending ();
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_PAUSED);
  g_assert_cmpstr (rec->log->str, ==, "SYP");

  tw_gate_open (&stop.go);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  g_assert_cmpstr (rec->log->str, ==, "SYPU");

  tw_worker_quit (worker);
  WAIT_WITH_DEADLINE (rec->n_finished == 1, QUIT_DEADLINE_MS);
  g_assert_cmpstr (rec->log->str, ==, "SYPUAF");
  tw_slot_stop_clear (&stop);
}

static void
init_string (GValue     *value,
             const char *str)
{
  g_value_init (value, G_TYPE_STRING);
  g_value_set_string (value, str);
}

static void
test_send_writes_lines_and_bytes_to_stdin (void)
{
  g_autoptr(TwWorker) worker = new_worker ("cat", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_auto(GValue) hello = G_VALUE_INIT;
  g_auto(GValue) world = G_VALUE_INIT;
  g_auto(GValue) bytes = G_VALUE_INIT;
  g_autoptr(GBytes) raw = g_bytes_new_static ("raw\nbytes", 9);
  g_autoptr(GError) error = NULL;

  init_string (&hello, "hello");
  init_string (&world, "wörld");
  g_value_init (&bytes, G_TYPE_BYTES);
  g_value_set_boxed (&bytes, raw);

  tw_worker_start (worker);
  /* Before the child exists: written once it does. */
  g_assert_true (tw_worker_send (worker, &hello, &error));
  g_assert_no_error (error);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  g_assert_cmpstr (rec_string (rec, 0), ==, "hello");

  g_assert_true (tw_worker_send (worker, &world, &error));
  g_assert_true (tw_worker_send (worker, &bytes, &error));
  g_assert_true (tw_subprocess_worker_close_stdin (TW_SUBPROCESS_WORKER (worker), &error));
  g_assert_no_error (error);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYYYRF");
  g_assert_cmpstr (rec_string (rec, 1), ==, "wörld");
  g_assert_cmpstr (rec_string (rec, 2), ==, "raw");
  g_assert_cmpstr (rec_string (rec, 3), ==, "bytes");
  g_assert_cmpint (g_value_get_int64 (&rec->returned), ==, 0);
}

static void
test_send_rejects_other_types (void)
{
  g_autoptr(TwWorker) worker = new_worker ("cat", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_auto(GValue) number = G_VALUE_INIT;
  g_auto(GValue) null_string = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  init_string (&null_string, NULL);
  g_value_init (&number, G_TYPE_INT);
  g_value_set_int (&number, 42);

  tw_worker_start (worker);
  g_assert_false (tw_worker_send (worker, &number, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (tw_worker_send (worker, &null_string, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  g_assert_true (tw_subprocess_worker_close_stdin (TW_SUBPROCESS_WORKER (worker), &error));
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
}

static void
test_send_after_close_stdin_fails (void)
{
  g_autoptr(TwWorker) worker = new_worker ("cat", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_auto(GValue) line = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  init_string (&line, "late");

  /* Not running yet. */
  g_assert_false (tw_subprocess_worker_close_stdin (TW_SUBPROCESS_WORKER (worker), &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  tw_worker_start (worker);
  g_assert_true (tw_subprocess_worker_close_stdin (TW_SUBPROCESS_WORKER (worker), &error));
  g_assert_true (tw_subprocess_worker_close_stdin (TW_SUBPROCESS_WORKER (worker), &error));
  g_assert_false (tw_worker_send (worker, &line, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_clear_error (&error);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");

  /* The next run starts with an open input. */
  tw_worker_start (worker);
  g_assert_true (tw_worker_send (worker, &line, &error));
  g_assert_no_error (error);
  g_assert_true (tw_subprocess_worker_close_stdin (TW_SUBPROCESS_WORKER (worker), &error));
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SRFSYRF");
  g_assert_cmpstr (rec_string (rec, 0), ==, "late");
}

static void
test_child_stopping_to_read_is_warned (void)
{
  /* Closes its input, says so, and lives on. */
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "exec 0<&-; echo closed; exec sleep 1000", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GBytes) big = g_bytes_new_take (g_malloc0 (1 << 20), 1 << 20);
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_value_init (&value, G_TYPE_BYTES);
  g_value_set_boxed (&value, big);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  g_assert_true (tw_worker_send (worker, &value, &error));
  g_assert_true (tw_worker_send (worker, &value, &error));
  g_assert_no_error (error);

  /* The application survived SIGPIPE and was told, once. */
  TW_TEST_WAIT_UNTIL (rec->warnings->len == 1);
  g_test_message ("warning: %s", (char *) g_ptr_array_index (rec->warnings, 0));
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SYWAF");
}

static void
test_invalid_utf8_is_replaced (void)
{
  g_autoptr(TwWorker) worker = new_worker ("printf", "a\\377b\\nnul\\000byte\\n\\303\\n", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYYRF");
  g_assert_cmpstr (rec_string (rec, 0), ==, "a\xef\xbf\xbd" "b");
  g_assert_cmpstr (rec_string (rec, 1), ==, "nul\xef\xbf\xbd" "byte");
  g_assert_cmpstr (rec_string (rec, 2), ==, "\xef\xbf\xbd");
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_utf8_validate (rec_string (rec, i), -1, NULL));
}

static void
test_long_lines_are_split (void)
{
  /* 200000 bytes without a newline, then one more line. */
  g_autoptr(TwWorker) worker =
    new_worker ("sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x; echo; echo after", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  gsize total = 0;

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpuint (rec->values->len, ==, 5);
  for (guint i = 0; i < 4; i++)
    {
      gsize len = strlen (rec_string (rec, i));

      g_assert_cmpuint (len, <=, 65536);
      total += len;
    }
  g_assert_cmpuint (total, ==, 200000);
  g_assert_cmpstr (rec_string (rec, 4), ==, "after");
}

static void
test_progress_lines_set_progress (void)
{
  g_autoptr(TwWorker) worker =
    new_worker ("printf", "PROGRESS 0.25\\nfirst\\nPROGRESS 0.5 halfway there\\n"
                          "PROGRESS nonsense\\nPROGRESS 0.75\\n", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  g_assert_true (tw_subprocess_worker_get_parse_progress (TW_SUBPROCESS_WORKER (worker)));
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYRF");
  g_assert_cmpstr (rec_string (rec, 0), ==, "first");
  g_assert_cmpstr (rec_string (rec, 1), ==, "PROGRESS nonsense");
  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, 0.75);
  /* A line without a text keeps the text. */
  g_assert_cmpstr (tw_worker_get_progress_text (worker), ==, "halfway there");
}

static void
test_progress_parsing_can_be_turned_off (void)
{
  g_autoptr(TwWorker) worker = new_worker ("printf", "PROGRESS 0.5 half\\n", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);

  tw_subprocess_worker_set_parse_progress (TW_SUBPROCESS_WORKER (worker), FALSE);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYRF");
  g_assert_cmpstr (rec_string (rec, 0), ==, "PROGRESS 0.5 half");
  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, 0.0);
}

typedef struct
{
  GThread *owner;
  guint64  n_yielded;
  guint64  expected_next;   /* QUEUE: the next number expected, or 0 */
  gboolean in_order;
  char    *last;
  gboolean returned;
  gboolean finished;
  gsize    peak_rss_kb;
} Flood;

static void
flood_yielded_cb (TwWorker     *worker,
                  const GValue *value,
                  Flood        *flood)
{
  g_assert_true (g_thread_self () == flood->owner);
  flood->n_yielded++;
  if (flood->expected_next > 0)
    {
      flood->in_order = flood->in_order &&
                        g_ascii_strtoull (g_value_get_string (value), NULL, 10) == flood->expected_next;
      flood->expected_next++;
    }
  g_free (flood->last);
  flood->last = g_value_dup_string (value);
}

static void
flood_returned_cb (TwWorker     *worker,
                   const GValue *value,
                   Flood        *flood)
{
  flood->returned = g_value_get_int64 (value) == 0;
}

static void
flood_finished_cb (TwWorker *worker,
                   Flood    *flood)
{
  flood->finished = TRUE;
}

static gboolean
sample_rss_cb (gpointer data)
{
  Flood *flood = data;

  flood->peak_rss_kb = MAX (flood->peak_rss_kb, vm_rss_kb ());
  return G_SOURCE_CONTINUE;
}

static void
flood_connect (TwWorker *worker,
               Flood    *flood)
{
  flood->owner = g_thread_self ();
  flood->in_order = TRUE;
  g_signal_connect (worker, "yielded", G_CALLBACK (flood_yielded_cb), flood);
  g_signal_connect (worker, "returned", G_CALLBACK (flood_returned_cb), flood);
  g_signal_connect (worker, "finished", G_CALLBACK (flood_finished_cb), flood);
}

static void
flood_disconnect (TwWorker *worker,
                  Flood    *flood)
{
  g_signal_handlers_disconnect_by_data (worker, flood);
}

/* Valgrind keeps freed blocks aside and adds its own memory: resident
 * memory says nothing about ours then. */
static gboolean
running_under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return preload != NULL && strstr (preload, "vgpreload") != NULL;
}

/* The process's RSS says nothing about what the worker holds under valgrind
 * or AddressSanitizer: both keep freed blocks (ASan in its quarantine) and
 * add memory of their own. */
static gboolean
rss_is_meaningful (void)
{
#if defined(__SANITIZE_ADDRESS__)
  return FALSE;
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
  return FALSE;
# endif
#endif
  return !running_under_valgrind ();
}

static void
test_latest_policy_bounds_memory_of_100mb_output (void)
{
  /* 1,000,000 lines of 100 bytes, after the shell's pid (in a file: under
   * LATEST the first line may be replaced before it is delivered). Under
   * valgrind, which reads them 30 times slower and cannot measure memory
   * anyway, 100,000: the deadline is for hangs, not for a slow reader. */
  guint n_lines = running_under_valgrind () ? 100000 : 1000000;
  g_autofree char *script = g_strdup_printf ("echo $$ > \"$1\"; yes \"$0\" | head -c %u",
                                             n_lines * 100);
  g_autofree char *line = g_strnfill (99, 'x');
  g_autofree char *dir = g_dir_make_tmp ("tw-test-XXXXXX", NULL);
  g_autofree char *pid_file = g_build_filename (dir, "pid", NULL);
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", script, line, pid_file, NULL);
  g_autofree char *pid_text = NULL;
  Flood flood = { 0 };
  gsize baseline_kb, stalled_kb;
  guint64 n_before_stall;
  gint64 end;
  GPid pid;

  g_assert_nonnull (dir);
  tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST);
  flood_connect (worker, &flood);
  baseline_kb = vm_rss_kb ();

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (flood.n_yielded >= 1);
  g_assert_true (g_file_get_contents (pid_file, &pid_text, NULL, NULL));
  pid = atoi (pid_text);
  g_assert_cmpint (pid, >, 1);

  /* A busy owner: it does not run its main loop until the child has
   * written everything. Nothing to wait on but the child's exit (the loop
   * is not running), so poll it, with a deadline. */
  n_before_stall = flood.n_yielded;
  end = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
  while (!process_dead (pid))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }
  stalled_kb = vm_rss_kb ();

  TW_TEST_WAIT_UNTIL (flood.finished);
  flood_disconnect (worker, &flood);
  g_test_message ("%" G_GUINT64_FORMAT " of %u lines delivered (%" G_GUINT64_FORMAT
                  " after the stall); memory grew by %" G_GSIZE_FORMAT " kB",
                  flood.n_yielded, n_lines, flood.n_yielded - n_before_stall,
                  stalled_kb - baseline_kb);

  g_assert_true (flood.returned);
  /* The newest line always arrives; the others were replaced, not queued. */
  g_assert_cmpstr (flood.last, ==, line);
  g_assert_cmpuint (flood.n_yielded, <, n_lines);
  /* 100 MB went through while nobody took it; far less was ever held. */
  if (!rss_is_meaningful ())
    g_test_message ("not checking memory: valgrind and AddressSanitizer keep freed blocks");
  else
    g_assert_cmpuint (stalled_kb - baseline_kb, <, 32 * 1024);

  g_free (flood.last);
  g_unlink (pid_file);
  g_rmdir (dir);
}

static void
test_queue_policy_delivers_every_line_of_a_chatty_child (void)
{
  g_autoptr(TwWorker) worker = new_worker ("seq", "1", "300000", NULL);
  Flood flood = { 0 };
  GSource *sampler;
  gsize baseline_kb;

  flood.expected_next = 1;
  flood_connect (worker, &flood);
  baseline_kb = vm_rss_kb ();
  flood.peak_rss_kb = baseline_kb;
  sampler = g_timeout_source_new (10);
  g_source_set_callback (sampler, sample_rss_cb, &flood, NULL);
  g_source_attach (sampler, g_main_context_get_thread_default ());

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (flood.finished);
  g_source_destroy (sampler);
  g_source_unref (sampler);
  flood_disconnect (worker, &flood);
  g_test_message ("memory grew by %" G_GSIZE_FORMAT " kB", flood.peak_rss_kb - baseline_kb);

  g_assert_true (flood.returned);
  g_assert_cmpuint (flood.n_yielded, ==, 300000);
  g_assert_true (flood.in_order);
  /* Backpressure: at most max-pending-yields lines wait for the owner. */
  if (rss_is_meaningful ())
    g_assert_cmpuint (flood.peak_rss_kb - baseline_kb, <, 32 * 1024);
  g_free (flood.last);
}

static gboolean
all_finished (TwRecorder **recs,
              guint        n)
{
  for (guint i = 0; i < n; i++)
    if (recs[i]->n_finished != 1)
      return FALSE;
  return TRUE;
}

#define N_MANY 50

static void
test_many_workers_at_once (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  TwWorker *workers[N_MANY];
  TwRecorder *recs[N_MANY];

  tw_pool_set_max_threads (pool, N_MANY);
  for (guint i = 0; i < N_MANY; i++)
    {
      workers[i] = new_worker ("cat", NULL);
      tw_worker_set_pool (workers[i], pool);
      recs[i] = tw_recorder_new (workers[i]);
      tw_worker_start (workers[i]);
    }

  /* All fifty children at once: cat waits for its input. */
  TW_TEST_WAIT_UNTIL (tw_pool_get_n_running (pool) == N_MANY);

  for (guint i = 0; i < N_MANY; i++)
    {
      g_autofree char *text = g_strdup_printf ("worker %u", i);
      g_auto(GValue) line = G_VALUE_INIT;
      g_autoptr(GError) error = NULL;

      init_string (&line, text);
      g_assert_true (tw_worker_send (workers[i], &line, &error));
      g_assert_true (tw_subprocess_worker_close_stdin (TW_SUBPROCESS_WORKER (workers[i]), &error));
      g_assert_no_error (error);
    }

  TW_TEST_WAIT_UNTIL (all_finished (recs, N_MANY));

  for (guint i = 0; i < N_MANY; i++)
    {
      g_autofree char *text = g_strdup_printf ("worker %u", i);

      g_assert_cmpstr (recs[i]->log->str, ==, "SYRF");
      g_assert_cmpstr (rec_string (recs[i], 0), ==, text);
      tw_recorder_free (recs[i]);
      g_assert_finalize_object (workers[i]);
    }

  tw_pool_release_threads (pool);
  g_assert_finalize_object (g_steal_pointer (&pool));
}

static void
test_restart_replaces_the_child (void)
{
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "echo $$; exec sleep 1000", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GPid first, second;

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  first = rec_pid (rec, 0);

  tw_worker_restart (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len == 2);
  second = rec_pid (rec, 1);
  g_assert_cmpint (first, !=, second);
  g_assert_true (process_dead (first));
  g_assert_false (process_dead (second));
  g_assert_cmpstr (rec->log->str, ==, "SYAFSY");

  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SYAFSYAF");
  g_assert_true (process_dead (second));
}

static void
run_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_run_async_completes_with_exit_status (void)
{
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "echo one; echo two", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  tw_worker_run_async (worker, NULL, run_cb, &result);
  TW_TEST_WAIT_UNTIL (result != NULL);

  g_assert_true (tw_worker_run_finish (worker, result, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int64 (&value), ==, 0);
  g_assert_cmpstr (rec->log->str, ==, "SYYRF");
  g_assert_cmpstr (rec_string (rec, 1), ==, "two");
}

static void
test_run_async_cancel_kills_child (void)
{
  g_autoptr(TwWorker) worker = new_worker ("sh", "-c", "echo $$; exec sleep 1000", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;

  tw_worker_run_async (worker, cancellable, run_cb, &result);
  TW_TEST_WAIT_UNTIL (rec->values->len == 1);
  pid = rec_pid (rec, 0);

  g_cancellable_cancel (cancellable);
  WAIT_WITH_DEADLINE (result != NULL, QUIT_DEADLINE_MS);

  g_assert_false (tw_worker_run_finish (worker, result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (rec->log->str, ==, "SYAF");
  g_assert_true (process_dead (pid));
}

#define N_SHUTDOWN 4

static void
test_pool_shutdown_stops_children (void)
{
  g_autoptr(TwPool) pool = tw_pool_new ();
  g_autoptr(GError) error = NULL;
  TwWorker *workers[N_SHUTDOWN];
  TwRecorder *recs[N_SHUTDOWN];
  GPid pids[N_SHUTDOWN];

  tw_pool_set_max_threads (pool, N_SHUTDOWN);
  for (guint i = 0; i < N_SHUTDOWN; i++)
    {
      workers[i] = new_worker ("sh", "-c", "echo $$; exec sleep 1000", NULL);
      tw_worker_set_pool (workers[i], pool);
      recs[i] = tw_recorder_new (workers[i]);
      tw_worker_start (workers[i]);
    }
  for (guint i = 0; i < N_SHUTDOWN; i++)
    {
      TW_TEST_WAIT_UNTIL (recs[i]->values->len == 1);
      pids[i] = rec_pid (recs[i], 0);
    }

  tw_pool_quit_all (pool);
  g_assert_true (tw_pool_await (pool, QUIT_DEADLINE_MS, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < N_SHUTDOWN; i++)
    {
      g_assert_cmpstr (recs[i]->log->str, ==, "SYAF");
      g_assert_true (process_dead (pids[i]));
      tw_recorder_free (recs[i]);
      g_assert_finalize_object (workers[i]);
    }
  tw_pool_release_threads (pool);
  g_assert_finalize_object (g_steal_pointer (&pool));
}

static void
test_missing_program_fails_at_construction (void)
{
  const char *missing[] = { "tw-no-such-program-anywhere", NULL };
  const char *not_executable[] = { "/dev/null", NULL };
  const char *empty[] = { "", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_null (tw_subprocess_worker_new (missing, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "tw-no-such-program-anywhere"));
  g_clear_error (&error);

  g_assert_null (tw_subprocess_worker_new (not_executable, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_null (tw_subprocess_worker_new (empty, &error));
  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_INVALID_VALUE);
}

static void
test_empty_argv_is_a_programmer_error (void)
{
  const char *no_args[] = { NULL };

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*argv*");
  g_assert_null (tw_subprocess_worker_new (no_args, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*argv*");
  g_assert_null (tw_subprocess_worker_new (NULL, NULL));
  g_test_assert_expected_messages ();
}

static void
test_unstartable_child_errors (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  const char *argv[] = { "true", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  g_subprocess_launcher_set_cwd (launcher, "/tw-no-such-directory");
  worker = tw_subprocess_worker_new_with_launcher (launcher, argv, &error);
  g_assert_no_error (error);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SEF");
  g_assert_error (rec->error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED);
  g_test_message ("message: %s", rec->error->message);
}

static void
test_launcher_sets_cwd_and_environment (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  const char *argv[] = { "sh", "-c", "echo \"$TW_TEST_VALUE\"; pwd", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;

  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_setenv (launcher, "TW_TEST_VALUE", "from the launcher", TRUE);
  worker = tw_subprocess_worker_new_with_launcher (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (tw_subprocess_worker_get_launcher (TW_SUBPROCESS_WORKER (worker)) == launcher);
  rec = tw_recorder_new (worker);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SYYRF");
  g_assert_cmpstr (rec_string (rec, 0), ==, "from the launcher");
  g_assert_cmpstr (rec_string (rec, 1), ==, "/");
}

static void
test_child_inherits_only_stdio (void)
{
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  g_autofree char *leaky = NULL;
  int leaky_fd;

  /* A descriptor without close-on-exec in the parent. */
  leaky_fd = dup (STDERR_FILENO);
  g_assert_cmpint (leaky_fd, >, 2);
  leaky = g_strdup_printf ("%d", leaky_fd);

  worker = new_worker ("sh", "-c",
                       "readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2; "
                       "if test -e /proc/$$/fd/$0; then echo leaked; else echo clean; fi",
                       leaky, NULL);
  rec = tw_recorder_new (worker);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  close (leaky_fd);

  g_assert_cmpstr (rec->log->str, ==, "SYYYYRF");
  for (guint i = 0; i < 3; i++)
    g_assert_true (g_str_has_prefix (rec_string (rec, i), "pipe:"));
  g_assert_cmpstr (rec_string (rec, 3), ==, "clean");
}

static void
test_child_starts_with_default_signal_handling (void)
{
  g_autoptr(TwWorker) worker =
    new_worker ("sh", "-c", "grep -E '^(SigBlk|SigIgn):' /proc/self/status", NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  struct sigaction ignore = { 0 }, old;
  guint64 mask;

  /* As GIO does once a GSocket exists. */
  ignore.sa_handler = SIG_IGN;
  sigaction (SIGPIPE, &ignore, &old);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  sigaction (SIGPIPE, &old, NULL);

  g_assert_cmpstr (rec->log->str, ==, "SYYRF");
  g_assert_true (g_str_has_prefix (rec_string (rec, 0), "SigBlk:"));
  g_assert_cmpuint (g_ascii_strtoull (rec_string (rec, 0) + strlen ("SigBlk:\t"), NULL, 16), ==, 0);
  g_assert_true (g_str_has_prefix (rec_string (rec, 1), "SigIgn:"));
  mask = g_ascii_strtoull (rec_string (rec, 1) + strlen ("SigIgn:\t"), NULL, 16);
  g_assert_cmpuint (mask & (G_GUINT64_CONSTANT (1) << (SIGPIPE - 1)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/SubprocessWorker/lines-in-order", test_lines_in_order);
  g_test_add_func ("/Tw/SubprocessWorker/crlf-line-endings-are-stripped", test_crlf_line_endings_are_stripped);
  g_test_add_func ("/Tw/SubprocessWorker/exit-zero-returns-status", test_exit_zero_returns_status);
  g_test_add_func ("/Tw/SubprocessWorker/exit-status-errors-with-stderr-tail", test_exit_status_errors_with_stderr_tail);
  g_test_add_func ("/Tw/SubprocessWorker/stderr-tail-keeps-last-lines", test_stderr_tail_keeps_last_lines);
  g_test_add_func ("/Tw/SubprocessWorker/crash-errors-naming-the-signal", test_crash_errors_naming_the_signal);
  g_test_add_func ("/Tw/SubprocessWorker/quit-kills-sleeping-child", test_quit_kills_sleeping_child);
  g_test_add_func ("/Tw/SubprocessWorker/quit-kills-child-ignoring-sigterm-after-grace-period",
                   test_quit_kills_child_ignoring_sigterm_after_grace_period);
  g_test_add_func ("/Tw/SubprocessWorker/quit-kills-the-process-group", test_quit_kills_the_process_group);
  g_test_add_func ("/Tw/SubprocessWorker/pause-stops-output-until-resume", test_pause_stops_output_until_resume);
  g_test_add_func ("/Tw/SubprocessWorker/quit-while-paused-kills-child", test_quit_while_paused_kills_child);
  g_test_add_func ("/Tw/SubprocessWorker/resume-is-announced-once-the-slot-is-taken-back",
                   test_resume_is_announced_once_the_slot_is_taken_back);
  g_test_add_func ("/Tw/SubprocessWorker/send-writes-lines-and-bytes-to-stdin", test_send_writes_lines_and_bytes_to_stdin);
  g_test_add_func ("/Tw/SubprocessWorker/send-rejects-other-types", test_send_rejects_other_types);
  g_test_add_func ("/Tw/SubprocessWorker/send-after-close-stdin-fails", test_send_after_close_stdin_fails);
  g_test_add_func ("/Tw/SubprocessWorker/child-stopping-to-read-is-warned", test_child_stopping_to_read_is_warned);
  g_test_add_func ("/Tw/SubprocessWorker/invalid-utf8-is-replaced", test_invalid_utf8_is_replaced);
  g_test_add_func ("/Tw/SubprocessWorker/long-lines-are-split", test_long_lines_are_split);
  g_test_add_func ("/Tw/SubprocessWorker/progress-lines-set-progress", test_progress_lines_set_progress);
  g_test_add_func ("/Tw/SubprocessWorker/progress-parsing-can-be-turned-off", test_progress_parsing_can_be_turned_off);
  g_test_add_func ("/Tw/SubprocessWorker/latest-policy-bounds-memory-of-100mb-output",
                   test_latest_policy_bounds_memory_of_100mb_output);
  g_test_add_func ("/Tw/SubprocessWorker/queue-policy-delivers-every-line-of-a-chatty-child",
                   test_queue_policy_delivers_every_line_of_a_chatty_child);
  g_test_add_func ("/Tw/SubprocessWorker/many-workers-at-once", test_many_workers_at_once);
  g_test_add_func ("/Tw/SubprocessWorker/restart-replaces-the-child", test_restart_replaces_the_child);
  g_test_add_func ("/Tw/SubprocessWorker/run-async-completes-with-exit-status", test_run_async_completes_with_exit_status);
  g_test_add_func ("/Tw/SubprocessWorker/run-async-cancel-kills-child", test_run_async_cancel_kills_child);
  g_test_add_func ("/Tw/SubprocessWorker/pool-shutdown-stops-children", test_pool_shutdown_stops_children);
  g_test_add_func ("/Tw/SubprocessWorker/missing-program-fails-at-construction", test_missing_program_fails_at_construction);
  g_test_add_func ("/Tw/SubprocessWorker/empty-argv-is-a-programmer-error", test_empty_argv_is_a_programmer_error);
  g_test_add_func ("/Tw/SubprocessWorker/unstartable-child-errors", test_unstartable_child_errors);
  g_test_add_func ("/Tw/SubprocessWorker/launcher-sets-cwd-and-environment", test_launcher_sets_cwd_and_environment);
  g_test_add_func ("/Tw/SubprocessWorker/child-inherits-only-stdio", test_child_inherits_only_stdio);
  g_test_add_func ("/Tw/SubprocessWorker/child-starts-with-default-signal-handling",
                   test_child_starts_with_default_signal_handling);

  return g_test_run ();
}
