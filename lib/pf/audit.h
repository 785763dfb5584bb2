/* audit.h - reading the audit log that every service writes through sd_pf_audit() (pf.h). */
#ifndef SD_PF_AUDIT_H
#define SD_PF_AUDIT_H

#include <stdint.h>

#include "pf/pf.h"

/*
 * The newest limit records (1..1000), newest first, whose action starts with prefix ("" = all;
 * matched literally, no LIKE wildcards): of every tenant when all is 1, else of tenant only.
 * Columns id, ts, actor, actor_role, tenant_id, action, object, detail, request_id; each row's
 * scope is its tenant. 0 or SD_E*.
 */
int sd_pf_audit_list(sd_pf_t *pf, int all, int64_t tenant, const char *prefix, int64_t limit,
                     sd_pf_items_t *out);

/* A filtered page of the log (GET /api/v1/audit): every condition is optional. */
typedef struct {
    int all;            /* 1: every tenant; 0: tenant only */
    int64_t tenant;     /* with all = 0 */
    const char *prefix; /* action starts with it (literally), NULL/"" = any */
    const char *actor;  /* exactly, e.g. "user:3", NULL/"" = any */
    const char *object; /* exactly, e.g. "user:7", NULL/"" = any */
    int64_t since_ms;   /* ts >= since_ms, 0 = no bound */
    int64_t until_ms;   /* ts < until_ms, 0 = no bound */
    int64_t before_id;  /* id < before_id (the next page: the last id seen), 0 = newest */
    int64_t limit;      /* 1..1000 */
} sd_pf_audit_filter_t;

/* The records matching f, newest first, columns and scopes as sd_pf_audit_list(). 0 or SD_E*. */
int sd_pf_audit_query(sd_pf_t *pf, const sd_pf_audit_filter_t *f, sd_pf_items_t *out);

#endif
