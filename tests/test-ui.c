/* test-ui.c: what a user interface binds a worker with, without GTK: the
 * action group (enabled states through whole runs, activation), quit_with()
 * on a plain GObject, and the order in which progress and its text are
 * notified. tests/gtk/test-ui-gtk.c does quit_with() with a real widget.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

static const char *const action_names[] = {
  "start", "pause", "resume", "toggle-pause", "quit", "restart",
};
/* One letter per action, in the order above; '.' when disabled. */
static const char action_letters[] = "sputqr";

/* The enabled actions of @group as letters ("s....r" for an idle worker),
 * then '+' if toggle-pause's state is TRUE. */
static char *
enabled_actions (GActionGroup *group)
{
  GString *s = g_string_new (NULL);
  g_autoptr(GVariant) state = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    g_string_append_c (s, g_action_group_get_action_enabled (group, action_names[i])
                          ? action_letters[i] : '.');
  state = g_action_group_get_action_state (group, "toggle-pause");
  if (g_variant_get_boolean (state))
    g_string_append_c (s, '+');
  return g_string_free (s, FALSE);
}

#define assert_actions(group, expected)                                       \
  G_STMT_START {                                                              \
    g_autofree char *_actions = enabled_actions (group);                      \
    g_assert_cmpstr (_actions, ==, expected);                                 \
  } G_STMT_END

static TwPool *
new_pool_with_one_thread (void)
{
  TwPool *pool = tw_pool_new ();

  tw_pool_set_max_threads (pool, 1);
  return pool;
}

/* Every change of the group, as "name=0|1" lines; and the thread it came on. */
typedef struct
{
  GThread *owner;
  GString *changes;
  guint    n_wrong_thread;
} GroupLog;

static void
on_action_enabled_changed (GActionGroup *group,
                           const char   *name,
                           gboolean      enabled,
                           GroupLog     *log)
{
  if (g_thread_self () != log->owner)
    log->n_wrong_thread++;
  g_string_append_printf (log->changes, "%s=%d ", name, enabled);
}

static void
on_action_state_changed (GActionGroup *group,
                         const char   *name,
                         GVariant     *state,
                         GroupLog     *log)
{
  if (g_thread_self () != log->owner)
    log->n_wrong_thread++;
  g_string_append_printf (log->changes, "%s:%d ", name, g_variant_get_boolean (state));
}

static void
group_log_init (GroupLog     *log,
                GActionGroup *group)
{
  log->owner = g_thread_self ();
  log->changes = g_string_new (NULL);
  log->n_wrong_thread = 0;
  g_signal_connect (group, "action-enabled-changed", G_CALLBACK (on_action_enabled_changed), log);
  g_signal_connect (group, "action-state-changed", G_CALLBACK (on_action_state_changed), log);
}

static void
group_log_clear (GroupLog     *log,
                 GActionGroup *group)
{
  g_signal_handlers_disconnect_by_data (group, log);
  g_assert_cmpuint (log->n_wrong_thread, ==, 0);
  g_string_free (log->changes, TRUE);
}

/* What the actions were when `finished` was emitted. */
static void
on_finished_record_actions (TwWorker  *worker,
                            GPtrArray *seen)
{
  g_ptr_array_add (seen, enabled_actions (tw_worker_get_actions (worker)));
}

/* ------------------------------------------------------------------------ */
/* Actions                                                                  */

static void
test_actions_group_is_made_once (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  GActionGroup *group = tw_worker_get_actions (worker);
  g_auto(GStrv) names = NULL;

  g_assert_true (G_IS_ACTION_GROUP (group));
  g_assert_true (tw_worker_get_actions (worker) == group);

  names = g_action_group_list_actions (group);
  g_assert_cmpuint (g_strv_length (names), ==, G_N_ELEMENTS (action_names));
  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    {
      const GVariantType *parameter_type = NULL;
      const GVariantType *state_type = NULL;

      g_assert_true (g_strv_contains ((const char * const *) names, action_names[i]));
      g_assert_true (g_action_group_query_action (group, action_names[i], NULL,
                                                  &parameter_type, &state_type, NULL, NULL));
      g_assert_null (parameter_type);
      if (g_str_equal (action_names[i], "toggle-pause"))
        g_assert_true (g_variant_type_equal (state_type, G_VARIANT_TYPE_BOOLEAN));
      else
        g_assert_null (state_type);
    }
}

static void
test_actions_enabled_through_a_run (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GPtrArray) at_finished = g_ptr_array_new_with_free_func (g_free);
  GActionGroup *group = tw_worker_get_actions (worker);
  GroupLog log;

  group_log_init (&log, group);
  g_signal_connect (worker, "finished", G_CALLBACK (on_finished_record_actions), at_finished);

  assert_actions (group, "s....r");

  tw_worker_start (worker);
  assert_actions (group, ".p.tqr");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  assert_actions (group, ".p.tqr");

  /* Asked to pause: resume withdraws the request; toggle-pause's state
   * shows it. */
  tw_worker_pause (worker);
  assert_actions (group, "..utqr+");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_PAUSED);
  assert_actions (group, "..utqr+");

  tw_worker_resume (worker);
  assert_actions (group, ".p.tqr");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  assert_actions (group, ".p.tqr");

  /* Quit while paused: nothing is left to pause, resume or quit. */
  tw_worker_pause (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_PAUSED);
  tw_worker_quit (worker);
  assert_actions (group, ".....r");
  tw_recorder_wait_finished (rec, 1);
  assert_actions (group, "s....r");

  /* `finished` handlers see the worker startable. */
  g_assert_cmpuint (at_finished->len, ==, 1);
  g_assert_cmpstr (at_finished->pdata[0], ==, "s....r");
  tw_assert_one_run (rec->log->str, 'A');

  /* Each change was signalled once, in order, on the owner thread. */
  g_assert_cmpstr (log.changes->str, ==,
                   "start=0 pause=1 toggle-pause=1 quit=1 "          /* start */
                   "pause=0 resume=1 toggle-pause:1 "                /* pause */
                   "pause=1 resume=0 toggle-pause:0 "                /* resume */
                   "pause=0 resume=1 toggle-pause:1 "                /* pause */
                   "resume=0 toggle-pause=0 quit=0 toggle-pause:0 "  /* quit */
                   "start=1 ");                                      /* finished */
  group_log_clear (&log, group);
}

static void
test_actions_enabled_for_a_returning_run (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GPtrArray) at_finished = g_ptr_array_new_with_free_func (g_free);
  GActionGroup *group = tw_worker_get_actions (worker);

  g_signal_connect (worker, "finished", G_CALLBACK (on_finished_record_actions), at_finished);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpstr (at_finished->pdata[0], ==, "s....r");
  assert_actions (group, "s....r");
}

static void
test_actions_enabled_when_quit_while_waiting (void)
{
  g_autoptr(TwPool) pool = new_pool_with_one_thread ();
  g_autoptr(TwWorker) blocker = NULL;
  g_autoptr(TwWorker) waiting = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  g_autoptr(GPtrArray) at_finished = g_ptr_array_new_with_free_func (g_free);
  GActionGroup *group;
  TwGate gate;

  tw_gate_init (&gate);
  blocker = tw_function_worker_new (tw_test_work_wait_for_gate, &gate, NULL);
  waiting = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  rec = tw_recorder_new (waiting);
  tw_worker_set_pool (blocker, pool);
  tw_worker_set_pool (waiting, pool);
  group = tw_worker_get_actions (waiting);
  g_signal_connect (waiting, "finished", G_CALLBACK (on_finished_record_actions), at_finished);

  tw_worker_start (blocker);
  tw_worker_start (waiting);
  g_assert_cmpint (tw_worker_get_state (waiting), ==, TW_WORKER_STATE_WAITING);
  /* A waiting run may be asked to pause (it pauses when it begins). */
  assert_actions (group, ".p.tqr");
  tw_worker_pause (waiting);
  assert_actions (group, "..utqr+");

  tw_worker_quit (waiting);
  assert_actions (group, ".....r");
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  g_assert_cmpstr (at_finished->pdata[0], ==, "s....r");
  assert_actions (group, "s....r");

  tw_gate_open (&gate);
  TW_TEST_WAIT_UNTIL (!tw_worker_get_is_running (blocker));
  tw_gate_clear (&gate);
}

static void
test_actions_enabled_through_a_restart (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  g_autoptr(GPtrArray) at_finished = g_ptr_array_new_with_free_func (g_free);
  GActionGroup *group = tw_worker_get_actions (worker);

  g_signal_connect (worker, "finished", G_CALLBACK (on_finished_record_actions), at_finished);

  /* Restart of an idle worker starts it. */
  tw_worker_restart (worker);
  assert_actions (group, ".p.tqr");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);

  /* While the old run ends, only quit (which cancels the restart) applies. */
  tw_worker_restart (worker);
  assert_actions (group, "....q.");
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (at_finished->pdata[0], ==, "....q.");
  /* The new run. */
  assert_actions (group, ".p.tqr");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);

  /* Quit after a restart was asked cancels it. */
  tw_worker_restart (worker);
  tw_worker_quit (worker);
  assert_actions (group, ".....r");
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (at_finished->pdata[1], ==, "s....r");
  assert_actions (group, "s....r");
  g_assert_cmpstr (rec->log->str, ==, "SAFSAF");
}

typedef struct
{
  guint    n_finished;
  gboolean done;
  GError  *error;
} QuitFromFinished;

static void
on_finished_quit (TwWorker         *worker,
                  QuitFromFinished *data)
{
  if (data->n_finished++ == 0)
    {
      /* The restart is pending and the old run gone. */
      assert_actions (tw_worker_get_actions (worker), "....q.");
      tw_worker_quit (worker);
      assert_actions (tw_worker_get_actions (worker), "s....r");
    }
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  QuitFromFinished *data = user_data;

  g_assert_false (tw_worker_run_finish (TW_WORKER (source), result, NULL, &data->error));
  data->done = TRUE;
}

static void
test_quit_from_finished_cancels_the_pending_restart (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  QuitFromFinished data = { 0, FALSE, NULL };

  g_signal_connect (worker, "finished", G_CALLBACK (on_finished_quit), &data);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  tw_worker_restart (worker);
  /* Joins the restart's run. */
  tw_worker_run_async (worker, NULL, run_done_cb, &data);

  TW_TEST_WAIT_UNTIL (data.done);
  g_assert_error (data.error, TW_WORKER_ERROR, TW_WORKER_ERROR_CANCELLED);
  g_clear_error (&data.error);
  g_assert_false (tw_worker_get_is_running (worker));
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ABORTED);
  tw_test_iterate_ticks (3);
  /* No new run began. */
  g_assert_cmpstr (rec->log->str, ==, "SAF");
  assert_actions (tw_worker_get_actions (worker), "s....r");
}

static void
activate (TwWorker   *worker,
          const char *name)
{
  g_action_group_activate_action (tw_worker_get_actions (worker), name, NULL);
}

static void
test_activating_each_action_calls_its_method (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_loop_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GActionGroup *group = tw_worker_get_actions (worker);

  activate (worker, "start");
  g_assert_true (tw_worker_get_is_running (worker));
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);

  activate (worker, "pause");
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  activate (worker, "resume");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  activate (worker, "toggle-pause");
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  activate (worker, "toggle-pause");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);

  /* Changing toggle-pause's state pauses and resumes too; asking for the
   * state it has does nothing. */
  g_action_group_change_action_state (group, "toggle-pause", g_variant_new_boolean (TRUE));
  TW_TEST_WAIT_UNTIL (tw_worker_get_is_paused (worker));
  g_action_group_change_action_state (group, "toggle-pause", g_variant_new_boolean (TRUE));
  assert_actions (group, "..utqr+");
  g_action_group_change_action_state (group, "toggle-pause", g_variant_new_boolean (FALSE));
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  g_assert_cmpstr (rec->log->str, ==, "SPUPUPU");

  /* A disabled action does nothing: start of a running worker would be a
   * programmer error, and resume has nothing to resume. */
  activate (worker, "start");
  activate (worker, "resume");
  tw_test_iterate_ticks (3);
  g_assert_cmpstr (rec->log->str, ==, "SPUPUPU");

  activate (worker, "restart");
  tw_recorder_wait_finished (rec, 1);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  g_assert_cmpstr (rec->log->str, ==, "SPUPUPUAFS");

  activate (worker, "quit");
  g_assert_true (tw_worker_get_abort_requested (worker));
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str, ==, "SPUPUPUAFSAF");

  /* Restart of a finished worker starts it again. */
  activate (worker, "restart");
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  activate (worker, "quit");
  tw_recorder_wait_finished (rec, 3);
  g_assert_cmpstr (rec->log->str, ==, "SPUPUPUAFSAFSAF");
}

static void
test_actions_outlive_their_worker_disabled (void)
{
  TwWorker *worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  GActionGroup *group = g_object_ref (tw_worker_get_actions (worker));

  assert_actions (group, "s....r");
  g_assert_finalize_object (worker);

  assert_actions (group, "......");
  /* Disabled, and forgotten by the worker: activating does nothing. */
  for (guint i = 0; i < G_N_ELEMENTS (action_names); i++)
    g_action_group_activate_action (group, action_names[i], NULL);
  g_action_group_change_action_state (group, "toggle-pause", g_variant_new_boolean (TRUE));
  g_assert_finalize_object (group);
}

/* ------------------------------------------------------------------------ */
/* quit_with                                                                */

typedef struct
{
  GObject *object;       /* the object the handlers were connected with */
  guint    n_touched;    /* handler calls with @object as data */
  guint    n_other;      /* calls of a handler bound to nothing */
} Touches;

static void
on_signal_touch (TwWorker *worker,
                 gpointer  object)
{
  Touches *touches = g_object_get_data (object, "touches");

  /* Would read freed memory (valgrind, ASan) if called after the dispose. */
  touches->n_touched++;
}

static void
on_notify_touch (TwWorker   *worker,
                 GParamSpec *pspec,
                 gpointer    object)
{
  on_signal_touch (worker, object);
}

static void
on_yielded_touch (TwWorker     *worker,
                  const GValue *value,
                  gpointer      object)
{
  on_signal_touch (worker, object);
}

static void
on_finished_other (TwWorker *worker,
                   Touches  *touches)
{
  touches->n_other++;
}

static GObject *
new_touched_object (Touches *touches)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  touches->object = object;
  touches->n_touched = 0;
  touches->n_other = 0;
  g_object_set_data (object, "touches", touches);
  return object;
}

/* Connects handlers that touch @object to every signal a quit emits: with
 * g_signal_connect_object(), and plainly with @object as data. */
static void
connect_touching (TwWorker *worker,
                  GObject  *object)
{
  g_signal_connect_object (worker, "aborted", G_CALLBACK (on_signal_touch), object, 0);
  g_signal_connect_object (worker, "finished", G_CALLBACK (on_signal_touch), object, 0);
  g_signal_connect_object (worker, "returned", G_CALLBACK (on_yielded_touch), object, 0);
  g_signal_connect_object (worker, "notify::abort-requested", G_CALLBACK (on_notify_touch),
                           object, 0);
  g_signal_connect_object (worker, "notify::state", G_CALLBACK (on_notify_touch), object, 0);
  g_signal_connect_object (worker, "yielded", G_CALLBACK (on_yielded_touch), object, 0);
  g_signal_connect (worker, "notify::is-running", G_CALLBACK (on_notify_touch), object);
  g_signal_connect (worker, "aborted", G_CALLBACK (on_signal_touch), object);
}

/* Yields a number every millisecond until quit. */
static void
yield_until_quit (TwWorker *worker,
                  gpointer  user_data)
{
  gint64 i = 0;

  while (tw_worker_yield_int (worker, i++) && tw_worker_sleep (worker, 1))
    ;
}

static void
test_quit_with_object_disposed_mid_run (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Touches touches;
  GObject *object = new_touched_object (&touches);

  g_signal_connect (worker, "finished", G_CALLBACK (on_finished_other), &touches);
  connect_touching (worker, object);
  tw_worker_quit_with (worker, object);

  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len >= 3);
  g_assert_cmpuint (touches.n_touched, >, 0);   /* they did run before */

  touches.n_touched = 0;
  g_assert_finalize_object (object);

  /* Quit at once, in the dispose. */
  g_assert_true (tw_worker_get_abort_requested (worker));
  tw_recorder_wait_finished (rec, 1);
  tw_assert_one_run (rec->log->str, 'A');
  g_assert_cmpuint (touches.n_touched, ==, 0);
  /* Handlers bound to something else still run. */
  g_assert_cmpuint (touches.n_other, ==, 1);

  /* The worker is still whole and runs again, bound to nothing now. */
  g_string_truncate (rec->log, 0);
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len >= 6);
  tw_worker_quit (worker);
  tw_recorder_wait_finished (rec, 2);
  tw_assert_one_run (rec->log->str, 'A');
  g_assert_cmpuint (touches.n_touched, ==, 0);
  g_assert_cmpuint (touches.n_other, ==, 2);
}

static void
test_quit_with_several_objects (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (yield_until_quit, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Touches touches_a, touches_b;
  GObject *a = new_touched_object (&touches_a);
  GObject *b = new_touched_object (&touches_b);

  connect_touching (worker, a);
  connect_touching (worker, b);
  tw_worker_quit_with (worker, a);
  tw_worker_quit_with (worker, b);
  tw_worker_quit_with (worker, a);   /* once is enough */

  /* The first to go quits the run; the other's handlers stay. */
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (rec->values->len >= 1);
  g_assert_finalize_object (b);
  touches_a.n_touched = 0;
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str + rec->log->len - 2, ==, "AF");
  g_assert_cmpuint (touches_a.n_touched, >, 0);

  /* So does the other, for the next run. */
  tw_worker_start (worker);
  TW_TEST_WAIT_UNTIL (tw_worker_get_state (worker) == TW_WORKER_STATE_RUNNING);
  g_assert_finalize_object (a);
  touches_a.n_touched = 0;
  tw_recorder_wait_finished (rec, 2);
  g_assert_cmpstr (rec->log->str + rec->log->len - 2, ==, "AF");
  g_assert_cmpuint (touches_a.n_touched, ==, 0);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_ABORTED);
}

static void
test_quit_with_object_disposed_while_idle (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  Touches touches;
  GObject *object = new_touched_object (&touches);

  connect_touching (worker, object);
  tw_worker_quit_with (worker, object);
  g_assert_finalize_object (object);
  g_assert_cmpint (tw_worker_get_state (worker), ==, TW_WORKER_STATE_IDLE);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpuint (touches.n_touched, ==, 0);
}

static void
test_quit_with_worker_finalized_first (void)
{
  TwWorker *worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  g_autoptr(TwRecorder) rec = tw_recorder_new (worker);
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  tw_worker_quit_with (worker, object);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);
  g_clear_pointer (&rec, tw_recorder_free);
  g_assert_finalize_object (worker);

  /* The worker dropped its weak reference: nothing to call any more. */
  g_assert_finalize_object (object);
}

/* ------------------------------------------------------------------------ */
/* Progress                                                                 */

typedef struct
{
  GThread *owner;
  GString *log;
} ProgressLog;

static void
on_progress_notify (TwWorker    *worker,
                    GParamSpec  *pspec,
                    ProgressLog *log)
{
  g_assert_true (g_thread_self () == log->owner);
  g_string_append_printf (log->log, "%s:%g/%s ", pspec->name,
                          tw_worker_get_progress (worker),
                          tw_worker_get_progress_text (worker) ? tw_worker_get_progress_text (worker) : "-");
}

static void
progress_log_connect (ProgressLog *log,
                      TwWorker    *worker)
{
  log->owner = g_thread_self ();
  log->log = g_string_new (NULL);
  g_signal_connect (worker, "notify::progress", G_CALLBACK (on_progress_notify), log);
  g_signal_connect (worker, "notify::progress-text", G_CALLBACK (on_progress_notify), log);
}

/* Two updates, then one: each lands in the run's progress before the owner
 * takes it (the test waits on the gates without iterating). */
static void
set_progress_then_open (TwWorker *worker,
                        gpointer  user_data)
{
  TwGate *gates = user_data;

  tw_worker_set_progress (worker, 0.5);
  tw_worker_set_progress_text (worker, "half");
  tw_gate_open (&gates[0]);
  tw_gate_wait (&gates[1]);
  tw_worker_set_progress_with_text (worker, 0.75, "three quarters");
  tw_gate_open (&gates[2]);
}

static void
test_progress_and_text_notified_after_both_changed (void)
{
  g_autoptr(TwWorker) worker = NULL;
  g_autoptr(TwRecorder) rec = NULL;
  ProgressLog log;
  TwGate gates[3];

  for (guint i = 0; i < G_N_ELEMENTS (gates); i++)
    tw_gate_init (&gates[i]);
  worker = tw_function_worker_new (set_progress_then_open, gates, NULL);
  rec = tw_recorder_new (worker);
  progress_log_connect (&log, worker);

  tw_worker_start (worker);
  tw_gate_wait (&gates[0]);
  TW_TEST_WAIT_UNTIL (tw_worker_get_progress_text (worker) != NULL);
  tw_gate_open (&gates[1]);
  tw_gate_wait (&gates[2]);
  tw_recorder_wait_finished (rec, 1);

  /* Each handler sees both new values. */
  g_assert_cmpstr (log.log->str, ==,
                   "progress:0.5/half progress-text:0.5/half "
                   "progress:0.75/three quarters progress-text:0.75/three quarters ");

  /* A new run resets both, before either is notified (in the notify queue
   * of `started`, which GObject empties in either order). */
  g_string_truncate (log.log, 0);
  for (guint i = 0; i < G_N_ELEMENTS (gates); i++)
    {
      tw_gate_clear (&gates[i]);
      tw_gate_init (&gates[i]);
    }
  tw_gate_open (&gates[1]);
  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 2);
  g_test_message ("%s", log.log->str);
  g_assert_true (g_str_has_prefix (log.log->str, "progress:0/- progress-text:0/- ") ||
                 g_str_has_prefix (log.log->str, "progress-text:0/- progress:0/- "));

  g_string_free (log.log, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (gates); i++)
    tw_gate_clear (&gates[i]);
}

/* What `PROGRESS <fraction> <text>` lines of the script below say. */
static const char *
text_of_fraction (double fraction)
{
  if (fraction == 0.25)
    return "quarter";
  if (fraction == 0.5)
    return "half";
  if (fraction == 0.75)
    return "three quarters";
  return NULL;
}

typedef struct
{
  GThread *owner;
  guint    n_checked;
  guint    n_mismatched;
} PairCheck;

static void
on_progress_check_pair (TwWorker   *worker,
                        GParamSpec *pspec,
                        PairCheck  *check)
{
  double fraction = tw_worker_get_progress (worker);

  g_assert_true (g_thread_self () == check->owner);
  if (fraction == 0.0)
    return;   /* the reset when the run starts */
  check->n_checked++;
  if (g_strcmp0 (text_of_fraction (fraction), tw_worker_get_progress_text (worker)) != 0)
    check->n_mismatched++;
}

static void
test_subprocess_progress_line_notified_as_one (void)
{
  const char *argv[] = {
    "/bin/sh", "-c",
    "i=0; while [ $i -lt 200 ]; do "
    "echo 'PROGRESS 0.25 quarter'; echo 'PROGRESS 0.5 half'; "
    "echo 'PROGRESS 0.75 three quarters'; i=$((i+1)); done",
    NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TwWorker) worker = tw_subprocess_worker_new (argv, &error);
  g_autoptr(TwRecorder) rec = NULL;
  PairCheck check = { g_thread_self (), 0, 0 };

  g_assert_no_error (error);
  rec = tw_recorder_new (worker);
  g_signal_connect (worker, "notify::progress", G_CALLBACK (on_progress_check_pair), &check);
  g_signal_connect (worker, "notify::progress-text", G_CALLBACK (on_progress_check_pair), &check);

  tw_worker_start (worker);
  tw_recorder_wait_finished (rec, 1);

  g_assert_cmpstr (rec->log->str, ==, "SRF");
  g_assert_cmpuint (check.n_checked, >, 0);
  g_assert_cmpuint (check.n_mismatched, ==, 0);
  g_assert_cmpfloat (tw_worker_get_progress (worker), ==, 0.75);
  g_assert_cmpstr (tw_worker_get_progress_text (worker), ==, "three quarters");
}

/* ------------------------------------------------------------------------ */
/* Programmer errors                                                        */

static gpointer
call_from_other_thread (gpointer data)
{
  TwWorker *worker = data;
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*is_owner_thread*");
  g_assert_null (tw_worker_get_actions (worker));
  g_test_assert_expected_messages ();

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*is_owner_thread*");
  tw_worker_quit_with (worker, object);
  g_test_assert_expected_messages ();

  g_object_unref (object);
  return NULL;
}

static void
test_ui_api_off_the_owner_thread_is_critical (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);
  GThread *thread = g_thread_new ("not-the-owner", call_from_other_thread, worker);

  g_thread_join (thread);
}

static void
test_quit_with_bad_arguments_is_critical (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (tw_test_work_return_42, NULL, NULL);

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*G_IS_OBJECT*");
  tw_worker_quit_with (worker, NULL);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*self != object*");
  tw_worker_quit_with (worker, worker);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Threadworker", G_LOG_LEVEL_CRITICAL, "*TW_IS_WORKER*");
  g_assert_null (tw_worker_get_actions (NULL));
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Worker/actions/group-is-made-once", test_actions_group_is_made_once);
  g_test_add_func ("/Tw/Worker/actions/enabled-through-a-run-with-pause-and-resume",
                   test_actions_enabled_through_a_run);
  g_test_add_func ("/Tw/Worker/actions/enabled-for-a-returning-run",
                   test_actions_enabled_for_a_returning_run);
  g_test_add_func ("/Tw/Worker/actions/enabled-when-quit-while-waiting",
                   test_actions_enabled_when_quit_while_waiting);
  g_test_add_func ("/Tw/Worker/actions/enabled-through-a-restart",
                   test_actions_enabled_through_a_restart);
  g_test_add_func ("/Tw/Worker/actions/activating-each-calls-its-method",
                   test_activating_each_action_calls_its_method);
  g_test_add_func ("/Tw/Worker/actions/outlive-their-worker-disabled",
                   test_actions_outlive_their_worker_disabled);
  g_test_add_func ("/Tw/Worker/quit-from-finished-cancels-the-pending-restart",
                   test_quit_from_finished_cancels_the_pending_restart);

  g_test_add_func ("/Tw/Worker/quit-with/object-disposed-mid-run-quits-and-no-handler-touches-it",
                   test_quit_with_object_disposed_mid_run);
  g_test_add_func ("/Tw/Worker/quit-with/several-objects", test_quit_with_several_objects);
  g_test_add_func ("/Tw/Worker/quit-with/object-disposed-while-idle",
                   test_quit_with_object_disposed_while_idle);
  g_test_add_func ("/Tw/Worker/quit-with/worker-finalized-first",
                   test_quit_with_worker_finalized_first);
  g_test_add_func ("/Tw/Worker/quit-with/bad-arguments-are-critical",
                   test_quit_with_bad_arguments_is_critical);

  g_test_add_func ("/Tw/Worker/progress/and-text-notified-after-both-changed",
                   test_progress_and_text_notified_after_both_changed);
  g_test_add_func ("/Tw/Worker/progress/line-of-a-child-process-notified-as-one",
                   test_subprocess_progress_line_notified_as_one);

  g_test_add_func ("/Tw/Worker/ui-api-off-the-owner-thread-is-critical",
                   test_ui_api_off_the_owner_thread_is_critical);

  return g_test_run ();
}
