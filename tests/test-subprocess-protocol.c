/* test-subprocess-protocol.c: the subprocess worker's output protocol without
 * a child process: bytes cut into lines, long lines cut between UTF-8
 * characters, UTF-8 repair, the PROGRESS line and the stderr tail.
 * Links lib/tw-subprocess-protocol.c on its own (see lib/meson.build).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <glib.h>

#include "tw-subprocess-protocol-private.h"

/* Every line passed on, as a string, in order. */
static void
collect_line (const char *line,
              gsize       len,
              gpointer    user_data)
{
  GPtrArray *lines = user_data;

  g_ptr_array_add (lines, g_strndup (line, len));
}

static GPtrArray *
lines_new (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

static void
assert_lines (GPtrArray  *lines,
              const char *const *expected)
{
  guint n = g_strv_length ((char **) expected);

  for (guint i = 0; i < MIN (n, lines->len); i++)
    g_assert_cmpstr (g_ptr_array_index (lines, i), ==, expected[i]);
  g_assert_cmpuint (lines->len, ==, n);
}

static void
feed (TwLineSplitter *splitter,
      const char     *data)
{
  _tw_line_splitter_feed (splitter, data, strlen (data));
}

/* Feeds @input to a splitter passing pieces of at most @max bytes, ends the
 * stream, and checks the lines passed on. */
static void
assert_split (gsize              max,
              const char        *input,
              const char *const *expected)
{
  g_autoptr(GPtrArray) lines = lines_new ();
  TwLineSplitter splitter;

  _tw_line_splitter_init (&splitter, max, collect_line, lines);
  feed (&splitter, input);
  _tw_line_splitter_finish (&splitter);
  assert_lines (lines, expected);
  _tw_line_splitter_clear (&splitter);
}

/* ------------------------------------------------------------------------ */
/* Lines                                                                    */

static void
test_lines_split_at_newlines_without_endings (void)
{
  const char *expected[] = { "one", "two", "", "three", NULL };

  assert_split (64, "one\ntwo\r\n\nthree\n", expected);
}

static void
test_line_split_across_reads_is_joined (void)
{
  g_autoptr(GPtrArray) lines = lines_new ();
  TwLineSplitter splitter;
  const char *before[] = { NULL };
  const char *after[] = { "hello world", "crlf", NULL };

  _tw_line_splitter_init (&splitter, 64, collect_line, lines);
  feed (&splitter, "hel");
  feed (&splitter, "lo wor");
  assert_lines (lines, before);
  feed (&splitter, "ld\ncrlf\r");
  feed (&splitter, "\n");
  assert_lines (lines, after);
  _tw_line_splitter_clear (&splitter);
}

static void
test_last_line_without_newline_comes_at_the_end (void)
{
  g_autoptr(GPtrArray) lines = lines_new ();
  TwLineSplitter splitter;
  const char *expected[] = { "first", "last", NULL };

  _tw_line_splitter_init (&splitter, 64, collect_line, lines);
  feed (&splitter, "first\nlast");
  g_assert_cmpuint (lines->len, ==, 1);
  _tw_line_splitter_finish (&splitter);
  assert_lines (lines, expected);

  /* Nothing is left for a second end. */
  _tw_line_splitter_finish (&splitter);
  assert_lines (lines, expected);
  _tw_line_splitter_clear (&splitter);
}

static void
test_long_line_is_passed_on_in_pieces (void)
{
  const char *expected[] = { "abcd", "efgh", "ij", "shor", "t", NULL };

  assert_split (4, "abcdefghij\nshort\n", expected);
}

static void
test_endless_line_is_not_buffered_whole (void)
{
  g_autoptr(GPtrArray) lines = lines_new ();
  TwLineSplitter splitter;
  const char *expected[] = { "aaaa", "aaaa", "aa", NULL };

  _tw_line_splitter_init (&splitter, 4, collect_line, lines);
  for (guint i = 0; i < 5; i++)
    feed (&splitter, "aa");
  /* Without a newline, every full piece has gone on; at most 4 bytes wait. */
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_cmpuint (splitter.partial->len, <=, 4);
  _tw_line_splitter_finish (&splitter);
  assert_lines (lines, expected);
  _tw_line_splitter_clear (&splitter);
}

static void
test_long_line_is_cut_between_utf8_characters (void)
{
  /* "ab" then "é" (2 bytes): a cut after 3 bytes would split the "é". */
  const char *expected[] = { "ab", "\xc3\xa9" "c", "d", NULL };

  assert_split (3, "ab\xc3\xa9" "cd\n", expected);
}

static void
test_line_without_character_boundary_is_cut_at_max (void)
{
  /* Continuation bytes only: no boundary to move to, so the cut is at 2. */
  const char *expected[] = { "\x80\x80", "\x80\x80", "\x80", NULL };

  assert_split (2, "\x80\x80\x80\x80\x80\n", expected);
}

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                    */

static void
test_invalid_bytes_become_replacement_characters (void)
{
  const char bytes[] = { 'a', '\xff', 'b', '\0', 'c' };
  g_autofree char *valid = _tw_subprocess_to_utf8 ("h\xc3\xa9llo", 6);
  g_autofree char *repaired = _tw_subprocess_to_utf8 (bytes, sizeof bytes);

  g_assert_cmpstr (valid, ==, "h\xc3\xa9llo");
  g_assert_cmpstr (repaired, ==, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
}

/* ------------------------------------------------------------------------ */
/* PROGRESS                                                                 */

static void
test_progress_line_gives_fraction_and_text (void)
{
  const char *text = "not set";
  double fraction = -2;

  g_assert_true (_tw_subprocess_parse_progress ("PROGRESS 0.25", &fraction, &text));
  g_assert_cmpfloat (fraction, ==, 0.25);
  g_assert_null (text);

  g_assert_true (_tw_subprocess_parse_progress ("PROGRESS 1 Copying pictures",
                                                &fraction, &text));
  g_assert_cmpfloat (fraction, ==, 1.0);
  g_assert_cmpstr (text, ==, "Copying pictures");

  /* Unknown progress, and values above 1: passed on as they are. */
  g_assert_true (_tw_subprocess_parse_progress ("PROGRESS -1", &fraction, &text));
  g_assert_cmpfloat (fraction, ==, -1.0);
  g_assert_true (_tw_subprocess_parse_progress ("PROGRESS 2.5 ", &fraction, &text));
  g_assert_cmpfloat (fraction, ==, 2.5);
  g_assert_cmpstr (text, ==, "");
}

static void
test_other_lines_are_not_progress (void)
{
  const char *not_progress[] = {
    "PROGRESS",
    "PROGRESS ",
    "PROGRESS done",
    "PROGRESS  0.5",
    "PROGRESS 0.5x",
    "PROGRESS 0.5\t",
    "PROGRESS inf",
    "PROGRESS nan",
    "progress 0.5",
    " PROGRESS 0.5",
    "PROGRESS\t0.5",
    "hello",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (not_progress); i++)
    {
      const char *text = NULL;
      double fraction = 0;

      if (_tw_subprocess_parse_progress (not_progress[i], &fraction, &text))
        g_error ("“%s” was taken for a progress line", not_progress[i]);
    }
}

/* ------------------------------------------------------------------------ */
/* The stderr tail                                                          */

/* Pushes the lines of @pushed to a tail of @max lines and checks what it
 * keeps. */
static void
assert_tail (guint              max,
             const char *const *pushed,
             const char        *expected)
{
  TwStderrTail tail;
  g_autofree char *joined = NULL;

  _tw_stderr_tail_init (&tail, max);
  for (guint i = 0; pushed[i] != NULL; i++)
    _tw_stderr_tail_push (&tail, pushed[i], strlen (pushed[i]));
  joined = _tw_stderr_tail_join (&tail);
  g_assert_cmpstr (joined, ==, expected);
  g_assert_cmpuint (tail.lines.length, <=, max);
  _tw_stderr_tail_clear (&tail);
}

static void
test_stderr_tail_keeps_the_last_lines (void)
{
  const char *pushed[] = { "one", "two", "thr\xff" "e", NULL };

  assert_tail (2, pushed, "two\nthr\xef\xbf\xbd" "e");
}

static void
test_stderr_tail_of_zero_lines_keeps_none (void)
{
  const char *pushed[] = { "lost", NULL };

  assert_tail (0, pushed, "");
}

static void
push_to_tail (const char *line,
              gsize       len,
              gpointer    user_data)
{
  _tw_stderr_tail_push (user_data, line, len);
}

static void
test_stderr_lines_feed_the_tail_cut_to_length (void)
{
  TwLineSplitter splitter;
  TwStderrTail tail;
  g_autofree char *joined = NULL;

  /* What the worker does with stderr: lines cut to the longest kept, the
   * last three of them kept, a last line without newline at the end. */
  _tw_stderr_tail_init (&tail, 3);
  _tw_line_splitter_init (&splitter, 4, push_to_tail, &tail);
  feed (&splitter, "early\nabcdefgh\nxy");
  _tw_line_splitter_finish (&splitter);
  joined = _tw_stderr_tail_join (&tail);
  g_assert_cmpstr (joined, ==, "abcd\nefgh\nxy");
  _tw_line_splitter_clear (&splitter);
  _tw_stderr_tail_clear (&tail);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/SubprocessProtocol/lines-split-at-newlines-without-endings",
                   test_lines_split_at_newlines_without_endings);
  g_test_add_func ("/Tw/SubprocessProtocol/line-split-across-reads-is-joined",
                   test_line_split_across_reads_is_joined);
  g_test_add_func ("/Tw/SubprocessProtocol/last-line-without-newline-comes-at-the-end",
                   test_last_line_without_newline_comes_at_the_end);
  g_test_add_func ("/Tw/SubprocessProtocol/long-line-is-passed-on-in-pieces",
                   test_long_line_is_passed_on_in_pieces);
  g_test_add_func ("/Tw/SubprocessProtocol/endless-line-is-not-buffered-whole",
                   test_endless_line_is_not_buffered_whole);
  g_test_add_func ("/Tw/SubprocessProtocol/long-line-is-cut-between-utf8-characters",
                   test_long_line_is_cut_between_utf8_characters);
  g_test_add_func ("/Tw/SubprocessProtocol/line-without-character-boundary-is-cut-at-max",
                   test_line_without_character_boundary_is_cut_at_max);
  g_test_add_func ("/Tw/SubprocessProtocol/invalid-bytes-become-replacement-characters",
                   test_invalid_bytes_become_replacement_characters);
  g_test_add_func ("/Tw/SubprocessProtocol/progress-line-gives-fraction-and-text",
                   test_progress_line_gives_fraction_and_text);
  g_test_add_func ("/Tw/SubprocessProtocol/other-lines-are-not-progress",
                   test_other_lines_are_not_progress);
  g_test_add_func ("/Tw/SubprocessProtocol/stderr-tail-keeps-the-last-lines",
                   test_stderr_tail_keeps_the_last_lines);
  g_test_add_func ("/Tw/SubprocessProtocol/stderr-tail-of-zero-lines-keeps-none",
                   test_stderr_tail_of_zero_lines_keeps_none);
  g_test_add_func ("/Tw/SubprocessProtocol/stderr-lines-feed-the-tail-cut-to-length",
                   test_stderr_lines_feed_the_tail_cut_to_length);

  return g_test_run ();
}
