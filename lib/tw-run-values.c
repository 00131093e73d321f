/* tw-run-values.c: a run's values on their way to the owner: QUEUE
 * backpressure (max-pending-yields, max-pending-bytes) and the batches of
 * QUEUE values in the run's chunks, and the LATEST slot. The work's thread
 * puts values in; the owner thread takes them (tw-worker.c delivers them).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-value-size.h"
#include "tw-worker-private.h"

/* Whether an event of @n_bytes may join the undelivered ones: fewer than
 * max-pending-yields wait, and the bytes stay within max-pending-bytes. A
 * value bigger than the budget travels alone; small values (0 bytes) only
 * count. Any thread, no lock. */
static inline gboolean
tw_run_has_room (TwRun *run,
                 gsize  n_bytes)
{
  guint pending = (guint) g_atomic_int_get (&run->pending_yields);

  if (pending >= run->max_pending)
    return FALSE;
  return n_bytes == 0 || pending == 0 ||
         (gsize) g_atomic_pointer_get (&run->pending_bytes) + n_bytes <= run->max_bytes;
}

/* Worker thread, with run->lock held: waits while there is no room for a
 * counted value of @n_bytes (backpressure), then counts it in. Returns
 * FALSE, counting nothing, once quit was asked. */
static gboolean
tw_run_wait_for_room_locked (TwRun *run,
                             gsize  n_bytes)
{
  /* The owner decrements the counts without the lock and then reads
   * producer_waiting; we set producer_waiting and then read the counts.
   * Both sides are sequentially consistent atomics, so one of them sees the
   * other: either we see room, or the owner sees us waiting and signals
   * (under the lock we hold until g_cond_wait). The owner signals at half
   * the limits, or when the queue is empty, which always leaves room. */
  while (!tw_run_has_room (run, n_bytes) && !run->abort)
    {
      g_atomic_int_set (&run->producer_waiting, TRUE);
      if (tw_run_has_room (run, n_bytes))
        break;
      g_cond_wait (&run->cond, &run->lock);
    }
  g_atomic_int_set (&run->producer_waiting, FALSE);

  if (run->abort)
    return FALSE;

  if (n_bytes > 0)
    g_atomic_pointer_add (&run->pending_bytes, (gssize) n_bytes);
  g_atomic_int_inc (&run->pending_yields);
  return TRUE;
}

/* Worker thread: pushes @event (an EMIT), counted against
 * max-pending-yields, after waiting for room. Takes @event; after quit it
 * is dropped. Returns whether it was pushed. */
gboolean
_tw_run_push_counted (TwRun   *run,
                      TwEvent *event)
{
  gboolean pushed;

  g_mutex_lock (&run->lock);
  pushed = tw_run_wait_for_room_locked (run, 0);
  if (pushed)
    _tw_run_push_event_locked (run, event);
  g_mutex_unlock (&run->lock);

  /* Dropped after quit: the run ends with `aborted`, nothing more arrives. */
  if (!pushed)
    _tw_event_free (event);
  return pushed;
}

/* QUEUE values travel in batches: the producer appends each value to the
 * run's chunks under the lock, and to the open batch, the YIELDED event it
 * pushed last; a value that finds no open batch pushes a new one. The
 * owner closes a batch when it begins delivering it (or the producer does,
 * by pushing any other event), and reads the batch's values at the head of
 * the chunks without the lock: they were written before it closed the
 * batch under the lock, and the producer writes only past them. A flood
 * costs one event and one wakeup per batch instead of one per value, and no
 * allocation per value. */

/* With run->lock held: the slot the next value goes to, at the tail. */
static TwValueSlot *
tw_run_next_slot_locked (TwRun *run)
{
  if (run->values_tail == NULL || run->tail_index == TW_VALUE_CHUNK_SIZE)
    {
      TwValueChunk *chunk = g_new (TwValueChunk, 1);

      chunk->next = NULL;
      if (run->values_tail != NULL)
        run->values_tail->next = chunk;
      else
        run->values_head = chunk;
      run->values_tail = chunk;
      run->tail_index = 0;
    }
  return &run->values_tail->slots[run->tail_index++];
}

/* Worker thread: queues @value (taken) of @n_bytes under QUEUE, after
 * waiting for room. Returns FALSE after quit (the value is dropped). */
static gboolean
tw_run_queue_value (TwRun   *run,
                    TwValue *value,
                    gsize    n_bytes)
{
  TwValueSlot *slot;

  g_mutex_lock (&run->lock);
  if (!tw_run_wait_for_room_locked (run, n_bytes))
    {
      g_mutex_unlock (&run->lock);
      /* Dropped after quit: the run ends with `aborted`. */
      _tw_value_clear (value);
      return FALSE;
    }

  slot = tw_run_next_slot_locked (run);
  slot->value = *value;
  slot->n_bytes = n_bytes;
  *value = (TwValue) TW_VALUE_INIT;

  if (run->open_batch != NULL)
    run->open_batch->n_values++;
  else
    {
      TwEvent *batch = _tw_event_new (run, TW_EVENT_YIELDED);

      batch->n_values = 1;
      _tw_dispatcher_push (run->dispatcher, &batch->item);
      run->open_batch = batch;
    }
  g_mutex_unlock (&run->lock);

  return TRUE;
}

/* Owner thread: closes @batch, so values yielded from now on go to a new
 * one, and fixes how many values it has. */
void
_tw_run_close_batch (TwRun   *run,
                     TwEvent *batch)
{
  g_mutex_lock (&run->lock);
  if (run->open_batch == batch)
    run->open_batch = NULL;
  batch->batch_closed = TRUE;
  g_mutex_unlock (&run->lock);
}

/* Owner thread: moves the oldest queued value into @value and returns its
 * size. Only for a value of a closed batch. */
gsize
_tw_run_take_value (TwRun   *run,
                    TwValue *value)
{
  TwValueSlot *slot;

  if (run->head_index == TW_VALUE_CHUNK_SIZE)
    {
      /* The producer linked the next chunk before it wrote the value that
       * this batch counted there, and writes only to that one now. */
      TwValueChunk *done = run->values_head;

      run->values_head = done->next;
      run->head_index = 0;
      g_free (done);
    }
  slot = &run->values_head->slots[run->head_index++];
  _tw_value_move (value, &slot->value);
  return slot->n_bytes;
}

/* Worker thread. Takes @value; @n_bytes is its size, or -1 to ask
 * tw_value_size(). */
gboolean
_tw_run_yield (TwRun   *run,
               TwValue *value,
               gssize   n_bytes)
{
  if (run->policy == TW_YIELD_POLICY_QUEUE)
    {
      tw_run_queue_value (run, value,
                          n_bytes >= 0 ? (gsize) n_bytes : tw_value_size (&value->value));
      return _tw_run_checkpoint (run);
    }

  g_mutex_lock (&run->lock);

  /* LATEST */
  if (!run->abort)
    {
      /* The value it replaces is freed below, after the lock: freeing a big
       * one (a texture) must not hold up the owner's take. */
      TwValue replaced = run->latest;

      run->latest = *value;
      *value = replaced;
      if (!run->latest_queued)
        {
          run->latest_queued = TRUE;
          _tw_run_push_locked (run, TW_EVENT_LATEST);
        }
      else
        run->n_coalesced++;
    }

  g_mutex_unlock (&run->lock);

  /* The replaced value, or this one after quit: the run ends with
   * `aborted`, nothing more arrives. */
  _tw_value_clear (value);

  return _tw_run_checkpoint (run);
}

/* Frees the values still queued with their chunks. */
void
_tw_run_values_clear (TwRun *run)
{
  /* Every batch was delivered before DONE; a run that never executed has
   * none. Whatever is left (nothing, normally) is freed with the chunks. */
  while (run->values_head != NULL)
    {
      TwValueChunk *chunk = run->values_head;
      guint end = chunk == run->values_tail ? run->tail_index : TW_VALUE_CHUNK_SIZE;

      for (guint i = run->head_index; i < end; i++)
        _tw_value_clear (&chunk->slots[i].value);
      run->values_head = chunk->next;
      run->head_index = 0;
      g_free (chunk);
    }
  _tw_value_clear (&run->latest);
}
