/**
 * \file lucid/lucid-sdk.h
 * Umbrella header of the lucid plugin SDK. See PLUGINS.md.
 */
#ifndef LUCID_SDK_H
#define LUCID_SDK_H

#include "comparator.h"
#include "defs.h"
#include "detector.h"
#include "error.h"
#include "fetcher.h"
#include "host.h"
#include "image.h"
#include "layer.h"
#include "lister.h"
#include "notifier.h"
#include "plugin.h"
#include "record.h"
#include "version.h"

#endif
