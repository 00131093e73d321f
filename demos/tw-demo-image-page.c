/* tw-demo-image-page.c: page 1, a mean projection of random images computed
 * on a generator worker and shown as it builds (napari's first generator
 * example). Each yield is a GdkMemoryTexture made on the worker thread,
 * delivered in step with the picture's frame clock (tw_gtk_sync_to_frames());
 * the page counts what was produced, shown and coalesced.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <threadworker-gtk.h>

#include "tw-demo-image-page.h"
#include "tw-demo-page.h"
#include "tw-demo-util.h"

#define IMAGE_SIZE          512
#define N_IMAGES            1024
#define CONTRAST_LOW        0.45
#define CONTRAST_HIGH       0.55
#define MAX_PENDING_FRAMES  8
#define FIGURES_INTERVAL_MS 250

/* The state of the computation. The worker owns it (freed by its destroy
 * notify, on the main thread); the work uses it on the worker thread. */
typedef struct
{
  /* Written before the first run, read-only afterwards: any thread. */
  float        *pattern;   /* faint structure hidden in every random image */
  guint8        lut[256][3];

  /* Worker thread only. */
  GCancellable *run;       /* the run the accumulator below belongs to */
  double       *sum;
  guint         n_done;
  guint         seq;
  guint64       rng;

  /* Any thread, atomically: the values the current run has yielded. */
  gint          produced;
} Projection;

struct _TwDemoImagePage
{
  GtkBox      parent_instance;

  TwWorker   *worker;
  Projection *projection;   /* owned by the worker */

  GtkWidget  *view_stack;
  GtkWidget  *picture;
  GtkWidget  *start_button;
  GtkWidget  *pause_button;
  GtkWidget  *stop_button;
  GtkWidget  *restart_button;
  GtkWidget  *latest_switch;
  GtkWidget  *progress_bar;
  GtkWidget  *state_label;
  GtkWidget  *images_label;
  GtkWidget  *produced_label;
  GtkWidget  *rate_label;
  GtkWidget  *shown_label;
  GtkWidget  *coalesced_label;
  GtkWidget  *stall_label;
  GtkWidget  *first_frame_label;

  guint       figures_source;
  guint       tick_id;
  GdkFrameClock *frame_clock;     /* watched for after-paint during a run */
  gulong      after_paint_id;
  gint64      tick_time;          /* when this frame's tick ran (TW_DEMO_TRACE_FRAMES) */
  gint64      tick_gap;           /* and its frame time's gap to the last one's */
  gint64      trace_frame_time;
  gint64      first_frame_time;   /* start → first frame painted; 0 until then */
  gint64      last_frame_time;
  gint64      longest_stall;
  guint       n_shown;
  guint       last_seq;
  guint       n_images_shown;
  gint        rate_produced;
  gint64      rate_time;
  gint64      run_start_time;
  double      rate;

  GTask      *script_task;
  guint       script_frames;
};

static void tw_demo_image_page_page_iface_init (TwDemoPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TwDemoImagePage, tw_demo_image_page, GTK_TYPE_BOX,
                               G_IMPLEMENT_INTERFACE (TW_DEMO_TYPE_PAGE,
                                                      tw_demo_image_page_page_iface_init))

static GQuark frame_seq_quark;
static GQuark frame_images_quark;

/* ------------------------------------------------------------------------ */
/* The work (worker thread)                                                 */

/* xorshift64*: fast, and good enough for noise. */
static inline double
rng_next (guint64 *state)
{
  guint64 x = *state;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return (double) ((x * G_GUINT64_CONSTANT (0x2545F4914F6CDD1D)) >> 11) * 0x1.0p-53;
}

static void
projection_init_lut (Projection *p)
{
  /* viridis, sampled at nine points */
  static const guint8 stops[9][3] = {
    {  68,   1,  84 }, {  71,  44, 122 }, {  59,  81, 139 },
    {  44, 113, 142 }, {  33, 144, 141 }, {  39, 173, 129 },
    {  92, 200,  99 }, { 170, 220,  50 }, { 253, 231,  37 },
  };

  for (guint i = 0; i < 256; i++)
    {
      double t = i / 255.0 * 8.0;
      guint k = MIN ((guint) t, 7);
      double f = t - k;

      for (guint c = 0; c < 3; c++)
        p->lut[i][c] = (guint8) lround (stops[k][c] * (1.0 - f) + stops[k + 1][c] * f);
    }
}

static void
projection_init_pattern (Projection *p)
{
  p->pattern = g_new (float, IMAGE_SIZE * IMAGE_SIZE);

  /* Two-source interference fringes under a soft vignette: invisible in one
   * image (amplitude well below the noise), clear in the mean of many. */
  for (guint y = 0; y < IMAGE_SIZE; y++)
    for (guint x = 0; x < IMAGE_SIZE; x++)
      {
        double r1 = hypot (x - 0.34 * IMAGE_SIZE, y - 0.5 * IMAGE_SIZE);
        double r2 = hypot (x - 0.66 * IMAGE_SIZE, y - 0.5 * IMAGE_SIZE);
        double rc = hypot (x - 0.5 * IMAGE_SIZE, y - 0.5 * IMAGE_SIZE);
        double envelope = exp (-(rc * rc) / (0.5 * IMAGE_SIZE * IMAGE_SIZE));

        p->pattern[y * IMAGE_SIZE + x] = 0.02 * (cos (r1 / 7.0) + cos (r2 / 7.0)) * envelope;
      }
}

static Projection *
projection_new (void)
{
  Projection *p = g_new0 (Projection, 1);

  projection_init_lut (p);
  projection_init_pattern (p);
  p->sum = g_new0 (double, IMAGE_SIZE * IMAGE_SIZE);
  return p;
}

static void
projection_free (gpointer data)
{
  Projection *p = data;

  g_clear_object (&p->run);
  g_free (p->sum);
  g_free (p->pattern);
  g_free (p);
}

/* The current mean, through the contrast window and the colormap. */
static GdkTexture *
projection_render (Projection *p)
{
  const gsize stride = IMAGE_SIZE * 3;
  guint8 *pixels = g_malloc (stride * IMAGE_SIZE);
  const double offset = CONTRAST_LOW * p->n_done;
  const double scale = 255.0 / ((CONTRAST_HIGH - CONTRAST_LOW) * p->n_done);
  g_autoptr(GBytes) bytes = NULL;

  for (gsize i = 0; i < IMAGE_SIZE * IMAGE_SIZE; i++)
    {
      double t = (p->sum[i] - offset) * scale;
      int index = t <= 0.0 ? 0 : t >= 255.0 ? 255 : (int) t;

      memcpy (pixels + 3 * i, p->lut[index], 3);
    }

  bytes = g_bytes_new_take (pixels, stride * IMAGE_SIZE);
  return gdk_memory_texture_new (IMAGE_SIZE, IMAGE_SIZE, GDK_MEMORY_R8G8B8, bytes, stride);
}

/* One step: add one random image to the sum and yield the mean so far as a
 * texture. Called on a worker thread. */
static gboolean
projection_step (TwWorker     *worker,
                 const GValue *sent,
                 gpointer      user_data)
{
  Projection *p = user_data;
  GCancellable *run = tw_worker_get_cancellable (worker);
  g_autoptr(GdkTexture) texture = NULL;

  /* Each run (Start, Restart) has its own cancellable: a new one means a
   * new run, which starts from an empty sum. */
  if (p->run != run)
    {
      g_set_object (&p->run, run);
      memset (p->sum, 0, sizeof (double) * IMAGE_SIZE * IMAGE_SIZE);
      p->n_done = 0;
      p->seq = 0;
      p->rng = g_random_int () | ((guint64) g_random_int () << 32) | 1;
      g_atomic_int_set (&p->produced, 0);
    }

  for (gsize i = 0; i < IMAGE_SIZE * IMAGE_SIZE; i++)
    p->sum[i] += rng_next (&p->rng) + p->pattern[i];
  p->n_done++;

  texture = projection_render (p);
  g_object_set_qdata (G_OBJECT (texture), frame_seq_quark, GUINT_TO_POINTER (++p->seq));
  g_object_set_qdata (G_OBJECT (texture), frame_images_quark, GUINT_TO_POINTER (p->n_done));
  g_atomic_int_inc (&p->produced);

  tw_worker_set_progress (worker, (double) p->n_done / N_IMAGES);
  if (!tw_worker_yield_object (worker, texture))
    return FALSE;

  return p->n_done < N_IMAGES;
}

/* ------------------------------------------------------------------------ */
/* The page (main thread)                                                   */

typedef enum
{
  RATE_KEEP,        /* show the rate as last computed */
  RATE_SAMPLE,      /* over the time since the last sample */
  RATE_WHOLE_RUN,   /* over the whole run, once it has ended */
} RateUpdate;

static void
update_figures (TwDemoImagePage *self,
                RateUpdate       rate_update)
{
  gint produced = g_atomic_int_get (&self->projection->produced);
  gint64 now = g_get_monotonic_time ();
  char buffer[64];

  if (rate_update == RATE_WHOLE_RUN && self->run_start_time != 0 && now > self->run_start_time)
    {
      self->rate = produced * (double) G_USEC_PER_SEC / (now - self->run_start_time);
    }
  else if (rate_update == RATE_SAMPLE && self->rate_time != 0 && now > self->rate_time)
    {
      gint delta = produced - self->rate_produced;

      /* A new run reset the counter since the last sample. */
      if (delta < 0)
        delta = produced;
      self->rate = delta * (double) G_USEC_PER_SEC / (now - self->rate_time);
      self->rate_produced = produced;
      self->rate_time = now;
    }

  /* Translators: a count of images out of a total, e.g. "512 / 1024" */
  g_snprintf (buffer, sizeof buffer, _("%u / %u"), self->n_images_shown, N_IMAGES);
  gtk_label_set_text (GTK_LABEL (self->images_label), buffer);
  g_snprintf (buffer, sizeof buffer, "%d", produced);
  gtk_label_set_text (GTK_LABEL (self->produced_label), buffer);
  /* Negative: no sample yet. */
  if (self->rate >= 0.0)
    g_snprintf (buffer, sizeof buffer, "%.0f", self->rate);
  else
    g_strlcpy (buffer, "–", sizeof buffer);
  gtk_label_set_text (GTK_LABEL (self->rate_label), buffer);
  g_snprintf (buffer, sizeof buffer, "%u", self->n_shown);
  gtk_label_set_text (GTK_LABEL (self->shown_label), buffer);
  g_snprintf (buffer, sizeof buffer, "%u", self->last_seq - MIN (self->last_seq, self->n_shown));
  gtk_label_set_text (GTK_LABEL (self->coalesced_label), buffer);
  /* Translators: a duration in milliseconds */
  g_snprintf (buffer, sizeof buffer, _("%.0f ms"), self->longest_stall / 1000.0);
  gtk_label_set_text (GTK_LABEL (self->stall_label), buffer);
  if (self->first_frame_time > 0)
    /* Translators: a duration in milliseconds */
    g_snprintf (buffer, sizeof buffer, _("%.0f ms"), self->first_frame_time / 1000.0);
  else
    g_strlcpy (buffer, "–", sizeof buffer);
  gtk_label_set_text (GTK_LABEL (self->first_frame_label), buffer);
}

static gboolean
figures_timeout_cb (gpointer user_data)
{
  update_figures (user_data, RATE_SAMPLE);
  return G_SOURCE_CONTINUE;
}

/* TW_DEMO_TRACE_FRAMES=1 prints each frame's gap and how long it took from
 * its tick to the end of its paint: how the first-frame gap was found to be
 * GTK's renderer warming up (see first_frame_painted_cb()). */
static gboolean
trace_frames (void)
{
  static int trace = -1;

  if (trace < 0)
    trace = g_strcmp0 (g_getenv ("TW_DEMO_TRACE_FRAMES"), "1") == 0;
  return trace;
}

/* The first frame after a start is not counted as a gap: it pays GTK's first
 * layout of the page's new content and, with the GL renderer, the set-up of
 * its shaders and glyph cache and the first texture upload, before anything
 * of threadworker's could matter (measured: with GSK_RENDERER=cairo the same
 * first frame takes a tenth of the time). It is shown apart, as "First
 * frame", and the gaps are measured from the first frame the window really
 * showed. */
static void
frame_painted_cb (GdkFrameClock   *frame_clock,
                  TwDemoImagePage *self)
{
  gint64 now = g_get_monotonic_time ();

  if (trace_frames ())
    g_printerr ("frame %" G_GINT64_FORMAT ": gap %.1f ms, tick → painted %.1f ms\n",
                gdk_frame_clock_get_frame_counter (frame_clock),
                self->tick_gap / 1000.0, (now - self->tick_time) / 1000.0);
  if (self->first_frame_time == 0)
    {
      self->first_frame_time = MAX (now - self->run_start_time, 1);
      update_figures (self, RATE_KEEP);
    }
}

/* A frame clock drops its handlers itself when its window is destroyed,
 * which can come before the page's dispose: disconnect only what is still
 * connected. */
static void
forget_frame_clock (TwDemoImagePage *self)
{
  if (self->after_paint_id != 0 &&
      g_signal_handler_is_connected (self->frame_clock, self->after_paint_id))
    g_signal_handler_disconnect (self->frame_clock, self->after_paint_id);
  self->after_paint_id = 0;
  g_clear_object (&self->frame_clock);
}

static void
stop_measuring_frames (TwDemoImagePage *self)
{
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  forget_frame_clock (self);
}

/* Measures how long the UI went without a frame while the worker runs: the
 * proof that the window stays responsive. */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  TwDemoImagePage *self = user_data;
  gint64 frame_time = gdk_frame_clock_get_frame_time (frame_clock);

  self->tick_time = g_get_monotonic_time ();
  self->tick_gap = self->tick_id != 0 && self->trace_frame_time != 0
                   ? frame_time - self->trace_frame_time : 0;
  self->trace_frame_time = frame_time;
  if (self->frame_clock != frame_clock)
    {
      forget_frame_clock (self);
      self->frame_clock = g_object_ref (frame_clock);
      self->after_paint_id = g_signal_connect (frame_clock, "after-paint",
                                               G_CALLBACK (frame_painted_cb), self);
    }
  if (self->first_frame_time == 0)
    return G_SOURCE_CONTINUE;   /* no frame of this run shown yet */

  if (self->last_frame_time != 0)
    self->longest_stall = MAX (self->longest_stall, frame_time - self->last_frame_time);
  self->last_frame_time = frame_time;
  return G_SOURCE_CONTINUE;
}


static void
on_started (TwWorker        *worker,
            TwDemoImagePage *self)
{
  self->n_shown = 0;
  self->last_seq = 0;
  self->n_images_shown = 0;
  self->longest_stall = 0;
  self->last_frame_time = 0;
  self->first_frame_time = 0;
  self->rate = -1.0;
  self->rate_time = g_get_monotonic_time ();
  self->run_start_time = self->rate_time;
  self->rate_produced = g_atomic_int_get (&self->projection->produced);

  if (self->figures_source == 0)
    self->figures_source = g_timeout_add (FIGURES_INTERVAL_MS, figures_timeout_cb, self);
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, self, NULL);
  update_figures (self, RATE_KEEP);
}

static void
on_yielded (TwWorker        *worker,
            const GValue    *value,
            TwDemoImagePage *self)
{
  GdkTexture *texture = g_value_get_object (value);

  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child (GTK_STACK (self->view_stack), self->picture);

  self->n_shown++;
  self->last_seq = GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (texture), frame_seq_quark));
  self->n_images_shown = GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (texture),
                                                               frame_images_quark));

  if (self->script_task != NULL && self->n_shown >= self->script_frames &&
      self->first_frame_time > 0)
    {
      /* Only once the window showed a frame: the screenshot then has both
       * the first frame's time and the gaps measured after it. */
      update_figures (self, RATE_KEEP);
      tw_demo_script_return (&self->script_task, NULL);
    }
}

static void
on_finished (TwWorker        *worker,
             TwDemoImagePage *self)
{
  g_clear_handle_id (&self->figures_source, g_source_remove);
  stop_measuring_frames (self);
  update_figures (self, RATE_WHOLE_RUN);

  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                        "the run ended after %u of %u frames",
                                        self->n_shown, self->script_frames));
}

static void
on_latest_switch_notify (TwDemoImagePage *self)
{
  tw_worker_set_yield_policy (self->worker,
                              gtk_switch_get_active (GTK_SWITCH (self->latest_switch))
                              ? TW_YIELD_POLICY_LATEST : TW_YIELD_POLICY_QUEUE);
}

static void
tw_demo_image_page_script_async (TwDemoPage          *page,
                                 guint                n_frames,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  TwDemoImagePage *self = TW_DEMO_IMAGE_PAGE (page);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tw_demo_image_page_script_async);
  if (self->script_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "a script is already running");
      return;
    }

  self->script_task = g_steal_pointer (&task);
  self->script_frames = MAX (n_frames, 1);
  gtk_widget_activate (self->start_button);
}

static void
tw_demo_image_page_page_iface_init (TwDemoPageInterface *iface)
{
  iface->script_async = tw_demo_image_page_script_async;
}

static void
tw_demo_image_page_dispose (GObject *object)
{
  TwDemoImagePage *self = TW_DEMO_IMAGE_PAGE (object);

  g_clear_handle_id (&self->figures_source, g_source_remove);
  stop_measuring_frames (self);
  /* The run is quit, and the page's handlers dropped, by quit_with() when
   * this dispose ends. */
  g_clear_object (&self->worker);
  if (self->script_task != NULL)
    tw_demo_script_return (&self->script_task,
                           g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "the page was destroyed"));

  G_OBJECT_CLASS (tw_demo_image_page_parent_class)->dispose (object);
}

static void
tw_demo_image_page_class_init (TwDemoImagePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tw_demo_image_page_dispose;

  frame_seq_quark = g_quark_from_static_string ("tw-demo-frame-seq");
  frame_images_quark = g_quark_from_static_string ("tw-demo-frame-images");
}

/* A button that activates one of the worker's actions ("worker.start"):
 * the action enables it, and clicking it calls the worker's method. */
static GtkWidget *
button_new (GtkWidget  *button,
            const char *label,
            const char *action_name)
{
  gtk_button_set_label (GTK_BUTTON (button), label);
  gtk_button_set_use_underline (GTK_BUTTON (button), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action_name);
  gtk_widget_set_hexpand (button, TRUE);
  return button;
}

static void
tw_demo_image_page_init (TwDemoImagePage *self)
{
  GtkBox *box = GTK_BOX (self);
  GtkWidget *content, *side, *grid, *row, *label, *placeholder, *frame;

  tw_demo_init_page_box (box);
  self->rate = -1.0;

  self->projection = projection_new ();
  self->worker = tw_generator_worker_new (projection_step, self->projection, projection_free);
  tw_worker_set_name (self->worker, _("Mean projection"));
  tw_worker_set_max_pending_yields (self->worker, MAX_PENDING_FRAMES);
  /* The buttons below name these actions; no handler of the page starts,
   * pauses or stops the worker. */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "worker",
                                  tw_worker_get_actions (self->worker));
  /* Closing the window (disposing the page) quits the run, and none of the
   * page's handlers runs after that. */
  tw_worker_quit_with (self->worker, self);

  tw_demo_add_header (box, _("Progressive image"),
                      _("The mean of 1024 random 512×512 images, computed on a worker "
                        "thread. Every image adds a little to the sum; the worker makes "
                        "a texture of the mean so far and yields it, and the picture "
                        "shows the pattern hidden in the noise as it emerges. With "
                        "“Only the newest frame” the worker never waits for the window: "
                        "frames the window had no time for are replaced by newer ones. "
                        "Textures are handed to the picture in step with the display, "
                        "at most one per frame."));

  content = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);
  gtk_widget_set_vexpand (content, TRUE);
  gtk_box_append (box, content);

  /* The picture, or a hint before the first frame. */
  frame = gtk_frame_new (NULL);
  gtk_widget_set_hexpand (frame, TRUE);
  gtk_box_append (GTK_BOX (content), frame);

  self->view_stack = gtk_stack_new ();
  gtk_frame_set_child (GTK_FRAME (frame), self->view_stack);
  placeholder = gtk_label_new (_("Press Start to compute the mean projection."));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_stack_add_child (GTK_STACK (self->view_stack), placeholder);
  self->picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (self->picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (self->picture), GTK_CONTENT_FIT_CONTAIN);
  gtk_picture_set_alternative_text (GTK_PICTURE (self->picture),
                                    _("The mean projection computed so far"));
  /* One texture per frame shown, at most: the values arrive in the
   * picture's frame clock update phase, never between two frames. */
  tw_gtk_sync_to_frames (self->worker, self->picture);
  gtk_widget_set_size_request (self->picture, 320, 320);
  gtk_stack_add_child (GTK_STACK (self->view_stack), self->picture);

  /* Controls and figures. */
  side = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_size_request (side, 280, -1);
  gtk_box_append (GTK_BOX (content), side);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  self->start_button = button_new (gtk_button_new (), _("_Start"), "worker.start");
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  /* Pressed while a pause is asked for: toggle-pause's state. */
  self->pause_button = button_new (gtk_toggle_button_new (), _("_Pause"), "worker.toggle-pause");
  self->stop_button = button_new (gtk_button_new (), _("S_top"), "worker.quit");
  gtk_widget_add_css_class (self->stop_button, "destructive-action");
  self->restart_button = button_new (gtk_button_new (), _("_Restart"), "worker.restart");
  gtk_grid_attach (GTK_GRID (grid), self->start_button, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->pause_button, 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->stop_button, 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->restart_button, 1, 1, 1, 1);
  gtk_box_append (GTK_BOX (side), grid);

  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  label = gtk_label_new (_("Only the newest frame"));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (row), label);
  self->latest_switch = gtk_switch_new ();
  gtk_widget_set_valign (self->latest_switch, GTK_ALIGN_CENTER);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->latest_switch),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  -1);
  gtk_box_append (GTK_BOX (row), self->latest_switch);
  gtk_box_append (GTK_BOX (side), row);
  label = gtk_label_new (_("Off: every frame is delivered (QUEUE). On: only the latest "
                           "(LATEST). Applies from the next start."));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (side), label);

  self->progress_bar = gtk_progress_bar_new ();
  gtk_box_append (GTK_BOX (side), self->progress_bar);
  g_object_bind_property (self->worker, "progress", self->progress_bar, "fraction",
                          G_BINDING_SYNC_CREATE);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_box_append (GTK_BOX (side), grid);
  self->state_label = tw_demo_add_figure (GTK_GRID (grid), 0, _("State"));
  self->images_label = tw_demo_add_figure (GTK_GRID (grid), 1, _("Images averaged"));
  self->produced_label = tw_demo_add_figure (GTK_GRID (grid), 2, _("Frames produced"));
  self->rate_label = tw_demo_add_figure (GTK_GRID (grid), 3, _("Yields per second"));
  self->shown_label = tw_demo_add_figure (GTK_GRID (grid), 4, _("Frames shown"));
  self->coalesced_label = tw_demo_add_figure (GTK_GRID (grid), 5, _("Values coalesced"));
  self->first_frame_label = tw_demo_add_figure (GTK_GRID (grid), 6, _("First frame"));
  gtk_widget_set_tooltip_text (self->first_frame_label,
                               _("From the start to the first frame painted: GTK's first layout "
                                 "and renderer set-up, not counted as a gap"));
  self->stall_label = tw_demo_add_figure (GTK_GRID (grid), 7, _("Longest frame gap since"));
  gtk_widget_set_tooltip_text (self->stall_label,
                               _("Measured from the first frame the window showed after the start"));

  g_signal_connect_swapped (self->latest_switch, "notify::active",
                            G_CALLBACK (on_latest_switch_notify), self);

  g_object_bind_property_full (self->worker, "state", self->state_label, "label",
                               G_BINDING_SYNC_CREATE, tw_demo_state_to_label, NULL, NULL, NULL);
  g_signal_connect (self->worker, "started", G_CALLBACK (on_started), self);
  g_signal_connect (self->worker, "yielded", G_CALLBACK (on_yielded), self);
  g_signal_connect (self->worker, "finished", G_CALLBACK (on_finished), self);

  update_figures (self, RATE_KEEP);
}

GtkWidget *
tw_demo_image_page_new (void)
{
  return g_object_new (TW_DEMO_TYPE_IMAGE_PAGE, NULL);
}
