/* worker.h - one background thread with its lock, a wake-up, a stop, and a periodic tick. */
#ifndef SD_CORE_WORKER_H
#define SD_CORE_WORKER_H

#include <stdint.h>

/*
 * The shape every service thread of suido shares (alarms, notifier, SLA probes, operation
 * monitoring, backups, the MQTT binding's sync): a loop that runs tick(), then sleeps until the
 * delay tick returned has passed, someone calls sd_worker_wake(), or the worker is stopped.
 * Waits use CLOCK_MONOTONIC, so a wall-clock step (NTP, an operator) neither fires nor starves
 * a timer. The worker's mutex is held while tick runs and is the lock for the state that tick
 * and the service's callers share (sd_worker_lock()); tick may drop it with sd_worker_unlock()
 * around slow work (I/O, the store) and must take it again before returning.
 */
typedef struct sd_worker sd_worker_t;

/*
 * One round of work. Returns the milliseconds until the next round (0 = at once, negative =
 * only when woken). stopping is 1 on the last round, run once by sd_worker_stop() so that work
 * left (queued mail, a pending write) can be finished or handed back.
 */
typedef int64_t (*sd_worker_tick_fn)(void *ctx, int stopping);

/* Start the thread (named for logs and debuggers, at most 15 bytes). 0, SD_ENOMEM. */
int sd_worker_start(const char *name, sd_worker_tick_fn tick, void *ctx, sd_worker_t **out);

/* Run the next round now (or as soon as the current one ends). Any thread; NULL-safe. */
void sd_worker_wake(sd_worker_t *w);

/* The worker's lock: for the state shared between tick and the service's callers. */
void sd_worker_lock(sd_worker_t *w);
void sd_worker_unlock(sd_worker_t *w);

/* Under the lock, from tick: wait at most ms (monotonic) for a wake-up or a stop; 1 if stopping. */
int sd_worker_sleep(sd_worker_t *w, int64_t ms);

/* Stop: wake the thread, run the last round (stopping = 1), join and free. NULL-safe. */
void sd_worker_stop(sd_worker_t *w);

#endif
