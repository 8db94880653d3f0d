#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct {
	pthread_mutex_t lock;
	bool on, active;
	char what[96];
	uint64_t bytes;
	double start, last;
} p = {.lock = PTHREAD_MUTEX_INITIALIZER};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void progress_enable(bool on)
{
	p.on = on;
}

void progress_begin(const char *what)
{
	if (!p.on)
		return;
	pthread_mutex_lock(&p.lock);
	snprintf(p.what, sizeof p.what, "%s", what);
	p.active = true;
	p.bytes = 0;
	p.start = p.last = now();
	pthread_mutex_unlock(&p.lock);
}

void progress_add(uint64_t bytes)
{
	if (!p.on)
		return;
	pthread_mutex_lock(&p.lock);
	p.bytes += bytes;
	double t = now();
	if (p.active && t - p.last >= 0.1) {
		double mib = (double)p.bytes / (1024.0 * 1024.0);
		double rate = t > p.start ? mib / (t - p.start) : 0;
		fprintf(stderr, "\r\033[K%s: %.1f MiB (%.1f MiB/s)", p.what, mib, rate);
		fflush(stderr);
		p.last = t;
	}
	pthread_mutex_unlock(&p.lock);
}

void progress_end(void)
{
	if (!p.on)
		return;
	pthread_mutex_lock(&p.lock);
	if (p.active && p.last > p.start) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p.active = false;
	pthread_mutex_unlock(&p.lock);
}
