/* tw-model.h: a randomized model of threadworker's contract, shared by the
 * seeded model test (test-model.c) and the libFuzzer harness
 * (fuzz/fuzz-model.c). The owner thread applies random operations to a set
 * of workers whose work follows random scripts; every signal, every
 * property notification and every step of the work is checked against what
 * the contract allows, and the end of a model checks that everything ended
 * and was freed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <threadworker.h>

G_BEGIN_DECLS

/* Where the model's choices come from: a seeded PRNG (the same seed gives
 * the same operations and scripts) or the bytes of a fuzzer input. */
typedef struct _TwModelInput TwModelInput;

TwModelInput *tw_model_input_new_seeded (guint64       seed);
TwModelInput *tw_model_input_new_bytes  (const guint8 *data,
                                         gsize         size);
void          tw_model_input_free       (TwModelInput *self);

typedef struct
{
  guint    n_slots;        /* workers the owner holds references to at once */
  guint    max_ops;        /* operations before the model ends; 0: until the input ends */
  guint    max_actions;    /* actions per run of the work, at most */
  guint    max_sleep_ms;   /* tw_worker_sleep() length, at most */
  guint    drain_timeout_ms; /* the end of a model fails after this long */
} TwModelConfig;

#define TW_MODEL_CONFIG_DEFAULT { 24, 600, 12, 3, 60000 }

typedef struct
{
  guint64 n_ops;
  guint64 n_workers;
  guint64 n_runs;
  guint64 n_executed;      /* runs whose work was called */
  guint64 n_returned;
  guint64 n_errored;
  guint64 n_aborted;
  guint64 n_yields;        /* yielded signals */
  guint64 n_warnings;
  guint64 n_pauses;        /* paused signals */
  guint64 n_sent;          /* values a step received */
  guint64 n_blocking_reads; /* blocking reads cancelled by quit */
  guint64 n_tasks;         /* run_async calls completed */
  guint64 n_unref_on_thread;
  guint64 n_hook_ops;      /* operations made from inside handlers */
  guint64 n_owner_calls;   /* owner-thread calls from the work, refused */
  guint64 n_gated;         /* deliver_held() calls of OP_GATE's gates */
} TwModelStats;

typedef struct _TwModel TwModel;

/* Draws the pool's limits from @input and pushes a new main context as the
 * calling thread's thread-default context: the owner context of the model. */
TwModel  *tw_model_new    (TwModelInput        *input,
                           const TwModelConfig *config);
/* Names the model in failure messages (for example its seed). */
void      tw_model_set_label (TwModel          *self,
                              const char       *label);
/* Applies one operation. FALSE once the model has run its operations or the
 * input has ended. */
gboolean  tw_model_step   (TwModel             *self);
/* Ends every run, drops every reference and checks that each worker, value
 * and the pool were finalized; adds the model's counters to @stats (may be
 * NULL) and frees the model. Aborts the process if anything is wrong. */
void      tw_model_finish (TwModel             *self,
                           TwModelStats        *stats);

void      tw_model_stats_add    (TwModelStats       *total,
                                 const TwModelStats *stats);
char     *tw_model_stats_format (const TwModelStats *stats);

G_END_DECLS
