/* tw-worker-props-private.h: TwWorker's property ids and pspecs, shared by
 * the two files that notify them: tw-worker.c (which installs them) and
 * tw-worker-owner.c (the setters). Owner thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATE,
  PROP_IS_RUNNING,
  PROP_IS_PAUSED,
  PROP_ABORT_REQUESTED,
  PROP_PROGRESS,
  PROP_PROGRESS_TEXT,
  PROP_YIELD_POLICY,
  PROP_MAX_PENDING_YIELDS,
  PROP_MAX_PENDING_BYTES,
  PROP_POOL,
  N_PROPS
};

extern GParamSpec *_tw_worker_properties[N_PROPS] G_GNUC_INTERNAL;

G_END_DECLS
