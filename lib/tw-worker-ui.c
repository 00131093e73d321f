/* tw-worker-ui.c: what a user interface binds a worker with: its action group
 * (start, pause, resume, toggle-pause, quit, restart) and the objects whose
 * disposal quits it. Owner thread only, but for the weak notify of an object
 * disposed on another thread, which hands the quit to the owner context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "tw-worker-private.h"

typedef struct
{
  const char       *name;
  TwWorkerControls  enabled_when;
  void            (*method) (TwWorker *self);
} ActionEntry;

/* Keep in step with the table in doc/gtk.md. */
static const ActionEntry action_entries[] = {
  { "start",        TW_WORKER_CAN_START,        tw_worker_start },
  { "pause",        TW_WORKER_CAN_PAUSE,        tw_worker_pause },
  { "resume",       TW_WORKER_CAN_RESUME,       tw_worker_resume },
  { "toggle-pause", TW_WORKER_CAN_TOGGLE_PAUSE, tw_worker_toggle_pause },
  { "quit",         TW_WORKER_CAN_QUIT,         tw_worker_quit },
  { "restart",      TW_WORKER_CAN_RESTART,      tw_worker_restart },
};

#define N_ACTIONS G_N_ELEMENTS (action_entries)
#define TOGGLE_PAUSE 3

struct _TwWorkerUi
{
  TwWorker           *worker;     /* not a reference: the worker owns this */

  /* Made by the first tw_worker_get_actions(); owner thread. */
  GSimpleActionGroup *group;
  GSimpleAction      *actions[N_ACTIONS];

  /* The objects given to tw_worker_quit_with(), weakly referenced. The lock
   * is for an object disposed on another thread. */
  GMutex              lock;
  GPtrArray          *objects;
};

TwWorkerUi *
_tw_worker_ui_new (TwWorker *self)
{
  TwWorkerUi *ui = g_new0 (TwWorkerUi, 1);

  ui->worker = self;
  g_mutex_init (&ui->lock);
  ui->objects = g_ptr_array_new ();
  return ui;
}

static void object_disposed_cb (gpointer  data,
                                GObject  *where_the_object_was);

void
_tw_worker_ui_free (TwWorkerUi *ui)
{
  /* The group may outlive the worker (a widget holds it): its actions stay,
   * disabled, and forget the worker. */
  if (ui->group != NULL)
    {
      for (guint i = 0; i < N_ACTIONS; i++)
        {
          g_signal_handlers_disconnect_by_data (ui->actions[i], ui);
          g_simple_action_set_enabled (ui->actions[i], FALSE);
        }
      g_clear_object (&ui->group);
    }

  for (guint i = 0; i < ui->objects->len; i++)
    g_object_weak_unref (g_ptr_array_index (ui->objects, i), object_disposed_cb, ui);
  g_ptr_array_unref (ui->objects);
  g_mutex_clear (&ui->lock);
  g_free (ui);
}

/* ------------------------------------------------------------------------ */
/* Actions                                                                  */

void
_tw_worker_ui_update (TwWorkerUi *ui)
{
  TwWorkerControls controls;
  gboolean pause_requested;
  g_autoptr(GVariant) state = NULL;

  if (ui->group == NULL)
    return;

  controls = _tw_worker_get_controls (ui->worker);
  for (guint i = 0; i < N_ACTIONS; i++)
    g_simple_action_set_enabled (ui->actions[i],
                                 (controls & action_entries[i].enabled_when) != 0);

  pause_requested = (controls & TW_WORKER_PAUSE_REQUESTED) != 0;
  state = g_action_get_state (G_ACTION (ui->actions[TOGGLE_PAUSE]));
  if (g_variant_get_boolean (state) != pause_requested)
    g_simple_action_set_state (ui->actions[TOGGLE_PAUSE], g_variant_new_boolean (pause_requested));
}

static void
action_activate_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  TwWorkerUi *ui = user_data;

  for (guint i = 0; i < N_ACTIONS; i++)
    if (ui->actions[i] == action)
      {
        action_entries[i].method (ui->worker);
        return;
      }
}

/* g_action_change_state (toggle-pause, b): pause or resume to match @value. */
static void
toggle_pause_change_state_cb (GSimpleAction *action,
                              GVariant      *value,
                              gpointer       user_data)
{
  TwWorkerUi *ui = user_data;
  TwWorkerControls controls = _tw_worker_get_controls (ui->worker);

  if ((controls & TW_WORKER_CAN_TOGGLE_PAUSE) == 0)
    return;
  if (g_variant_get_boolean (value) != ((controls & TW_WORKER_PAUSE_REQUESTED) != 0))
    tw_worker_toggle_pause (ui->worker);
}

/**
 * tw_worker_get_actions:
 * @self: a worker
 *
 * Gets the actions of @self, for buttons and menus: `start`, `pause`,
 * `resume`, `toggle-pause`, `quit` and `restart` call the methods of those
 * names. Each is enabled exactly when its method would do something, and the
 * group follows the worker on the owner context as its state changes (the
 * table is in [the GTK page](gtk.html#the-workers-actions) of this manual). `toggle-pause` has a boolean
 * state, %TRUE while a pause is requested, so a `GtkToggleButton` shows it;
 * changing that state pauses or resumes.
 *
 * Insert the group into a widget under a prefix, and name the actions in
 * buttons or UI files:
 *
 * ```c
 * gtk_widget_insert_action_group (window, "worker", tw_worker_get_actions (worker));
 * gtk_actionable_set_action_name (GTK_ACTIONABLE (stop_button), "worker.quit");
 * ```
 *
 * The group is made on the first call; workers that are never asked carry
 * none. It belongs to the worker: if something else keeps it after the
 * worker was finalized, its actions stay disabled.
 *
 * Call on the owner thread; the actions too must be activated there.
 *
 * Returns: (transfer none): the worker's action group
 */
GActionGroup *
tw_worker_get_actions (TwWorker *self)
{
  TwWorkerUi *ui;

  g_return_val_if_fail (TW_IS_WORKER (self), NULL);
  g_return_val_if_fail (_tw_worker_is_owner_thread (self), NULL);

  ui = _tw_worker_get_ui (self, TRUE);
  if (ui->group != NULL)
    return G_ACTION_GROUP (ui->group);

  ui->group = g_simple_action_group_new ();
  for (guint i = 0; i < N_ACTIONS; i++)
    {
      GSimpleAction *action;

      if (i == TOGGLE_PAUSE)
        {
          action = g_simple_action_new_stateful (action_entries[i].name, NULL,
                                                 g_variant_new_boolean (FALSE));
          g_signal_connect (action, "change-state",
                            G_CALLBACK (toggle_pause_change_state_cb), ui);
        }
      else
        action = g_simple_action_new (action_entries[i].name, NULL);
      g_signal_connect (action, "activate", G_CALLBACK (action_activate_cb), ui);
      ui->actions[i] = action;
      g_action_map_add_action (G_ACTION_MAP (ui->group), G_ACTION (action));
      g_object_unref (action);   /* the group's reference keeps it */
    }
  _tw_worker_ui_update (ui);

  return G_ACTION_GROUP (ui->group);
}

/* ------------------------------------------------------------------------ */
/* quit_with                                                                */

static gboolean
quit_in_owner_cb (gpointer data)
{
  tw_worker_quit (data);
  return G_SOURCE_REMOVE;
}

static void
object_disposed_cb (gpointer  data,
                    GObject  *where_the_object_was)
{
  TwWorkerUi *ui = data;
  TwWorker *self = ui->worker;

  g_mutex_lock (&ui->lock);
  g_ptr_array_remove_fast (ui->objects, where_the_object_was);
  g_mutex_unlock (&ui->lock);

  /* First, so that the quit below reaches none of them: handlers whose data
   * is the object, connected with g_signal_connect_object() (which GObject
   * disconnects in the same dispose, but in an order this does not rely on)
   * or with the object as user data. */
  g_signal_handlers_disconnect_matched (self, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL,
                                        where_the_object_was);

  if (_tw_worker_is_owner_thread (self))
    tw_worker_quit (self);
  else
    _tw_context_post (tw_worker_get_context (self), "[threadworker] quit_with",
                      quit_in_owner_cb, g_object_ref (self), g_object_unref);
}

/**
 * tw_worker_quit_with:
 * @self: a worker
 * @object: (type GObject.Object): an object, usually the widget that shows
 *   the worker's results
 *
 * Binds the run of @self to the life of @object: when @object is disposed
 * (a widget when its window is closed or it is removed from its parent),
 * the handlers of @self whose data is @object are disconnected, and then the
 * run in progress, if any, is quit ([method@Tw.Worker.quit]). So a handler
 * connected with `g_signal_connect_object (worker, "yielded", G_CALLBACK
 * (on_yielded), label, 0)` (or with `label` as its user data) never runs on
 * a label that is gone, not even for the `aborted` and `finished` of that
 * run.
 *
 * @self stays valid for whoever holds a reference, and may be started
 * again; a later run is not bound to @object any more. Several objects may
 * be given, each quits the worker; giving one twice binds it once. Only a
 * weak reference to @object is taken, and the worker drops it when it is
 * finalized first.
 *
 * Call on the owner thread. @object should be disposed there too (widgets
 * always are); if it is disposed on another thread, its handlers are
 * disconnected there and the quit happens on the owner context soon after.
 */
void
tw_worker_quit_with (TwWorker *self,
                     gpointer  object)
{
  TwWorkerUi *ui;
  gboolean known;

  g_return_if_fail (TW_IS_WORKER (self));
  g_return_if_fail (G_IS_OBJECT (object));
  g_return_if_fail ((gpointer) self != object);
  g_return_if_fail (_tw_worker_is_owner_thread (self));

  ui = _tw_worker_get_ui (self, TRUE);

  g_mutex_lock (&ui->lock);
  known = g_ptr_array_find (ui->objects, object, NULL);
  if (!known)
    g_ptr_array_add (ui->objects, object);
  g_mutex_unlock (&ui->lock);

  if (!known)
    g_object_weak_ref (object, object_disposed_cb, ui);
}
