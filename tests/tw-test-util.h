/* tw-test-util.h: helpers shared by the C tests: waiting on the main context
 * with a deadline, and a recorder that logs every signal of a worker and
 * checks that each handler runs on the owner thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <threadworker.h>

/* No test waits longer than this for anything; a hang fails the test. */
#define TW_TEST_DEADLINE_MS 30000

gboolean tw_test_wakeup_cb (gpointer data);

/* Iterates the thread-default context until @expr holds; fails the test
 * (with the expression) after TW_TEST_DEADLINE_MS. */
#define TW_TEST_WAIT_UNTIL(expr)                                                   \
  G_STMT_START {                                                                   \
    gint64 _tw_end = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * (gint64) 1000;\
    GSource *_tw_wake = g_timeout_source_new (50);                                  \
    g_source_set_callback (_tw_wake, tw_test_wakeup_cb, NULL, NULL);               \
    g_source_attach (_tw_wake, g_main_context_get_thread_default ());              \
    while (!(expr))                                                                \
      {                                                                            \
        if (g_get_monotonic_time () > _tw_end)                                     \
          g_error ("timed out after %d ms waiting for: %s",                        \
                   TW_TEST_DEADLINE_MS, #expr);                                    \
        g_main_context_iteration (g_main_context_get_thread_default (), TRUE);     \
      }                                                                            \
    g_source_destroy (_tw_wake);                                                   \
    g_source_unref (_tw_wake);                                                     \
  } G_STMT_END

typedef struct
{
  TwWorker  *worker;     /* not a reference */
  GThread   *owner;
  GString   *log;        /* one letter per signal: S Y R E W P U A F */
  GPtrArray *values;     /* GValue* copies of yielded values */
  GValue     returned;
  GError    *error;
  GPtrArray *warnings;   /* char* */
  guint      n_finished;
  guint      n_wrong_thread;
} TwRecorder;

/* Connects to every signal of @worker. Letters: started S, yielded Y,
 * returned R, errored E, warned W, paused P, resumed U, aborted A,
 * finished F. */
TwRecorder *tw_recorder_new   (TwWorker   *worker);
void        tw_recorder_free  (TwRecorder *self);
gint64      tw_recorder_int   (TwRecorder *self,
                               guint       index);
/* Waits until @n finished signals were seen. */
void        tw_recorder_wait_finished (TwRecorder *self,
                                       guint       n);

/* Work shared by the tests (TwWorkFunc). Returns 42. */
/* A notify handler that counts its calls in the guint at @count. */
void        tw_test_count_notify         (GObject    *object,
                                          GParamSpec *pspec,
                                          guint      *count);
void        tw_test_work_return_42       (TwWorker   *worker,
                                          gpointer    user_data);
/* Runs until quit, reaching a checkpoint every millisecond. */
void        tw_test_work_loop_until_quit (TwWorker   *worker,
                                          gpointer    user_data);
/* Blocks until the TwGate given as @user_data is opened. */
void        tw_test_work_wait_for_gate   (TwWorker   *worker,
                                          gpointer    user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwRecorder, tw_recorder_free)

/* Asserts that @log (a recorder's) is one complete run: `S` first, then only
 * Y/W/P/U, then exactly one of @terminal (R, E or A), then `F` last. */
void        tw_assert_one_run (const char *log,
                               char        terminal);

/* A one-shot flag threads wait on: a worker thread waits until the test opens
 * it, or the test thread waits (without iterating) until a worker opens it.
 * Waits fail the test after TW_TEST_DEADLINE_MS. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
} TwGate;

void        tw_gate_init      (TwGate     *self);
void        tw_gate_clear     (TwGate     *self);
void        tw_gate_open      (TwGate     *self);
gboolean    tw_gate_is_open   (TwGate     *self);
void        tw_gate_wait      (TwGate     *self);

/* Iterates the thread-default context until @n ticks of a short timer have
 * passed. Only for checks that something does *not* happen: it gives a wrong
 * behaviour the chance to show, it synchronises nothing. */
void        tw_test_iterate_ticks (guint n);

/* Dispatches what is already pending on the thread-default context, without
 * waiting for more: every event a worker pushed before this call (as far as
 * a gate or lock ordered it) has been delivered when it returns. */
void        tw_test_dispatch_pending (void);

/* Stops the run of @worker on its thread at the instant its slot in @pool
 * changes hands (the pool's test hook, tw-pool-private.h): right before it
 * gives the slot away on pause (@releasing TRUE) or takes it back on resume
 * (@releasing FALSE). The run's thread opens @entered and waits for @go;
 * other workers and the other direction pass. */
typedef struct
{
  TwPool   *pool;
  TwWorker *worker;
  gboolean  releasing;
  TwGate    entered;
  TwGate    go;
} TwSlotStop;

void        tw_slot_stop_init  (TwSlotStop *self,
                                TwPool     *pool,
                                TwWorker   *worker,
                                gboolean    releasing);
/* Removes the hook (call it once no run of the pool can reach it any more,
 * e.g. after the worker finished) and clears the gates. */
void        tw_slot_stop_clear (TwSlotStop *self);
