/* tw-subprocess-child.c: a subprocess worker's run, on the run's thread:
 * it spawns the child in a process group of its own, watches its output and
 * its exit from a main context of its own, writes what was sent to its
 * stdin, sends SIGTERM then SIGKILL after the kill timeout on quit, and turns
 * the exit into the result. The owner side is tw-subprocess-worker.c; what
 * the output means is tw-subprocess-protocol.c's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "tw-subprocess-child-private.h"
#include "tw-subprocess-protocol-private.h"
#include "tw-worker-private.h"

#define READ_SIZE                  65536
#define STDERR_DRAIN_READS         16
#define GROUP_RECHECK_MS           20

/* ------------------------------------------------------------------------ */
/* Signals to the child (the run's thread)                                  */

static void
signal_group (TwSubprocessWorker *self,
              int                 signum)
{
  g_mutex_lock (&self->lock);
  _tw_subprocess_signal_group_locked (self, signum);
  g_mutex_unlock (&self->lock);
}

/* The write end of the pipe on which the child tells spawn_child() its pid,
 * set by the spawning thread around g_subprocess_launcher_spawnv(). Thread
 * local: fork() copies only the calling thread, so the child sees the value
 * its own spawning thread set, whichever launcher and worker it comes from. */
static _Thread_local int child_pid_fd = -1;

/* In the child, between fork and exec: async-signal-safe calls only. */
void
_tw_subprocess_child_setup (gpointer user_data)
{
  struct sigaction action = { 0 };
  sigset_t none;

  /* Its own process group: quit, pause and resume signal all of it. */
  setpgid (0, 0);

  /* GLib sets close-on-exec on this descriptor rather than closing it
   * before child_setup runs; exec closes it. */
  if (child_pid_fd >= 0)
    {
      pid_t pid = getpid ();
      ssize_t written = write (child_pid_fd, &pid, sizeof pid);

      (void) written;   /* a short pipe write of 4 bytes cannot happen */
    }

  /* A fresh program: an ignored SIGPIPE or a blocked signal of the parent
   * would otherwise be inherited across exec. */
  action.sa_handler = SIG_DFL;
  sigemptyset (&action.sa_mask);
  sigaction (SIGPIPE, &action, NULL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* ------------------------------------------------------------------------ */
/* A run (the run's thread)                                                 */

typedef struct _Child Child;

struct _Child
{
  TwSubprocessWorker    *self;
  TwWorker              *worker;
  TwRun                 *run;
  GMainContext          *context;
  GSubprocess           *subprocess;
  const char            *program;

  GPollableInputStream  *out;
  GPollableInputStream  *err;
  GPollableOutputStream *in;
  GSource               *out_source;
  GSource               *err_source;
  GSource               *in_source;
  GSource               *kill_source;
  GSource               *recheck_source;

  guint8                *buffer;
  TwLineSplitter         out_lines;
  TwLineSplitter         err_lines;
  TwStderrTail           err_tail;
  gboolean               parse_progress;

  GBytes                *writing;       /* being written to stdin */
  gsize                  written;

  guint                  out_eof : 1;
  guint                  err_eof : 1;
  guint                  exited : 1;
  guint                  terminating : 1;   /* quit: SIGTERM was sent */
  guint                  killed : 1;        /* SIGKILL was sent */
  guint                  dropping : 1;      /* quit: output is read and dropped */
  guint                  stdin_done : 1;    /* closed, or the child stopped reading */
};

typedef enum {
  READ_DATA,
  READ_WOULD_BLOCK,
  READ_END,
} ReadResult;

static void
on_stdout_line (const char *line,
                gsize       len,
                gpointer    user_data)
{
  Child *child = user_data;
  g_autofree char *text = NULL;
  const char *progress_text;
  double fraction;

  if (child->dropping)
    return;

  text = _tw_subprocess_to_utf8 (line, len);
  if (child->parse_progress &&
      _tw_subprocess_parse_progress (text, &fraction, &progress_text))
    {
      /* Fraction and text as one update: the owner never shows one without
       * the other. */
      if (progress_text != NULL)
        tw_worker_set_progress_with_text (child->worker, fraction, progress_text);
      else
        tw_worker_set_progress (child->worker, fraction);
      return;
    }

  /* Blocks while the queue is full (backpressure) and while paused. */
  if (!tw_worker_yield_string (child->worker, text))
    child->dropping = TRUE;
}

static void
on_stderr_line (const char *line,
                gsize       len,
                gpointer    user_data)
{
  Child *child = user_data;

  _tw_stderr_tail_push (&child->err_tail, line, len);
}

/* Reads once from @stream without blocking and feeds @lines. At the end of
 * the stream, a last line without a newline is passed on too. */
static ReadResult
read_lines (Child                *child,
            GPollableInputStream *stream,
            TwLineSplitter       *lines)
{
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (stream, child->buffer, READ_SIZE,
                                                NULL, &error);
  if (n > 0)
    {
      _tw_line_splitter_feed (lines, (const char *) child->buffer, n);
      return READ_DATA;
    }
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return READ_WOULD_BLOCK;

  if (n < 0 && !child->dropping)
    {
      g_autofree char *message = NULL;

      /* TRANSLATORS: the first %s is a program, the second an error message */
      message = g_strdup_printf (_("Cannot read the output of “%s”: %s"),
                                 child->program, error->message);
      tw_worker_warn (child->worker, message);
    }

  _tw_line_splitter_finish (lines);
  return READ_END;
}

static gboolean
stdout_ready_cb (GObject  *stream,
                 gpointer  user_data)
{
  Child *child = user_data;

  /* One read per dispatch: pause and quit are looked at in between. */
  if (read_lines (child, child->out, &child->out_lines) != READ_END)
    return G_SOURCE_CONTINUE;

  child->out_eof = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
stderr_ready_cb (GObject  *stream,
                 gpointer  user_data)
{
  Child *child = user_data;

  if (read_lines (child, child->err, &child->err_lines) != READ_END)
    return G_SOURCE_CONTINUE;

  child->err_eof = TRUE;
  return G_SOURCE_REMOVE;
}

static void
close_stdin (Child *child)
{
  if (child->stdin_done)
    return;

  child->stdin_done = TRUE;
  g_clear_pointer (&child->writing, g_bytes_unref);
  if (child->in_source != NULL)
    {
      g_source_destroy (child->in_source);
      g_clear_pointer (&child->in_source, g_source_unref);
    }
  g_output_stream_close (G_OUTPUT_STREAM (child->in), NULL, NULL);
}

/* Writes what was sent, as far as the pipe takes it without blocking.
 * Returns TRUE if it must wait for the pipe to become writable. */
static gboolean
pump_stdin (Child *child)
{
  while (!child->stdin_done)
    {
      g_autoptr(GError) error = NULL;
      const guint8 *data;
      gsize size;
      gssize n;

      if (child->writing == NULL)
        {
          GValue *sent = _tw_run_pop_sent (child->run);
          GBytes *bytes;

          if (sent == NULL)
            return FALSE;
          bytes = g_value_dup_boxed (sent);
          g_value_unset (sent);
          g_free (sent);

          if (bytes == NULL)
            {
              /* close_stdin() */
              close_stdin (child);
              return FALSE;
            }
          child->writing = bytes;
          child->written = 0;
        }

      data = g_bytes_get_data (child->writing, &size);
      if (child->written < size)
        {
          n = g_pollable_output_stream_write_nonblocking (child->in,
                                                          data + child->written,
                                                          size - child->written,
                                                          NULL, &error);
          if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return TRUE;
          if (n < 0)
            {
              /* TRANSLATORS: %s is a program */
              g_autofree char *message =
                g_strdup_printf (_("“%s” stopped reading its input before "
                                   "everything sent to it was written"),
                                 child->program);

              tw_worker_warn (child->worker, message);
              close_stdin (child);
              return FALSE;
            }
          child->written += n;
          if (child->written < size)
            continue;
        }
      g_clear_pointer (&child->writing, g_bytes_unref);
    }

  return FALSE;
}

static gboolean
stdin_ready_cb (GObject  *stream,
                gpointer  user_data)
{
  Child *child = user_data;

  if (pump_stdin (child))
    return G_SOURCE_CONTINUE;

  /* close_stdin() may already have dropped it. */
  if (child->in_source != NULL)
    g_clear_pointer (&child->in_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
wait_cb (GObject      *subprocess,
         GAsyncResult *result,
         gpointer      user_data)
{
  Child *child = user_data;

  /* Without a cancellable, waiting cannot fail. */
  g_subprocess_wait_finish (G_SUBPROCESS (subprocess), result, NULL);
  child->exited = TRUE;
}

static gboolean
kill_timeout_cb (gpointer user_data)
{
  Child *child = user_data;

  signal_group (child->self, SIGKILL);
  child->killed = TRUE;
  g_clear_pointer (&child->kill_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* quit(): SIGTERM now, SIGKILL after the grace period. */
static void
begin_termination (Child *child)
{
  TwSubprocessWorker *self = child->self;
  guint timeout_ms;

  child->terminating = TRUE;
  child->dropping = TRUE;
  close_stdin (child);

  g_mutex_lock (&self->lock);
  timeout_ms = self->kill_timeout_ms;
  _tw_subprocess_signal_group_locked (self, SIGTERM);
  /* A stopped child acts on SIGTERM only once it runs again. */
  _tw_subprocess_signal_group_locked (self, SIGCONT);
  if (timeout_ms == 0)
    _tw_subprocess_signal_group_locked (self, SIGKILL);
  g_mutex_unlock (&self->lock);

  if (timeout_ms == 0)
    {
      child->killed = TRUE;
      return;
    }

  child->kill_source = g_timeout_source_new (timeout_ms);
  g_source_set_name (child->kill_source, "[threadworker] kill timeout");
  g_source_set_callback (child->kill_source, kill_timeout_cb, child, NULL);
  g_source_attach (child->kill_source, child->context);
}

/* Whether a process of the child's group is still there (after the child
 * itself exited, its children may remain). */
static gboolean
group_alive (Child *child)
{
  TwSubprocessWorker *self = child->self;
  gboolean alive;

  g_mutex_lock (&self->lock);
  alive = self->pgid > 0 && kill (-self->pgid, 0) == 0;
  g_mutex_unlock (&self->lock);

  return alive;
}

static gboolean
recheck_cb (gpointer user_data)
{
  /* Nothing to do: waking the loop makes it look at the group again. */
  return G_SOURCE_CONTINUE;
}

static gboolean
run_is_over (Child *child)
{
  if (!child->exited)
    return FALSE;
  /* Normally: every line was read (a process that inherited the output
   * keeps it open, and we wait for it as a shell's `$(…)` does). */
  if (!child->terminating)
    return child->out_eof;

  /* After quit: the rest of the group got SIGKILL, or is gone. */
  if (child->killed)
    return TRUE;
  if (!child->out_eof)
    return FALSE;
  if (!group_alive (child))
    return TRUE;

  /* Its children got SIGTERM too, and may only be waiting for init to reap
   * them: look again soon rather than wait for the whole grace period.
   * Nothing signals their end to us; this lasts at most the grace period. */
  if (child->recheck_source == NULL)
    {
      child->recheck_source = g_timeout_source_new (GROUP_RECHECK_MS);
      g_source_set_name (child->recheck_source, "[threadworker] process group");
      g_source_set_callback (child->recheck_source, recheck_cb, NULL, NULL);
      g_source_attach (child->recheck_source, child->context);
    }
  return FALSE;
}

static void
watch_stream (Child     *child,
              GSource  **source,
              GSource   *new_source,
              GCallback  callback)
{
  *source = new_source;
  g_source_set_callback (new_source, G_SOURCE_FUNC (callback), child, NULL);
  g_source_attach (new_source, child->context);
}

static void
set_nonblocking (GObject *stream)
{
  int fd;

  if (G_IS_UNIX_INPUT_STREAM (stream))
    fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
  else
    fd = g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (stream));
  /* Cannot fail on a pipe we own. */
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
}

static GSubprocess *
spawn_child (Child   *child,
             GError **error)
{
  TwSubprocessWorker *self = child->self;
  g_autoptr(GError) local_error = NULL;
  GSubprocess *subprocess;
  int pid_pipe[2];
  pid_t pid = 0;
  gsize got = 0;

  if (self->argv == NULL || self->argv[0] == NULL || self->argv[0][0] == '\0')
    {
      /* Made with g_object_new() and no argv. */
      g_set_error_literal (error, TW_WORKER_ERROR, TW_WORKER_ERROR_INVALID_VALUE,
                           _("No program to run was given"));
      return NULL;
    }

  /* The child writes its pid on this pipe from child_setup(). Not
   * g_subprocess_get_identifier(): it reads the pid without a lock while
   * GLib's worker thread clears it when the child exits, which a short-lived
   * child does at any time after the spawn (a data race; ThreadSanitizer
   * reports it). */
  if (!g_unix_open_pipe (pid_pipe, FD_CLOEXEC, &local_error))
    {
      g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                   _("Cannot start “%s”: %s"), child->program, local_error->message);
      return NULL;
    }
  child_pid_fd = pid_pipe[1];
  subprocess = g_subprocess_launcher_spawnv (self->launcher,
                                             (const char * const *) self->argv,
                                             &local_error);
  child_pid_fd = -1;
  close (pid_pipe[1]);
  if (subprocess == NULL)
    {
      close (pid_pipe[0]);
      /* TRANSLATORS: the first %s is a program, the second an error message */
      g_set_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                   _("Cannot start “%s”: %s"), child->program, local_error->message);
      return NULL;
    }

  /* Written before exec, so this does not block; end of file instead (no
   * pid, nothing to signal) if the child failed before child_setup(). A
   * child forked meanwhile by another thread holds the write end only until
   * its own exec. */
  while (got < sizeof pid)
    {
      ssize_t n = read (pid_pipe[0], (char *) &pid + got, sizeof pid - got);

      if (n > 0)
        got += n;
      else if (n == 0 || errno != EINTR)
        break;
    }
  close (pid_pipe[0]);
  if (got < sizeof pid)
    pid = 0;

  g_mutex_lock (&self->lock);
  if (pid > 0)
    {
      /* The child does this too (child_setup); doing it here as well means
       * the group exists before any signal is sent to it. Fails harmlessly
       * if the child already exec'd. */
      setpgid (pid, pid);
      self->pgid = pid;

      /* A pause asked before the group existed: see pause(). */
      g_mutex_lock (&child->run->lock);
      if (child->run->pause_requested && !child->run->abort)
        _tw_subprocess_signal_group_locked (self, SIGSTOP);
      g_mutex_unlock (&child->run->lock);
    }
  g_mutex_unlock (&self->lock);

  return subprocess;
}

static void
report_result (Child *child)
{
  GSubprocess *subprocess = child->subprocess;
  g_autofree char *tail = _tw_stderr_tail_join (&child->err_tail);
  GError *error;

  if (g_subprocess_get_if_exited (subprocess))
    {
      int status = g_subprocess_get_exit_status (subprocess);

      if (status == 0)
        {
          tw_worker_return_int (child->worker, 0);
          return;
        }

      if (tail[0] != '\0')
        /* TRANSLATORS: %s is a program, %d its exit status; the last %s is
         * what the program wrote on its standard error, over several lines */
        error = g_error_new (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                             _("“%s” exited with status %d:\n%s"),
                             child->program, status, tail);
      else
        /* TRANSLATORS: %s is a program, %d its exit status */
        error = g_error_new (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                             _("“%s” exited with status %d"),
                             child->program, status);
    }
  else
    {
      int signum = g_subprocess_get_term_sig (subprocess);

      if (tail[0] != '\0')
        /* TRANSLATORS: the first %s is a program, %d a signal number, the
         * second %s the signal's description (“Segmentation fault”); the
         * last %s is what the program wrote on its standard error */
        error = g_error_new (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                             _("“%s” was killed by signal %d (%s):\n%s"),
                             child->program, signum, g_strsignal (signum), tail);
      else
        /* TRANSLATORS: the first %s is a program, %d a signal number, the
         * second %s the signal's description (“Segmentation fault”) */
        error = g_error_new (TW_WORKER_ERROR, TW_WORKER_ERROR_FAILED,
                             _("“%s” was killed by signal %d (%s)"),
                             child->program, signum, g_strsignal (signum));
    }

  tw_worker_return_error (child->worker, error);
}

static void
watch_child (Child *child)
{
  GSubprocess *subprocess = child->subprocess;

  child->out = G_POLLABLE_INPUT_STREAM (g_subprocess_get_stdout_pipe (subprocess));
  child->err = G_POLLABLE_INPUT_STREAM (g_subprocess_get_stderr_pipe (subprocess));
  child->in = G_POLLABLE_OUTPUT_STREAM (g_subprocess_get_stdin_pipe (subprocess));
  set_nonblocking (G_OBJECT (child->out));
  set_nonblocking (G_OBJECT (child->err));
  set_nonblocking (G_OBJECT (child->in));

  watch_stream (child, &child->out_source,
                g_pollable_input_stream_create_source (child->out, NULL),
                G_CALLBACK (stdout_ready_cb));
  watch_stream (child, &child->err_source,
                g_pollable_input_stream_create_source (child->err, NULL),
                G_CALLBACK (stderr_ready_cb));
  g_subprocess_wait_async (subprocess, NULL, wait_cb, child);

  for (;;)
    {
      /* Blocks while paused, reporting `paused` and `resumed`; FALSE once
       * quit was asked. */
      if (!child->terminating && !_tw_run_checkpoint (child->run))
        begin_termination (child);

      if (!child->stdin_done && child->in_source == NULL && pump_stdin (child))
        watch_stream (child, &child->in_source,
                      g_pollable_output_stream_create_source (child->in, NULL),
                      G_CALLBACK (stdin_ready_cb));

      if (run_is_over (child))
        break;

      /* Woken by the child's output and exit, the grace period, and the
       * owner's pause, resume, quit and send. */
      g_main_context_iteration (child->context, TRUE);
    }

  /* It has exited: what it wrote to stderr is in the pipe now (bounded, in
   * case a process that inherited stderr goes on writing). */
  for (guint i = 0; i < STDERR_DRAIN_READS && !child->err_eof; i++)
    if (read_lines (child, child->err, &child->err_lines) != READ_DATA)
      break;
  _tw_line_splitter_finish (&child->err_lines);

  if (!child->terminating)
    report_result (child);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

void
_tw_subprocess_worker_work (TwWorker     *worker,
                            GCancellable *cancellable)
{
  TwSubprocessWorker *self = TW_SUBPROCESS_WORKER (worker);
  g_autoptr(GError) error = NULL;
  Child child = { 0 };
  sigset_t sigpipe, old_mask;

  /* Writing to a child that exited raises SIGPIPE in the writing thread;
   * keep it from killing the application (we get EPIPE instead). */
  sigemptyset (&sigpipe);
  sigaddset (&sigpipe, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &sigpipe, &old_mask);

  child.self = self;
  child.worker = worker;
  child.run = _tw_worker_get_current_run (worker);
  child.program = self->argv != NULL && self->argv[0] != NULL ? self->argv[0] : "";
  child.context = g_main_context_new ();
  child.buffer = g_malloc (READ_SIZE);
  _tw_line_splitter_init (&child.out_lines, TW_SUBPROCESS_MAX_LINE_BYTES,
                          on_stdout_line, &child);
  _tw_line_splitter_init (&child.err_lines, TW_SUBPROCESS_MAX_STDERR_LINE_BYTES,
                          on_stderr_line, &child);

  g_mutex_lock (&self->lock);
  _tw_stderr_tail_init (&child.err_tail, self->stderr_tail_lines);
  child.parse_progress = self->parse_progress;
  self->run_context = g_main_context_ref (child.context);
  g_mutex_unlock (&self->lock);

  g_main_context_push_thread_default (child.context);

  child.subprocess = spawn_child (&child, &error);
  if (child.subprocess != NULL)
    watch_child (&child);
  else
    tw_worker_return_error (worker, g_steal_pointer (&error));

  clear_source (&child.out_source);
  clear_source (&child.err_source);
  clear_source (&child.in_source);
  clear_source (&child.kill_source);
  clear_source (&child.recheck_source);
  g_clear_pointer (&child.writing, g_bytes_unref);
  g_clear_object (&child.subprocess);

  g_mutex_lock (&self->lock);
  self->pgid = 0;
  g_clear_pointer (&self->run_context, g_main_context_unref);
  g_mutex_unlock (&self->lock);

  g_main_context_pop_thread_default (child.context);
  g_main_context_unref (child.context);

  _tw_stderr_tail_clear (&child.err_tail);
  _tw_line_splitter_clear (&child.out_lines);
  _tw_line_splitter_clear (&child.err_lines);
  g_free (child.buffer);

  /* Take a SIGPIPE our writes raised before the thread may receive it. */
  {
    sigset_t pending;
    struct timespec no_wait = { 0, 0 };

    sigpending (&pending);
    if (sigismember (&pending, SIGPIPE))
      sigtimedwait (&sigpipe, NULL, &no_wait);
  }
  pthread_sigmask (SIG_SETMASK, &old_mask, NULL);
}
