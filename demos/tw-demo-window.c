/* tw-demo-window.c: the demo viewer's window: a sidebar of pages, each
 * showing one thing threadworker does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-demo-config.h"

#include <glib/gi18n.h>

#include "tw-demo-window.h"
#include "tw-demo-errors-page.h"
#include "tw-demo-image-page.h"
#include "tw-demo-send-page.h"
#include "tw-demo-subprocess-page.h"
#include "tw-demo-workers-page.h"

struct _TwDemoWindow
{
  GtkApplicationWindow parent_instance;

  GtkWidget *stack;
};

G_DEFINE_FINAL_TYPE (TwDemoWindow, tw_demo_window, GTK_TYPE_APPLICATION_WINDOW)

typedef struct
{
  const char *name;
  const char *title;
  GtkWidget *(*create) (void);
} PageInfo;

static const PageInfo pages[] = {
  { "image", N_("Progressive image"), tw_demo_image_page_new },
  { "send", N_("Send"), tw_demo_send_page_new },
  { "errors", N_("Errors"), tw_demo_errors_page_new },
  { "subprocess", N_("Subprocess"), tw_demo_subprocess_page_new },
  { "workers", N_("Workers"), tw_demo_workers_page_new },
};

static const char * const page_names[] = {
  "image",
  "send",
  "errors",
  "subprocess",
  "workers",
  NULL
};

const char * const *
tw_demo_window_get_page_names (void)
{
  G_STATIC_ASSERT (G_N_ELEMENTS (page_names) == G_N_ELEMENTS (pages) + 1);

  return page_names;
}

static void
tw_demo_window_class_init (TwDemoWindowClass *klass)
{
}

static void
tw_demo_window_init (TwDemoWindow *self)
{
  GtkWidget *header, *paned, *sidebar, *scrolled;

  gtk_window_set_title (GTK_WINDOW (self), _("threadworker demo"));
  gtk_window_set_default_size (GTK_WINDOW (self), 1100, 760);

  header = gtk_header_bar_new ();
  gtk_window_set_titlebar (GTK_WINDOW (self), header);

  paned = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_window_set_child (GTK_WINDOW (self), paned);

  self->stack = gtk_stack_new ();
  gtk_stack_set_transition_type (GTK_STACK (self->stack), GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  gtk_widget_set_hexpand (self->stack, TRUE);

  sidebar = gtk_stack_sidebar_new ();
  gtk_stack_sidebar_set_stack (GTK_STACK_SIDEBAR (sidebar), GTK_STACK (self->stack));
  gtk_widget_set_size_request (sidebar, 180, -1);
  gtk_box_append (GTK_BOX (paned), sidebar);
  gtk_box_append (GTK_BOX (paned), gtk_separator_new (GTK_ORIENTATION_VERTICAL));

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->stack);
  gtk_widget_set_hexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (paned), scrolled);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    gtk_stack_add_titled (GTK_STACK (self->stack), pages[i].create (),
                          pages[i].name, _(pages[i].title));
}

GtkWidget *
tw_demo_window_new (GtkApplication *application)
{
  return g_object_new (TW_DEMO_TYPE_WINDOW, "application", application, NULL);
}

GtkWidget *
tw_demo_window_get_page (TwDemoWindow *self,
                         const char   *name)
{
  g_return_val_if_fail (TW_DEMO_IS_WINDOW (self), NULL);

  return gtk_stack_get_child_by_name (GTK_STACK (self->stack), name);
}

void
tw_demo_window_show_page (TwDemoWindow *self,
                          const char   *name)
{
  g_return_if_fail (TW_DEMO_IS_WINDOW (self));

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), name);
}
