/* tw-subprocess-protocol.c: the subprocess worker's output protocol: lines,
 * UTF-8 repair, the PROGRESS line, the stderr tail. Bytes in, lines out, no
 * I/O; used on the run's thread (and by tests/test-subprocess-protocol.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tw-subprocess-protocol-private.h"

char *
_tw_subprocess_to_utf8 (const char *bytes,
                        gsize       len)
{
  if (g_utf8_validate_len (bytes, len, NULL))
    return g_strndup (bytes, len);
  return g_utf8_make_valid (bytes, len);
}

/* ------------------------------------------------------------------------ */
/* Lines                                                                    */

/* Where to cut @str (@len bytes) so that the first piece has at most @max
 * bytes, preferably between two UTF-8 characters. */
static gsize
cut_point (const char *str,
           gsize       len,
           gsize       max)
{
  gsize cut = max;

  if (len <= max)
    return len;
  for (guint i = 0; i < 3 && cut > 1 && ((guchar) str[cut] & 0xC0) == 0x80; i++)
    cut--;
  return ((guchar) str[cut] & 0xC0) == 0x80 ? max : cut;
}

/* Passes one line on, in pieces of at most self->max bytes. */
static void
emit_line (TwLineSplitter *self,
           const char     *line,
           gsize           len)
{
  do
    {
      gsize n = cut_point (line, len, self->max);

      self->func (line, n, self->user_data);
      line += n;
      len -= n;
    }
  while (len > 0);
}

void
_tw_line_splitter_init (TwLineSplitter *self,
                        gsize           max,
                        TwLineFunc      func,
                        gpointer        user_data)
{
  g_return_if_fail (max > 0);

  self->partial = g_string_new (NULL);
  self->max = max;
  self->func = func;
  self->user_data = user_data;
}

void
_tw_line_splitter_clear (TwLineSplitter *self)
{
  if (self->partial != NULL)
    g_string_free (g_steal_pointer (&self->partial), TRUE);
}

void
_tw_line_splitter_feed (TwLineSplitter *self,
                        const char     *data,
                        gsize           len)
{
  GString *partial = self->partial;
  const char *end = data + len;

  while (data < end)
    {
      const char *newline = memchr (data, '\n', end - data);
      const char *line;
      gsize line_len;

      if (newline == NULL)
        {
          g_string_append_len (partial, data, end - data);
          while (partial->len > self->max)
            {
              gsize n = cut_point (partial->str, partial->len, self->max);

              self->func (partial->str, n, self->user_data);
              g_string_erase (partial, 0, n);
            }
          return;
        }

      if (partial->len > 0)
        {
          g_string_append_len (partial, data, newline - data);
          line = partial->str;
          line_len = partial->len;
        }
      else
        {
          line = data;
          line_len = newline - data;
        }
      if (line_len > 0 && line[line_len - 1] == '\r')
        line_len--;
      emit_line (self, line, line_len);
      g_string_truncate (partial, 0);
      data = newline + 1;
    }
}

void
_tw_line_splitter_finish (TwLineSplitter *self)
{
  if (self->partial->len == 0)
    return;
  emit_line (self, self->partial->str, self->partial->len);
  g_string_truncate (self->partial, 0);
}

/* ------------------------------------------------------------------------ */
/* PROGRESS                                                                 */

gboolean
_tw_subprocess_parse_progress (const char  *line,
                               double      *fraction,
                               const char **text)
{
  const char *number;
  char *end = NULL;
  double value;

  if (!g_str_has_prefix (line, "PROGRESS "))
    return FALSE;

  number = line + strlen ("PROGRESS ");
  if (*number == '\0' || g_ascii_isspace (*number))
    return FALSE;
  value = g_ascii_strtod (number, &end);
  if (end == number || (*end != '\0' && *end != ' ') || !isfinite (value))
    return FALSE;

  *fraction = value;
  *text = *end == ' ' ? end + 1 : NULL;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* The stderr tail                                                          */

void
_tw_stderr_tail_init (TwStderrTail *self,
                      guint         max)
{
  g_queue_init (&self->lines);
  self->max = max;
}

void
_tw_stderr_tail_clear (TwStderrTail *self)
{
  g_queue_clear_full (&self->lines, g_free);
}

void
_tw_stderr_tail_push (TwStderrTail *self,
                      const char   *line,
                      gsize         len)
{
  if (self->max == 0)
    return;

  g_queue_push_tail (&self->lines, _tw_subprocess_to_utf8 (line, len));
  while (self->lines.length > self->max)
    g_free (g_queue_pop_head (&self->lines));
}

char *
_tw_stderr_tail_join (TwStderrTail *self)
{
  GString *tail = g_string_new (NULL);

  for (const GList *l = self->lines.head; l != NULL; l = l->next)
    {
      if (tail->len > 0)
        g_string_append_c (tail, '\n');
      g_string_append (tail, l->data);
    }
  return g_string_free (tail, FALSE);
}
