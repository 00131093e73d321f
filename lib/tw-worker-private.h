/* tw-worker-private.h: what the worker types, the pool and the dispatcher
 * share inside the library: a run (one execution of a worker's work), the
 * events a run sends to its owner, and the values they carry.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tw-worker.h"
#include "tw-pool.h"
#include "tw-debug-private.h"
#include "tw-dispatch-private.h"

G_BEGIN_DECLS

#define TW_DEFAULT_MAX_PENDING_YIELDS 256
/* 32 MiB: a 512×512 float64 stream (2 MiB a frame) keeps 16 frames waiting,
 * and stays under 64 MiB with the frame being made and the one being shown. */
#define TW_DEFAULT_MAX_PENDING_BYTES  (G_GUINT64_CONSTANT (32) << 20)

typedef struct _TwValueOwner TwValueOwner;

/* A value crossing threads. A G_TYPE_POINTER value may own its pointer
 * through @destroy, called by tw_value_clear() on whatever thread drops it,
 * or share it through @owner (then @destroy is NULL) with the run_async
 * calls that returned it: the last one to let go frees it. */
typedef struct
{
  GValue         value;
  GDestroyNotify destroy;
  TwValueOwner  *owner;
} TwValue;

#define TW_VALUE_INIT { G_VALUE_INIT, NULL, NULL }

void _tw_value_clear (TwValue *self);
void _tw_value_move  (TwValue *dest,
                      TwValue *src);

typedef enum
{
  TW_OUTCOME_RETURNED,
  TW_OUTCOME_ERRORED,
  TW_OUTCOME_ABORTED,
} TwOutcome;

typedef enum
{
  TW_EVENT_STARTED,
  TW_EVENT_YIELDED,   /* QUEUE policy: the event carries the value */
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

struct _TwEvent
{
  TwDispatchItem item;    /* first; item.dispatch is _tw_event_dispatch() */
  TwRun       *run;
  TwEventKind  kind;
  TwValue      value;     /* YIELDED */
  gsize        n_bytes;   /* YIELDED: counted against max-pending-bytes */
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

  /* Owner thread only. */
  guint         quit_called : 1;
  guint         started_by_task : 1;
  GSource      *progress_source;
  GList        *tasks;        /* GTask*, from run_async */
};

/* Pool thread: runs @run's work on the calling thread, up to (not including)
 * the DONE event. */
void     _tw_run_execute           (TwRun        *run);
/* Pool thread, after it marked itself idle: delivers the end of @run. The
 * thread must not touch @run afterwards. */
void     _tw_run_push_done         (TwRun        *run);
/* Owner thread: dispatches one event (called by the dispatcher). Frees it. */
void     _tw_event_dispatch        (TwDispatchItem *item);
/* Any thread: frees an event that will never be dispatched. */
void     _tw_event_free            (TwEvent      *event);

/* For worker subclasses inside the library (the subprocess worker). */
TwRun   *_tw_worker_get_current_run (TwWorker    *self);
/* Whether the calling thread is the worker's owner thread; if not, emits a
 * critical naming @func. */
gboolean _tw_worker_check_owner_thread (TwWorker  *self,
                                        const char *func);
/* Whether the calling thread is the worker's owner thread. */
gboolean _tw_worker_is_owner_thread (TwWorker    *self);
gboolean _tw_run_checkpoint        (TwRun        *run);
TwRun   *_tw_worker_get_run        (TwWorker     *self);
/* The worker's place in its pool's list of live workers, kept by the pool on
 * the pool's context. */
GSequenceIter *_tw_worker_get_pool_iter (TwWorker     *self);
void     _tw_worker_set_pool_iter  (TwWorker     *self,
                                    GSequenceIter *iter);
gboolean _tw_run_has_result        (TwRun        *run);
GValue  *_tw_run_pop_sent          (TwRun        *run);
void     _tw_worker_invoke_destroy (TwWorker     *self,
                                    GDestroyNotify destroy,
                                    gpointer      data);

/* Pool (tw-pool.c), called by the worker. */
void     _tw_pool_submit           (TwPool       *self,
                                    TwRun        *run);
gboolean _tw_pool_unqueue          (TwPool       *self,
                                    TwRun        *run);
/* The run's thread: gives the slot of @run to waiting work (@paused TRUE)
 * or takes it back. Call it after `paused` is pushed and before `resumed`
 * is: a run the owner sees running must hold a slot. */
void     _tw_pool_run_paused       (TwPool       *self,
                                    TwRun        *run,
                                    gboolean      paused);
void     _tw_pool_track            (TwPool       *self,
                                    TwWorker     *worker,
                                    TwWorkerState old_state,
                                    TwWorkerState new_state);

void     _tw_context_post          (GMainContext *context,
                                    const char   *name,
                                    GSourceFunc   func,
                                    gpointer      data,
                                    GDestroyNotify notify);

void     _tw_i18n_init             (void);

/* The UI side of a worker (tw-worker-ui.c): its action group and the objects
 * it quits with, made on first use. The worker keeps a pointer to it and
 * tells it when what its methods would do changes. */
typedef struct _TwWorkerUi TwWorkerUi;

typedef enum
{
  TW_WORKER_CAN_START        = 1 << 0,
  TW_WORKER_CAN_PAUSE        = 1 << 1,
  TW_WORKER_CAN_RESUME       = 1 << 2,
  TW_WORKER_CAN_TOGGLE_PAUSE = 1 << 3,
  TW_WORKER_CAN_QUIT         = 1 << 4,
  TW_WORKER_CAN_RESTART      = 1 << 5,
  TW_WORKER_PAUSE_REQUESTED  = 1 << 6,
} TwWorkerControls;

/* Owner thread: which of the worker's methods would do something now. */
TwWorkerControls _tw_worker_get_controls (TwWorker     *self);
/* Owner thread: the worker's TwWorkerUi, made if @create. */
TwWorkerUi *_tw_worker_get_ui       (TwWorker     *self,
                                     gboolean      create);
TwWorkerUi *_tw_worker_ui_new       (TwWorker     *self);
/* Owner thread, after the controls may have changed. */
void     _tw_worker_ui_update      (TwWorkerUi   *ui);
/* From the worker's finalize. */
void     _tw_worker_ui_free        (TwWorkerUi   *ui);

G_END_DECLS
