/* tw-thread-cache-private.h: trio's thread cache: threads that run jobs, and
 * when idle wait for the next one, reused most recently idle first, each
 * leaving after an idle timeout. A job is an opaque pointer; what it is and
 * when another may start is the owner's (the pool's) business.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the cache asks of its owner. Each function is called on a cache
 * thread. */
typedef struct
{
  /* Runs @job. Without the lock. */
  void     (*execute)     (gpointer  job);
  /* @job has run; with the lock held, so the owner's bookkeeping and the
   * thread's next step change together. Returns the job this thread runs
   * next, or NULL: the thread becomes idle. */
  gpointer (*next_job)    (gpointer  owner,
                           gpointer  done_job);
  /* Delivers the end of @job, without the lock, once the thread has taken
   * its next job or is idle, so that whatever the end sets off can reuse
   * this thread. The thread does not touch @job afterwards. */
  void     (*deliver)     (gpointer  job);
  /* Every thread holds its owner (and so the lock and the cache) while it
   * lives, which may be a little longer than the owner's own user. */
  void     (*ref_owner)   (gpointer  owner);
  void     (*unref_owner) (gpointer  owner);
} TwThreadCacheFuncs;

/* Lives inside its owner; everything is protected by the owner's lock. */
typedef struct
{
  GMutex                   *lock;
  const TwThreadCacheFuncs *funcs;
  gpointer                  owner;
  guint                     idle_timeout_ms;
  GQueue                    idle;      /* threads, most recently idle first */
  GPtrArray                *threads;   /* every live thread, busy or idle */
} TwThreadCache;

/* Any thread. The lock and @funcs must outlive the cache. */
void     _tw_thread_cache_init         (TwThreadCache            *self,
                                        GMutex                   *lock,
                                        const TwThreadCacheFuncs *funcs,
                                        gpointer                  owner,
                                        guint                     idle_timeout_ms);
/* Once no thread is left (the threads hold the owner). */
void     _tw_thread_cache_clear        (TwThreadCache            *self);
/* With the lock held: hands @job to the most recently idle thread, or to a
 * new one. FALSE (with a warning) if no thread could be created. */
gboolean _tw_thread_cache_run_locked   (TwThreadCache            *self,
                                        gpointer                  job);
/* Any thread: whether it is a thread of a cache (of any owner). */
gboolean _tw_thread_cache_is_cache_thread (void);
/* Without the lock, on any thread but a cache thread of a job still
 * running: ends the idle threads and waits for them to exit. */
void     _tw_thread_cache_release_idle (TwThreadCache            *self);

G_END_DECLS
