/* tw-dispatch.c: the cross-thread queue and the one GSource per owner context
 * that drains it. Producers (any thread) append under a lock and wake the
 * context only when the queue goes from idle to armed; the source (owner
 * thread) takes the whole queue in one go and calls each item's dispatch
 * function within a time budget. It knows nothing of what the items are.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-dispatch-private.h"

/* The dispatcher is the GSource itself: its memory lives as long as the
 * source, and GLib holds a reference while the source dispatches, so the last
 * user of a context (a worker) may be finalized from inside a dispatch.
 * `users` counts them; when it drops to zero the source is destroyed. */
struct _TwDispatcher
{
  GSource          source;
  gatomicrefcount  users;
  GMainContext    *context;

  GMutex           lock;
  GQueue           incoming;  /* TwDispatchItem*, protected by lock */
  gboolean         armed;     /* protected by lock: ready time is 0 */

  GQueue           local;     /* owner thread only: taken, not yet dispatched */
  gboolean         demoted;   /* owner thread only */
  /* Owner thread only: a leaky bucket of recent dispatch time. Dispatching
   * fills it, time between dispatches drains it, so it fills up only while
   * events keep the loop busy most of the time: a flood. */
  gint64           load;      /* microseconds, at most 2 budgets */
  gint64           last_end;  /* when the last dispatch returned */
};

static GMutex      dispatchers_lock;
static GHashTable *dispatchers;   /* GMainContext* -> TwDispatcher* */

static gboolean
tw_dispatch_source_dispatch (GSource     *source,
                             GSourceFunc  callback,
                             gpointer     user_data)
{
  TwDispatcher *self = (TwDispatcher *) source;
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + TW_DISPATCH_BUDGET_USEC;
  gboolean flood;
  GList *link;

  self->load = MAX (0, self->load - (start - self->last_end));

  g_mutex_lock (&self->lock);
  if (self->incoming.length > 0)
    {
      /* Take everything that arrived in one go: one lock per wakeup. */
      if (self->local.length == 0)
        self->local = self->incoming;
      else
        {
          self->local.tail->next = self->incoming.head;
          self->incoming.head->prev = self->local.tail;
          self->local.tail = self->incoming.tail;
          self->local.length += self->incoming.length;
        }
      g_queue_init (&self->incoming);
    }
  g_mutex_unlock (&self->lock);

  /* The item takes itself out before it runs handlers (or stays first while
   * it has more to deliver): a handler may iterate the context again (the
   * source can recurse), and the nested dispatch must continue in order. */
  while ((link = self->local.head) != NULL)
    {
      TwDispatchItem *item = link->data;

      item->dispatch (item, &self->local);

      if (g_get_monotonic_time () >= deadline)
        break;
    }

  g_mutex_lock (&self->lock);
  if (self->local.length == 0 && self->incoming.length == 0)
    {
      self->armed = FALSE;
      if (!g_source_is_destroyed (source))
        g_source_set_ready_time (source, -1);
    }
  g_mutex_unlock (&self->lock);

  /* One long dispatch is over budget, but so are many short ones back to
   * back: a flood arrives in batches as small as the producer's backpressure
   * allows, and each batch alone is quick. Once the loop has spent a budget
   * on events with little rest in between, the flood continues below GTK's
   * redraw and input priorities, so the frame clock and event handling run
   * in between; back to normal priority once the loop was quiet for as long
   * as it had been busy. A trickle of events never fills the bucket. */
  self->last_end = g_get_monotonic_time ();
  self->load = MIN (self->load + (self->last_end - start), 2 * TW_DISPATCH_BUDGET_USEC);
  flood = self->demoted ? self->load > 0 : self->load >= TW_DISPATCH_BUDGET_USEC;
  if (flood != self->demoted && !g_source_is_destroyed (source))
    {
      self->demoted = flood;
      g_source_set_priority (source, flood ? G_PRIORITY_DEFAULT_IDLE : G_PRIORITY_DEFAULT);
    }

  return G_SOURCE_CONTINUE;
}

static void
tw_dispatch_source_finalize (GSource *source)
{
  TwDispatcher *self = (TwDispatcher *) source;

  /* No user of this context is left, so nothing can still be pushed. */
  g_assert (self->incoming.length == 0);
  g_assert (self->local.length == 0);

  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
}

static GSourceFuncs tw_dispatch_source_funcs = {
  .dispatch = tw_dispatch_source_dispatch,
  .finalize = tw_dispatch_source_finalize,
};

static TwDispatcher *
tw_dispatcher_new (GMainContext *context)
{
  GSource *source = g_source_new (&tw_dispatch_source_funcs, sizeof (TwDispatcher));
  TwDispatcher *self = (TwDispatcher *) source;

  g_atomic_ref_count_init (&self->users);
  g_mutex_init (&self->lock);
  g_queue_init (&self->incoming);
  g_queue_init (&self->local);
  self->context = g_main_context_ref (context);
  g_source_set_name (source, "[threadworker] dispatch");
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_can_recurse (source, TRUE);
  g_source_set_ready_time (source, -1);
  g_source_attach (source, context);

  return self;
}

TwDispatcher *
_tw_dispatcher_ref_for_context (GMainContext *context)
{
  TwDispatcher *self;

  g_mutex_lock (&dispatchers_lock);
  if (dispatchers == NULL)
    dispatchers = g_hash_table_new (NULL, NULL);
  self = g_hash_table_lookup (dispatchers, context);
  if (self != NULL)
    g_atomic_ref_count_inc (&self->users);
  else
    {
      self = tw_dispatcher_new (context);
      g_hash_table_insert (dispatchers, context, self);
    }
  g_mutex_unlock (&dispatchers_lock);

  return self;
}

void
_tw_dispatcher_unref (TwDispatcher *self)
{
  /* The table lock makes "drop the last user" and "look up and ref" exclusive. */
  g_mutex_lock (&dispatchers_lock);
  if (!g_atomic_ref_count_dec (&self->users))
    {
      g_mutex_unlock (&dispatchers_lock);
      return;
    }
  g_hash_table_remove (dispatchers, self->context);
  g_mutex_unlock (&dispatchers_lock);

  /* Freed by GLib once no dispatch is using it (see the finalize func). */
  g_source_destroy (&self->source);
  g_source_unref (&self->source);
}

void
_tw_dispatcher_push (TwDispatcher   *self,
                     TwDispatchItem *item)
{
  item->link.data = item;
  item->link.prev = item->link.next = NULL;

  g_mutex_lock (&self->lock);
  g_queue_push_tail_link (&self->incoming, &item->link);
  if (!self->armed)
    {
      /* Only the first item after a drain wakes the context. */
      self->armed = TRUE;
      g_source_set_ready_time (&self->source, 0);
    }
  g_mutex_unlock (&self->lock);
}
