/* tw-worker-private.h: what the worker's files (tw-worker.c,
 * tw-worker-owner.c, tw-run.c), the worker types, the pool and the UI glue
 * share inside the library: the worker's instance data, the owner-thread
 * check, and the run (tw-run-private.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "tw-worker.h"
#include "tw-pool.h"
#include "tw-debug-private.h"
#include "tw-dispatch-private.h"
#include "tw-run-private.h"

G_BEGIN_DECLS

typedef struct _TwWorkerUi TwWorkerUi;

/* TwWorker's instance data, shared by tw-worker.c (the GObject, the
 * delivery of events), tw-worker-owner.c (the owner-thread API) and
 * tw-run.c (progress coalescing reads the delivery gate). */
typedef struct
{
  GMainContext  *context;
  const char    *owner_marker;  /* &thread_marker of the creating thread */
  /* Set once by the function and generator workers' init: their work
   * vfunc ignores its cancellable argument, so a run makes one only when
   * the work asks (tw-run.c). Read on the worker thread, so not a bit
   * field beside the owner's bits. */
  gboolean       work_ignores_cancellable;
  TwDispatcher  *dispatcher;
  TwPool        *pool;
  char          *name;          /* NULL until first read: see get_name() */
  guint          number;        /* of the default name */
  TwYieldPolicy  yield_policy;
  guint          max_pending_yields;
  guint64        max_pending_bytes;

  /* Owner view, changed only on the owner thread. */
  TwWorkerState  state;
  guint          is_paused : 1;
  guint          abort_requested : 1;
  guint          pause_requested : 1;
  guint          restart_pending : 1;
  /* Inside a notify section (freeze_notify_if_watched() to its thaw, in
   * tw-worker.c): whether the worker was watched when it began, valid
   * until the section emits a signal. */
  guint          watch_known : 1;
  guint          watched : 1;
  double         progress;
  char          *progress_text;
  TwValue        value;
  GError        *error;
  TwRun         *run;           /* the live run (started, not finished) */
  GList          pool_link;     /* in the pool's live list (data: the worker, or
                                 * NULL when not in it); pool context only */
  GSequenceIter *pool_iter;     /* in the pool's position index, if it has one */
  GList         *pending_tasks; /* run_async calls waiting for a restart */
  gint64         debug_started; /* when `started` was emitted; only with TW_DEBUG on */

  /* The delivery gate (tw_worker_set_delivery_gate()), owner thread only:
   * events held back until the gate's owner calls deliver_held(). */
  TwDeliveryReadyFunc gate_ready;
  gpointer       gate_data;
  GDestroyNotify gate_destroy;
  GQueue         held;          /* TwEvent*, in dispatch order */

  /* Actions and quit_with() (tw-worker-ui.c), owner thread; NULL until a
   * caller asks for either. */
  TwWorkerUi    *ui;
} TwWorkerPrivate;

/* The offset G_DEFINE_TYPE_WITH_PRIVATE keeps in tw-worker.c, copied in its
 * class_init; the inline accessor costs what tw_worker_get_instance_private()
 * does there. */
extern gint _tw_worker_private_offset G_GNUC_INTERNAL;

static inline TwWorkerPrivate *
_tw_worker_get_private (TwWorker *self)
{
  return (TwWorkerPrivate *) G_STRUCT_MEMBER_P (self, _tw_worker_private_offset);
}

/* A byte per thread, whose address tells threads apart in a couple of
 * instructions where g_thread_self() costs some forty: the owner-thread check
 * of every owner function compares it. (A thread created after the owner
 * thread exited may get its address; it could then pass for the owner of a
 * worker whose owner is gone, which is no worse than before the check.) */
extern _Thread_local char _tw_thread_marker G_GNUC_INTERNAL;

/* The thread that created the worker, or whichever thread owns (iterates)
 * its context now. On the creating thread this is one compare. */
static inline gboolean
_tw_worker_is_owner_thread_inline (TwWorker *self)
{
  TwWorkerPrivate *priv = _tw_worker_get_private (self);

  return G_LIKELY (&_tw_thread_marker == priv->owner_marker) ||
         g_main_context_is_owner (priv->context);
}

/* The critical of an owner-thread function called elsewhere. */
void     _tw_worker_not_owner_thread_critical (TwWorker   *self,
                                               const char *func);

/* Inline: on the owner thread the check is a TLS address and a compare. */
#define TW_WORKER_RETURN_IF_NOT_OWNER(self, val)                              \
  G_STMT_START {                                                              \
    if (G_UNLIKELY (!_tw_worker_is_owner_thread_inline (self)))               \
      {                                                                       \
        _tw_worker_not_owner_thread_critical (self, G_STRFUNC);               \
        return val;                                                           \
      }                                                                       \
  } G_STMT_END

static inline gboolean
_tw_set_str (char       **dest,
             const char  *value)
{
  if (g_strcmp0 (*dest, value) == 0)
    return FALSE;
  g_free (*dest);
  *dest = g_strdup (value);
  return TRUE;
}

/* Owner thread: emits what @event, the head of @queue, reports, now
 * (tw-worker.c, the one place signals are emitted). */
void     _tw_event_dispatch_now    (TwEvent      *event,
                                    GQueue       *queue);
/* Owner thread (tw-worker-gate.c): if the delivery gate of @self holds
 * @event back, moves it from @queue to the held events and returns TRUE. */
gboolean _tw_worker_gate_take      (TwWorker     *self,
                                    TwEvent      *event,
                                    GQueue       *queue);

/* Between the worker's files (tw-worker.c, tw-worker-owner.c, tw-run.c),
 * owner thread. The first three notify (tw-worker.c). */
/* Owner thread, before code of others runs in the middle of a state change
 * of @self (the pool, before it emits): notifications look for handlers
 * again. */
void     _tw_worker_forget_watch   (TwWorker     *self);
/* Owner thread: notifies the property @prop (tw-worker-props-private.h) of
 * @self, unless nothing can observe it (no notify handler or vfunc). */
void     _tw_worker_notify         (TwWorker     *self,
                                    guint         prop);
void     _tw_worker_set_abort_requested (TwWorker   *self,
                                         gboolean    abort_requested);
void     _tw_worker_set_progress   (TwWorker     *self,
                                    double        progress,
                                    const char   *text);
/* Makes a run, state WAITING, and submits it to the pool. */
void     _tw_worker_start_run      (TwWorker     *self);
/* TwWorker's default send(): refuses. */
gboolean _tw_worker_real_send      (TwWorker     *self,
                                    const GValue *value,
                                    GError      **error);
/* Completes the run_async calls @tasks (freeing the list) with a run's
 * outcome (tw-worker-owner.c). */
void     _tw_worker_complete_tasks (TwWorker     *self,
                                    GList        *tasks,
                                    TwOutcome     outcome,
                                    const GValue *returned,
                                    const GError *error,
                                    TwValueOwner *owner);

/* For worker subclasses inside the library (the subprocess worker). */
TwRun   *_tw_worker_get_current_run (TwWorker    *self);
/* Whether the calling thread is the worker's owner thread; if not, emits a
 * critical naming @func. */
gboolean _tw_worker_check_owner_thread (TwWorker  *self,
                                        const char *func);
/* Whether the calling thread is the worker's owner thread. */
gboolean _tw_worker_is_owner_thread (TwWorker    *self);
TwRun   *_tw_worker_get_run        (TwWorker     *self);
/* The worker's place in its pool's list of live workers (a link, and its
 * place in the pool's index of positions when the pool keeps one), kept by
 * the pool on the pool's context. */
GList   *_tw_worker_get_pool_link  (TwWorker     *self);
GSequenceIter *_tw_worker_get_pool_iter (TwWorker     *self);
void     _tw_worker_set_pool_iter  (TwWorker     *self,
                                    GSequenceIter *iter);
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
/* Owner thread of the worker. */
void     _tw_pool_track            (TwPool       *self,
                                    TwWorker     *worker,
                                    TwWorkerState old_state,
                                    TwWorkerState new_state);

void     _tw_context_post          (GMainContext *context,
                                    const char   *name,
                                    GSourceFunc   func,
                                    gpointer      data,
                                    GDestroyNotify notify);

/* Any thread: emits @object's notifications for @pspecs on @context, in
 * one idle callback, through @parent_class's dispatch_properties_changed
 * (for a dispatch_properties_changed called off the owner thread). */
void     _tw_context_post_notify   (GMainContext  *context,
                                    GObject       *object,
                                    GObjectClass  *parent_class,
                                    guint          n_pspecs,
                                    GParamSpec   **pspecs);

void     _tw_i18n_init             (void);

/* The UI side of a worker (tw-worker-ui.c): its action group and the objects
 * it quits with, made on first use. The worker keeps a pointer to it and
 * tells it when what its methods would do changes. */

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

/* Owner thread: the actions (if anyone asked for them) follow what the
 * worker's methods would do now. */
static inline void
_tw_worker_controls_changed (TwWorker *self)
{
  TwWorkerPrivate *priv = _tw_worker_get_private (self);

  if (G_UNLIKELY (priv->ui != NULL))
    _tw_worker_ui_update (priv->ui);
}

G_END_DECLS
