/* tw-subprocess-child-private.h: what TwSubprocessWorker's two files share:
 * the worker's instance (tw-subprocess-worker.c, the GObject and the owner
 * side) and the run's child (tw-subprocess-child.c, on the run's thread).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "tw-subprocess-worker.h"

G_BEGIN_DECLS

struct _TwSubprocessWorker
{
  TwWorker             parent_instance;

  /* Construct-only, then read by any thread. */
  char               **argv;
  GSubprocessLauncher *launcher;

  /* Shared by the owner thread and the run's thread. Nests outside
   * run->lock, never inside it. */
  GMutex               lock;
  guint                kill_timeout_ms;
  guint                stderr_tail_lines;
  gboolean             parse_progress;
  GPid                 pgid;           /* the child's process group while a run has one */
  GMainContext        *run_context;    /* the run thread's loop, woken by the owner */

  /* Owner thread only: the run (known by its cancellable, which we keep
   * alive so that it cannot be mistaken for a later run's) whose stdin was
   * closed with close_stdin(). */
  GCancellable        *stdin_closed_for;
};

/* Called with self->lock held, so that the run's thread cannot clear pgid
 * meanwhile: a group is signalled only while the run that made it lasts. */
static inline void
_tw_subprocess_signal_group_locked (TwSubprocessWorker *self,
                                    int                 signum)
{
  if (self->pgid > 0)
    kill (-self->pgid, signum);
}

/* In the child, between fork and exec (the launcher's child setup). */
void _tw_subprocess_child_setup (gpointer      user_data);
/* The run's thread: TwSubprocessWorker's work, one child from spawn to
 * exit. */
void _tw_subprocess_worker_work (TwWorker     *worker,
                                 GCancellable *cancellable);

G_END_DECLS
