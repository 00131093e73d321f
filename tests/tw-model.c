/* tw-model.c: see tw-model.h.
 *
 * How it works. The owner thread holds up to n_slots workers and applies
 * operations drawn from the input: start, pause, resume, toggle, send, quit,
 * restart, restart then quit, run_async, unref (here or on another thread),
 * tw_pool_quit_all, and iterations of the owner context. Each start draws a
 * *script* for the run: a list of actions the work performs on its thread
 * (yields of ints, strings, owned pointers and objects, warnings,
 * checkpoints, sleeps, progress, blocking GIO reads that only quit can end,
 * owner-thread calls that must be refused with a critical) and an ending
 * (return a value, return an error, or end without a result), and for each
 * of its handlers (started, yielded, warned, paused, resumed, the terminal
 * signal, finished, the run_async callback) maybe an operation the handler
 * performs itself, iterating the owner context included (see run_hook()).
 * The model keeps, per worker, the FIFO of scripts of the runs it started;
 * the work reads the head to know what to do, and the `finished` handler
 * pops it.
 *
 * Checked on every event: each signal and notification runs on the owner
 * thread; per run `started` comes first, yields arrive in order (with QUEUE,
 * every one of them; with LATEST, increasing and the last one), warnings in
 * order, `paused`/`resumed` alternate, then exactly one of `returned`,
 * `errored` (only if quit was not called, with the script's result) or
 * `aborted` (exactly when quit was called), then one `finished`; the
 * worker's state and the pool's list agree with the model; sent values reach
 * the steps in order, once; run_async completes once with the run's outcome;
 * no two threads are ever in one worker's work; runs that never paused never
 * exceed the pool's max-threads; checkpoints, yields and sleeps return FALSE
 * only after quit; a blocking read ends only by cancellation. At the end:
 * every run finished, every worker, value and the pool was finalized, every
 * destroy notify ran on the owner thread, the pool's list is empty.
 *
 * Replay: every operation draws the same number of choices whatever the
 * state of the threads, so the same seed gives the same sequence of
 * operations and scripts; only the interleaving of the threads differs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-model.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Input                                                                    */

struct _TwModelInput
{
  GRand        *rand;
  const guint8 *data;
  gsize         size;
  gsize         pos;
  gboolean      ended;
};

TwModelInput *
tw_model_input_new_seeded (guint64 seed)
{
  TwModelInput *self = g_new0 (TwModelInput, 1);
  guint32 words[2] = { (guint32) seed, (guint32) (seed >> 32) };

  self->rand = g_rand_new_with_seed_array (words, 2);
  return self;
}

TwModelInput *
tw_model_input_new_bytes (const guint8 *data,
                          gsize         size)
{
  TwModelInput *self = g_new0 (TwModelInput, 1);

  self->data = data;
  self->size = size;
  return self;
}

void
tw_model_input_free (TwModelInput *self)
{
  g_clear_pointer (&self->rand, g_rand_free);
  g_free (self);
}

static guint32
input_byte (TwModelInput *self)
{
  if (self->pos >= self->size)
    {
      self->ended = TRUE;
      return 0;
    }
  return self->data[self->pos++];
}

/* A number in [0, n). The count of draws never depends on the threads. */
static guint32
input_pick (TwModelInput *self,
            guint32       n)
{
  g_assert (n >= 1 && n <= G_MAXINT32);

  if (self->rand != NULL)
    return (guint32) g_rand_int_range (self->rand, 0, (gint32) n);
  if (n <= 256)
    return input_byte (self) % n;
  return ((input_byte (self) << 24) | (input_byte (self) << 16) |
          (input_byte (self) << 8) | input_byte (self)) % n;
}

static guint32
input_u32 (TwModelInput *self)
{
  if (self->rand != NULL)
    return g_rand_int (self->rand);
  return (input_byte (self) << 24) | (input_byte (self) << 16) |
         (input_byte (self) << 8) | input_byte (self);
}

/* ------------------------------------------------------------------------ */
/* Types                                                                    */

typedef enum
{
  ACT_YIELD,
  ACT_WARN,
  ACT_CHECKPOINT,
  ACT_SLEEP,
  ACT_PROGRESS,
  ACT_SPIN,
  ACT_BLOCKING_READ,
  ACT_OWNER_CALL,   /* an owner-thread function from the work: refused */
} ActKind;

typedef enum
{
  END_RETURN,
  END_ERROR,
  END_NONE,
} EndKind;

typedef enum
{
  VAL_INT,
  VAL_STRING,
  VAL_POINTER,
  VAL_OBJECT,
  N_VALS
} ValKind;

typedef enum
{
  OUT_NONE,
  OUT_RETURNED,
  OUT_ERRORED,
  OUT_ABORTED,
} Outcome;

typedef enum
{
  PHASE_IDLE,      /* between runs, or started but `started` not yet seen */
  PHASE_STARTED,
  PHASE_TERMINAL,  /* returned/errored/aborted seen, `finished` not yet */
} Phase;

#define RETURN_SEQ G_MAXUINT32

typedef struct
{
  guint8 kind;
  guint8 arg;
} Act;

typedef enum
{
  OP_START,
  OP_PAUSE,
  OP_RESUME,
  OP_TOGGLE,
  OP_SEND,
  OP_QUIT,
  OP_RESTART,
  OP_UNREF,
  OP_UNREF_ON_THREAD,
  OP_QUIT_ALL,
  OP_ITERATE,
  OP_WAIT,
  OP_RUN_ASYNC,
  OP_SET_POLICY,
  OP_START_ON_FINISH,
  OP_CANCEL_RUN_ASYNC,
  OP_RESTART_QUIT,    /* restart() then quit() at once */
  OP_GATE,            /* a delivery gate delivered from an idle, or none */
  N_OPS
} Op;

/* What handlers may do (see run_hook()): everything on their own worker
 * but dropping references, including iterating the owner context. */
static const guint8 hook_ops[] = {
  OP_START, OP_PAUSE, OP_RESUME, OP_TOGGLE, OP_SEND, OP_QUIT, OP_RESTART,
  OP_QUIT_ALL, OP_ITERATE, OP_WAIT, OP_RUN_ASYNC, OP_SET_POLICY,
  OP_CANCEL_RUN_ASYNC, OP_RESTART_QUIT, OP_GATE,
};

static const char *op_names[N_OPS];

/* The owner-thread calls a work makes (ACT_OWNER_CALL), each refused. */
#define N_OWNER_CALLS 16

typedef struct _TwModel TwModel;

/* Where a run's handlers make calls of their own (see run_hook()). */
typedef enum
{
  HOOK_STARTED,
  HOOK_YIELDED,
  HOOK_WARNED,
  HOOK_PAUSED,
  HOOK_RESUMED,
  HOOK_TERMINAL,   /* returned, errored or aborted */
  HOOK_FINISHED,
  HOOK_CALLBACK,   /* the first run_async callback of the run */
  N_HOOKS
} Hook;

/* An operation a handler performs, drawn with the script. */
typedef struct
{
  guint8  op;      /* an Op; N_OPS: none */
  guint8  param;
  guint32 seed;    /* of the script it starts, if it starts one */
} HookOp;

typedef struct
{
  gatomicrefcount ref_count;
  guint32         id;
  guint           n_acts;
  Act            *acts;
  EndKind         end;
  ValKind         end_value;
  gboolean        stop_on_quit;   /* stop at once on quit, or run on to the ending */
  gboolean        has_block;
  gboolean        has_cancelled_starter; /* a cancelled run_async started it */
  HookOp          hooks[N_HOOKS];
  guint           hooks_fired;    /* owner thread: a bit per hook */

  /* Owner thread. */
  TwYieldPolicy   policy;
  guint           n_sent;
  Outcome         outcome;
  gboolean        finished;
  guint           n_yields_seen;
  guint           n_warns_seen;
  gint64          last_yield_seen;
  GPtrArray      *tasks;          /* Task* expecting this run */

  /* Set by the owner, read by the worker thread. */
  gint            quit_called;
  gint            pause_ever;     /* a pause was asked during this run */

  /* Worker thread; the owner reads them once the run has ended. */
  gint            executed;
  guint           pc;
  guint           n_yields_made;
  guint           n_warns_made;
  guint           next_recv;
  gboolean        completed;      /* reached and reported the ending */
  gboolean        saw_quit;
  gboolean        progress_set;
  double          last_progress;
  char           *last_text;      /* NULL: no text set */
} Script;

typedef struct
{
  TwModel      *model;
  Script       *script;
  GCancellable *cancellable;
  gboolean      cancelled;     /* may complete with G_IO_ERROR_CANCELLED */
} Task;

typedef struct
{
  TwModel       *model;
  guint32        id;
  gboolean       generator;
  TwYieldPolicy  policy;
  guint          max_pending;
  TwWorker      *worker;          /* not a reference; valid until finalized */

  GMutex         lock;            /* scripts: the worker thread reads the head */
  GQueue         scripts;         /* Script*, head: the live run's */
  Script        *pending;         /* restart() asked while a run was live */
  Script        *start_on_finish; /* start again from the `finished` handler */
  Task          *last_task;       /* the last run_async call, until it completes */
  /* Owner thread: from the `finished` of a run quit by restart() until the
   * library starts the new run (notify::state to WAITING), the head script
   * is the restart's, which has not begun: the old run is over, and the
   * library has no run (quit() cancels the restart, start() takes it). */
  gboolean       restart_window;

  /* Owner thread. */
  Phase          phase;
  gboolean       paused_seen;
  guint          n_tasks;

  gint           in_work;         /* threads inside the work now */
  gint           finalized;
} WorkerModel;


struct _TwModel
{
  TwModelInput  *input;
  TwModelConfig  config;
  char          *label;
  GMainContext  *context;
  GThread       *owner;
  TwPool        *pool;
  guint          max_threads;
  gint           pool_finalized;
  int            pipe_fds[2];     /* nobody ever writes */

  guint          n_used_slots;    /* operations use slots [0, n_used_slots) */
  TwWorker     **slots;           /* strong references */
  WorkerModel  **slot_models;
  GPtrArray     *all;             /* WorkerModel*, until their destroy notify */
  guint32        next_script_id;
  guint32        next_worker_id;
  guint          n_tasks;
  guint          n_ops;
  gboolean       trace;           /* TW_MODEL_TRACE: print every operation */
  gboolean       draining;        /* tw_model_finish(): hooks start nothing */
  guint          hook_depth;      /* hooks running now, nested */
  guint64        n_hook_ops;      /* owner thread */

  GAsyncQueue   *unref_queue;
  GThread       *unref_thread;

  TwModelStats   stats;           /* owner thread */
  gint           active;          /* runs in their work, never paused */
  gint           n_finalized;
  gint           n_destroyed;
  gint           n_executed;
  gint           n_sent;
  gint           n_blocking_reads;
  gint           n_owner_calls;   /* refused owner calls from the work */
  gint           n_ptr_alloc;
  gint           n_ptr_freed;
  gint           n_obj_alloc;
  gint           n_obj_freed;
};

static GPrivate in_pool_thread;
static char unref_thread_stop;

#define FAIL(self, fmt, ...) \
  g_error ("model %s: " fmt, (self)->label, ##__VA_ARGS__)

#define CHECK(self, expr, fmt, ...)                                          \
  G_STMT_START {                                                             \
    if (G_UNLIKELY (!(expr)))                                                \
      g_error ("model %s: %s:%d: check failed: %s: " fmt, (self)->label,      \
               __FILE__, __LINE__, #expr, ##__VA_ARGS__);                    \
  } G_STMT_END

static GQuark
model_error_quark (void)
{
  return g_quark_from_static_string ("tw-model-error");
}

static GQuark
quark_id (void)
{
  return g_quark_from_static_string ("tw-model-id");
}

static GQuark
quark_seq (void)
{
  return g_quark_from_static_string ("tw-model-seq");
}

/* ------------------------------------------------------------------------ */
/* Scripts                                                                  */

static Script *
script_new (TwModel *model,
            guint32  seed)
{
  Script *s = g_new0 (Script, 1);
  GRand *rand = g_rand_new_with_seed (seed);
  guint max_acts = MAX (1, model->config.max_actions);

  g_atomic_ref_count_init (&s->ref_count);
  s->id = ++model->next_script_id;
  s->last_yield_seen = -1;
  s->tasks = g_ptr_array_new ();

  /* Mostly short runs, some long ones. */
  s->n_acts = g_rand_int_range (rand, 0, 4) == 0 ? 0 : g_rand_int_range (rand, 0, max_acts + 1);
  s->acts = g_new0 (Act, MAX (1, s->n_acts));
  for (guint i = 0; i < s->n_acts; i++)
    {
      guint r = g_rand_int_range (rand, 0, 100);
      Act *a = &s->acts[i];

      if (r < 40)
        a->kind = ACT_YIELD, a->arg = g_rand_int_range (rand, 0, N_VALS);
      else if (r < 50)
        a->kind = ACT_WARN;
      else if (r < 65)
        a->kind = ACT_CHECKPOINT;
      else if (r < 78)
        a->kind = ACT_SLEEP, a->arg = g_rand_int_range (rand, 0, model->config.max_sleep_ms + 1);
      else if (r < 88)
        a->kind = ACT_PROGRESS, a->arg = g_rand_int_range (rand, 0, 101);
      else if (r < 96)
        a->kind = ACT_SPIN, a->arg = g_rand_int_range (rand, 1, 50);
      else if (r < 98)
        a->kind = ACT_OWNER_CALL, a->arg = g_rand_int_range (rand, 0, N_OWNER_CALLS);
      else
        {
          a->kind = ACT_BLOCKING_READ;
          s->has_block = TRUE;
        }
    }

  switch (g_rand_int_range (rand, 0, 10))
    {
    case 0: case 1:
      s->end = END_ERROR;
      break;
    case 2:
      s->end = END_NONE;
      break;
    default:
      s->end = END_RETURN;
      break;
    }
  s->end_value = g_rand_int_range (rand, 0, N_VALS);
  s->stop_on_quit = g_rand_boolean (rand);

  /* A third of the handlers of the run make a call of their own. */
  for (guint i = 0; i < N_HOOKS; i++)
    {
      HookOp *h = &s->hooks[i];

      h->op = g_rand_int_range (rand, 0, 3) == 0
              ? hook_ops[g_rand_int_range (rand, 0, G_N_ELEMENTS (hook_ops))] : N_OPS;
      h->param = g_rand_int_range (rand, 0, 256);
      h->seed = g_rand_int (rand);
    }

  g_rand_free (rand);
  return s;
}

static Script *
script_ref (Script *s)
{
  g_atomic_ref_count_inc (&s->ref_count);
  return s;
}

static void
script_unref (Script *s)
{
  if (s == NULL || !g_atomic_ref_count_dec (&s->ref_count))
    return;
  g_assert (s->tasks->len == 0);
  g_ptr_array_unref (s->tasks);
  g_free (s->last_text);
  g_free (s->acts);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Script, script_unref)

static const char *
act_name (ActKind kind)
{
  static const char *names[] = { "yield", "warn", "checkpoint", "sleep", "progress",
                                 "spin", "blocking-read", "owner-call" };
  return names[kind];
}

static void
script_describe (Script  *s,
                 GString *out)
{
  g_string_append_printf (out, "script %u [", s->id);
  for (guint i = 0; i < s->n_acts; i++)
    g_string_append_printf (out, "%s%s%s", i ? " " : "", i == s->pc ? "*" : "",
                            act_name (s->acts[i].kind));
  g_string_append_printf (out, "] end=%s%s%s quit=%d pause=%d executed=%d pc=%u "
                          "yields made/seen=%u/%u warns made/seen=%u/%u%s",
                          s->end == END_RETURN ? "return" : s->end == END_ERROR ? "error" : "none",
                          s->stop_on_quit ? " stop-on-quit" : "",
                          s->has_block ? " blocks" : "",
                          g_atomic_int_get (&s->quit_called), g_atomic_int_get (&s->pause_ever),
                          g_atomic_int_get (&s->executed), s->pc,
                          s->n_yields_made, s->n_yields_seen, s->n_warns_made, s->n_warns_seen,
                          s->policy == TW_YIELD_POLICY_LATEST ? " latest" : "");
}

/* ------------------------------------------------------------------------ */
/* Values: each names its script and a sequence number                      */

typedef struct
{
  TwModel *model;
  guint32  id;
  guint32  seq;
} Payload;

static void
payload_free (gpointer data)
{
  Payload *payload = data;

  g_atomic_int_inc (&payload->model->n_ptr_freed);
  g_free (payload);
}

static void
object_weak_notify (gpointer  data,
                    GObject  *where_the_object_was)
{
  TwModel *model = data;

  g_atomic_int_inc (&model->n_obj_freed);
}

static Payload *
payload_new (TwModel *model,
             guint32  id,
             guint32  seq)
{
  Payload *payload = g_new (Payload, 1);

  payload->model = model;
  payload->id = id;
  payload->seq = seq;
  g_atomic_int_inc (&model->n_ptr_alloc);
  return payload;
}

static GObject *
object_new (TwModel *model,
            guint32  id,
            guint32  seq)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  g_object_set_qdata (object, quark_id (), GUINT_TO_POINTER (id));
  g_object_set_qdata (object, quark_seq (), GUINT_TO_POINTER ((gsize) seq));
  g_object_weak_ref (object, object_weak_notify, model);
  g_atomic_int_inc (&model->n_obj_alloc);
  return object;
}

/* Worker thread. */
static gboolean
value_yield (TwModel  *model,
             TwWorker *worker,
             ValKind   kind,
             guint32   id,
             guint32   seq)
{
  switch (kind)
    {
    case VAL_INT:
      return tw_worker_yield_int (worker, ((gint64) id << 32) | seq);
    case VAL_STRING:
      {
        g_autofree char *str = g_strdup_printf ("%u:%u", id, seq);
        return tw_worker_yield_string (worker, str);
      }
    case VAL_POINTER:
      return tw_worker_yield_pointer (worker, payload_new (model, id, seq), payload_free);
    case VAL_OBJECT:
    default:
      {
        g_autoptr(GObject) object = object_new (model, id, seq);
        return tw_worker_yield_object (worker, object);
      }
    }
}

/* Worker thread. */
static void
value_return (TwModel  *model,
              TwWorker *worker,
              ValKind   kind,
              guint32   id)
{
  switch (kind)
    {
    case VAL_INT:
      tw_worker_return_int (worker, ((gint64) id << 32) | RETURN_SEQ);
      break;
    case VAL_STRING:
      {
        g_autofree char *str = g_strdup_printf ("%u:%u", id, RETURN_SEQ);
        tw_worker_return_string (worker, str);
      }
      break;
    case VAL_POINTER:
      tw_worker_return_pointer (worker, payload_new (model, id, RETURN_SEQ), payload_free);
      break;
    case VAL_OBJECT:
    default:
      {
        g_autoptr(GObject) object = object_new (model, id, RETURN_SEQ);
        tw_worker_return_object (worker, object);
      }
      break;
    }
}

static gboolean
value_decode (const GValue *value,
              guint32      *id,
              guint32      *seq)
{
  if (G_VALUE_HOLDS (value, G_TYPE_INT64))
    {
      guint64 v = (guint64) g_value_get_int64 (value);

      *id = v >> 32;
      *seq = (guint32) v;
      return TRUE;
    }
  if (G_VALUE_HOLDS_STRING (value))
    return g_value_get_string (value) != NULL &&
           sscanf (g_value_get_string (value), "%u:%u", id, seq) == 2;
  if (G_VALUE_HOLDS_POINTER (value))
    {
      Payload *payload = g_value_get_pointer (value);

      if (payload == NULL)
        return FALSE;
      *id = payload->id;
      *seq = payload->seq;
      return TRUE;
    }
  if (G_VALUE_HOLDS_OBJECT (value) && g_value_get_object (value) != NULL)
    {
      GObject *object = g_value_get_object (value);

      *id = GPOINTER_TO_UINT (g_object_get_qdata (object, quark_id ()));
      *seq = (guint32) GPOINTER_TO_SIZE (g_object_get_qdata (object, quark_seq ()));
      return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------------ */
/* The work (worker thread)                                                 */

static Script *
work_begin (WorkerModel *wm,
            TwWorker    *worker)
{
  TwModel *model = wm->model;
  Script *s;

  g_private_set (&in_pool_thread, GINT_TO_POINTER (1));
  CHECK (model, g_thread_self () != model->owner, "work of worker %u on the owner thread", wm->id);
  CHECK (model, worker == wm->worker, "work called with another worker");
  if (!g_atomic_int_compare_and_exchange (&wm->in_work, 0, 1))
    FAIL (model, "two threads in the work of worker %u at once", wm->id);

  g_mutex_lock (&wm->lock);
  s = g_queue_peek_head (&wm->scripts);
  g_mutex_unlock (&wm->lock);
  CHECK (model, s != NULL, "worker %u runs work nobody started", wm->id);
  CHECK (model, tw_worker_get_cancellable (worker) != NULL, "no cancellable");

  if (g_atomic_int_compare_and_exchange (&s->executed, 0, 1))
    g_atomic_int_inc (&model->n_executed);
  return s;
}

static void
work_end (WorkerModel *wm)
{
  if (!g_atomic_int_compare_and_exchange (&wm->in_work, 1, 0))
    FAIL (wm->model, "work of worker %u ended twice", wm->id);
}

/* The pool limit. A run that never released its slot (never paused) holds
 * it from before its work began until after it ended, and a run only begins
 * while fewer than max-threads hold one; so the runs counted here, those in
 * their work outside any checkpoint and never asked to pause, never exceed
 * max-threads. Paused runs give their slot away and may take it back over
 * the limit when resumed (documented in TwPool), so they are not counted. */
static void
active_enter (WorkerModel *wm,
              Script      *s,
              gboolean    *counted)
{
  TwModel *model = wm->model;
  int n;

  if (*counted || g_atomic_int_get (&s->pause_ever))
    return;
  n = g_atomic_int_add (&model->active, 1) + 1;
  *counted = TRUE;
  CHECK (model, (guint) n <= model->max_threads,
         "%d runs execute at once in a pool of max-threads %u", n, model->max_threads);
}

static void
active_leave (WorkerModel *wm,
              gboolean    *counted)
{
  if (!*counted)
    return;
  g_atomic_int_add (&wm->model->active, -1);
  *counted = FALSE;
}

/* A call that said "stop": only after quit. */
static void
saw_stop (WorkerModel *wm,
          Script      *s,
          const char  *what)
{
  CHECK (wm->model, g_atomic_int_get (&s->quit_called),
         "%s returned FALSE for worker %u, script %u, but quit was not called", what, wm->id, s->id);
  s->saw_quit = TRUE;
}

/* Owner-thread calls from the work are refused with a critical: one, and
 * nothing else changes (which every other check of the model sees). The log
 * handler takes the one critical the calling thread expects; any other
 * critical stays fatal. */
static GPrivate expected_critical;   /* per thread: one refusal expected */
static GPrivate swallowed_critical;  /* per thread: for the fatal handler */

static void
model_log_handler (const char     *domain,
                   GLogLevelFlags  level,
                   const char     *message,
                   gpointer        data)
{
  if ((level & G_LOG_LEVEL_CRITICAL) && g_private_get (&expected_critical) != NULL &&
      strstr (message, "must be called on the owner thread") != NULL)
    {
      g_private_set (&expected_critical, NULL);
      g_private_set (&swallowed_critical, GINT_TO_POINTER (1));
      return;
    }
  g_log_default_handler (domain, level, message, data);
}

static gboolean
model_fatal_handler (const char     *domain,
                     GLogLevelFlags  level,
                     const char     *message,
                     gpointer        data)
{
  if (g_private_get (&swallowed_critical) != NULL)
    {
      g_private_set (&swallowed_critical, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
never_ready (TwWorker *worker,
             gpointer  user_data)
{
  g_error ("a delivery gate set from a work was used");
}

/* Worker thread. */
static void
owner_call_from_work (WorkerModel *wm,
                      TwWorker    *worker,
                      guint        which)
{
  TwModel *model = wm->model;
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;
  gboolean result = FALSE;

  g_value_init (&value, G_TYPE_INT64);
  g_private_set (&expected_critical, GINT_TO_POINTER (1));
  switch (which)
    {
    case 0: tw_worker_start (worker); break;
    case 1: tw_worker_quit (worker); break;
    case 2: tw_worker_pause (worker); break;
    case 3: tw_worker_resume (worker); break;
    case 4: tw_worker_toggle_pause (worker); break;
    case 5: tw_worker_restart (worker); break;
    case 6: result = tw_worker_send (worker, &value, &error); break;
    case 7: tw_worker_run_async (worker, NULL, NULL, NULL); break;
    case 8: tw_worker_set_yield_policy (worker, TW_YIELD_POLICY_LATEST); break;
    case 9: tw_worker_set_max_pending_yields (worker, 100); break;
    case 10: tw_worker_set_name (worker, "renamed from the work"); break;
    case 11: tw_worker_set_pool (worker, NULL); break;
    case 12: tw_worker_set_delivery_gate (worker, never_ready, NULL, NULL); break;
    case 13: result = tw_worker_deliver_held (worker, G_MAXINT64); break;
    case 14: tw_pool_quit_all (model->pool); break;
    case 15: tw_pool_set_max_threads (model->pool, model->max_threads + 1); break;
    default: g_assert_not_reached ();
    }
  CHECK (model, g_private_get (&expected_critical) == NULL,
         "owner call %u from the work of worker %u was not refused with a critical", which, wm->id);
  g_private_set (&expected_critical, NULL);
  CHECK (model, !result && error == NULL, "owner call %u from the work of worker %u did something",
         which, wm->id);
  g_atomic_int_inc (&model->n_owner_calls);
}

/* Performs one action. FALSE when the work stops here. */
static gboolean
work_action (WorkerModel *wm,
             TwWorker    *worker,
             Script      *s,
             const Act   *a,
             gboolean    *counted)
{
  TwModel *model = wm->model;
  gboolean go_on = TRUE;

  switch ((ActKind) a->kind)
    {
    case ACT_YIELD:
      active_leave (wm, counted);
      go_on = value_yield (model, worker, a->arg, s->id, s->n_yields_made++);
      active_enter (wm, s, counted);
      if (!go_on)
        saw_stop (wm, s, "tw_worker_yield");
      break;

    case ACT_WARN:
      {
        g_autofree char *msg = g_strdup_printf ("%u:%u:%u", s->id, s->n_warns_made++,
                                                s->n_yields_made);
        tw_worker_warn (worker, msg);
      }
      break;

    case ACT_CHECKPOINT:
      active_leave (wm, counted);
      go_on = tw_worker_checkpoint (worker);
      active_enter (wm, s, counted);
      if (!go_on)
        saw_stop (wm, s, "tw_worker_checkpoint");
      break;

    case ACT_SLEEP:
      go_on = tw_worker_sleep (worker, a->arg);
      if (!go_on)
        saw_stop (wm, s, "tw_worker_sleep");
      break;

    case ACT_PROGRESS:
      s->progress_set = TRUE;
      s->last_progress = a->arg / 100.0;
      tw_worker_set_progress (worker, s->last_progress);
      if (a->arg % 3 == 0)
        {
          g_free (s->last_text);
          s->last_text = g_strdup_printf ("%u:%u", s->id, s->pc);
          tw_worker_set_progress_text (worker, s->last_text);
        }
      break;

    case ACT_SPIN:
      for (guint i = 0; i < a->arg; i++)
        g_thread_yield ();
      break;

    case ACT_OWNER_CALL:
      owner_call_from_work (wm, worker, a->arg);
      break;

    case ACT_BLOCKING_READ:
      {
        g_autoptr(GInputStream) stream = g_unix_input_stream_new (model->pipe_fds[0], FALSE);
        g_autoptr(GError) error = NULL;
        char byte;
        gssize n;

        /* Nobody writes to the pipe: only the run's cancellable ends this. */
        n = g_input_stream_read (stream, &byte, 1, tw_worker_get_cancellable (worker), &error);
        CHECK (model, n == -1 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
               "a blocking read of worker %u ended without cancellation: %s", wm->id,
               error ? error->message : "data");
        CHECK (model, g_atomic_int_get (&s->quit_called),
               "the cancellable of worker %u was cancelled without quit", wm->id);
        active_leave (wm, counted);
        CHECK (model, !tw_worker_checkpoint (worker), "checkpoint goes on after quit");
        active_enter (wm, s, counted);
        g_atomic_int_inc (&model->n_blocking_reads);
        go_on = FALSE;
        s->saw_quit = TRUE;
      }
      break;

    default:
      g_assert_not_reached ();
    }

  return go_on || !s->stop_on_quit;
}

static void
work_ending (WorkerModel *wm,
             TwWorker    *worker,
             Script      *s)
{
  switch (s->end)
    {
    case END_RETURN:
      value_return (wm->model, worker, s->end_value, s->id);
      break;
    case END_ERROR:
      tw_worker_return_error (worker, g_error_new (model_error_quark (), 7, "script %u failed", s->id));
      break;
    case END_NONE:
    default:
      break;
    }
  s->completed = TRUE;
}

static void
function_work (TwWorker *worker,
               gpointer  user_data)
{
  WorkerModel *wm = user_data;
  Script *s = work_begin (wm, worker);
  gboolean counted = FALSE;

  active_enter (wm, s, &counted);
  while (s->pc < s->n_acts)
    if (!work_action (wm, worker, s, &s->acts[s->pc++], &counted))
      goto out;
  work_ending (wm, worker, s);

out:
  active_leave (wm, &counted);
  work_end (wm);
}

static gboolean
generator_step (TwWorker     *worker,
                const GValue *sent,
                gpointer      user_data)
{
  WorkerModel *wm = user_data;
  TwModel *model = wm->model;
  Script *s = work_begin (wm, worker);
  gboolean counted = FALSE;
  gboolean more = TRUE;

  active_enter (wm, s, &counted);

  if (sent != NULL)
    {
      guint32 id, seq;

      CHECK (model, value_decode (sent, &id, &seq), "a sent value of type %s",
             G_VALUE_TYPE_NAME (sent));
      CHECK (model, id == s->id, "worker %u: a value sent to run %u reached run %u", wm->id, id, s->id);
      CHECK (model, seq == s->next_recv, "worker %u: sent value %u reached the step, expected %u",
             wm->id, seq, s->next_recv);
      s->next_recv++;
      g_atomic_int_inc (&model->n_sent);
    }

  if (s->pc < s->n_acts)
    more = work_action (wm, worker, s, &s->acts[s->pc++], &counted);
  else
    {
      work_ending (wm, worker, s);
      more = FALSE;
    }

  active_leave (wm, &counted);
  work_end (wm);
  return more;
}

/* ------------------------------------------------------------------------ */
/* Signals (owner thread)                                                   */

static void
check_owner (WorkerModel *wm,
             const char  *what)
{
  if (wm->model->trace)
    g_printerr ("%s   worker %u: %s (script %u)\n", wm->model->label, wm->id, what,
                g_queue_peek_head (&wm->scripts) ? ((Script *) g_queue_peek_head (&wm->scripts))->id : 0);
  CHECK (wm->model, g_thread_self () == wm->model->owner,
         "%s of worker %u emitted on a thread that is not the owner's", what, wm->id);
}

static Script *
head_script (WorkerModel *wm)
{
  return g_queue_peek_head (&wm->scripts);
}

static Script *
live_script (WorkerModel *wm,
             const char  *what)
{
  Script *s = head_script (wm);

  check_owner (wm, what);
  CHECK (wm->model, s != NULL, "%s of worker %u without a run", what, wm->id);
  CHECK (wm->model, wm->phase == PHASE_STARTED, "%s of worker %u in phase %d (script %u)",
         what, wm->id, wm->phase, s->id);
  return s;
}

static void model_apply (TwModel     *self,
                         WorkerModel *wm,
                         Op           op,
                         Script     **script,
                         guint32      param);

/* Calls from inside a handler: the first emission of each hook of a run
 * performs the operation its script drew for it, on the handler's worker,
 * nested at most two deep (an operation may iterate the context, which
 * runs more handlers). A hook that starts a run starts one with a script
 * of its own seed. None while the model drains at its end. */
static void
run_hook (WorkerModel *wm,
          Script      *s,
          Hook         hook)
{
  static const char *hook_names[] = { "started", "yielded", "warned", "paused", "resumed",
                                      "terminal", "finished", "callback" };
  TwModel *model = wm->model;
  const HookOp *h = &s->hooks[hook];
  g_autoptr(Script) script = NULL;

  if (h->op >= N_OPS || (s->hooks_fired & (1u << hook)) || model->draining ||
      model->hook_depth >= 2)
    return;
  s->hooks_fired |= 1u << hook;

  script = script_new (model, h->seed);
  if (model->trace)
    g_printerr ("%s   worker %u: %s handler of script %u: %s (script %u, param %u)%s\n",
                model->label, wm->id, hook_names[hook], s->id, op_names[h->op], script->id,
                h->param, wm->restart_window ? " in the restart window" : "");
  model->hook_depth++;
  model->stats.n_hook_ops++;
  model_apply (model, wm, h->op, &script, h->param);
  model->hook_depth--;
}

static void
on_started (TwWorker    *worker,
            WorkerModel *wm)
{
  TwModel *model = wm->model;
  Script *s = head_script (wm);

  check_owner (wm, "started");
  CHECK (model, s != NULL, "worker %u started without a start", wm->id);
  CHECK (model, wm->phase == PHASE_IDLE, "worker %u started twice (script %u)", wm->id, s->id);
  CHECK (model, tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING, "state %d",
         tw_worker_get_state (worker));
  CHECK (model, tw_worker_get_progress (worker) == 0.0, "progress not reset");
  CHECK (model, tw_worker_get_is_running (worker), "started but not running");
  wm->phase = PHASE_STARTED;
  wm->paused_seen = FALSE;
  model->stats.n_runs++;
  run_hook (wm, s, HOOK_STARTED);
}

static void
on_yielded (TwWorker     *worker,
            const GValue *value,
            WorkerModel  *wm)
{
  TwModel *model = wm->model;
  Script *s = live_script (wm, "yielded");
  guint32 id, seq;

  CHECK (model, value_decode (value, &id, &seq), "yielded a %s", G_VALUE_TYPE_NAME (value));
  CHECK (model, id == s->id, "worker %u: a value of run %u in run %u", wm->id, id, s->id);
  CHECK (model, value == tw_worker_get_value (worker), "the yielded value is not the worker's value");
  if (s->policy == TW_YIELD_POLICY_QUEUE)
    {
      CHECK (model, seq == s->n_yields_seen, "worker %u script %u: yield %u delivered, expected %u",
             wm->id, s->id, seq, s->n_yields_seen);
      CHECK (model, !wm->paused_seen, "worker %u: a yield between paused and resumed", wm->id);
    }
  else
    CHECK (model, (gint64) seq > s->last_yield_seen, "worker %u script %u: yield %u after %"
           G_GINT64_FORMAT, wm->id, s->id, seq, s->last_yield_seen);
  s->n_yields_seen++;
  s->last_yield_seen = seq;
  model->stats.n_yields++;
  run_hook (wm, s, HOOK_YIELDED);
}

static void
on_warned (TwWorker    *worker,
           const char  *message,
           WorkerModel *wm)
{
  TwModel *model = wm->model;
  Script *s = live_script (wm, "warned");
  guint id, w, y;

  CHECK (model, sscanf (message, "%u:%u:%u", &id, &w, &y) == 3, "warned “%s”", message);
  CHECK (model, id == s->id, "worker %u: a warning of run %u in run %u", wm->id, id, s->id);
  CHECK (model, w == s->n_warns_seen, "worker %u: warning %u, expected %u", wm->id, w, s->n_warns_seen);
  CHECK (model, !wm->paused_seen || g_atomic_int_get (&s->quit_called),
         "worker %u: a warning between paused and resumed", wm->id);
  if (s->policy == TW_YIELD_POLICY_QUEUE)
    {
      /* Yields before the warning are delivered before it, unless quit
       * dropped them. */
      if (g_atomic_int_get (&s->quit_called))
        CHECK (model, s->n_yields_seen <= y, "worker %u: yields overtook a warning", wm->id);
      else
        CHECK (model, s->n_yields_seen == y, "worker %u: warning after %u yields, %u delivered",
               wm->id, y, s->n_yields_seen);
    }
  s->n_warns_seen++;
  model->stats.n_warnings++;
  run_hook (wm, s, HOOK_WARNED);
}

static void
on_paused (TwWorker    *worker,
           WorkerModel *wm)
{
  TwModel *model = wm->model;
  Script *s = live_script (wm, "paused");

  CHECK (model, !wm->paused_seen, "worker %u paused twice", wm->id);
  CHECK (model, g_atomic_int_get (&s->pause_ever), "worker %u paused without pause()", wm->id);
  CHECK (model, tw_worker_get_state (worker) == TW_WORKER_STATE_PAUSED, "state %d",
         tw_worker_get_state (worker));
  CHECK (model, tw_worker_get_is_paused (worker), "paused but not is-paused");
  wm->paused_seen = TRUE;
  model->stats.n_pauses++;
  run_hook (wm, s, HOOK_PAUSED);
}

static void
on_resumed (TwWorker    *worker,
            WorkerModel *wm)
{
  TwModel *model = wm->model;

  Script *s = live_script (wm, "resumed");

  CHECK (model, wm->paused_seen, "worker %u resumed without paused", wm->id);
  CHECK (model, tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING, "state %d",
         tw_worker_get_state (worker));
  wm->paused_seen = FALSE;
  run_hook (wm, s, HOOK_RESUMED);
}

/* Common checks of the terminal signals. */
static void
check_run_end (WorkerModel   *wm,
               TwWorker      *worker,
               Script        *s,
               Outcome        outcome,
               TwWorkerState  state)
{
  TwModel *model = wm->model;
  double progress = s->progress_set ? s->last_progress : 0.0;

  CHECK (model, tw_worker_get_state (worker) == state, "worker %u: state %d, expected %d",
         wm->id, tw_worker_get_state (worker), state);
  CHECK (model, tw_worker_get_progress (worker) == progress,
         "worker %u: progress %g at the end, the work set %g", wm->id,
         tw_worker_get_progress (worker), progress);
  CHECK (model, g_strcmp0 (tw_worker_get_progress_text (worker), s->last_text) == 0,
         "worker %u: progress text “%s” at the end, the work set “%s”", wm->id,
         tw_worker_get_progress_text (worker), s->last_text);
  CHECK (model, s->n_warns_seen <= s->n_warns_made, "more warnings than made");
  CHECK (model, s->n_yields_seen <= s->n_yields_made, "more yields than made");

  if (outcome != OUT_ABORTED)
    {
      CHECK (model, !g_atomic_int_get (&s->quit_called),
             "worker %u: %s after quit", wm->id, outcome == OUT_RETURNED ? "returned" : "errored");
      CHECK (model, s->completed, "worker %u: a run ended early without quit", wm->id);
      CHECK (model, s->n_warns_seen == s->n_warns_made, "worker %u: %u of %u warnings delivered",
             wm->id, s->n_warns_seen, s->n_warns_made);
      if (s->policy == TW_YIELD_POLICY_QUEUE)
        CHECK (model, s->n_yields_seen == s->n_yields_made,
               "worker %u script %u: %u of %u yields delivered", wm->id, s->id,
               s->n_yields_seen, s->n_yields_made);
      else if (s->n_yields_made > 0)
        CHECK (model, s->last_yield_seen == (gint64) s->n_yields_made - 1,
               "worker %u script %u: last yield delivered %" G_GINT64_FORMAT " of %u",
               wm->id, s->id, s->last_yield_seen, s->n_yields_made);
    }
  else
    CHECK (model, g_atomic_int_get (&s->quit_called), "worker %u: aborted without quit", wm->id);

  s->outcome = outcome;
  wm->phase = PHASE_TERMINAL;
}

static void
on_returned (TwWorker     *worker,
             const GValue *value,
             WorkerModel  *wm)
{
  TwModel *model = wm->model;
  Script *s = live_script (wm, "returned");

  check_run_end (wm, worker, s, OUT_RETURNED, TW_WORKER_STATE_FINISHED);
  if (s->end == END_RETURN)
    {
      guint32 id, seq;

      CHECK (model, value_decode (value, &id, &seq), "returned a %s", G_VALUE_TYPE_NAME (value));
      CHECK (model, id == s->id && seq == RETURN_SEQ, "worker %u: returned %u:%u in run %u",
             wm->id, id, seq, s->id);
    }
  else
    CHECK (model, s->end == END_NONE && G_VALUE_HOLDS_POINTER (value) &&
           g_value_get_pointer (value) == NULL,
           "worker %u: returned, but the script's ending is %d", wm->id, s->end);
  model->stats.n_returned++;
  run_hook (wm, s, HOOK_TERMINAL);
}

static void
on_errored (TwWorker     *worker,
            const GError *error,
            WorkerModel  *wm)
{
  TwModel *model = wm->model;
  Script *s = live_script (wm, "errored");
  g_autofree char *expected = g_strdup_printf ("script %u failed", s->id);

  check_run_end (wm, worker, s, OUT_ERRORED, TW_WORKER_STATE_ERRORED);
  CHECK (model, s->end == END_ERROR, "worker %u errored, but the script's ending is %d", wm->id, s->end);
  CHECK (model, g_error_matches (error, model_error_quark (), 7) &&
         g_str_equal (error->message, expected), "worker %u: errored with “%s”", wm->id, error->message);
  CHECK (model, tw_worker_get_error (worker) == error, "the error is not the worker's error");
  model->stats.n_errored++;
  run_hook (wm, s, HOOK_TERMINAL);
}

static void
on_aborted (TwWorker    *worker,
            WorkerModel *wm)
{
  Script *s = live_script (wm, "aborted");

  check_run_end (wm, worker, s, OUT_ABORTED, TW_WORKER_STATE_ABORTED);
  CHECK (wm->model, tw_worker_get_abort_requested (worker), "aborted but not abort-requested");
  wm->model->stats.n_aborted++;
  run_hook (wm, s, HOOK_TERMINAL);
}

static void
push_script (WorkerModel *wm,
             Script      *s)
{
  s->policy = wm->policy;
  g_mutex_lock (&wm->lock);
  g_queue_push_tail (&wm->scripts, s);
  g_mutex_unlock (&wm->lock);
}

static void
on_finished (TwWorker    *worker,
             WorkerModel *wm)
{
  TwModel *model = wm->model;
  Script *s;

  check_owner (wm, "finished");
  CHECK (model, wm->phase == PHASE_TERMINAL, "worker %u: finished in phase %d", wm->id, wm->phase);
  CHECK (model, !tw_worker_get_is_paused (worker), "finished while is-paused");

  g_mutex_lock (&wm->lock);
  s = g_queue_pop_head (&wm->scripts);
  g_mutex_unlock (&wm->lock);
  s->finished = TRUE;
  wm->phase = PHASE_IDLE;
  wm->paused_seen = FALSE;

  CHECK (model, tw_worker_get_is_running (worker) == (wm->pending != NULL),
         "worker %u: is-running %d at finished, restart pending %d", wm->id,
         tw_worker_get_is_running (worker), wm->pending != NULL);

  /* restart(): the library starts the new run right after this signal
   * and the old run's run_async callbacks. */
  if (wm->pending != NULL)
    {
      push_script (wm, g_steal_pointer (&wm->pending));
      wm->restart_window = TRUE;
    }
  else if (wm->start_on_finish != NULL)
    {
      push_script (wm, g_steal_pointer (&wm->start_on_finish));
      tw_worker_start (worker);
    }

  run_hook (wm, s, HOOK_FINISHED);
  script_unref (s);
}

/* The library starts a run: a restart's leaves its window. */
static void
on_state (TwWorker    *worker,
          GParamSpec  *pspec,
          WorkerModel *wm)
{
  if (tw_worker_get_state (worker) == TW_WORKER_STATE_WAITING)
    wm->restart_window = FALSE;
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    data)
{
  TwModel *model = data;

  CHECK (model, g_thread_self () == model->owner, "notify::%s of %s on another thread",
         pspec->name, G_OBJECT_TYPE_NAME (object));
}

static void model_quit (WorkerModel *wm);

/* A quit the library makes itself: cancelling a run_async call that
 * started the run quits that run (from the owner context, later). The
 * model's own quits have marked the run already. */
static void
on_abort_requested (TwWorker    *worker,
                    GParamSpec  *pspec,
                    WorkerModel *wm)
{
  Script *head = g_queue_peek_head (&wm->scripts);

  if (tw_worker_get_abort_requested (worker) && head != NULL &&
      !g_atomic_int_get (&head->quit_called))
    {
      CHECK (wm->model, head->has_cancelled_starter,
             "worker %u: quit without quit() nor a cancelled run_async", wm->id);
      model_quit (wm);
    }
}

static void
on_items_changed (GListModel *list,
                  guint       position,
                  guint       removed,
                  guint       added,
                  TwModel    *model)
{
  CHECK (model, g_thread_self () == model->owner, "items-changed on another thread");
}

/* ------------------------------------------------------------------------ */
/* Workers (owner thread)                                                   */

static void
worker_weak_notify (gpointer  data,
                    GObject  *where_the_object_was)
{
  WorkerModel *wm = data;
  TwModel *model = wm->model;

  CHECK (model, g_private_get (&in_pool_thread) == NULL,
         "worker %u finalized on a pool thread", wm->id);
  g_mutex_lock (&wm->lock);
  CHECK (model, wm->scripts.length == 0, "worker %u finalized with a run", wm->id);
  g_mutex_unlock (&wm->lock);
  g_atomic_int_set (&wm->finalized, 1);
  g_atomic_int_inc (&model->n_finalized);
}

/* The destroy notify of the work's user data: on the owner context, once. */
static void
worker_model_destroy (gpointer data)
{
  WorkerModel *wm = data;
  TwModel *model = wm->model;

  check_owner (wm, "the destroy notify");
  CHECK (model, g_atomic_int_get (&wm->finalized), "destroy notify before finalize");
  CHECK (model, wm->scripts.length == 0 && wm->pending == NULL, "destroyed with a run");
  CHECK (model, wm->n_tasks == 0, "destroyed with a run_async call pending");
  CHECK (model, g_atomic_int_get (&wm->in_work) == 0, "destroyed while in the work");
  CHECK (model, g_ptr_array_remove (model->all, wm), "destroyed twice");

  script_unref (wm->start_on_finish);
  g_mutex_clear (&wm->lock);
  g_free (wm);
  g_atomic_int_inc (&model->n_destroyed);
}

static void
worker_model_set_policy (WorkerModel *wm,
                         guint32      param)
{
  wm->policy = (param & 3) == 0 ? TW_YIELD_POLICY_LATEST : TW_YIELD_POLICY_QUEUE;
  wm->max_pending = 1 + ((param >> 2) & 7);
  tw_worker_set_yield_policy (wm->worker, wm->policy);
  tw_worker_set_max_pending_yields (wm->worker, wm->max_pending);
}

static WorkerModel *
worker_model_new (TwModel *model,
                  guint    slot,
                  guint32  param)
{
  WorkerModel *wm = g_new0 (WorkerModel, 1);
  TwWorker *worker;

  wm->model = model;
  wm->id = ++model->next_worker_id;
  wm->generator = (param >> 5) & 1;
  g_mutex_init (&wm->lock);
  g_queue_init (&wm->scripts);

  if (wm->generator)
    worker = tw_generator_worker_new (generator_step, wm, worker_model_destroy);
  else
    worker = tw_function_worker_new (function_work, wm, worker_model_destroy);
  wm->worker = worker;
  tw_worker_set_pool (worker, model->pool);
  worker_model_set_policy (wm, param);

  g_object_weak_ref (G_OBJECT (worker), worker_weak_notify, wm);
  g_signal_connect (worker, "started", G_CALLBACK (on_started), wm);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), wm);
  g_signal_connect (worker, "warned", G_CALLBACK (on_warned), wm);
  g_signal_connect (worker, "paused", G_CALLBACK (on_paused), wm);
  g_signal_connect (worker, "resumed", G_CALLBACK (on_resumed), wm);
  g_signal_connect (worker, "returned", G_CALLBACK (on_returned), wm);
  g_signal_connect (worker, "errored", G_CALLBACK (on_errored), wm);
  g_signal_connect (worker, "aborted", G_CALLBACK (on_aborted), wm);
  g_signal_connect (worker, "finished", G_CALLBACK (on_finished), wm);
  g_signal_connect (worker, "notify", G_CALLBACK (on_notify), model);
  g_signal_connect (worker, "notify::abort-requested", G_CALLBACK (on_abort_requested), wm);
  g_signal_connect (worker, "notify::state", G_CALLBACK (on_state), wm);

  g_ptr_array_add (model->all, wm);
  model->slots[slot] = worker;
  model->slot_models[slot] = wm;
  model->stats.n_workers++;
  return wm;
}

/* Mirrors tw_worker_quit(): the live run is quit, a pending restart is
 * dropped and the run_async calls waiting for it get the quit run's end. */
static void
model_quit (WorkerModel *wm)
{
  Script *head = head_script (wm);

  if (wm->restart_window)
    {
      /* From the old run's `finished` or run_async callback: the restart's
       * run never begins, its run_async calls end as quit. */
      g_mutex_lock (&wm->lock);
      head = g_queue_pop_head (&wm->scripts);
      g_mutex_unlock (&wm->lock);
      g_assert (head != NULL && wm->pending == NULL && wm->phase == PHASE_IDLE);
      g_atomic_int_set (&head->quit_called, 1);
      head->outcome = OUT_ABORTED;
      head->finished = TRUE;
      wm->restart_window = FALSE;
      script_unref (head);
      return;
    }
  if (head != NULL)
    g_atomic_int_set (&head->quit_called, 1);
  if (wm->pending != NULL)
    {
      g_assert (head != NULL);
      for (guint i = 0; i < wm->pending->tasks->len; i++)
        {
          Task *task = g_ptr_array_index (wm->pending->tasks, i);

          task->script = script_ref (head);
          g_ptr_array_add (head->tasks, task);
          script_unref (wm->pending);
        }
      g_ptr_array_set_size (wm->pending->tasks, 0);
      g_clear_pointer (&wm->pending, script_unref);
    }
}

static void
run_async_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Task *task = user_data;
  TwModel *model = task->model;
  Script *s = task->script;
  TwWorker *worker = TW_WORKER (source);
  WorkerModel *wm = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  CHECK (model, g_thread_self () == model->owner, "run_async callback on another thread");
  if (model->trace)
    g_printerr ("%s   run_async of script %u completed\n", model->label, s->id);
  for (guint i = 0; i < model->all->len && wm == NULL; i++)
    if (((WorkerModel *) g_ptr_array_index (model->all, i))->worker == worker)
      wm = g_ptr_array_index (model->all, i);
  CHECK (model, wm != NULL, "run_async callback for an unknown worker");
  CHECK (model, g_ptr_array_remove (s->tasks, task), "run_async completed twice");
  if (wm->last_task == task)
    wm->last_task = NULL;

  ok = tw_worker_run_finish (worker, result, &value, &error);
  if (task->cancelled && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Cancelled: at once for a joined call, at the end of the run it
       * started (which the cancellation quit) otherwise. */
      CHECK (model, !ok && !G_IS_VALUE (&value), "a cancelled run_async returned a value");
    }
  else
  {
  CHECK (model, s->finished, "run_async of script %u completed before its run finished", s->id);
  switch (s->outcome)
    {
    case OUT_RETURNED:
      CHECK (model, ok && error == NULL, "run_finish failed for a run that returned");
      if (s->end == END_RETURN)
        {
          guint32 id, seq;

          CHECK (model, value_decode (&value, &id, &seq) && id == s->id && seq == RETURN_SEQ,
                 "run_finish gave another value");
        }
      else
        CHECK (model, !G_IS_VALUE (&value), "run_finish set a value for a run without one");
      break;
    case OUT_ERRORED:
      CHECK (model, !ok && g_error_matches (error, model_error_quark (), 7),
             "run_finish of an errored run: %s", error ? error->message : "no error");
      break;
    case OUT_ABORTED:
      CHECK (model, !ok && g_error_matches (error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED),
             "run_finish of an aborted run: %s", error ? error->message : "no error");
      break;
    case OUT_NONE:
    default:
      FAIL (model, "run_async completed for a run without an outcome");
    }
  }

  wm->n_tasks--;
  model->n_tasks--;
  model->stats.n_tasks++;
  run_hook (wm, s, HOOK_CALLBACK);
  script_unref (s);
  g_clear_object (&task->cancellable);
  g_free (task);
}

/* ------------------------------------------------------------------------ */
/* Operations                                                               */

static const guint op_weights[N_OPS] = {
  [OP_RESTART_QUIT] = 3,
  [OP_START] = 22,
  [OP_PAUSE] = 7,
  [OP_RESUME] = 7,
  [OP_TOGGLE] = 4,
  [OP_SEND] = 8,
  [OP_QUIT] = 7,
  [OP_RESTART] = 6,
  [OP_UNREF] = 6,
  [OP_UNREF_ON_THREAD] = 2,
  [OP_QUIT_ALL] = 1,
  [OP_ITERATE] = 16,
  [OP_WAIT] = 4,
  [OP_RUN_ASYNC] = 5,
  [OP_SET_POLICY] = 3,
  [OP_START_ON_FINISH] = 2,
  [OP_CANCEL_RUN_ASYNC] = 3,
  [OP_GATE] = 3,
};

static const char *op_names[N_OPS] = {
  "start", "pause", "resume", "toggle", "send", "quit", "restart", "unref",
  "unref-on-thread", "quit-all", "iterate", "wait", "run-async", "set-policy",
  "start-on-finish", "cancel-run-async", "restart-quit", "gate",
};

static gpointer
unref_thread_main (gpointer data)
{
  GAsyncQueue *queue = data;
  gpointer object;

  while ((object = g_async_queue_pop (queue)) != &unref_thread_stop)
    g_object_unref (object);
  return NULL;
}

static gboolean
wake_cb (gpointer data)
{
  gboolean *fired = data;

  *fired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the owner context until @ms have passed (never longer). */
static void
iterate_for (TwModel *self,
             guint    ms)
{
  gboolean fired = FALSE;
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, wake_cb, &fired, NULL);
  g_source_attach (source, self->context);
  while (!fired)
    g_main_context_iteration (self->context, TRUE);
  g_source_destroy (source);
  g_source_unref (source);
}

static void
model_quit_all (TwModel *self)
{
  for (guint i = 0; i < self->all->len; i++)
    {
      WorkerModel *wm = g_ptr_array_index (self->all, i);

      /* A run that has reached its terminal signal, or a restart not begun
       * yet, is not in the pool's list: quit_all() leaves it (and a restart
       * asked before still happens). */
      if (!wm->restart_window && wm->phase != PHASE_TERMINAL)
        model_quit (wm);
    }
  tw_pool_quit_all (self->pool);
}

/* OP_GATE: a delivery gate whose held events an idle source on the owner
 * context delivers, @budget_usec a call, until none is held: the events'
 * order, and everything the model predicts, must not change; only when
 * they arrive. Handlers may replace or remove it while it delivers. */
typedef struct
{
  TwWorker *worker;       /* not a reference; NULL once the gate is gone */
  TwModelStats *stats;    /* the model's */
  gint64    budget_usec;
  GSource  *source;       /* the idle delivering, if one is scheduled */
} Gate;

static gboolean
gate_deliver_cb (gpointer data)
{
  Gate *gate = data;   /* kept alive by the source during this dispatch */
  gboolean more = FALSE;

  if (gate->worker != NULL)
    {
      gate->stats->n_gated++;
      more = tw_worker_deliver_held (gate->worker, gate->budget_usec);
    }
  /* A handler may have removed the gate: gate_release() destroyed the
   * source then. */
  if (!more && gate->source != NULL)
    g_clear_pointer (&gate->source, g_source_unref);
  return more ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
gate_ready_cb (TwWorker *worker,
               gpointer  data)
{
  Gate *gate = data;

  if (gate->source != NULL)
    return;
  gate->source = g_idle_source_new ();
  g_source_set_callback (gate->source, gate_deliver_cb, g_rc_box_acquire (gate),
                         (GDestroyNotify) g_rc_box_release);
  g_source_attach (gate->source, tw_worker_get_context (worker));
}

/* The gate's destroy notify: replaced, removed, or the worker finalized. */
static void
gate_release (gpointer data)
{
  Gate *gate = data;

  gate->worker = NULL;
  if (gate->source != NULL)
    {
      g_source_destroy (gate->source);
      g_clear_pointer (&gate->source, g_source_unref);
    }
  g_rc_box_release (gate);
}

static void
model_set_gate (TwModel  *self,
                TwWorker *worker,
                guint32   param)
{
  static const gint64 budgets[] = { 0, 200, G_MAXINT64 };
  Gate *gate;

  if (param % 4 == 3)
    {
      tw_worker_set_delivery_gate (worker, NULL, NULL, NULL);
      return;
    }
  gate = g_rc_box_new0 (Gate);
  gate->worker = worker;
  gate->stats = &self->stats;
  gate->budget_usec = budgets[param % 4];
  tw_worker_set_delivery_gate (worker, gate_ready_cb, gate, gate_release);
}

/* Applies @op to @wm (NULL for the ops on the whole model), from the top
 * level or from a handler (run_hook()). Takes @script when it starts it. */
static void
model_apply (TwModel  *self,
             WorkerModel *wm,
             Op        op,
             Script  **script,
             guint32   param)
{
  TwWorker *worker = wm != NULL ? wm->worker : NULL;

  switch (op)
    {
    case OP_START:
      if (head_script (wm) == NULL)
        {
          push_script (wm, g_steal_pointer (script));
          tw_worker_start (worker);
        }
      else if (wm->restart_window)
        tw_worker_start (worker);   /* takes the place of the pending restart */
      break;

    case OP_PAUSE:
    case OP_TOGGLE:
      if (head_script (wm) != NULL)
        g_atomic_int_set (&head_script (wm)->pause_ever, 1);
      if (op == OP_PAUSE)
        tw_worker_pause (worker);
      else
        tw_worker_toggle_pause (worker);
      break;

    case OP_RESUME:
      tw_worker_resume (worker);
      break;

    case OP_SEND:
      {
        Script *head = head_script (wm);
        gboolean accepts = wm->generator && head != NULL && !wm->restart_window &&
                           !g_atomic_int_get (&head->quit_called);
        g_auto(GValue) value = G_VALUE_INIT;
        g_autoptr(GError) error = NULL;
        gboolean ok;

        g_value_init (&value, G_TYPE_INT64);
        g_value_set_int64 (&value, accepts ? ((gint64) head->id << 32) | head->n_sent : -1);
        ok = tw_worker_send (worker, &value, &error);
        CHECK (self, ok == accepts, "worker %u: send gave %d, expected %d (%s)", wm->id, ok,
               accepts, error ? error->message : "");
        if (ok)
          head->n_sent++;
        else
          CHECK (self, g_error_matches (error, TW_WORKER_ERROR,
                                        wm->generator ? TW_WORKER_ERROR_NOT_RUNNING
                                                      : TW_WORKER_ERROR_NOT_SUPPORTED),
                 "send failed with %s", error->message);
      }
      break;

    case OP_QUIT:
      model_quit (wm);
      tw_worker_quit (worker);
      break;

    case OP_RESTART:
    case OP_RESTART_QUIT:
      if (head_script (wm) == NULL)
        push_script (wm, g_steal_pointer (script));
      else if (!wm->restart_window)
        {
          g_atomic_int_set (&head_script (wm)->quit_called, 1);
          if (wm->pending == NULL)
            wm->pending = g_steal_pointer (script);
        }
      /* In the window, the restart starts the run the pending one asked for. */
      tw_worker_restart (worker);
      if (op == OP_RESTART_QUIT)
        {
          model_quit (wm);
          tw_worker_quit (worker);
        }
      break;

    case OP_QUIT_ALL:
      model_quit_all (self);
      break;

    case OP_ITERATE:
      for (guint i = 0; i < param % 8; i++)
        g_main_context_iteration (self->context, FALSE);
      break;

    case OP_WAIT:
      iterate_for (self, param % 4);
      break;

    case OP_RUN_ASYNC:
      {
        Task *task = g_new0 (Task, 1);
        gboolean starts = head_script (wm) == NULL;

        if (starts)
          {
            task->script = script_ref (*script);
            push_script (wm, g_steal_pointer (script));
          }
        else
          task->script = script_ref (wm->pending ? wm->pending : head_script (wm));
        /* In the window the call starts the restart's run. */
        starts = starts || wm->restart_window;
        task->model = self;
        /* Half of the calls can be cancelled by a later operation. */
        if (param & 1)
          {
            task->cancellable = g_cancellable_new ();
            g_object_set_data (G_OBJECT (task->cancellable), "tw-model-starts",
                               GINT_TO_POINTER (starts));
          }
        g_ptr_array_add (task->script->tasks, task);
        wm->n_tasks++;
        wm->last_task = task;
        self->n_tasks++;
        tw_worker_run_async (worker, task->cancellable, run_async_cb, task);
      }
      break;

    case OP_SET_POLICY:
      worker_model_set_policy (wm, param);
      /* The restart's run takes the policy when the library starts it. */
      if (wm->restart_window)
        head_script (wm)->policy = wm->policy;
      break;

    case OP_GATE:
      model_set_gate (self, worker, param);
      break;

    case OP_START_ON_FINISH:
      script_unref (wm->start_on_finish);
      wm->start_on_finish = g_steal_pointer (script);
      break;

    case OP_CANCEL_RUN_ASYNC:
      /* The last run_async call of the slot, if it had a cancellable and
       * has not completed: it completes with G_IO_ERROR_CANCELLED, or with
       * its run's outcome if that came first; if it started its run, the
       * run is quit (unless it was already). */
      if (wm->last_task != NULL && wm->last_task->cancellable != NULL &&
          !wm->last_task->cancelled)
        {
          Task *task = wm->last_task;

          task->cancelled = TRUE;
          if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task->cancellable), "tw-model-starts")))
            task->script->has_cancelled_starter = TRUE;
          g_cancellable_cancel (task->cancellable);
        }
      break;

    case OP_UNREF:
    case OP_UNREF_ON_THREAD:
    case N_OPS:
    default:
      g_assert_not_reached ();
    }
}

/* Invariants between operations. */
static void
model_check (TwModel *self)
{
  guint n_live = 0;

  for (guint i = 0; i < self->all->len; i++)
    {
      WorkerModel *wm = g_ptr_array_index (self->all, i);

      CHECK (self, wm->phase != PHASE_TERMINAL, "worker %u: terminal signal without finished", wm->id);
      if (wm->scripts.length > 0)
        n_live++;
    }
  CHECK (self, g_list_model_get_n_items (G_LIST_MODEL (self->pool)) == n_live,
         "the pool lists %u workers, %u are running", g_list_model_get_n_items (G_LIST_MODEL (self->pool)),
         n_live);
  CHECK (self, tw_pool_get_n_running (self->pool) + tw_pool_get_n_waiting (self->pool) == n_live,
         "n-running %u + n-waiting %u != %u", tw_pool_get_n_running (self->pool),
         tw_pool_get_n_waiting (self->pool), n_live);

  for (guint slot = 0; slot < self->config.n_slots; slot++)
    {
      WorkerModel *wm = self->slot_models[slot];
      TwWorker *worker = self->slots[slot];
      TwWorkerState state;
      Script *head;

      if (worker == NULL)
        continue;
      state = tw_worker_get_state (worker);
      head = head_script (wm);
      CHECK (self, tw_worker_get_is_running (worker) == (head != NULL),
             "worker %u: is-running %d, model %d", wm->id, tw_worker_get_is_running (worker), head != NULL);
      if (head == NULL)
        CHECK (self, state == TW_WORKER_STATE_IDLE || state == TW_WORKER_STATE_FINISHED ||
               state == TW_WORKER_STATE_ERRORED || state == TW_WORKER_STATE_ABORTED,
               "worker %u: state %d without a run", wm->id, state);
      else if (wm->phase == PHASE_IDLE)
        CHECK (self, state == TW_WORKER_STATE_WAITING, "worker %u: state %d before started", wm->id, state);
      else
        CHECK (self, state == (wm->paused_seen ? TW_WORKER_STATE_PAUSED : TW_WORKER_STATE_RUNNING),
               "worker %u: state %d, paused seen %d", wm->id, state, wm->paused_seen);
      if (head != NULL)
        CHECK (self, tw_worker_get_abort_requested (worker) == g_atomic_int_get (&head->quit_called),
               "worker %u: abort-requested %d", wm->id, tw_worker_get_abort_requested (worker));
    }
}

gboolean
tw_model_step (TwModel *self)
{
  TwModelInput *in = self->input;
  guint total = 0, pick;
  Op op;
  guint slot;
  guint32 script_seed, param;
  g_autoptr(Script) script = NULL;
  WorkerModel *wm;
  TwWorker *worker;

  if (in->ended || (self->config.max_ops > 0 && self->n_ops >= self->config.max_ops))
    return FALSE;

  /* The same four draws for every operation, whatever the threads did. */
  for (op = 0; op < N_OPS; op++)
    total += op_weights[op];
  pick = input_pick (in, total);
  for (op = 0; pick >= op_weights[op]; op++)
    pick -= op_weights[op];
  slot = input_pick (in, self->n_used_slots);
  script_seed = input_u32 (in);
  param = input_pick (in, 256);
  if (in->ended)
    return FALSE;

  self->n_ops++;
  self->stats.n_ops++;
  script = script_new (self, script_seed);
  wm = self->slot_models[slot];
  worker = self->slots[slot];

  if (self->trace)
    g_printerr ("%s op %u: %s slot %u worker %u (script %u, param %u)\n", self->label,
                self->n_ops, op_names[op], slot, wm ? wm->id : 0, script->id, param);

  switch (op)
    {
    case OP_START:
      if (worker == NULL)
        worker_model_new (self, slot, param);
      model_apply (self, self->slot_models[slot], op, &script, param);
      break;

    case OP_UNREF:
    case OP_UNREF_ON_THREAD:
      if (worker == NULL)
        break;
      self->slots[slot] = NULL;
      self->slot_models[slot] = NULL;
      if (op == OP_UNREF)
        g_object_unref (worker);   /* may free @wm */
      else
        {
          self->stats.n_unref_on_thread++;
          g_async_queue_push (self->unref_queue, worker);
        }
      break;

    case OP_QUIT_ALL:
    case OP_ITERATE:
    case OP_WAIT:
      model_apply (self, NULL, op, &script, param);
      break;

    case N_OPS:
      g_assert_not_reached ();

    default:
      if (worker != NULL)
        model_apply (self, wm, op, &script, param);
      break;
    }

  /* Let a few events through after every operation. */
  g_main_context_iteration (self->context, FALSE);
  model_check (self);

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */

static void
pool_weak_notify (gpointer  data,
                  GObject  *where_the_object_was)
{
  TwModel *model = data;

  g_atomic_int_set (&model->pool_finalized, 1);
}

TwModel *
tw_model_new (TwModelInput        *input,
              const TwModelConfig *config)
{
  static const guint idle_timeouts[] = { 0, 1, 5, 50, 10000 };
  TwModel *self = g_new0 (TwModel, 1);

  self->input = input;
  self->config = *config;
  g_assert (self->config.n_slots >= 1);
  self->label = input->rand != NULL ? g_strdup ("(seeded)") : g_strdup ("(fuzz input)");
  self->owner = g_thread_self ();
  self->trace = g_getenv ("TW_MODEL_TRACE") != NULL;
  {
    static gsize handlers_installed;

    if (g_once_init_enter (&handlers_installed))
      {
        g_log_set_handler ("Threadworker", G_LOG_LEVEL_CRITICAL | G_LOG_FLAG_FATAL,
                           model_log_handler, NULL);
        g_test_log_set_fatal_handler (model_fatal_handler, NULL);
        g_once_init_leave (&handlers_installed, 1);
      }
  }
  self->context = g_main_context_new ();
  g_main_context_push_thread_default (self->context);

  if (pipe (self->pipe_fds) != 0)
    g_error ("pipe: %s", g_strerror (errno));

  /* The classes the work instantiates on pool threads, initialized here on
   * the owner thread before any: the first initialization of a class sets
   * a flag on its parent class (GObject's, for GInputStream) without a lock
   * while another thread's g_object_new() of the parent type reads it
   * (g_object_base_class_init() against g_object_init(), a data race inside
   * GLib 2.74 that ThreadSanitizer reports). Classes of static types stay. */
  g_type_class_unref (g_type_class_ref (G_TYPE_UNIX_INPUT_STREAM));

  self->pool = tw_pool_new ();
  self->max_threads = 1 + input_pick (input, 4);
  tw_pool_set_max_threads (self->pool, self->max_threads);
  tw_pool_set_idle_timeout (self->pool, idle_timeouts[input_pick (input, G_N_ELEMENTS (idle_timeouts))]);
  /* Operations on few workers make long sequences on one worker (start,
   * restart, cancel...); on many, much concurrency. */
  {
    static const guint fractions[] = { 12, 6, 3, 1 };   /* n_slots / fraction */
    guint fraction = fractions[input_pick (input, G_N_ELEMENTS (fractions))];

    self->n_used_slots = MAX (1, self->config.n_slots / fraction);
  }
  g_object_weak_ref (G_OBJECT (self->pool), pool_weak_notify, self);
  g_signal_connect (self->pool, "notify", G_CALLBACK (on_notify), self);
  g_signal_connect (self->pool, "items-changed", G_CALLBACK (on_items_changed), self);

  self->slots = g_new0 (TwWorker *, self->config.n_slots);
  self->slot_models = g_new0 (WorkerModel *, self->config.n_slots);
  self->all = g_ptr_array_new ();
  self->unref_queue = g_async_queue_new ();
  self->unref_thread = g_thread_new ("tw-model-unref", unref_thread_main, self->unref_queue);

  return self;
}

void
tw_model_set_label (TwModel    *self,
                    const char *label)
{
  g_free (self->label);
  self->label = g_strdup (label);
}

static char *
model_dump (TwModel *self)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "after %u operations on %u slots, max-threads %u, %d active:",
                          self->n_ops, self->n_used_slots, self->max_threads,
                          g_atomic_int_get (&self->active));
  for (guint i = 0; i < self->all->len; i++)
    {
      WorkerModel *wm = g_ptr_array_index (self->all, i);

      if (wm->scripts.length == 0 && wm->pending == NULL && wm->n_tasks == 0)
        continue;
      g_string_append_printf (out, "\n  worker %u (%s, phase %d, %u tasks):", wm->id,
                              wm->generator ? "generator" : "function", wm->phase, wm->n_tasks);
      for (GList *l = wm->scripts.head; l != NULL; l = l->next)
        {
          g_string_append (out, "\n    ");
          script_describe (l->data, out);
        }
      if (wm->pending != NULL)
        {
          g_string_append (out, "\n    pending ");
          script_describe (wm->pending, out);
        }
    }
  return g_string_free (out, FALSE);
}

static gboolean
model_any_live (TwModel *self)
{
  for (guint i = 0; i < self->all->len; i++)
    {
      WorkerModel *wm = g_ptr_array_index (self->all, i);

      if (wm->scripts.length > 0 || wm->pending != NULL)
        return TRUE;
    }
  return FALSE;
}

/* Iterates until @done holds, failing with a dump after the drain timeout. */
#define ITERATE_UNTIL(self, done, what)                                        \
  G_STMT_START {                                                               \
    gint64 _end = g_get_monotonic_time ()                                      \
                  + (gint64) (self)->config.drain_timeout_ms * 1000;           \
    while (!(done))                                                            \
      {                                                                        \
        if (g_get_monotonic_time () > _end)                                    \
          {                                                                    \
            g_autofree char *_dump = model_dump (self);                        \
            FAIL (self, "%s did not happen within %u ms: %s", what,            \
                  (self)->config.drain_timeout_ms, _dump);                     \
          }                                                                    \
        iterate_for (self, 1);                                                 \
      }                                                                        \
  } G_STMT_END

void
tw_model_finish (TwModel      *self,
                 TwModelStats *stats)
{
  gboolean quit_everything = input_pick (self->input, 2) == 0;
  gint64 end;

  self->draining = TRUE;

  for (guint i = 0; i < self->all->len; i++)
    {
      WorkerModel *wm = g_ptr_array_index (self->all, i);

      g_clear_pointer (&wm->start_on_finish, script_unref);
    }

  /* Either shut down like an application, or let every run end on its own
   * (after resuming it; blocking reads still need a quit). */
  if (quit_everything)
    model_quit_all (self);
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) self->config.drain_timeout_ms * 1000;

    while (model_any_live (self))
      {
        if (g_get_monotonic_time () > deadline)
          {
            g_autofree char *dump = model_dump (self);
            FAIL (self, "runs did not end within %u ms: %s", self->config.drain_timeout_ms, dump);
          }
        for (guint i = 0; i < self->all->len; i++)
          {
            WorkerModel *wm = g_ptr_array_index (self->all, i);
            Script *head = head_script (wm);

            if (head == NULL)
              continue;
            tw_worker_resume (wm->worker);
            if (head->has_block && !g_atomic_int_get (&head->quit_called))
              {
                model_quit (wm);
                tw_worker_quit (wm->worker);
              }
          }
        iterate_for (self, 1);
        model_check (self);
      }
  }

  /* Every reference goes, half of them on another thread. */
  for (guint slot = 0; slot < self->config.n_slots; slot++)
    {
      TwWorker *worker = g_steal_pointer (&self->slots[slot]);

      self->slot_models[slot] = NULL;
      if (worker == NULL)
        continue;
      if (slot % 2 == 0)
        g_object_unref (worker);
      else
        g_async_queue_push (self->unref_queue, worker);
    }
  g_async_queue_push (self->unref_queue, &unref_thread_stop);
  g_thread_join (g_steal_pointer (&self->unref_thread));

  ITERATE_UNTIL (self, (guint) g_atomic_int_get (&self->n_destroyed) == self->stats.n_workers,
                 "every destroy notify");
  CHECK (self, (guint) g_atomic_int_get (&self->n_finalized) == self->stats.n_workers,
         "%d of %" G_GUINT64_FORMAT " workers finalized", g_atomic_int_get (&self->n_finalized),
         self->stats.n_workers);
  CHECK (self, self->all->len == 0, "worker models left");
  CHECK (self, self->n_tasks == 0, "%u run_async calls never completed", self->n_tasks);
  CHECK (self, g_list_model_get_n_items (G_LIST_MODEL (self->pool)) == 0, "the pool is not empty");
  CHECK (self, tw_pool_get_n_running (self->pool) == 0 && tw_pool_get_n_waiting (self->pool) == 0,
         "the pool counts runs");
  CHECK (self, g_atomic_int_get (&self->active) == 0, "runs still counted as active");

  /* No run is left, so every thread is idle and release_threads ends them. */
  tw_pool_release_threads (self->pool);
  CHECK (self, tw_pool_get_n_threads (self->pool) == 0, "%u threads left after release",
         tw_pool_get_n_threads (self->pool));
  g_signal_handlers_disconnect_by_data (self->pool, self);
  g_clear_object (&self->pool);
  CHECK (self, g_atomic_int_get (&self->pool_finalized), "the pool was not finalized");

  end = g_get_monotonic_time () + (gint64) self->config.drain_timeout_ms * 1000;
  while (g_main_context_pending (self->context) && g_get_monotonic_time () < end)
    g_main_context_iteration (self->context, FALSE);

  CHECK (self, g_atomic_int_get (&self->n_ptr_alloc) == g_atomic_int_get (&self->n_ptr_freed),
         "%d of %d yielded pointers freed", g_atomic_int_get (&self->n_ptr_freed),
         g_atomic_int_get (&self->n_ptr_alloc));
  CHECK (self, g_atomic_int_get (&self->n_obj_alloc) == g_atomic_int_get (&self->n_obj_freed),
         "%d of %d yielded objects finalized", g_atomic_int_get (&self->n_obj_freed),
         g_atomic_int_get (&self->n_obj_alloc));

  self->stats.n_executed = g_atomic_int_get (&self->n_executed);
  self->stats.n_sent = g_atomic_int_get (&self->n_sent);
  self->stats.n_blocking_reads = g_atomic_int_get (&self->n_blocking_reads);
  self->stats.n_owner_calls = g_atomic_int_get (&self->n_owner_calls);
  if (stats != NULL)
    tw_model_stats_add (stats, &self->stats);

  close (self->pipe_fds[0]);
  close (self->pipe_fds[1]);
  g_async_queue_unref (self->unref_queue);
  g_ptr_array_unref (self->all);
  g_free (self->slots);
  g_free (self->slot_models);
  g_main_context_pop_thread_default (self->context);
  g_main_context_unref (self->context);
  g_free (self->label);
  g_free (self);
}

void
tw_model_stats_add (TwModelStats       *total,
                    const TwModelStats *stats)
{
  total->n_ops += stats->n_ops;
  total->n_workers += stats->n_workers;
  total->n_runs += stats->n_runs;
  total->n_executed += stats->n_executed;
  total->n_returned += stats->n_returned;
  total->n_errored += stats->n_errored;
  total->n_aborted += stats->n_aborted;
  total->n_yields += stats->n_yields;
  total->n_warnings += stats->n_warnings;
  total->n_pauses += stats->n_pauses;
  total->n_sent += stats->n_sent;
  total->n_blocking_reads += stats->n_blocking_reads;
  total->n_tasks += stats->n_tasks;
  total->n_unref_on_thread += stats->n_unref_on_thread;
  total->n_hook_ops += stats->n_hook_ops;
  total->n_owner_calls += stats->n_owner_calls;
  total->n_gated += stats->n_gated;
}

char *
tw_model_stats_format (const TwModelStats *s)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT " operations, %" G_GUINT64_FORMAT " workers, %"
                          G_GUINT64_FORMAT " runs (%" G_GUINT64_FORMAT " executed): %"
                          G_GUINT64_FORMAT " returned, %" G_GUINT64_FORMAT " errored, %"
                          G_GUINT64_FORMAT " aborted; %" G_GUINT64_FORMAT " yields, %"
                          G_GUINT64_FORMAT " warnings, %" G_GUINT64_FORMAT " pauses, %"
                          G_GUINT64_FORMAT " sent values, %" G_GUINT64_FORMAT
                          " cancelled blocking reads, %" G_GUINT64_FORMAT " run_async, %"
                          G_GUINT64_FORMAT " unrefs on another thread, %" G_GUINT64_FORMAT
                          " calls from handlers, %" G_GUINT64_FORMAT " refused owner calls from the work, %"
                          G_GUINT64_FORMAT " gated deliveries",
                          s->n_ops, s->n_workers, s->n_runs, s->n_executed, s->n_returned,
                          s->n_errored, s->n_aborted, s->n_yields, s->n_warnings, s->n_pauses,
                          s->n_sent, s->n_blocking_reads, s->n_tasks, s->n_unref_on_thread,
                          s->n_hook_ops, s->n_owner_calls, s->n_gated);
}
