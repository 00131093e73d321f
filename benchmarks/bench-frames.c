/* bench-frames.c: frames of a real GTK 4 window (run under Xvfb) while
 * workers stream values into it. The frame times are read in a tick
 * callback; the longest gap between two frames is what a user sees as a
 * stutter. One scenario per process (--peer); GSK_RENDERER picks cairo or GL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <threadworker-gtk.h>

#include "bench-util.h"

#define N_PRODUCERS 4
#define TEX_SIZE    256

static const char * const peers[] = {
  "idle",             /* the window alone */
  "int-flood",        /* 4 workers, ints, a label set per value */
  "int-invoke",       /* 4 threads, one g_main_context_invoke per int */
  "tex-queue",        /* 4 workers, 256×256 textures to a GtkPicture, QUEUE */
  "tex-latest",       /* the same, LATEST */
  "tex-queue-synced", /* QUEUE, tw_gtk_sync_to_frames() */
  "tex-latest-synced",/* LATEST, tw_gtk_sync_to_frames() */
  "tex-invoke",       /* 4 threads, one g_main_context_invoke per texture */
  "tex-control",      /* 4 threads making textures and dropping them */
  NULL
};

typedef struct
{
  GtkWidget *label;
  GtkWidget *picture;
  gint64     last_tick;
  gint64     max_gap;
  guint64    frames;
  gboolean   measuring;
  gint       stop;          /* atomic: producers end */
  guint64    values;        /* owner thread */
  guint      max_per_frame; /* deliveries of one worker in one frame */
  gint64     frame_counter;
  gint64     window_end;    /* monotonic time the measurement ends */
} Bench;

static Bench bench;

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  gint64 now = g_get_monotonic_time ();

  /* Ticks after the window (a peer whose backlog held the loop) count only
   * up to its end. */
  if (bench.measuring)
    {
      bench.max_gap = MAX (bench.max_gap, MIN (now, bench.window_end) - bench.last_tick);
      if (now <= bench.window_end)
        bench.frames++;
    }
  bench.last_tick = now;
  return G_SOURCE_CONTINUE;
}

static GdkTexture *
make_texture (guint8 shade)
{
  gsize size = TEX_SIZE * TEX_SIZE * 4;
  guint8 *data = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;

  for (gsize i = 0; i < size; i += 4)
    {
      data[i] = shade;
      data[i + 1] = (guint8) (i >> 10);
      data[i + 2] = (guint8) (255 - shade);
      data[i + 3] = 255;
    }
  bytes = g_bytes_new_take (data, size);
  return gdk_memory_texture_new (TEX_SIZE, TEX_SIZE, GDK_MEMORY_R8G8B8A8, bytes,
                                 TEX_SIZE * 4);
}

/* Per worker: how many of its values came in the current frame. */
typedef struct
{
  gint64 frame;
  guint  in_frame;
  guint8 shade;
  gint64 i;
} Producer;

static Producer producers[N_PRODUCERS];

static void
count_delivery (Producer *p)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (bench.picture);
  gint64 frame = clock != NULL ? gdk_frame_clock_get_frame_counter (clock) : 0;

  if (frame != p->frame)
    {
      p->frame = frame;
      p->in_frame = 0;
    }
  p->in_frame++;
  if (bench.measuring)
    {
      bench.values++;
      bench.max_per_frame = MAX (bench.max_per_frame, p->in_frame);
    }
}

/* Workers */

static gboolean
int_step (TwWorker *worker, const GValue *sent, gpointer user_data)
{
  Producer *p = user_data;

  return tw_worker_yield_int (worker, p->i++) && !g_atomic_int_get (&bench.stop);
}

static gboolean
tex_step (TwWorker *worker, const GValue *sent, gpointer user_data)
{
  Producer *p = user_data;
  g_autoptr(GdkTexture) texture = make_texture (p->shade++);

  return tw_worker_yield_object (worker, texture) && !g_atomic_int_get (&bench.stop);
}

static void
on_int (TwWorker *worker, const GValue *value, gpointer user_data)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, g_value_get_int64 (value));
  gtk_label_set_text (GTK_LABEL (bench.label), text);
  count_delivery (user_data);
}

static void
on_texture (TwWorker *worker, const GValue *value, gpointer user_data)
{
  gtk_picture_set_paintable (GTK_PICTURE (bench.picture), g_value_get_object (value));
  count_delivery (user_data);
}

/* Plain threads */

typedef struct
{
  Producer   *producer;
  GdkTexture *texture;
  gint64      value;
} Delivery;

static gboolean
invoke_int_cb (gpointer data)
{
  Delivery *d = data;
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, d->value);
  gtk_label_set_text (GTK_LABEL (bench.label), text);
  count_delivery (d->producer);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static gboolean
invoke_tex_cb (gpointer data)
{
  Delivery *d = data;

  gtk_picture_set_paintable (GTK_PICTURE (bench.picture), GDK_PAINTABLE (d->texture));
  g_object_unref (d->texture);
  count_delivery (d->producer);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static const char *thread_kind;

static gpointer
thread_main (gpointer data)
{
  Producer *p = data;

  while (!g_atomic_int_get (&bench.stop) && g_get_monotonic_time () < bench.window_end)
    {
      Delivery *d;

      if (g_str_equal (thread_kind, "tex-control"))
        {
          g_object_unref (make_texture (p->shade++));
          continue;
        }
      d = g_new0 (Delivery, 1);
      d->producer = p;
      if (g_str_equal (thread_kind, "int-invoke"))
        {
          d->value = p->i++;
          g_main_context_invoke (NULL, invoke_int_cb, d);
        }
      else
        {
          d->texture = make_texture (p->shade++);
          g_main_context_invoke (NULL, invoke_tex_cb, d);
        }
    }
  return NULL;
}

static gboolean
stop_cb (gpointer data)
{
  gboolean *done = data;

  *done = TRUE;
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  BenchArgs args;
  GtkWidget *window, *box;
  TwWorker *workers[N_PRODUCERS] = { NULL };
  GThread *threads[N_PRODUCERS] = { NULL };
  gboolean done = FALSE, warm = FALSE;
  guint finished = 0;
  double seconds;
  const char *peer;
  BenchReport *report;

  bench_args_parse (&args, &argc, &argv,
                    "Frame gaps of a GTK window while workers stream into it", peers);
  peer = args.peer;
  seconds = args.quick ? 0.5 : 3.0;
  gtk_init ();

  window = gtk_window_new ();
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  bench.label = gtk_label_new ("0");
  bench.picture = gtk_picture_new ();
  gtk_widget_set_size_request (bench.picture, TEX_SIZE, TEX_SIZE);
  gtk_box_append (GTK_BOX (box), bench.label);
  gtk_box_append (GTK_BOX (box), bench.picture);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 400);
  gtk_widget_add_tick_callback (bench.picture, tick_cb, NULL, NULL);
  gtk_window_present (GTK_WINDOW (window));

  /* Warm up: the first frames (realize, first layout, GL set-up) are the
   * window's, not the scenario's. */
  while (!gtk_widget_get_mapped (bench.picture))
    g_main_context_iteration (NULL, TRUE);
  g_timeout_add (500, stop_cb, &warm);
  bench_wait_flag (&warm, 30);

  /* The gaps count from the start of the window to its end: a window that
   * shows no frame at all has one gap as long as the window. Set before the
   * producers start: they read window_end. */
  bench.last_tick = g_get_monotonic_time ();
  bench.window_end = bench.last_tick + (gint64) (seconds * G_USEC_PER_SEC);
  bench.measuring = TRUE;
  for (guint k = 0; k < N_PRODUCERS; k++)
    {
      producers[k].frame = -1;
      producers[k].shade = (guint8) (k * 60);
      if (g_str_has_prefix (peer, "int-flood") || g_str_has_prefix (peer, "tex-queue") ||
          g_str_has_prefix (peer, "tex-latest"))
        {
          gboolean tex = g_str_has_prefix (peer, "tex-");

          workers[k] = tw_generator_worker_new (tex ? tex_step : int_step, &producers[k], NULL);
          if (strstr (peer, "latest") != NULL)
            tw_worker_set_yield_policy (workers[k], TW_YIELD_POLICY_LATEST);
          g_signal_connect (workers[k], "yielded",
                            tex ? G_CALLBACK (on_texture) : G_CALLBACK (on_int), &producers[k]);
          g_signal_connect_swapped (workers[k], "finished", G_CALLBACK (g_atomic_int_inc), &finished);
          if (g_str_has_suffix (peer, "-synced"))
            tw_gtk_sync_to_frames (workers[k], bench.picture);
          tw_worker_start (workers[k]);
        }
      else if (!g_str_equal (peer, "idle"))
        {
          thread_kind = peer;
          threads[k] = g_thread_new ("bench-producer", thread_main, &producers[k]);
        }
    }

  g_timeout_add ((guint) (seconds * 1000), stop_cb, &done);
  bench_wait_flag (&done, seconds + 60);
  bench.measuring = FALSE;
  bench.max_gap = MAX (bench.max_gap, MIN (g_get_monotonic_time (), bench.window_end) - bench.last_tick);

  g_atomic_int_set (&bench.stop, 1);
  for (guint k = 0; k < N_PRODUCERS; k++)
    {
      if (threads[k] != NULL)
        g_thread_join (threads[k]);
      if (workers[k] != NULL)
        tw_worker_quit (workers[k]);
    }
  if (workers[0] != NULL)
    bench_wait_count (&finished, N_PRODUCERS, 60);
  /* Let the invoked callbacks that are still queued run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint k = 0; k < N_PRODUCERS; k++)
    g_clear_object (&workers[k]);

  report = bench_report_new ("bench-frames", &args);
  bench_report_str (report, "renderer", g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "default");
  bench_report_double (report, "max_gap_ms", bench.max_gap / 1000.0);
  bench_report_int (report, "frames", bench.frames);
  bench_report_int (report, "values", bench.values);
  bench_report_int (report, "max_per_worker_frame", bench.max_per_frame);
  bench_report_double (report, "seconds", seconds);
  bench_report_print (report);

  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
