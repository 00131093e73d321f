/* tw-worker-gate.c: the delivery gate of a worker
 * (tw_worker_set_delivery_gate()): the events it holds back, in order, until
 * its owner delivers them (threadworker-gtk's frame-clock delivery is built
 * on it). Owner thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-worker-private.h"

/* Whether the gate holds @event back: values and progress always do, and
 * once something is held everything after it does too, so that the run's
 * order (and `finished` after the last value) is kept. */
static gboolean
tw_event_is_held (TwWorkerPrivate *priv,
                  TwEvent         *event)
{
  if (priv->gate_ready == NULL)
    return FALSE;
  if (priv->held.length > 0)
    return TRUE;
  return event->kind == TW_EVENT_YIELDED ||
         event->kind == TW_EVENT_EMIT ||
         event->kind == TW_EVENT_LATEST ||
         event->kind == TW_EVENT_PROGRESS;
}

gboolean
_tw_worker_gate_take (TwWorker *self,
                      TwEvent  *event,
                      GQueue   *queue)
{
  TwWorkerPrivate *priv = _tw_worker_get_private (self);

  if (G_LIKELY (!tw_event_is_held (priv, event)))
    return FALSE;

  /* The held event keeps its run, and the run keeps the worker. */
  g_queue_unlink (queue, &event->item.link);
  g_queue_push_tail_link (&priv->held, &event->item.link);
  if (priv->held.length == 1)
    priv->gate_ready (self, priv->gate_data);
  return TRUE;
}

/**
 * tw_worker_deliver_held:
 * @self: a worker
 * @budget_usec: how long delivery may take, in microseconds; 0 delivers one
 *   value or one other event, `G_MAXINT64` everything held
 *
 * Delivers the events that the delivery gate of @self holds (see
 * [method@Tw.Worker.set_delivery_gate]), oldest first, until none is left or
 * @budget_usec has passed, and shows the run's latest progress. Events that
 * arrive while it runs wait for the next call. With
 * %TW_YIELD_POLICY_LATEST at most one value per run is held, the newest, so
 * one call delivers at most one value of each run.
 *
 * Call on the owner thread. A handler it runs may call it again.
 *
 * Returns: whether events are still held
 */
gboolean
tw_worker_deliver_held (TwWorker *self,
                        gint64    budget_usec)
{
  TwWorkerPrivate *priv;
  gint64 deadline;
  gpointer last;
  guint n;

  g_return_val_if_fail (TW_IS_WORKER (self), FALSE);
  TW_WORKER_RETURN_IF_NOT_OWNER (self, FALSE);

  priv = _tw_worker_get_private (self);
  deadline = budget_usec >= G_MAXINT64 / 2 ? G_MAXINT64
                                           : g_get_monotonic_time () + MAX (budget_usec, 0);

  g_object_ref (self);

  /* Progress first: it is coalesced, and the newest is what a frame shows. */
  if (priv->run != NULL && priv->run->progress_source != NULL)
    _tw_run_flush_progress (priv->run);

  /* Only what was held when the call began: a handler that iterates the
   * context adds to the queue, and those events wait for the next call.
   * The last event held then is compared, never read: once it is no longer
   * first, it has been delivered (a batch of values stays first for one
   * call per value). */
  last = priv->held.tail != NULL ? priv->held.tail->data : NULL;
  while (priv->held.head != NULL)
    {
      gpointer first = priv->held.head->data;

      _tw_event_dispatch_now (first, &priv->held);
      if (first == last && (priv->held.head == NULL || priv->held.head->data != last))
        break;
      if (g_get_monotonic_time () >= deadline)
        break;
    }

  n = priv->held.length;
  g_object_unref (self);
  return n > 0;
}

/**
 * tw_worker_set_delivery_gate:
 * @self: a worker
 * @ready: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called on the owner context when events are held; %NULL removes the gate
 * @user_data: data for @ready
 * @destroy: (nullable): frees @user_data when the gate is replaced or
 *   removed, or the worker is finalized; called on the owner thread
 *
 * Holds the delivery of @self's yielded values and progress until the gate's
 * owner calls [method@Tw.Worker.deliver_held]: how a worker is put in step
 * with something other than the main loop, such as a widget's frame clock
 * (`tw_gtk_sync_to_frames()` in threadworker-gtk is built on it; most
 * applications use that). The order of each run's signals is unchanged:
 * once something is held, the events after it (the run's end among them)
 * wait behind it. QUEUE backpressure counts held values as undelivered.
 *
 * Removing the gate, or replacing it, delivers everything it held first.
 *
 * Call on the owner thread. Called elsewhere it emits a critical and
 * changes nothing; @destroy is still called, on the owner context.
 */
void
tw_worker_set_delivery_gate (TwWorker            *self,
                             TwDeliveryReadyFunc  ready,
                             gpointer             user_data,
                             GDestroyNotify       destroy)
{
  TwWorkerPrivate *priv;
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (TW_IS_WORKER (self));
  if (G_UNLIKELY (!_tw_worker_is_owner_thread_inline (self)))
    {
      _tw_worker_not_owner_thread_critical (self, G_STRFUNC);
      /* @user_data is ours even when the call is refused. */
      _tw_worker_invoke_destroy (self, destroy, user_data);
      return;
    }

  priv = _tw_worker_get_private (self);
  g_object_ref (self);

  /* Deliver what the old gate held before the new one takes over. */
  while (priv->held.length > 0)
    tw_worker_deliver_held (self, G_MAXINT64);

  old_destroy = priv->gate_destroy;
  old_data = priv->gate_data;
  priv->gate_ready = ready;
  priv->gate_data = user_data;
  priv->gate_destroy = ready != NULL ? destroy : NULL;
  if (old_destroy != NULL)
    old_destroy (old_data);

  g_object_unref (self);
}
