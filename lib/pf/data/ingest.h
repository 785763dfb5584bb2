/* ingest.h - group commit: one writer thread per store stores the sample batches of every
 * concurrent caller in one transaction and acknowledges each after that commit. */
#ifndef SD_PF_INGEST_H
#define SD_PF_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "gwif/gwif.h"
#include "pf/pf.h"

/*
 * Why: with synchronous=FULL every commit is an fsync, and many gateways sending small batches
 * each with its own transaction queue behind SQLite's write lock (its busy handler sleeps) and pay
 * one fsync per batch. The writer instead takes every batch waiting at that moment, writes each
 * after resolving its data IDs (once per group: a batch refused for an unknown data ID writes
 * nothing and does not touch the others), commits ONCE, and only then reports each batch's own
 * result: nothing is acknowledged before it is durable. If the shared transaction fails for a
 * backend reason, each batch of it is retried alone in its own transaction, so one poisoned batch
 * costs only itself.
 *
 * The queue is bounded (samples and batches): sd_ingest_submit() refuses with SD_EBUSY when it is
 * full (HTTP answers 503 + Retry-After), sd_ingest_wait() waits for room (its caller's thread is
 * the back-pressure). The writer runs the sample observers (sd_pf_observe_samples) of each stored
 * batch right after the commit, before its result is delivered.
 */
typedef struct sd_ingest sd_ingest_t;

/* Queue bounds: samples and batches waiting or being written. */
#define SD_INGEST_MAX_SAMPLES ((size_t)200000)
#define SD_INGEST_MAX_BATCHES ((size_t)4096)

/* A batch's result: 0 (committed), SD_EFIELD (bad_index = first unknown data ID) or SD_E*. Runs
 * on the writer thread (or the caller's, see sd_ingest_submit): must be quick, must not ingest. */
typedef void (*sd_ingest_done_fn)(void *ctx, int rc, size_t bad_index);

/* Start the writer of pf->store (pf borrowed; the caller sets pf->ingest). 0, SD_ENOMEM. */
int sd_ingest_start(sd_pf_t *pf, sd_ingest_t **out);

/*
 * Queue a batch already checked by the caller (sd_ts_ingest_async() does it) whose samples stay
 * valid until done runs; now_ms is its received time. 0: done will run exactly once, on the
 * writer thread (on the caller's thread, before returning, when the writer is stopping: it then
 * commits the batch itself). SD_EBUSY: the queue is full, done will not run.
 */
int sd_ingest_submit(sd_ingest_t *w, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                     const sd_ts_sample_t *s, size_t n, sd_ingest_done_fn done, void *ctx);

/* The same, blocking: waits for room in the queue, then for the commit. The batch's result. */
int sd_ingest_wait(sd_ingest_t *w, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                   const sd_ts_sample_t *s, size_t n, size_t *bad_index);

/* Counters since start: batches delivered and transactions committed (commits < batches means
 * batches shared fsyncs). */
typedef struct {
    uint64_t batches, commits, refused_full;
} sd_ingest_stats_t;
void sd_ingest_stats(sd_ingest_t *w, sd_ingest_stats_t *out);

/* Stop: every batch queued is still written and answered, then the thread ends; a submit after
 * this began commits on its caller's thread. Frees w. NULL-safe. */
void sd_ingest_stop(sd_ingest_t *w);

#endif
