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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TwRecorder, tw_recorder_free)
