/* test-i18n.c: the library's error messages come out in the user's
 * language. Run with LANGUAGE=de in a UTF-8 locale (see meson.build); reads
 * the catalogues meson compiles into <builddir>/po.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libintl.h>
#include <locale.h>

#include "tw-test-util.h"

static void
do_nothing (TwWorker *worker,
            gpointer  user_data)
{
}

static gboolean
step_once (TwWorker     *worker,
           const GValue *sent,
           gpointer      user_data)
{
  return FALSE;
}

/* Sends 1 to @worker, which must refuse it. */
static GError *
send_refused (TwWorker *worker)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 1);
  g_assert_false (tw_worker_send (worker, &value, &error));
  g_assert_nonnull (error);
  return error;
}

static void
test_send_to_function_worker_german (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (do_nothing, NULL, NULL);
  g_autoptr(GError) error = send_refused (worker);

  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "Worker vom Typ TwFunctionWorker nehmen keine gesendeten Werte an");
}

static void
test_send_to_idle_generator_german (void)
{
  g_autoptr(TwWorker) worker = tw_generator_worker_new (step_once, NULL, NULL);
  g_autoptr(GError) error = NULL;

  tw_worker_set_name (worker, "Zähler");
  error = send_refused (worker);

  g_assert_error (error, TW_WORKER_ERROR, TW_WORKER_ERROR_NOT_RUNNING);
  g_assert_cmpstr (error->message, ==,
                   "An den Worker „Zähler“ kann kein Wert gesendet werden: Er läuft nicht");
}

/* LANGUAGE is read at each lookup once the locale is set again. */
static void
test_send_to_function_worker_french (void)
{
  g_autoptr(TwWorker) worker = tw_function_worker_new (do_nothing, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));

  g_setenv ("LANGUAGE", "fr", TRUE);
  setlocale (LC_ALL, "");
  error = send_refused (worker);
  g_setenv ("LANGUAGE", saved, TRUE);
  setlocale (LC_ALL, "");

  g_assert_cmpstr (error->message, ==,
                   "Les workers de type TwFunctionWorker n’acceptent pas de valeurs envoyées");
}

int
main (int   argc,
      char *argv[])
{
  const char *locale = setlocale (LC_ALL, "");

  g_test_init (&argc, &argv, NULL);

  /* LANGUAGE is ignored in the C locale: the test needs a UTF-8 one. */
  if (locale == NULL || g_str_equal (locale, "C") || g_strcmp0 (g_getenv ("LANGUAGE"), "de") != 0)
    g_error ("run with LANGUAGE=de and a UTF-8 locale such as LC_ALL=C.UTF-8 (locale is %s)",
             locale != NULL ? locale : "unavailable");

  /* The library binds its domain to the installed LOCALEDIR when its
   * classes are first initialised; then read the catalogues of the build
   * tree instead. */
  g_type_class_unref (g_type_class_ref (TW_TYPE_FUNCTION_WORKER));
  tw_pool_get_default ();
  bindtextdomain (GETTEXT_PACKAGE, TW_TEST_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/Tw/I18n/send-to-function-worker-says-so-in-german",
                   test_send_to_function_worker_german);
  g_test_add_func ("/Tw/I18n/send-to-idle-generator-says-so-in-german",
                   test_send_to_idle_generator_german);
  g_test_add_func ("/Tw/I18n/language-switch-to-french",
                   test_send_to_function_worker_french);

  return g_test_run ();
}
