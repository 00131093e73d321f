/* tw-worker-private.h: what the worker types, the pool and the dispatcher
 * share inside the library: a run (one execution of a worker's work), the
 * events a run sends to its owner, and the values they carry.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tw-worker.h"
#include "tw-pool.h"
#include "tw-dispatch-private.h"

G_BEGIN_DECLS

#define TW_DEFAULT_MAX_PENDING_YIELDS 256

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
  TW_EVENT_PAUSED,
  TW_EVENT_RESUMED,
  TW_EVENT_DONE,      /* terminal signal + finished */
} TwEventKind;

typedef struct _TwRun TwRun;

struct _TwEvent
{
  GList        link;      /* link.data == this event */
  TwRun       *run;
  TwEventKind  kind;
  TwValue      value;     /* YIELDED */
  char        *message;   /* WARNED */
};

struct _TwRun
{
  TwWorker     *worker;       /* strong ref, dropped after `finished` */
  TwDispatcher *dispatcher;   /* the worker's */
  TwPool       *pool;         /* strong ref */
  GCancellable *cancellable;
  TwYieldPolicy policy;
  guint         max_pending;

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
void     _tw_event_dispatch        (TwEvent      *event);
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
void     _tw_run_set_paused        (TwRun        *run,
                                    gboolean      paused);
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

/* Debug output, under the log domain "Threadworker": shown when
 * G_MESSAGES_DEBUG names it (or is "all"), or after
 * g_log_set_debug_enabled (TRUE). TW_DEBUG() costs a load and a branch when
 * it is off, so it may sit on per-run paths; G_MESSAGES_DEBUG is read once,
 * at the first TW_DEBUG(). Any thread. */
extern int _tw_debug_env;   /* -1: not read yet; 0: off; 1: on */
int        _tw_debug_env_read (void);

static inline gboolean
_tw_debug_enabled (void)
{
  int env = g_atomic_int_get (&_tw_debug_env);

  if (G_UNLIKELY (env < 0))
    env = _tw_debug_env_read ();
  return env || g_log_get_debug_enabled ();
}

#define TW_DEBUG(...) \
  G_STMT_START { if (G_UNLIKELY (_tw_debug_enabled ())) g_debug (__VA_ARGS__); } G_STMT_END

G_END_DECLS
