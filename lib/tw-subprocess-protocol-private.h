/* tw-subprocess-protocol-private.h: what the subprocess worker makes of a
 * child's output, apart from the child: bytes cut into lines, UTF-8 repair,
 * the PROGRESS line and the tail of stderr. No I/O and no worker: each object
 * is used by one thread at a time (the run's thread, or a test).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest piece of a stdout line passed on, and of a stderr line kept. */
#define TW_SUBPROCESS_MAX_LINE_BYTES         65536
#define TW_SUBPROCESS_MAX_STDERR_LINE_BYTES  4096

/* Receives one line (or one piece of a long line) without its line ending;
 * @line is not NUL-terminated and is valid only during the call. */
typedef void (*TwLineFunc) (const char *line,
                            gsize       len,
                            gpointer    user_data);

/* Cuts a byte stream into lines at `\n`, drops a `\r` before it, and passes
 * every line on in pieces of at most @max bytes, cut between two UTF-8
 * characters where it can. A line without its newline yet waits, but never
 * more than @max bytes of it: an endless line is passed on in pieces rather
 * than buffered whole. */
typedef struct
{
  GString    *partial;
  gsize       max;
  TwLineFunc  func;
  gpointer    user_data;
} TwLineSplitter;

void      _tw_line_splitter_init   (TwLineSplitter *self,
                                    gsize           max,
                                    TwLineFunc      func,
                                    gpointer        user_data);
void      _tw_line_splitter_clear  (TwLineSplitter *self);
void      _tw_line_splitter_feed   (TwLineSplitter *self,
                                    const char     *data,
                                    gsize           len);
/* End of the stream: passes on a last line that had no newline. */
void      _tw_line_splitter_finish (TwLineSplitter *self);

/* @len bytes as valid UTF-8: every byte that is not part of a valid UTF-8
 * sequence, a NUL byte included, becomes U+FFFD. Free with g_free(). */
char     *_tw_subprocess_to_utf8   (const char     *bytes,
                                    gsize           len);

/* `PROGRESS <fraction>[ <text>]`: TRUE with the fraction and the text (NULL
 * if the line has none; points into @line), FALSE if @line is not such a
 * line. The fraction is finite but not clamped. */
gboolean  _tw_subprocess_parse_progress (const char  *line,
                                         double      *fraction,
                                         const char **text);

/* The last @max lines of stderr, made valid UTF-8, oldest first. */
typedef struct
{
  GQueue lines;   /* char* */
  guint  max;
} TwStderrTail;

void      _tw_stderr_tail_init     (TwStderrTail   *self,
                                    guint           max);
void      _tw_stderr_tail_clear    (TwStderrTail   *self);
void      _tw_stderr_tail_push     (TwStderrTail   *self,
                                    const char     *line,
                                    gsize           len);
/* The kept lines joined by `\n` ("" if none). Free with g_free(). */
char     *_tw_stderr_tail_join     (TwStderrTail   *self);

G_END_DECLS
