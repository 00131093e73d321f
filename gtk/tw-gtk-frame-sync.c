/* tw-gtk-frame-sync.c: delivers a worker's values in a widget's frame clock
 * update phase, through the worker's delivery gate. Everything here runs on
 * the owner thread (GTK's main thread): the worker's owner context must be
 * the one GTK runs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "threadworker-gtk.h"

/**
 * TwGtk:
 *
 * threadworker's GTK 4 companion: it puts workers in step with the display.
 */

/* If no frame comes this long after events were held (a frozen frame clock:
 * an occluded window, a compositor that stopped sending frame callbacks),
 * they are delivered anyway, so no run waits for a frame that never comes. */
#define FRAME_FALLBACK_MS 100

typedef struct
{
  TwWorker      *worker;        /* not owned: the binding is the worker's gate data */
  GtkWidget     *widget;        /* weak */
  GdkFrameClock *clock;         /* while mapped; strong */
  gulong         map_id;
  gulong         unmap_id;
  gulong         update_id;
  guint          fallback_id;
  guint64        frames;        /* update phases seen */
  guint64        frames_at_arm; /* at the fallback's start */
} TwGtkFrameSync;

static gboolean
sync_fallback_cb (gpointer data)
{
  TwGtkFrameSync *sync = data;

  sync->fallback_id = 0;
  /* No frame since the events were held: the clock has stopped. */
  if (sync->frames == sync->frames_at_arm)
    tw_worker_deliver_held (sync->worker, G_MAXINT64);
  return G_SOURCE_REMOVE;
}

static void
sync_arm_fallback (TwGtkFrameSync *sync)
{
  if (sync->fallback_id != 0)
    return;
  sync->frames_at_arm = sync->frames;
  sync->fallback_id = g_timeout_add (FRAME_FALLBACK_MS, sync_fallback_cb, sync);
  g_source_set_name_by_id (sync->fallback_id, "[threadworker-gtk] frame fallback");
}

/* The gate's ready function: events wait for the next frame. While the
 * widget is not mapped there are no frames, and they go through at once. */
static void
sync_ready (TwWorker *worker,
            gpointer  data)
{
  TwGtkFrameSync *sync = data;

  if (sync->clock == NULL)
    {
      tw_worker_deliver_held (worker, G_MAXINT64);
      return;
    }
  gdk_frame_clock_request_phase (sync->clock, GDK_FRAME_CLOCK_PHASE_UPDATE);
  sync_arm_fallback (sync);
}

/* The budget is the frame's, shared by every worker synced to the clock:
 * the first to deliver in a frame starts it. */
typedef struct
{
  gint64 frame;
  gint64 deadline;
} FrameBudget;

static gint64
frame_budget_left (GdkFrameClock *clock)
{
  FrameBudget *budget = g_object_get_data (G_OBJECT (clock), "tw-gtk-frame-budget");
  gint64 frame = gdk_frame_clock_get_frame_counter (clock);
  gint64 now = g_get_monotonic_time ();

  if (budget == NULL)
    {
      budget = g_new0 (FrameBudget, 1);
      budget->frame = -1;
      g_object_set_data_full (G_OBJECT (clock), "tw-gtk-frame-budget", budget, g_free);
    }
  if (budget->frame != frame)
    {
      budget->frame = frame;
      budget->deadline = now + TW_GTK_FRAME_BUDGET_USEC;
    }
  /* Spent: one event still goes, so every worker moves on in every frame. */
  return MAX (budget->deadline - now, 0);
}

static void
sync_update_cb (GdkFrameClock *clock,
                gpointer       data)
{
  TwGtkFrameSync *sync = data;
  TwWorker *worker = g_object_ref (sync->worker);
  gulong update_id = sync->update_id;

  sync->frames++;
  /* A LATEST run holds at most one value: one per frame, the newest. A
   * handler may end the binding (and free @sync): only then is the update
   * handler gone from the clock. */
  if (tw_worker_deliver_held (worker, frame_budget_left (clock)) &&
      g_signal_handler_is_connected (clock, update_id))
    {
      gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_UPDATE);
      sync_arm_fallback (sync);
    }
  g_object_unref (worker);
}

static void
sync_detach_clock (TwGtkFrameSync *sync)
{
  if (sync->clock == NULL)
    return;
  g_clear_signal_handler (&sync->update_id, sync->clock);
  g_clear_object (&sync->clock);
  g_clear_handle_id (&sync->fallback_id, g_source_remove);
}

static void
sync_attach_clock (TwGtkFrameSync *sync)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (sync->widget);

  if (clock == sync->clock)
    return;
  sync_detach_clock (sync);
  if (clock == NULL)
    return;
  sync->clock = g_object_ref (clock);
  sync->update_id = g_signal_connect (clock, "update", G_CALLBACK (sync_update_cb), sync);
  /* What arrived while unmapped went through already; ask for a frame in
   * case something is held now. */
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_UPDATE);
}

static void
sync_map_cb (GtkWidget *widget,
             gpointer   data)
{
  sync_attach_clock (data);
}

/* Back to the main loop's delivery: a hidden widget gets no frames. */
static void
sync_unmap_cb (GtkWidget *widget,
               gpointer   data)
{
  TwGtkFrameSync *sync = data;

  sync_detach_clock (sync);
  tw_worker_deliver_held (sync->worker, G_MAXINT64);
}

static void sync_widget_gone (gpointer data, GObject *where_the_widget_was);

/* The gate's destroy notify: the binding ends when the gate is removed or
 * replaced, or the worker is finalized. Never touches the gate. */
static void
sync_free (gpointer data)
{
  TwGtkFrameSync *sync = data;

  sync_detach_clock (sync);
  if (sync->widget != NULL)
    {
      g_clear_signal_handler (&sync->map_id, sync->widget);
      g_clear_signal_handler (&sync->unmap_id, sync->widget);
      g_object_weak_unref (G_OBJECT (sync->widget), sync_widget_gone, sync);
    }
  g_free (sync);
}

/* The widget is disposed: the binding ends, and what it held is delivered. */
static void
sync_widget_gone (gpointer  data,
                  GObject  *where_the_widget_was)
{
  TwGtkFrameSync *sync = data;

  sync->widget = NULL;
  tw_worker_set_delivery_gate (sync->worker, NULL, NULL, NULL);
}

/**
 * tw_gtk_sync_to_frames:
 * @worker: a worker
 * @widget: (nullable): the widget that shows what @worker yields, or %NULL to
 *   end the binding
 *
 * From now on, delivers @worker's [signal@Tw.Worker::yielded] values and
 * its progress notifications in @widget's frame clock update phase, once a
 * frame, instead of as soon as they arrive:
 *
 * - with %TW_YIELD_POLICY_LATEST, at most one value per run and frame, the
 *   newest: a stream of pictures costs one texture per frame shown;
 * - with %TW_YIELD_POLICY_QUEUE, the values that arrived since the last
 *   frame, in order, for at most %TW_GTK_FRAME_BUDGET_USEC of the frame (all
 *   workers synced to the same frame clock share it); the
 *   rest go in the next frame. Backpressure is unchanged: values waiting for
 *   a frame count as undelivered.
 *
 * The signal order of each run is unchanged: the terminal signal and
 * [signal@Tw.Worker::finished] come after the last value. They never wait for
 * a frame that does not come: if the frame clock stops, held events are
 * delivered after 100 ms anyway. While @widget is not mapped (a hidden window,
 * an unmapped stack page) delivery is the normal one, so no run stalls.
 * When @widget is disposed the binding ends. A worker has at most one
 * binding: a second call replaces the first. The binding is the worker's
 * delivery gate ([method@Tw.Worker.set_delivery_gate]).
 *
 * Call on the main thread, which must run @worker's owner context.
 */
void
tw_gtk_sync_to_frames (TwWorker  *worker,
                       GtkWidget *widget)
{
  TwGtkFrameSync *sync;

  g_return_if_fail (TW_IS_WORKER (worker));
  g_return_if_fail (widget == NULL || GTK_IS_WIDGET (widget));

  /* Ends the old binding (sync_free) first. */
  tw_worker_set_delivery_gate (worker, NULL, NULL, NULL);
  if (widget == NULL)
    return;

  sync = g_new0 (TwGtkFrameSync, 1);
  sync->worker = worker;
  sync->widget = widget;
  g_object_weak_ref (G_OBJECT (widget), sync_widget_gone, sync);
  sync->map_id = g_signal_connect (widget, "map", G_CALLBACK (sync_map_cb), sync);
  sync->unmap_id = g_signal_connect (widget, "unmap", G_CALLBACK (sync_unmap_cb), sync);
  tw_worker_set_delivery_gate (worker, sync_ready, sync, sync_free);
  if (gtk_widget_get_mapped (widget))
    sync_attach_clock (sync);
}
