/* fuzz-model.c: the libFuzzer harness of the randomized model (see
 * ../tw-model.h). The bytes of an input choose the pool's limits, the
 * operations of the owner and the scripts of the runs of one model (with
 * the calls their handlers make, nested iterations of the owner context,
 * restart-then-quit and owner-thread calls from the work, which must be
 * refused), which checks the contract on every event and, at its end, that
 * everything ended and was freed. A failed check aborts; libFuzzer also reports
 * crashes, sanitizer errors, leaks (LeakSanitizer) and hangs (-timeout).
 *
 * Built with clang -fsanitize=fuzzer (see meson.build); replay-main.c runs
 * the same function over files with any compiler:
 *   fuzz-model-replay crash-<sha1>      or      fuzz-model crash-<sha1>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>

#include "tw-model.h"

int LLVMFuzzerInitialize   (int           *argc,
                            char        ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* As the tests run: no slice allocator hiding leaks, criticals fatal. */
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  g_setenv ("G_DEBUG", "gc-friendly", TRUE);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Small models: many inputs per second, each one a whole life cycle. */
  TwModelConfig config = {
    .n_slots = 6,
    .max_ops = 0,            /* until the input ends */
    .max_actions = 6,
    .max_sleep_ms = 1,
    .drain_timeout_ms = 30000,
  };
  TwModelInput *input = tw_model_input_new_bytes (data, size);
  TwModel *model = tw_model_new (input, &config);

  while (tw_model_step (model))
    ;
  tw_model_finish (model, NULL);
  tw_model_input_free (input);

  return 0;
}
