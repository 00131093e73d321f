/* tw-subprocess-worker.h: a worker that runs a program as a child process,
 * yields its output lines and stops, pauses and resumes it with signals.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(TW_INSIDE) && !defined(TW_COMPILATION)
# error "Only <threadworker.h> can be included directly."
#endif

#include <gio/gio.h>

#include "tw-worker.h"

G_BEGIN_DECLS

#define TW_TYPE_SUBPROCESS_WORKER (tw_subprocess_worker_get_type ())
TW_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (TwSubprocessWorker, tw_subprocess_worker, TW, SUBPROCESS_WORKER, TwWorker)

TW_AVAILABLE_IN_ALL
TwWorker            *tw_subprocess_worker_new               (const char * const  *argv,
                                                             GError             **error);
TW_AVAILABLE_IN_ALL
TwWorker            *tw_subprocess_worker_new_with_launcher (GSubprocessLauncher *launcher,
                                                             const char * const  *argv,
                                                             GError             **error);

TW_AVAILABLE_IN_ALL
const char * const  *tw_subprocess_worker_get_argv          (TwSubprocessWorker  *self);
TW_AVAILABLE_IN_ALL
GSubprocessLauncher *tw_subprocess_worker_get_launcher      (TwSubprocessWorker  *self);
TW_AVAILABLE_IN_ALL
guint                tw_subprocess_worker_get_kill_timeout  (TwSubprocessWorker  *self);
TW_AVAILABLE_IN_ALL
void                 tw_subprocess_worker_set_kill_timeout  (TwSubprocessWorker  *self,
                                                             guint                milliseconds);
TW_AVAILABLE_IN_ALL
guint                tw_subprocess_worker_get_stderr_tail_lines (TwSubprocessWorker *self);
TW_AVAILABLE_IN_ALL
void                 tw_subprocess_worker_set_stderr_tail_lines (TwSubprocessWorker *self,
                                                                 guint               n_lines);
TW_AVAILABLE_IN_ALL
gboolean             tw_subprocess_worker_get_parse_progress (TwSubprocessWorker *self);
TW_AVAILABLE_IN_ALL
void                 tw_subprocess_worker_set_parse_progress (TwSubprocessWorker *self,
                                                              gboolean            parse_progress);
TW_AVAILABLE_IN_ALL
gboolean             tw_subprocess_worker_close_stdin       (TwSubprocessWorker  *self,
                                                             GError             **error);

G_END_DECLS
