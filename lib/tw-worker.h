/* tw-worker.h: TwWorker, the base type of every worker, and the API used from
 * both sides of the thread boundary.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(TW_INSIDE) && !defined(TW_COMPILATION)
# error "Only <threadworker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tw-version-macros.h"

G_BEGIN_DECLS

typedef struct _TwPool TwPool;

/**
 * TwWorkerState:
 * @TW_WORKER_STATE_IDLE: never started
 * @TW_WORKER_STATE_WAITING: started, waiting for a thread (or for the previous run to end)
 * @TW_WORKER_STATE_RUNNING: `started` was emitted and the work is running
 * @TW_WORKER_STATE_PAUSED: the work has really paused (`paused` was emitted)
 * @TW_WORKER_STATE_FINISHED: the last run returned a result
 * @TW_WORKER_STATE_ERRORED: the last run failed with an error
 * @TW_WORKER_STATE_ABORTED: the last run was quit
 *
 * The state of a worker as seen from its owner thread. It changes only on the
 * owner context, together with the signal that reports the change.
 */
typedef enum {
  TW_WORKER_STATE_IDLE,
  TW_WORKER_STATE_WAITING,
  TW_WORKER_STATE_RUNNING,
  TW_WORKER_STATE_PAUSED,
  TW_WORKER_STATE_FINISHED,
  TW_WORKER_STATE_ERRORED,
  TW_WORKER_STATE_ABORTED,
} TwWorkerState;

/**
 * TwYieldPolicy:
 * @TW_YIELD_POLICY_QUEUE: every yielded value is delivered, in order; at most
 *   [property@Tw.Worker:max-pending-yields] are undelivered at once, after which
 *   [method@Tw.Worker.yield_value] blocks until the owner catches up
 * @TW_YIELD_POLICY_LATEST: only the newest undelivered value is kept; the
 *   producer never blocks. For progressive previews.
 *
 * How yielded values travel to the owner context.
 */
typedef enum {
  TW_YIELD_POLICY_QUEUE,
  TW_YIELD_POLICY_LATEST,
} TwYieldPolicy;

/**
 * TwWorkerError:
 * @TW_WORKER_ERROR_FAILED: generic failure
 * @TW_WORKER_ERROR_NOT_SUPPORTED: the worker does not support the operation
 *   (for example sending a value to a function worker)
 * @TW_WORKER_ERROR_NOT_RUNNING: the operation needs a live run
 * @TW_WORKER_ERROR_INVALID_VALUE: a value of the wrong type was given
 * @TW_WORKER_ERROR_TIMED_OUT: workers did not finish in time
 * @TW_WORKER_ERROR_CANCELLED: the run was quit before it produced a result
 * @TW_WORKER_ERROR_NO_RESULT: the work ended without a result
 *
 * Runtime failures reported by threadworker. Messages are translated.
 */
typedef enum {
  TW_WORKER_ERROR_FAILED,
  TW_WORKER_ERROR_NOT_SUPPORTED,
  TW_WORKER_ERROR_NOT_RUNNING,
  TW_WORKER_ERROR_INVALID_VALUE,
  TW_WORKER_ERROR_TIMED_OUT,
  TW_WORKER_ERROR_CANCELLED,
  TW_WORKER_ERROR_NO_RESULT,
} TwWorkerError;

/**
 * TW_WORKER_ERROR:
 *
 * The error domain of threadworker.
 */
#define TW_WORKER_ERROR (tw_worker_error_quark ())
TW_AVAILABLE_IN_ALL
GQuark tw_worker_error_quark (void);

#define TW_TYPE_WORKER (tw_worker_get_type ())
TW_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (TwWorker, tw_worker, TW, WORKER, GObject)

/**
 * TwWorkerClass:
 * @parent_class: the parent class
 * @work: runs one run of the work. Called on a worker thread, never on the
 *   owner thread. Report results with [method@Tw.Worker.return_value] or
 *   [method@Tw.Worker.return_error]; returning without either reports
 *   `returned` with nothing (a %NULL %G_TYPE_POINTER value).
 * @send: hands a value to the running work. Called on the owner thread; the
 *   default implementation fails with %TW_WORKER_ERROR_NOT_SUPPORTED.
 * @pause: asks the work to pause. Called on the owner thread; chain up.
 * @resume: asks paused work to resume. Called on the owner thread; chain up.
 * @quit: asks the work to stop. Called on the owner thread; chain up.
 *
 * The class of workers. Applications subclass it to write workers in C whose
 * work runs on a thread; see [class@Tw.FunctionWorker] for the simple case.
 */
struct _TwWorkerClass
{
  GObjectClass parent_class;

  void     (*work)   (TwWorker     *self,
                      GCancellable *cancellable);
  gboolean (*send)   (TwWorker     *self,
                      const GValue *value,
                      GError      **error);
  void     (*pause)  (TwWorker     *self);
  void     (*resume) (TwWorker     *self);
  void     (*quit)   (TwWorker     *self);

  /*< private >*/
  gpointer padding[12];
};

/* Owner thread */
TW_AVAILABLE_IN_ALL
void           tw_worker_start             (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_quit              (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_pause             (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_resume            (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_toggle_pause      (TwWorker            *self);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_send              (TwWorker            *self,
                                            const GValue        *value,
                                            GError             **error);
TW_AVAILABLE_IN_ALL
void           tw_worker_restart           (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_run_async         (TwWorker            *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_run_finish        (TwWorker            *self,
                                            GAsyncResult        *result,
                                            GValue              *value,
                                            GError             **error);
TW_AVAILABLE_IN_ALL
GValue        *tw_worker_run_finish_value  (TwWorker            *self,
                                            GAsyncResult        *result,
                                            GError             **error);

TW_AVAILABLE_IN_ALL
TwWorkerState  tw_worker_get_state         (TwWorker            *self);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_get_is_running    (TwWorker            *self);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_get_is_paused     (TwWorker            *self);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_get_abort_requested (TwWorker          *self);
TW_AVAILABLE_IN_ALL
double         tw_worker_get_progress      (TwWorker            *self);
TW_AVAILABLE_IN_ALL
const char    *tw_worker_get_progress_text (TwWorker            *self);
TW_AVAILABLE_IN_ALL
const GValue  *tw_worker_get_value         (TwWorker            *self);
TW_AVAILABLE_IN_ALL
const GError  *tw_worker_get_error         (TwWorker            *self);

/* Any thread */
TW_AVAILABLE_IN_ALL
const char    *tw_worker_get_name          (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_name          (TwWorker            *self,
                                            const char          *name);
TW_AVAILABLE_IN_ALL
TwYieldPolicy  tw_worker_get_yield_policy  (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_yield_policy  (TwWorker            *self,
                                            TwYieldPolicy        policy);
TW_AVAILABLE_IN_ALL
guint          tw_worker_get_max_pending_yields (TwWorker       *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_max_pending_yields (TwWorker       *self,
                                                 guint           max_pending);
TW_AVAILABLE_IN_ALL
guint64        tw_worker_get_max_pending_bytes (TwWorker        *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_max_pending_bytes (TwWorker        *self,
                                                guint64          max_bytes);
TW_AVAILABLE_IN_ALL
TwPool        *tw_worker_get_pool          (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_pool          (TwWorker            *self,
                                            TwPool              *pool);
TW_AVAILABLE_IN_ALL
GMainContext  *tw_worker_get_context       (TwWorker            *self);

/* Owner thread: user interfaces (tw-worker-ui.c) */
TW_AVAILABLE_IN_ALL
GActionGroup  *tw_worker_get_actions       (TwWorker            *self);
TW_AVAILABLE_IN_ALL
void           tw_worker_quit_with         (TwWorker            *self,
                                            gpointer             object);

/**
 * TwDeliveryReadyFunc:
 * @worker: the worker
 * @user_data: the data given to [method@Tw.Worker.set_delivery_gate]
 *
 * Called on the owner context when the gate of @worker starts holding events,
 * or when held progress wants to be shown: the gate's owner should call
 * [method@Tw.Worker.deliver_held] soon (at the next frame, say).
 */
typedef void (*TwDeliveryReadyFunc) (TwWorker *worker,
                                     gpointer  user_data);

TW_AVAILABLE_IN_ALL
void           tw_worker_set_delivery_gate (TwWorker            *self,
                                            TwDeliveryReadyFunc  ready,
                                            gpointer             user_data,
                                            GDestroyNotify       destroy);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_deliver_held      (TwWorker            *self,
                                            gint64               budget_usec);

/* Worker thread */
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_yield_value       (TwWorker            *self,
                                            const GValue        *value);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_yield_value_sized (TwWorker            *self,
                                            const GValue        *value,
                                            gsize                n_bytes);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_yield_int         (TwWorker            *self,
                                            gint64               value);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_yield_double      (TwWorker            *self,
                                            double               value);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_yield_string      (TwWorker            *self,
                                            const char          *value);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_yield_object      (TwWorker            *self,
                                            gpointer             object);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_yield_pointer     (TwWorker            *self,
                                            gpointer             data,
                                            GDestroyNotify       destroy);
TW_AVAILABLE_IN_ALL
void           tw_worker_return_value      (TwWorker            *self,
                                            const GValue        *value);
TW_AVAILABLE_IN_ALL
void           tw_worker_return_int        (TwWorker            *self,
                                            gint64               value);
TW_AVAILABLE_IN_ALL
void           tw_worker_return_double     (TwWorker            *self,
                                            double               value);
TW_AVAILABLE_IN_ALL
void           tw_worker_return_string     (TwWorker            *self,
                                            const char          *value);
TW_AVAILABLE_IN_ALL
void           tw_worker_return_object     (TwWorker            *self,
                                            gpointer             object);
TW_AVAILABLE_IN_ALL
void           tw_worker_return_pointer    (TwWorker            *self,
                                            gpointer             data,
                                            GDestroyNotify       destroy);
TW_AVAILABLE_IN_ALL
void           tw_worker_return_error      (TwWorker            *self,
                                            GError              *error);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_checkpoint        (TwWorker            *self);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_sleep             (TwWorker            *self,
                                            guint                milliseconds);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_progress      (TwWorker            *self,
                                            double               fraction);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_progress_text (TwWorker            *self,
                                            const char          *text);
TW_AVAILABLE_IN_ALL
void           tw_worker_set_progress_with_text (TwWorker       *self,
                                                 double          fraction,
                                                 const char     *text);
TW_AVAILABLE_IN_ALL
void           tw_worker_warn              (TwWorker            *self,
                                            const char          *message);
TW_AVAILABLE_IN_ALL
gboolean       tw_worker_emit_signal       (TwWorker            *self,
                                            const char          *detailed_signal,
                                            const GValue        *args,
                                            guint                n_args);
TW_AVAILABLE_IN_ALL
GCancellable  *tw_worker_get_cancellable   (TwWorker            *self);

G_END_DECLS
