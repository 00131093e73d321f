/* tw-subprocess-worker.c: TwSubprocessWorker, the GObject: its properties,
 * constructors and the owner side of its child control: pause, resume and
 * quit signal the child's process group and wake the run's thread, send
 * queues data for the child's stdin. The owner thread only; the run's thread
 * (tw-subprocess-child.c) spawns and watches the child.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "tw-subprocess-child-private.h"
#include "tw-subprocess-worker.h"
#include "tw-worker-private.h"

/**
 * TwSubprocessWorker:
 *
 * A worker that runs a program as a child process and reports on its output.
 *
 * A thread cannot be stopped from outside; a process can. Use a subprocess
 * worker for work that does not cooperate (a long computation in a library
 * without cancellation), that may crash, or that is written in another
 * language. It is also how JavaScript (GJS) applications run work in
 * parallel: the work is a program, the handlers are JavaScript.
 *
 * ```c
 * const char *argv[] = { "rsync", "-a", "--info=progress2", src, dest, NULL };
 * g_autoptr(GError) error = NULL;
 * TwWorker *worker = tw_subprocess_worker_new (argv, &error);
 *
 * g_signal_connect (worker, "yielded", G_CALLBACK (on_line), log_view);
 * g_signal_connect (worker, "errored", G_CALLBACK (on_failed), window);
 * tw_worker_start (worker);
 * ```
 *
 * ## The child
 *
 * The program is started with `argv` directly, never through a shell, so no
 * argument is ever interpreted by one. Its standard input, output and error
 * are pipes to the worker; it inherits no other file descriptor. It starts
 * with the default action for `SIGPIPE` and no blocked signals, whatever the
 * application set up, and runs in a process group of its own: quit, pause
 * and resume signal the whole group, so the programs it starts go with it.
 * Each run of the worker starts the program anew.
 *
 * ## Output
 *
 * Each line the child writes to its standard output is yielded as a string
 * (%G_TYPE_STRING) without its line ending (`\n` or `\r\n`), through
 * [signal@Tw.Worker::yielded], in order. The worker's
 * [property@Tw.Worker:yield-policy] applies: with %TW_YIELD_POLICY_QUEUE a
 * child that writes faster than the owner handles lines is held back by the
 * pipe (at most [property@Tw.Worker:max-pending-yields] lines wait for the
 * owner); with %TW_YIELD_POLICY_LATEST only the newest line is kept. Either
 * way memory stays bounded however much the child writes. A line longer
 * than 65536 bytes is yielded in pieces of at most that size. A last line
 * without a newline is yielded when the output ends.
 *
 * Lines are made valid UTF-8: every byte that is not part of a valid UTF-8
 * sequence, including a NUL byte, is replaced by U+FFFD REPLACEMENT
 * CHARACTER, as g_utf8_make_valid() does. Programs writing another encoding
 * should be run in a UTF-8 locale.
 *
 * ## Progress
 *
 * Unless [property@Tw.SubprocessWorker:parse-progress] is turned off, a line
 * of exactly this form is not yielded but sets the worker's progress:
 *
 * ```
 * PROGRESS <fraction>[ <text>]
 * ```
 *
 * The word `PROGRESS` in capitals at the start of the line, one space, a
 * number in C notation (`0.42`, `1`, `-1`), then optionally one space and a
 * text. The number sets [property@Tw.Worker:progress]: 0 to 1, larger values
 * count as 1, negative values mean "unknown". The text, if present, sets
 * [property@Tw.Worker:progress-text]; without it the text is left as it was.
 * A line that starts with `PROGRESS ` but has no valid, finite number (for
 * example `PROGRESS done`) is yielded like any other line. For example, in a
 * shell script: `echo "PROGRESS 0.5 Copying pictures"`.
 *
 * ## Errors and results
 *
 * The last [property@Tw.SubprocessWorker:stderr-tail-lines] lines the child
 * wrote to its standard error (each cut to 4096 bytes) are kept for the
 * error message. When the child has exited and its output has ended:
 *
 * - exit status 0: [signal@Tw.Worker::returned] with the status, a
 *   %G_TYPE_INT64 0;
 * - another exit status: [signal@Tw.Worker::errored] with
 *   %TW_WORKER_ERROR_FAILED and a message naming the program, the status and
 *   the end of its standard error;
 * - killed by a signal (a crash): `errored` with %TW_WORKER_ERROR_FAILED and
 *   a message naming the signal and the end of its standard error;
 * - the program cannot be started: `errored` with %TW_WORKER_ERROR_FAILED.
 *
 * ## Quit, pause, resume
 *
 * [method@Tw.Worker.quit] sends `SIGTERM` to the child's process group (and
 * `SIGCONT`, so that a paused child can act on it), then `SIGKILL` to the
 * group if the child or the rest of its group is still there after
 * [property@Tw.SubprocessWorker:kill-timeout] milliseconds. The run ends
 * with [signal@Tw.Worker::aborted] once the child has exited and its group
 * is gone (or got `SIGKILL`); output after the quit is read and dropped.
 *
 * [method@Tw.Worker.pause] sends `SIGSTOP` to the group at once, and the
 * worker stops reading: [signal@Tw.Worker::paused] is emitted after every
 * line read before it, and no line follows until [method@Tw.Worker.resume]
 * sends `SIGCONT` and [signal@Tw.Worker::resumed] is emitted. A paused
 * worker gives its slot in the pool to waiting work, as any paused worker.
 *
 * ## Input
 *
 * [method@Tw.Worker.send] writes a string followed by a newline, or the
 * contents of a [struct@GLib.Bytes] as they are, to the child's standard
 * input, in the order sent. It never blocks the owner thread: data waits in
 * the worker until the child reads it. Other types of values are refused
 * with %TW_WORKER_ERROR_INVALID_VALUE. [method@Tw.SubprocessWorker.close_stdin]
 * closes the child's standard input after what was sent before, so that a
 * program like `cat` or `sort` sees the end of its input. If the child stops
 * reading (it exits or closes its input) while data waits,
 * [signal@Tw.Worker::warned] is emitted once and the data is dropped.
 *
 * ## Threads
 *
 * Signals are emitted on the owner context like those of every worker. The
 * child is started and watched from a thread of the worker's
 * [class@Tw.Pool], which it occupies for the whole run (except while
 * paused). The constructors, the property setters and
 * [method@Tw.SubprocessWorker.close_stdin] are called on the owner thread.
 */

#define DEFAULT_KILL_TIMEOUT_MS    2000
#define DEFAULT_STDERR_TAIL_LINES  10
#define MAX_STDERR_TAIL_LINES      1000

G_DEFINE_FINAL_TYPE (TwSubprocessWorker, tw_subprocess_worker, TW_TYPE_WORKER)

enum {
  PROP_0,
  PROP_ARGV,
  PROP_LAUNCHER,
  PROP_KILL_TIMEOUT,
  PROP_STDERR_TAIL_LINES,
  PROP_PARSE_PROGRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Called with self->lock held: the run's thread re-reads its state. */
static void
wake_run_locked (TwSubprocessWorker *self)
{
  if (self->run_context != NULL)
    g_main_context_wakeup (self->run_context);
}

/* ------------------------------------------------------------------------ */
/* Owner thread                                                             */

static void
tw_subprocess_worker_pause (TwWorker *worker)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (worker);

  /* The engine records the request first. The run's thread reports `paused`
   * from its checkpoint once it has stopped reading, so no line can follow
   * the signal; a child spawned after this point is stopped by
   * spawn_child(), which reads the request under both locks. */
  TW_WORKER_CLASS (tw_subprocess_worker_parent_class)->pause (worker);

  g_mutex_lock (&self->lock);
  _tw_subprocess_signal_group_locked (self, SIGSTOP);
  wake_run_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
tw_subprocess_worker_resume (TwWorker *worker)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (worker);

  /* Withdraw the request first, so that spawn_child() cannot stop a child
   * after we sent SIGCONT. */
  TW_WORKER_CLASS (tw_subprocess_worker_parent_class)->resume (worker);

  g_mutex_lock (&self->lock);
  _tw_subprocess_signal_group_locked (self, SIGCONT);
  wake_run_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
tw_subprocess_worker_quit (TwWorker *worker)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (worker);

  /* Sets abort and wakes a paused or blocked run's thread, which sends the
   * signals and waits for the child (begin_termination()). */
  TW_WORKER_CLASS (tw_subprocess_worker_parent_class)->quit (worker);

  g_mutex_lock (&self->lock);
  wake_run_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Hands @bytes (or NULL: close stdin) to the run's thread. Takes @bytes. */
static void
queue_for_stdin (TwSubprocessWorker *self,
                 TwRun              *run,
                 GBytes             *bytes)
{
  GValue *item = g_new0 (GValue, 1);

  g_value_init (item, G_TYPE_BYTES);
  g_value_take_boxed (item, bytes);

  /* Values still queued when the run ends are freed with it. */
  g_mutex_lock (&run->lock);
  g_queue_push_tail (&run->sent, item);
  g_mutex_unlock (&run->lock);

  g_mutex_lock (&self->lock);
  wake_run_locked (self);
  g_mutex_unlock (&self->lock);
}

static gboolean
tw_subprocess_worker_send (TwWorker      *worker,
                           const GValue  *value,
                           GError       **error)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (worker);
  TwRun *run = _tw_worker_get_run (worker);
  GBytes *bytes = NULL;

  if (G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL)
    {
      const char *str = g_value_get_string (value);
      gsize len = strlen (str);
      char *line = g_malloc (len + 1);

      memcpy (line, str, len);
      line[len] = '\n';
      bytes = g_bytes_new_take (line, len + 1);
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_BYTES) && g_value_get_boxed (value) != NULL)
    bytes = g_value_dup_boxed (value);
  else
    {
      /* TRANSLATORS: the first %s is a worker's name, the second a type name */
      g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_INVALID_VALUE,
                   _("The worker “%s” accepts only strings and bytes (GBytes), "
                     "not a value of type %s"),
                   tw_worker_get_name (worker), G_VALUE_TYPE_NAME (value));
      return FALSE;
    }

  if (self->stdin_closed_for == _tw_run_get_cancellable (run))
    {
      g_bytes_unref (bytes);
      /* TRANSLATORS: %s is a worker's name */
      g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                   _("Cannot send a value to the worker “%s”: its input was closed"),
                   tw_worker_get_name (worker));
      return FALSE;
    }

  queue_for_stdin (self, run, bytes);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
tw_subprocess_worker_constructed (GObject *object)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (object);
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDIN_PIPE |
                           G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                           G_SUBPROCESS_FLAGS_STDERR_PIPE;

  G_OBJECT_CLASS (tw_subprocess_worker_parent_class)->constructed (object);

  if (self->launcher == NULL)
    self->launcher = g_subprocess_launcher_new (flags);
  else
    g_subprocess_launcher_set_flags (self->launcher, flags);
  g_subprocess_launcher_set_child_setup (self->launcher, _tw_subprocess_child_setup, NULL, NULL);
}

static void
tw_subprocess_worker_finalize (GObject *object)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (object);

  g_clear_pointer (&self->argv, g_strfreev);
  g_clear_object (&self->launcher);
  g_clear_object (&self->stdin_closed_for);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tw_subprocess_worker_parent_class)->finalize (object);
}

static void
tw_subprocess_worker_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (object);

  switch (prop_id)
    {
    case PROP_ARGV:
      g_value_set_boxed (value, self->argv);
      break;
    case PROP_LAUNCHER:
      g_value_set_object (value, self->launcher);
      break;
    case PROP_KILL_TIMEOUT:
      g_value_set_uint (value, tw_subprocess_worker_get_kill_timeout (self));
      break;
    case PROP_STDERR_TAIL_LINES:
      g_value_set_uint (value, tw_subprocess_worker_get_stderr_tail_lines (self));
      break;
    case PROP_PARSE_PROGRESS:
      g_value_set_boolean (value, tw_subprocess_worker_get_parse_progress (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tw_subprocess_worker_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (object);

  switch (prop_id)
    {
    case PROP_ARGV:
      self->argv = g_value_dup_boxed (value);
      break;
    case PROP_LAUNCHER:
      self->launcher = g_value_dup_object (value);
      break;
    case PROP_KILL_TIMEOUT:
      tw_subprocess_worker_set_kill_timeout (self, g_value_get_uint (value));
      break;
    case PROP_STDERR_TAIL_LINES:
      tw_subprocess_worker_set_stderr_tail_lines (self, g_value_get_uint (value));
      break;
    case PROP_PARSE_PROGRESS:
      tw_subprocess_worker_set_parse_progress (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tw_subprocess_worker_class_init (TwSubprocessWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TwWorkerClass *worker_class = TW_WORKER_CLASS (klass);

  _tw_i18n_init ();

  /* The classes a run makes instances of on its pool thread, initialized
   * here first: see tw_worker_class_init(). */
  g_type_class_unref (g_type_class_ref (G_TYPE_SUBPROCESS));
  g_type_class_unref (g_type_class_ref (G_TYPE_UNIX_INPUT_STREAM));
  g_type_class_unref (g_type_class_ref (G_TYPE_UNIX_OUTPUT_STREAM));

  object_class->constructed = tw_subprocess_worker_constructed;
  object_class->finalize = tw_subprocess_worker_finalize;
  object_class->get_property = tw_subprocess_worker_get_property;
  object_class->set_property = tw_subprocess_worker_set_property;

  worker_class->work = _tw_subprocess_worker_work;
  worker_class->send = tw_subprocess_worker_send;
  worker_class->pause = tw_subprocess_worker_pause;
  worker_class->resume = tw_subprocess_worker_resume;
  worker_class->quit = tw_subprocess_worker_quit;

  /**
   * TwSubprocessWorker:argv:
   *
   * The program and its arguments. The program is looked up in `PATH`
   * unless it contains a `/`. Set at construction.
   */
  properties[PROP_ARGV] =
    g_param_spec_boxed ("argv", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TwSubprocessWorker:launcher:
   *
   * The launcher that starts the child, for its working directory and
   * environment. Set at construction; a new one by default. The worker
   * sets its flags and child setup function.
   */
  properties[PROP_LAUNCHER] =
    g_param_spec_object ("launcher", NULL, NULL, G_TYPE_SUBPROCESS_LAUNCHER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * TwSubprocessWorker:kill-timeout:
   *
   * How long, in milliseconds, [method@Tw.Worker.quit] waits after sending
   * `SIGTERM` before it sends `SIGKILL` to the child's process group. 0 sends
   * `SIGKILL` at once.
   */
  properties[PROP_KILL_TIMEOUT] =
    g_param_spec_uint ("kill-timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_KILL_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwSubprocessWorker:stderr-tail-lines:
   *
   * How many of the last lines the child wrote to its standard error are
   * kept and put into the error message when it fails; 0 keeps none. Takes
   * effect at the next start.
   */
  properties[PROP_STDERR_TAIL_LINES] =
    g_param_spec_uint ("stderr-tail-lines", NULL, NULL, 0, MAX_STDERR_TAIL_LINES,
                       DEFAULT_STDERR_TAIL_LINES,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * TwSubprocessWorker:parse-progress:
   *
   * Whether `PROGRESS <fraction>[ <text>]` lines set the progress instead of
   * being yielded (see [class@Tw.SubprocessWorker]). Takes effect at the next
   * start.
   */
  properties[PROP_PARSE_PROGRESS] =
    g_param_spec_boolean ("parse-progress", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tw_subprocess_worker_init (TwSubprocessWorker *self)
{
  g_mutex_init (&self->lock);
  self->kill_timeout_ms = DEFAULT_KILL_TIMEOUT_MS;
  self->stderr_tail_lines = DEFAULT_STDERR_TAIL_LINES;
  self->parse_progress = TRUE;
}

/* Fails early, with a clear message, for a program that cannot be found. */
static gboolean
check_program (const char  *program,
               GError     **error)
{
  g_autofree char *path = NULL;

  if (program[0] == '\0')
    {
      g_set_error_literal (error, TW_WORKER_ERROR, TW_WORKER_ERROR_INVALID_VALUE,
                           _("The program name is empty"));
      return FALSE;
    }

  /* A relative path with a slash depends on the launcher's working
   * directory: starting it will tell. */
  if (strchr (program, '/') != NULL && !g_path_is_absolute (program))
    return TRUE;

  if (strchr (program, '/') == NULL)
    path = g_find_program_in_path (program);
  else if (g_file_test (program, G_FILE_TEST_IS_EXECUTABLE) &&
           !g_file_test (program, G_FILE_TEST_IS_DIR))
    path = g_strdup (program);

  if (path == NULL)
    {
      /* TRANSLATORS: %s is a program */
      g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                   _("Cannot find the program “%s”"), program);
      return FALSE;
    }
  return TRUE;
}

/**
 * tw_subprocess_worker_new:
 * @argv: (array zero-terminated=1) (element-type filename): the program and
 *   its arguments, not empty; copied
 * @error: return location for a #GError
 *
 * Creates a worker that runs @argv as a child process on each start, in the
 * current working directory and environment. `argv[0]` is looked up in
 * `PATH` unless it contains a `/`. No shell is involved.
 *
 * The worker's owner context is the calling thread's thread-default main
 * context: its signals are emitted there. Call on the owner thread.
 *
 * Returns: (transfer full) (type Tw.SubprocessWorker) (nullable): a new
 *   worker, or %NULL with %TW_WORKER_ERROR_INVALID_VALUE if `argv[0]` is
 *   empty or %TW_WORKER_ERROR_FAILED if the program cannot be found
 */
TwWorker *
tw_subprocess_worker_new (const char * const  *argv,
                          GError             **error)
{
  return tw_subprocess_worker_new_with_launcher (NULL, argv, error);
}

/**
 * tw_subprocess_worker_new_with_launcher:
 * @launcher: (nullable): a launcher, for the working directory and the
 *   environment of the child, or %NULL for a default one
 * @argv: (array zero-terminated=1) (element-type filename): the program and
 *   its arguments, not empty; copied
 * @error: return location for a #GError
 *
 * Creates a worker that runs @argv as a child process on each start, with
 * the working directory and environment set on @launcher (see
 * g_subprocess_launcher_set_cwd() and g_subprocess_launcher_setenv()).
 *
 * The worker keeps a reference to @launcher and sets its flags (pipes for
 * the three standard streams, nothing else inherited) and its child setup
 * function (a new process group), replacing what was set there. Do not
 * change those afterwards, nor give the launcher file descriptors for the
 * standard streams; other settings may be changed on the owner thread while
 * no run is in progress.
 *
 * `argv[0]` is looked up in `PATH` unless it contains a `/`; a relative path
 * with a `/` is relative to the launcher's working directory and checked
 * only when the child is started. Call on the owner thread.
 *
 * Returns: (transfer full) (type Tw.SubprocessWorker) (nullable): a new
 *   worker, or %NULL with %TW_WORKER_ERROR_INVALID_VALUE if `argv[0]` is
 *   empty or %TW_WORKER_ERROR_FAILED if the program cannot be found
 */
TwWorker *
tw_subprocess_worker_new_with_launcher (GSubprocessLauncher *launcher,
                                        const char * const  *argv,
                                        GError             **error)
{
  g_return_val_if_fail (launcher == NULL || G_IS_SUBPROCESS_LAUNCHER (launcher), NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_program (argv[0], error))
    return NULL;

  return g_object_new (TW_TYPE_SUBPROCESS_WORKER,
                       "argv", argv,
                       "launcher", launcher,
                       NULL);
}

/**
 * tw_subprocess_worker_get_argv:
 * @self: a subprocess worker
 *
 * Gets the program and arguments the worker runs. Any thread.
 *
 * Returns: (transfer none) (array zero-terminated=1) (element-type filename) (nullable):
 *   the argument vector
 */
const char * const *
tw_subprocess_worker_get_argv (TwSubprocessWorker *self)
{
  g_return_val_if_fail (TW_IS_SUBPROCESS_WORKER (self), NULL);

  return (const char * const *) self->argv;
}

/**
 * tw_subprocess_worker_get_launcher:
 * @self: a subprocess worker
 *
 * Gets the launcher that starts the child. Owner thread.
 *
 * Returns: (transfer none): the launcher
 */
GSubprocessLauncher *
tw_subprocess_worker_get_launcher (TwSubprocessWorker *self)
{
  g_return_val_if_fail (TW_IS_SUBPROCESS_WORKER (self), NULL);

  return self->launcher;
}

/**
 * tw_subprocess_worker_get_kill_timeout:
 * @self: a subprocess worker
 *
 * Gets [property@Tw.SubprocessWorker:kill-timeout]. Owner thread.
 *
 * Returns: the grace period in milliseconds
 */
guint
tw_subprocess_worker_get_kill_timeout (TwSubprocessWorker *self)
{
  guint timeout;

  g_return_val_if_fail (TW_IS_SUBPROCESS_WORKER (self), 0);

  g_mutex_lock (&self->lock);
  timeout = self->kill_timeout_ms;
  g_mutex_unlock (&self->lock);

  return timeout;
}

/**
 * tw_subprocess_worker_set_kill_timeout:
 * @self: a subprocess worker
 * @milliseconds: the grace period between `SIGTERM` and `SIGKILL`
 *
 * Sets [property@Tw.SubprocessWorker:kill-timeout]; it applies to the next
 * [method@Tw.Worker.quit], even during a run. Owner thread.
 */
void
tw_subprocess_worker_set_kill_timeout (TwSubprocessWorker *self,
                                       guint               milliseconds)
{
  gboolean changed;

  g_return_if_fail (TW_IS_SUBPROCESS_WORKER (self));
  if (!_tw_worker_check_owner_thread (TW_WORKER (self), G_STRFUNC))
    return;

  g_mutex_lock (&self->lock);
  changed = self->kill_timeout_ms != milliseconds;
  self->kill_timeout_ms = milliseconds;
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KILL_TIMEOUT]);
}

/**
 * tw_subprocess_worker_get_stderr_tail_lines:
 * @self: a subprocess worker
 *
 * Gets [property@Tw.SubprocessWorker:stderr-tail-lines]. Owner thread.
 *
 * Returns: how many lines of standard error are kept
 */
guint
tw_subprocess_worker_get_stderr_tail_lines (TwSubprocessWorker *self)
{
  guint n_lines;

  g_return_val_if_fail (TW_IS_SUBPROCESS_WORKER (self), 0);

  g_mutex_lock (&self->lock);
  n_lines = self->stderr_tail_lines;
  g_mutex_unlock (&self->lock);

  return n_lines;
}

/**
 * tw_subprocess_worker_set_stderr_tail_lines:
 * @self: a subprocess worker
 * @n_lines: how many lines to keep, at most 1000
 *
 * Sets [property@Tw.SubprocessWorker:stderr-tail-lines]; takes effect at
 * the next start. Owner thread.
 */
void
tw_subprocess_worker_set_stderr_tail_lines (TwSubprocessWorker *self,
                                            guint               n_lines)
{
  gboolean changed;

  g_return_if_fail (TW_IS_SUBPROCESS_WORKER (self));
  if (!_tw_worker_check_owner_thread (TW_WORKER (self), G_STRFUNC))
    return;
  g_return_if_fail (n_lines <= MAX_STDERR_TAIL_LINES);

  g_mutex_lock (&self->lock);
  changed = self->stderr_tail_lines != n_lines;
  self->stderr_tail_lines = n_lines;
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STDERR_TAIL_LINES]);
}

/**
 * tw_subprocess_worker_get_parse_progress:
 * @self: a subprocess worker
 *
 * Gets [property@Tw.SubprocessWorker:parse-progress]. Owner thread.
 *
 * Returns: whether `PROGRESS` lines set the progress
 */
gboolean
tw_subprocess_worker_get_parse_progress (TwSubprocessWorker *self)
{
  gboolean parse_progress;

  g_return_val_if_fail (TW_IS_SUBPROCESS_WORKER (self), FALSE);

  g_mutex_lock (&self->lock);
  parse_progress = self->parse_progress;
  g_mutex_unlock (&self->lock);

  return parse_progress;
}

/**
 * tw_subprocess_worker_set_parse_progress:
 * @self: a subprocess worker
 * @parse_progress: whether `PROGRESS` lines set the progress
 *
 * Sets [property@Tw.SubprocessWorker:parse-progress]; takes effect at the
 * next start. Owner thread.
 */
void
tw_subprocess_worker_set_parse_progress (TwSubprocessWorker *self,
                                         gboolean            parse_progress)
{
  gboolean changed;

  g_return_if_fail (TW_IS_SUBPROCESS_WORKER (self));
  if (!_tw_worker_check_owner_thread (TW_WORKER (self), G_STRFUNC))
    return;

  parse_progress = !!parse_progress;
  g_mutex_lock (&self->lock);
  changed = self->parse_progress != parse_progress;
  self->parse_progress = parse_progress;
  g_mutex_unlock (&self->lock);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARSE_PROGRESS]);
}

/**
 * tw_subprocess_worker_close_stdin:
 * @self: a subprocess worker
 * @error: return location for a #GError
 *
 * Closes the child's standard input once everything sent before with
 * [method@Tw.Worker.send] has been written, so that the child reads the end
 * of its input. Later sends in this run fail. Closing it again does
 * nothing. The next run starts with an open input.
 *
 * May be called before the child has started (the run is waiting for a
 * thread): it then starts with whatever was sent, and the end of input.
 * Call on the owner thread.
 *
 * Returns: %TRUE if the input is closed or will be; %FALSE with
 *   %TW_WORKER_ERROR_NOT_RUNNING if no run is in progress or it was quit
 */
gboolean
tw_subprocess_worker_close_stdin (TwSubprocessWorker  *self,
                                  GError             **error)
{
  TwRun *run;

  g_return_val_if_fail (TW_IS_SUBPROCESS_WORKER (self), FALSE);
  if (!_tw_worker_check_owner_thread (TW_WORKER (self), G_STRFUNC))
    return FALSE;
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  run = _tw_worker_get_run (TW_WORKER (self));
  if (run == NULL || run->quit_called)
    {
      /* TRANSLATORS: %s is a worker's name */
      g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_RUNNING,
                   _("Cannot close the input of the worker “%s”: it is not running"),
                   tw_worker_get_name (TW_WORKER (self)));
      return FALSE;
    }

  if (self->stdin_closed_for == _tw_run_get_cancellable (run))
    return TRUE;

  g_set_object (&self->stdin_closed_for, _tw_run_get_cancellable (run));
  queue_for_stdin (self, run, NULL);
  return TRUE;
}

