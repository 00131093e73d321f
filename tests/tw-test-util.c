/* tw-test-util.c: see tw-test-util.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-test-util.h"

#include <string.h>

#include "tw-pool-private.h"

gboolean
tw_test_wakeup_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
check_thread (TwRecorder *self,
              const char *what)
{
  if (g_thread_self () != self->owner)
    {
      self->n_wrong_thread++;
      g_error ("signal %s emitted on a thread that is not the owner's", what);
    }
}

static void
on_started (TwWorker *worker, TwRecorder *self)
{
  check_thread (self, "started");
  g_string_append_c (self->log, 'S');
}

static void
on_yielded (TwWorker *worker, const GValue *value, TwRecorder *self)
{
  GValue *copy = g_new0 (GValue, 1);

  check_thread (self, "yielded");
  g_string_append_c (self->log, 'Y');
  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);
  g_ptr_array_add (self->values, copy);
}

static void
on_returned (TwWorker *worker, const GValue *value, TwRecorder *self)
{
  check_thread (self, "returned");
  g_string_append_c (self->log, 'R');
  if (G_IS_VALUE (&self->returned))
    g_value_unset (&self->returned);
  if (G_IS_VALUE (value))
    {
      g_value_init (&self->returned, G_VALUE_TYPE (value));
      g_value_copy (value, &self->returned);
    }
}

static void
on_errored (TwWorker *worker, const GError *error, TwRecorder *self)
{
  check_thread (self, "errored");
  g_string_append_c (self->log, 'E');
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
}

static void
on_warned (TwWorker *worker, const char *message, TwRecorder *self)
{
  check_thread (self, "warned");
  g_string_append_c (self->log, 'W');
  g_ptr_array_add (self->warnings, g_strdup (message));
}

static void
on_paused (TwWorker *worker, TwRecorder *self)
{
  check_thread (self, "paused");
  g_string_append_c (self->log, 'P');
}

static void
on_resumed (TwWorker *worker, TwRecorder *self)
{
  check_thread (self, "resumed");
  g_string_append_c (self->log, 'U');
}

static void
on_aborted (TwWorker *worker, TwRecorder *self)
{
  check_thread (self, "aborted");
  g_string_append_c (self->log, 'A');
}

static void
on_finished (TwWorker *worker, TwRecorder *self)
{
  check_thread (self, "finished");
  g_string_append_c (self->log, 'F');
  self->n_finished++;
}

static void
free_value (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

TwRecorder *
tw_recorder_new (TwWorker *worker)
{
  TwRecorder *self = g_new0 (TwRecorder, 1);

  self->worker = worker;
  self->owner = g_thread_self ();
  self->log = g_string_new (NULL);
  self->values = g_ptr_array_new_with_free_func (free_value);
  self->warnings = g_ptr_array_new_with_free_func (g_free);

  g_signal_connect (worker, "started", G_CALLBACK (on_started), self);
  g_signal_connect (worker, "yielded", G_CALLBACK (on_yielded), self);
  g_signal_connect (worker, "returned", G_CALLBACK (on_returned), self);
  g_signal_connect (worker, "errored", G_CALLBACK (on_errored), self);
  g_signal_connect (worker, "warned", G_CALLBACK (on_warned), self);
  g_signal_connect (worker, "paused", G_CALLBACK (on_paused), self);
  g_signal_connect (worker, "resumed", G_CALLBACK (on_resumed), self);
  g_signal_connect (worker, "aborted", G_CALLBACK (on_aborted), self);
  g_signal_connect (worker, "finished", G_CALLBACK (on_finished), self);

  return self;
}

void
tw_recorder_free (TwRecorder *self)
{
  /* The worker may be gone (unref while running); only disconnect if the
   * caller still holds it, which it signals by not having cleared it. */
  if (self->worker != NULL && G_IS_OBJECT (self->worker))
    g_signal_handlers_disconnect_by_data (self->worker, self);
  g_string_free (self->log, TRUE);
  g_ptr_array_unref (self->values);
  g_ptr_array_unref (self->warnings);
  if (G_IS_VALUE (&self->returned))
    g_value_unset (&self->returned);
  g_clear_error (&self->error);
  g_free (self);
}

gint64
tw_recorder_int (TwRecorder *self,
                 guint       index)
{
  g_assert_cmpuint (index, <, self->values->len);
  return g_value_get_int64 (g_ptr_array_index (self->values, index));
}

void
tw_recorder_wait_finished (TwRecorder *self,
                           guint       n)
{
  TW_TEST_WAIT_UNTIL (self->n_finished >= n);
}

void
tw_assert_one_run (const char *log,
                   char        terminal)
{
  gsize len = strlen (log);

  if (len < 3 || log[0] != 'S' || log[len - 1] != 'F' || log[len - 2] != terminal ||
      strspn (log + 1, "YWPU") != len - 3)
    g_error ("not one run ending with %c: \"%s\"", terminal, log);
}

void
tw_gate_init (TwGate *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->open = FALSE;
}

void
tw_gate_clear (TwGate *self)
{
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
}

void
tw_gate_open (TwGate *self)
{
  g_mutex_lock (&self->lock);
  self->open = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

gboolean
tw_gate_is_open (TwGate *self)
{
  gboolean open;

  g_mutex_lock (&self->lock);
  open = self->open;
  g_mutex_unlock (&self->lock);

  return open;
}

void
tw_gate_wait (TwGate *self)
{
  gint64 end = g_get_monotonic_time () + TW_TEST_DEADLINE_MS * (gint64) 1000;

  g_mutex_lock (&self->lock);
  while (!self->open)
    if (!g_cond_wait_until (&self->cond, &self->lock, end))
      g_error ("timed out after %d ms waiting for a gate", TW_TEST_DEADLINE_MS);
  g_mutex_unlock (&self->lock);
}

static gboolean
count_tick_cb (gpointer data)
{
  guint *ticks = data;

  (*ticks)++;
  return G_SOURCE_CONTINUE;
}

void
tw_test_iterate_ticks (guint n)
{
  guint ticks = 0;
  GSource *timer = g_timeout_source_new (2);

  g_source_set_callback (timer, count_tick_cb, &ticks, NULL);
  g_source_attach (timer, g_main_context_get_thread_default ());
  TW_TEST_WAIT_UNTIL (ticks >= n);
  g_source_destroy (timer);
  g_source_unref (timer);
}

void
tw_test_dispatch_pending (void)
{
  while (g_main_context_iteration (g_main_context_get_thread_default (), FALSE))
    ;
}

static void
slot_stop_cb (TwPool   *pool,
              TwWorker *worker,
              gboolean  releasing,
              gpointer  user_data)
{
  TwSlotStop *self = user_data;

  if (worker != self->worker || !releasing != !self->releasing)
    return;
  tw_gate_open (&self->entered);
  tw_gate_wait (&self->go);
}

void
tw_slot_stop_init (TwSlotStop *self,
                   TwPool     *pool,
                   TwWorker   *worker,
                   gboolean    releasing)
{
  self->pool = pool;
  self->worker = worker;
  self->releasing = releasing;
  tw_gate_init (&self->entered);
  tw_gate_init (&self->go);
  _tw_pool_set_slot_hook (pool, slot_stop_cb, self);
}

void
tw_slot_stop_clear (TwSlotStop *self)
{
  _tw_pool_set_slot_hook (self->pool, NULL, NULL);
  tw_gate_clear (&self->entered);
  tw_gate_clear (&self->go);
}

void
tw_test_count_notify (GObject    *object,
                      GParamSpec *pspec,
                      guint      *count)
{
  (*count)++;
}

void
tw_test_work_return_42 (TwWorker *worker,
                        gpointer  user_data)
{
  tw_worker_return_int (worker, 42);
}

void
tw_test_work_loop_until_quit (TwWorker *worker,
                              gpointer  user_data)
{
  while (tw_worker_checkpoint (worker))
    tw_worker_sleep (worker, 1);
}

void
tw_test_work_wait_for_gate (TwWorker *worker,
                            gpointer  user_data)
{
  tw_gate_wait (user_data);
}
