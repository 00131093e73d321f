/* tw-run-private.h: a run, one execution of a worker's work on a pool
 * thread, and the events it sends to its owner. The worker thread runs it;
 * the owner thread asks it to pause or quit and takes its events.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tw-worker.h"
#include "tw-pool.h"
#include "tw-dispatch-private.h"
#include "tw-value-private.h"

G_BEGIN_DECLS

#define TW_DEFAULT_MAX_PENDING_YIELDS 256
/* 32 MiB: a 512×512 float64 stream (2 MiB a frame) keeps 16 frames waiting,
 * and stays under 64 MiB with the frame being made and the one being shown. */
#define TW_DEFAULT_MAX_PENDING_BYTES  (G_GUINT64_CONSTANT (32) << 20)

typedef enum
{
  TW_OUTCOME_RETURNED,
  TW_OUTCOME_ERRORED,
  TW_OUTCOME_ABORTED,
} TwOutcome;

typedef enum
{
  TW_EVENT_STARTED,
  TW_EVENT_YIELDED,   /* QUEUE policy: a batch of values in the run's chunks */
  TW_EVENT_LATEST,    /* LATEST policy: the value waits in the run's slot */
  TW_EVENT_PROGRESS,
  TW_EVENT_WARNED,
  TW_EVENT_EMIT,      /* a signal the work emits, counted like a QUEUE yield */
  TW_EVENT_PAUSED,
  TW_EVENT_RESUMED,
  TW_EVENT_DONE,      /* terminal signal + finished */
} TwEventKind;

typedef struct _TwRun   TwRun;
typedef struct _TwEvent TwEvent;

/* QUEUE values waiting for the owner, in chunks (see tw_run_queue_value()
 * in tw-run.c). */
#define TW_VALUE_CHUNK_SIZE 64

typedef struct
{
  TwValue  value;
  gsize    n_bytes;   /* counted against max-pending-bytes */
} TwValueSlot;

typedef struct _TwValueChunk TwValueChunk;

struct _TwValueChunk
{
  TwValueChunk *next;
  TwValueSlot   slots[TW_VALUE_CHUNK_SIZE];
};

struct _TwEvent
{
  TwDispatchItem item;    /* first; item.dispatch is _tw_event_dispatch() */
  TwRun       *run;
  TwEventKind  kind;
  guint        n_values;  /* YIELDED: values of the batch not yet delivered;
                           * grows under the run's lock until closed */
  guint        batch_closed : 1;  /* YIELDED: owner thread */
  char        *message;   /* WARNED */
  guint        signal_id; /* EMIT: the signal, its detail and its arguments */
  GQuark       detail;
  guint        n_args;
  GValue      *args;      /* n_args + 1; args[0] is left for the instance */
};

struct _TwRun
{
  TwWorker     *worker;       /* strong ref, dropped after `finished` */
  TwDispatcher *dispatcher;   /* the worker's */
  TwPool       *pool;         /* strong ref */
  /* Made on first use (_tw_run_get_cancellable()); set under `lock`, read
   * with g_atomic_pointer_get(). */
  GCancellable *cancellable;
  TwYieldPolicy policy;
  guint         max_pending;
  gsize         max_bytes;

  /* Everything below `lock` is protected by it; `cond` wakes the worker
   * thread for resume, quit and backpressure. */
  GMutex        lock;
  GCond         cond;
  /* These four are written under `lock` with g_atomic_int_set() (or changed
   * with atomic operations) and may be read without it, with
   * g_atomic_int_get(): the checkpoint and the QUEUE yield take no lock
   * while nothing asks them to wait. */
  gint          abort;
  gint          pause_requested;
  gint          producer_waiting;
  gint          pending_yields;
  gssize        pending_bytes;  /* g_atomic_pointer_*(), like the four above */
  guint         paused : 1;
  guint         latest_queued : 1;
  guint         progress_queued : 1;
  guint         progress_changed : 1;
  guint64       n_coalesced;
  GQueue        sent;         /* GValue*, oldest first */
  TwEvent      *open_batch;   /* the YIELDED event the next value joins */
  TwValueChunk *values_tail;  /* where the producer writes the next value */
  guint         tail_index;
  TwValue       latest;
  double        progress;
  char         *progress_text;

  /* Pool bookkeeping, protected by the pool's lock. */
  GList         pool_link;
  guint         queued : 1;
  guint         slot_released : 1;

  /* Worker thread only (then read by the owner after DONE). */
  TwOutcome     outcome;
  TwValue       result;
  GError       *error;
  guint         has_result : 1;
  GThread      *thread;

  /* Owner thread only, but for the head's first chunk, which the producer
   * sets under `lock` when it makes it. */
  TwValueChunk *values_head;  /* the oldest undelivered value */
  guint         head_index;

  /* Owner thread only. */
  guint         quit_called : 1;
  guint         started_by_task : 1;
  GSource      *progress_source;
  GList        *tasks;        /* GTask*, from run_async */

  /* The two events every run sends once, kept here rather than allocated. */
  TwEvent       started_event;
  TwEvent       done_event;
};

/* Owner thread: a run of @worker, with the worker's settings as they are
 * now. */
TwRun   *_tw_run_new               (TwWorker      *worker,
                                    TwDispatcher  *dispatcher,
                                    TwPool        *pool,
                                    TwYieldPolicy  policy,
                                    guint          max_pending,
                                    guint64        max_bytes);
/* Owner thread, after the DONE event: frees @run and drops its references
 * (the last one on the worker may finalize it). */
void     _tw_run_free              (TwRun        *run);
/* Between tw-run.c and tw-run-values.c. An event of @kind for @run, not
 * yet pushed. */
TwEvent *_tw_event_new             (TwRun        *run,
                                    TwEventKind   kind);
/* With run->lock held: pushes @event (any event but a QUEUE value) after
 * what the run pushed before, closing the open batch of values. */
void     _tw_run_push_event_locked (TwRun        *run,
                                    TwEvent      *event);
/* With run->lock held: pushes a new event of @kind. */
void     _tw_run_push_locked       (TwRun        *run,
                                    TwEventKind   kind);
/* Worker thread (tw-run-values.c): yields @value (taken) under the run's
 * policy; @n_bytes is its size, or -1 to ask tw_value_size(). Then a
 * checkpoint: returns FALSE once quit. */
gboolean _tw_run_yield             (TwRun        *run,
                                    TwValue      *value,
                                    gssize        n_bytes);
/* Worker thread (tw-run-values.c): pushes @event (an EMIT), counted like a
 * QUEUE value, after waiting for room; takes it, and drops it after quit.
 * Returns whether it was pushed. */
gboolean _tw_run_push_counted      (TwRun        *run,
                                    TwEvent      *event);
/* Frees what values are still held, with the run (tw-run-values.c). */
void     _tw_run_values_clear      (TwRun        *run);
/* Any thread, without the run's lock (it takes it): sends an event of
 * @kind, uncounted. */
void     _tw_run_push              (TwRun        *run,
                                    TwEventKind   kind);
/* The run executing on the calling thread, if any. */
TwRun   *_tw_run_get_current       (void);

/* Pool thread: runs @run's work on the calling thread, up to (not including)
 * the DONE event. */
void     _tw_run_execute           (TwRun        *run);
/* Pool thread, after it marked itself idle: delivers the end of @run. The
 * thread must not touch @run afterwards. */
void     _tw_run_push_done         (TwRun        *run);
/* Owner thread: dispatches one event (called by the dispatcher). Frees it.
 * In tw-worker.c, where signals are emitted. */
void     _tw_event_dispatch        (TwDispatchItem *item,
                                    GQueue         *queue);
/* Owner thread: the QUEUE batch @batch is being delivered: values yielded
 * from now on go to a new batch, and batch->n_values is final. */
void     _tw_run_close_batch       (TwRun        *run,
                                    TwEvent      *batch);
/* Owner thread: moves the oldest value of a closed batch into @value (which
 * must be unset); returns its size in bytes. */
gsize    _tw_run_take_value        (TwRun        *run,
                                    TwValue      *value);
/* Any thread: frees an event that will never be dispatched. */
void     _tw_event_free            (TwEvent      *event);

/* Any thread: the run's cancellable, made on first use. */
GCancellable *_tw_run_get_cancellable (TwRun     *run);
gboolean _tw_run_checkpoint        (TwRun        *run);
gboolean _tw_run_has_result        (TwRun        *run);
GValue  *_tw_run_pop_sent          (TwRun        *run);

/* Owner thread: what TwWorker's default pause, resume and quit ask of the
 * work. */
void     _tw_run_request_pause     (TwRun        *run,
                                    gboolean      pause);
void     _tw_run_request_quit      (TwRun        *run);

/* Owner thread: the progress coalescing. A PROGRESS event arrived (starts
 * the interval timer and shows the progress); show the newest progress now;
 * the run ends (the last progress is always shown). */
void     _tw_run_dispatch_progress (TwRun        *run,
                                    GMainContext *context);
gboolean _tw_run_flush_progress    (TwRun        *run);
void     _tw_run_finish_progress   (TwRun        *run);

/* Owner thread: a counted event of @n_bytes was taken. Wakes a blocked
 * producer once half the queue (or half the byte budget) has drained, not
 * for every value: it then produces a batch without waiting. The lock is
 * taken only to wake it (see tw_run_push_counted()). Inline: the dispatch
 * of every QUEUE value calls it. */
static inline void
_tw_run_take_counted (TwRun *run,
                      gsize  n_bytes)
{
  gboolean drained = FALSE;

  if (n_bytes > 0)
    drained = (gsize) (g_atomic_pointer_add (&run->pending_bytes, -(gssize) n_bytes)
                       - (gssize) n_bytes) <= run->max_bytes / 2;
  if ((guint) (g_atomic_int_add (&run->pending_yields, -1) - 1) <= run->max_pending / 2)
    drained = TRUE;
  if (drained && g_atomic_int_get (&run->producer_waiting))
    {
      g_mutex_lock (&run->lock);
      if (run->producer_waiting)
        {
          g_atomic_int_set (&run->producer_waiting, FALSE);
          g_cond_signal (&run->cond);
        }
      g_mutex_unlock (&run->lock);
    }
}

/* Owner thread: takes the value in the LATEST slot into @latest (left unset
 * if there is none). Inline: the dispatch of every LATEST value calls it. */
static inline void
_tw_run_take_latest (TwRun   *run,
                     TwValue *latest)
{
  g_mutex_lock (&run->lock);
  _tw_value_move (latest, &run->latest);
  run->latest_queued = FALSE;
  g_mutex_unlock (&run->lock);
}

G_END_DECLS
