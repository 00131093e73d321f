/* test-model.c: the seeded randomized model test. Runs models (see
 * tw-model.h) with consecutive seeds until its time is up, each with its own
 * pool, owner context and random operations, and checks the contract on
 * every event.
 *
 * Environment:
 *   TW_MODEL_SEED=N       seed of the first model (default: random, printed)
 *   TW_MODEL_SECONDS=N    run models for about N seconds (default 20)
 *   TW_MODEL_INSTANCES=N  stop after N models (default: as many as fit)
 *   TW_MODEL_OPS=N        operations per model (default 600)
 *   TW_MODEL_TRACE=1      print every operation and signal on stderr
 *
 * Each model prints its seed first. A failure names the seed of the model
 * that failed; `TW_MODEL_SEED=<that seed> TW_MODEL_INSTANCES=1` replays the
 * same operations and scripts (the interleaving of the threads differs from
 * run to run, so a race may need a few replays or a soak to show again).
 * A soak: TW_MODEL_SECONDS=3600.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tw-model.h"

static guint64
env_u64 (const char *name,
         guint64     fallback)
{
  const char *value = g_getenv (name);
  guint64 result;

  if (value == NULL || *value == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &result, NULL))
    g_error ("%s=%s is not a number", name, value);
  return result;
}

static void
test_random_operations_keep_the_contract (void)
{
  guint64 seed = env_u64 ("TW_MODEL_SEED", ((guint64) g_random_int () << 32) | g_random_int ());
  guint64 seconds = env_u64 ("TW_MODEL_SECONDS", 20);
  guint64 max_instances = env_u64 ("TW_MODEL_INSTANCES", 0);
  TwModelConfig config = TW_MODEL_CONFIG_DEFAULT;
  TwModelStats total = { 0 };
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  guint64 n_instances = 0;
  g_autofree char *summary = NULL;

  config.max_ops = env_u64 ("TW_MODEL_OPS", config.max_ops);

  g_test_message ("TW_MODEL_SEED=%" G_GUINT64_FORMAT " TW_MODEL_SECONDS=%" G_GUINT64_FORMAT
                  " TW_MODEL_OPS=%u; replay one model with TW_MODEL_SEED=<its seed> "
                  "TW_MODEL_INSTANCES=1", seed, seconds, config.max_ops);

  do
    {
      guint64 instance_seed = seed + n_instances;
      TwModelInput *input = tw_model_input_new_seeded (instance_seed);
      g_autofree char *label = g_strdup_printf ("seed %" G_GUINT64_FORMAT, instance_seed);
      TwModel *model;

      g_test_message ("model seed %" G_GUINT64_FORMAT, instance_seed);
      model = tw_model_new (input, &config);
      tw_model_set_label (model, label);
      while (tw_model_step (model))
        ;
      tw_model_finish (model, &total);
      tw_model_input_free (input);
      n_instances++;
    }
  while ((max_instances == 0 || n_instances < max_instances) &&
         g_get_monotonic_time () < end);

  summary = tw_model_stats_format (&total);
  g_test_message ("%" G_GUINT64_FORMAT " models: %s", n_instances, summary);

  /* The models really exercised the contract. */
  g_assert_cmpuint (total.n_ops, ==, n_instances * config.max_ops);
  g_assert_cmpuint (total.n_runs, >, 0);
  g_assert_cmpuint (total.n_returned + total.n_errored + total.n_aborted, ==, total.n_runs);
  if (total.n_ops >= 1000)
    {
      g_assert_cmpuint (total.n_returned, >, 0);
      g_assert_cmpuint (total.n_errored, >, 0);
      g_assert_cmpuint (total.n_aborted, >, 0);
      g_assert_cmpuint (total.n_yields, >, 0);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Tw/Model/random-operations-keep-the-contract",
                   test_random_operations_keep_the_contract);

  return g_test_run ();
}
