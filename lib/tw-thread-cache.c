/* tw-thread-cache.c: trio's thread cache: the threads jobs run on, idle ones
 * reused most recently idle first, each leaving after an idle timeout. Runs
 * on its own threads and, under the owner's lock, on the thread that hands
 * it a job; it knows nothing of what a job is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-debug-private.h"
#include "tw-thread-cache-private.h"

typedef struct
{
  TwThreadCache *cache;
  GThread       *thread;
  GCond          cond;
  GList          idle_link;
  gpointer       job;
  gboolean       exit;
} TwCacheThread;

static GPrivate on_cache_thread;   /* set on every cache's threads */

gboolean
_tw_thread_cache_is_cache_thread (void)
{
  return g_private_get (&on_cache_thread) != NULL;
}

void
_tw_thread_cache_init (TwThreadCache            *self,
                       GMutex                   *lock,
                       const TwThreadCacheFuncs *funcs,
                       gpointer                  owner,
                       guint                     idle_timeout_ms)
{
  self->lock = lock;
  self->funcs = funcs;
  self->owner = owner;
  self->idle_timeout_ms = idle_timeout_ms;
  g_queue_init (&self->idle);
  self->threads = g_ptr_array_new ();
}

void
_tw_thread_cache_clear (TwThreadCache *self)
{
  g_assert (self->threads->len == 0);
  g_clear_pointer (&self->threads, g_ptr_array_unref);
}

static void
tw_cache_thread_free (TwCacheThread *thread)
{
  const TwThreadCacheFuncs *funcs = thread->cache->funcs;
  gpointer owner = thread->cache->owner;

  g_cond_clear (&thread->cond);
  g_free (thread);
  funcs->unref_owner (owner);
}

static gpointer
tw_cache_thread_main (gpointer data)
{
  TwCacheThread *thread = data;
  TwThreadCache *cache = thread->cache;

  g_private_set (&on_cache_thread, thread);
  g_mutex_lock (cache->lock);
  for (;;)
    {
      gpointer job;

      if (thread->job == NULL && !thread->exit)
        {
          gint64 end_time = g_get_monotonic_time ()
                            + (gint64) cache->idle_timeout_ms * G_TIME_SPAN_MILLISECOND;

          while (thread->job == NULL && !thread->exit)
            if (!g_cond_wait_until (&thread->cond, cache->lock, end_time))
              break;

          if (thread->job == NULL && !thread->exit)
            {
              /* Idle for too long: leave the cache and exit on our own. */
              g_queue_unlink (&cache->idle, &thread->idle_link);
              g_ptr_array_remove_fast (cache->threads, thread);
              TW_DEBUG ("Pool: a thread idle for %u ms exits (%u threads left)",
                        cache->idle_timeout_ms, cache->threads->len);
              g_thread_unref (thread->thread);
              g_mutex_unlock (cache->lock);
              tw_cache_thread_free (thread);
              return NULL;
            }
        }
      if (thread->job == NULL)
        break;   /* exit requested by release_idle(), which joins us */

      job = g_steal_pointer (&thread->job);
      g_mutex_unlock (cache->lock);

      cache->funcs->execute (job);

      /* Take the next job or mark ourselves idle before the end of this one
       * is delivered, so that what the end sets off can reuse this thread. */
      g_mutex_lock (cache->lock);
      thread->job = cache->funcs->next_job (cache->owner, job);
      if (thread->job == NULL)
        g_queue_push_head_link (&cache->idle, &thread->idle_link);
      g_mutex_unlock (cache->lock);

      cache->funcs->deliver (job);   /* @job may be freed from here on */

      g_mutex_lock (cache->lock);
    }
  g_mutex_unlock (cache->lock);

  return NULL;
}

gboolean
_tw_thread_cache_run_locked (TwThreadCache *self,
                             gpointer       job)
{
  GList *link = g_queue_pop_head_link (&self->idle);
  TwCacheThread *thread;
  g_autoptr(GError) error = NULL;

  if (link != NULL)
    {
      thread = link->data;
      thread->job = job;
      g_cond_signal (&thread->cond);
      return TRUE;
    }

  thread = g_new0 (TwCacheThread, 1);
  thread->cache = self;
  self->funcs->ref_owner (self->owner);
  thread->idle_link.data = thread;
  thread->job = job;
  g_cond_init (&thread->cond);
  thread->thread = g_thread_try_new ("tw-worker", tw_cache_thread_main, thread, &error);
  if (thread->thread == NULL)
    {
      g_warning ("threadworker: cannot create a thread: %s", error->message);
      g_cond_clear (&thread->cond);
      g_free (thread);
      self->funcs->unref_owner (self->owner);   /* never the last reference */
      return FALSE;
    }
  g_ptr_array_add (self->threads, thread);
  return TRUE;
}

void
_tw_thread_cache_release_idle (TwThreadCache *self)
{
  g_autoptr(GPtrArray) leaving = g_ptr_array_new ();
  GList *link;

  g_mutex_lock (self->lock);
  while ((link = g_queue_pop_head_link (&self->idle)) != NULL)
    {
      TwCacheThread *thread = link->data;

      thread->exit = TRUE;
      g_cond_signal (&thread->cond);
      g_ptr_array_remove_fast (self->threads, thread);
      g_ptr_array_add (leaving, thread);
    }
  g_mutex_unlock (self->lock);

  for (guint i = 0; i < leaving->len; i++)
    {
      TwCacheThread *thread = g_ptr_array_index (leaving, i);

      if (thread->thread == g_thread_self ())
        g_thread_unref (thread->thread);   /* cannot join ourselves */
      else
        g_thread_join (thread->thread);
      tw_cache_thread_free (thread);
    }
}
