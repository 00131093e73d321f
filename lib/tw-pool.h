/* tw-pool.h: TwPool, the threads workers run on, the limit on concurrent
 * runs, and the list of live workers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(TW_INSIDE) && !defined(TW_COMPILATION)
# error "Only <threadworker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tw-version-macros.h"

G_BEGIN_DECLS

#define TW_TYPE_POOL (tw_pool_get_type ())
TW_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TwPool, tw_pool, TW, POOL, GObject)

TW_AVAILABLE_IN_ALL
TwPool   *tw_pool_get_default          (void);
TW_AVAILABLE_IN_ALL
TwPool   *tw_pool_new                  (void);
TW_AVAILABLE_IN_ALL
guint     tw_pool_get_max_threads      (TwPool       *self);
TW_AVAILABLE_IN_ALL
void      tw_pool_set_max_threads      (TwPool       *self,
                                        guint         max_threads);
TW_AVAILABLE_IN_ALL
guint     tw_pool_get_idle_timeout     (TwPool       *self);
TW_AVAILABLE_IN_ALL
void      tw_pool_set_idle_timeout     (TwPool       *self,
                                        guint         milliseconds);
TW_AVAILABLE_IN_ALL
guint     tw_pool_get_n_running        (TwPool       *self);
TW_AVAILABLE_IN_ALL
guint     tw_pool_get_n_waiting        (TwPool       *self);
TW_AVAILABLE_IN_ALL
guint     tw_pool_get_n_threads        (TwPool       *self);
TW_AVAILABLE_IN_ALL
GMainContext *tw_pool_get_context      (TwPool       *self);
TW_AVAILABLE_IN_ALL
void      tw_pool_quit_all             (TwPool       *self);
TW_AVAILABLE_IN_ALL
gboolean  tw_pool_await                (TwPool       *self,
                                        int           timeout_ms,
                                        GError      **error);
TW_AVAILABLE_IN_ALL
void      tw_pool_release_threads      (TwPool       *self);
TW_AVAILABLE_IN_ALL
void      tw_pool_bind_application     (TwPool       *self,
                                        GApplication *application,
                                        int           timeout_ms);

G_END_DECLS
