/* tw-demo-main.c: the threadworker demo viewer: the application, its
 * command line, and --screenshot, which drives a page, saves a PNG of the
 * window and exits.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <locale.h>

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <threadworker.h>

#include "tw-demo-page.h"
#include "tw-demo-window.h"

/* How long shutdown waits for workers to stop, and how long --screenshot may
 * take before it gives up. */
#define SHUTDOWN_TIMEOUT_MS   3000
#define SCREENSHOT_DEADLINE_S 120

typedef struct
{
  GtkApplication *app;
  TwDemoWindow   *window;

  char           *screenshot;
  int             frames;
  char           *page;

  GCancellable   *cancellable;
  guint           deadline_id;
  gulong          after_paint_id;
  int             exit_status;
} Demo;

static void
demo_finish (Demo *demo,
             int   exit_status)
{
  demo->exit_status = exit_status;
  g_clear_handle_id (&demo->deadline_id, g_source_remove);
  g_cancellable_cancel (demo->cancellable);
  /* The last window going away ends the application; its shutdown stops
   * the workers still running (see tw_pool_bind_application()). */
  if (demo->window != NULL)
    gtk_window_destroy (GTK_WINDOW (demo->window));
}

static gboolean
save_screenshot (Demo    *demo,
                 GError **error)
{
  GtkWidget *widget = GTK_WIDGET (demo->window);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  /* Holds the window's last painted render node: call right after a paint. */
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the window has nothing to draw (%d×%d)", width, height);
      return FALSE;
    }

  renderer = gtk_native_get_renderer (GTK_NATIVE (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, demo->screenshot))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "could not write %s", demo->screenshot);
      return FALSE;
    }

  g_print ("saved %s (%d×%d, page %s, %s renderer)\n", demo->screenshot, width, height,
           demo->page, G_OBJECT_TYPE_NAME (renderer));
  return TRUE;
}

static gboolean
finish_idle_cb (gpointer user_data)
{
  Demo *demo = user_data;

  demo_finish (demo, demo->exit_status);
  return G_SOURCE_REMOVE;
}

/* Called right after each paint of the window, while its layout is current:
 * once the page is on screen, capture what the user sees. */
static void
after_paint_cb (GdkFrameClock *frame_clock,
                Demo          *demo)
{
  GtkWidget *page = tw_demo_window_get_page (demo->window, demo->page);
  g_autoptr(GError) error = NULL;

  if (!gtk_widget_get_mapped (page) || gtk_widget_get_width (page) <= 0)
    {
      gtk_widget_queue_draw (GTK_WIDGET (demo->window));
      return;
    }

  g_clear_signal_handler (&demo->after_paint_id, frame_clock);
  if (!save_screenshot (demo, &error))
    {
      g_printerr ("threadworker-demo: %s\n", error->message);
      demo->exit_status = 1;
    }
  /* Not from inside the frame clock's signal. */
  g_idle_add (finish_idle_cb, demo);
}

static void
script_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  GdkFrameClock *frame_clock;

  if (!tw_demo_page_script_finish (TW_DEMO_PAGE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr ("threadworker-demo: page %s: %s\n", demo->page, error->message);
          demo_finish (demo, 1);
        }
      return;
    }

  frame_clock = gtk_widget_get_frame_clock (GTK_WIDGET (demo->window));
  demo->after_paint_id = g_signal_connect (frame_clock, "after-paint",
                                           G_CALLBACK (after_paint_cb), demo);
  gtk_widget_queue_draw (GTK_WIDGET (demo->window));
}

static gboolean
deadline_cb (gpointer user_data)
{
  Demo *demo = user_data;

  demo->deadline_id = 0;
  g_printerr ("threadworker-demo: page %s did not reach its screenshot state within %d s\n",
              demo->page, SCREENSHOT_DEADLINE_S);
  demo_finish (demo, 1);
  return G_SOURCE_REMOVE;
}

static void
on_window_destroy (Demo *demo)
{
  demo->window = NULL;
}

static void
activate_cb (GApplication *app,
             Demo         *demo)
{
  if (demo->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (demo->window));
      return;
    }

  demo->window = TW_DEMO_WINDOW (tw_demo_window_new (demo->app));
  g_signal_connect_swapped (demo->window, "destroy", G_CALLBACK (on_window_destroy), demo);
  if (demo->page != NULL)
    tw_demo_window_show_page (demo->window, demo->page);
  gtk_window_present (GTK_WINDOW (demo->window));

  if (demo->screenshot != NULL)
    {
      GtkWidget *page = tw_demo_window_get_page (demo->window, demo->page);

      demo->deadline_id = g_timeout_add_seconds (SCREENSHOT_DEADLINE_S, deadline_cb, demo);
      tw_demo_page_script_async (TW_DEMO_PAGE (page), demo->frames, demo->cancellable,
                                 script_done_cb, demo);
    }
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
startup_cb (GApplication *app,
            Demo         *demo)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const GActionEntry actions[] = {
    { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  };
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);

  gtk_css_provider_load_from_data (css,
                                   ".tw-banner { padding: 8px 12px; border-radius: 6px;"
                                   "  background-color: #c01c28; color: white; }"
                                   ".tw-banner button { color: white; background: rgba(255,255,255,0.15);"
                                   "  border-color: rgba(255,255,255,0.5); box-shadow: none; }"
                                   ".tw-banner button:hover { background: rgba(255,255,255,0.3); }"
                                   ".tw-result { font-size: 1.6em; font-weight: bold; }",
                                   -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static int
handle_local_options_cb (GApplication *app,
                         GVariantDict *options,
                         Demo         *demo)
{
  const char * const *names = tw_demo_window_get_page_names ();

  if (demo->page == NULL)
    demo->page = g_strdup (names[0]);
  if (!g_strv_contains (names, demo->page))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) names);

      g_printerr (_("Unknown page “%s”. The pages are: %s\n"), demo->page, list);
      return 2;
    }
  if (demo->frames < 1)
    {
      g_printerr (_("--frames must be at least 1\n"));
      return 2;
    }

  return -1;
}

/* The library binds its message catalogue to the installed LOCALEDIR when
 * its classes are first initialised. The demo runs from the build tree,
 * whose catalogues meson compiled into po/: initialise the library first,
 * then point the shared domain there. */
static void
init_i18n (void)
{
  setlocale (LC_ALL, "");
  g_type_class_unref (g_type_class_ref (TW_TYPE_GENERATOR_WORKER));
  tw_pool_get_default ();
  bindtextdomain (GETTEXT_PACKAGE, DEMO_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
main (int   argc,
      char *argv[])
{
  Demo demo = { .frames = 20 };
  int status;
  const GOptionEntry entries[] = {
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &demo.screenshot,
      N_("Drive the page, save a PNG of the window to FILE, and exit"), N_("FILE") },
    { "frames", 0, 0, G_OPTION_ARG_INT, &demo.frames,
      N_("With --screenshot, how many frames to stream first (default 20)"), N_("N") },
    { "page", 0, 0, G_OPTION_ARG_STRING, &demo.page,
      N_("The page to show: image, send, errors, subprocess or workers"), N_("NAME") },
    { NULL }
  };

  init_i18n ();

  demo.cancellable = g_cancellable_new ();
  demo.app = gtk_application_new ("org.threadworker.Demo", G_APPLICATION_NON_UNIQUE);
  g_application_add_main_option_entries (G_APPLICATION (demo.app), entries);
  g_application_set_option_context_summary (G_APPLICATION (demo.app),
                                            _("Shows what threadworker does in a GTK 4 app."));
  g_signal_connect (demo.app, "handle-local-options", G_CALLBACK (handle_local_options_cb), &demo);
  g_signal_connect (demo.app, "startup", G_CALLBACK (startup_cb), &demo);
  g_signal_connect (demo.app, "activate", G_CALLBACK (activate_cb), &demo);

  /* Quitting while workers run stops them and waits for them (briefly). */
  tw_pool_bind_application (tw_pool_get_default (), G_APPLICATION (demo.app),
                            SHUTDOWN_TIMEOUT_MS);

  status = g_application_run (G_APPLICATION (demo.app), argc, argv);

  g_clear_handle_id (&demo.deadline_id, g_source_remove);
  g_clear_object (&demo.app);
  g_clear_object (&demo.cancellable);
  g_free (demo.screenshot);
  g_free (demo.page);

  return status != 0 ? status : demo.exit_status;
}
