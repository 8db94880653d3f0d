/*
 * Progress on stderr for long work (layer decompression, feed downloads and parsing): one
 * line rewritten in place with bytes and bytes/s, only when enabled (the CLI enables it when
 * stderr is a terminal and -q was not given). Thread-safe; a no-op when disabled.
 */
#ifndef CORE_PROGRESS_H
#define CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

void progress_enable(bool on);
/* Start a task called what ("layer sha256:1234abcd", "downloading URL"). */
void progress_begin(const char *what);
void progress_add(uint64_t bytes);
/* End the task: its line is cleared. */
void progress_end(void);

#endif
