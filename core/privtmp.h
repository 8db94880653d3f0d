/*
 * A private temporary directory per lucid process: created at start under $TMPDIR (or /tmp)
 * and exported as TMPDIR, so every temporary file of the core and the plugins (feed spools,
 * rpm database copies, bundle scratch space) lands in it; removed at exit and on SIGINT,
 * SIGTERM, SIGHUP and SIGPIPE (with async-signal-safe calls only), so no exit path but SIGKILL
 * leaves files behind.
 */
#ifndef CORE_PRIVTMP_H
#define CORE_PRIVTMP_H

/* Create the directory and install the handlers; a failure only costs the cleanup. */
void privtmp_init(void);
/* Remove the directory and everything in it (also called at exit). */
void privtmp_cleanup(void);

#endif
