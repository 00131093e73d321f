/* tw-debug-private.h: TW_DEBUG(), the library's debug messages, for every
 * file of lib/ (the switch itself lives in tw-worker.c). Any thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Debug output, under the log domain "Threadworker": shown when
 * G_MESSAGES_DEBUG names it (or is "all"), or after
 * g_log_set_debug_enabled (TRUE). TW_DEBUG() costs a load and a branch when
 * it is off, so it may sit on per-run paths; G_MESSAGES_DEBUG is read once,
 * at the first TW_DEBUG(). Any thread. */
extern int _tw_debug_env;   /* -1: not read yet; 0: off; 1: on */
int        _tw_debug_env_read (void);

static inline gboolean
_tw_debug_enabled (void)
{
  int env = g_atomic_int_get (&_tw_debug_env);

  if (G_UNLIKELY (env < 0))
    env = _tw_debug_env_read ();
  return env || g_log_get_debug_enabled ();
}

#define TW_DEBUG(...) \
  G_STMT_START { if (G_UNLIKELY (_tw_debug_enabled ())) g_debug (__VA_ARGS__); } G_STMT_END

G_END_DECLS
