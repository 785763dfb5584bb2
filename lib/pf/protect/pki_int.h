/* pki_int.h - state shared by pf/protect/pki.c (keys, settings, certificates) and
 * api/protect/pki.c (routes, filters). */
#ifndef SD_PF_PKI_INT_H
#define SD_PF_PKI_INT_H

#include <pthread.h>

#include "pf/protect/pki.h"

typedef struct {
    int64_t tenant;
    sd_protect_t mode;
} sd__pki_prot_t;

struct sd_pki {
    sd_pf_t *pf;
    sd_cms_id_t *ca;
    sd_cms_id_t *id;
    pthread_rwlock_t lock; /* guards prot: read on every client request, written by PUT */
    sd__pki_prot_t *prot;  /* tenants whose setting is not none, unsorted (few) */
    size_t nprot, capprot;
    int64_t *ccreq; /* tenants requiring portal client certificates (portal_cert.c), lock */
    size_t nccreq, capccreq;
};

/* portal_cert.c: load the tenants requiring portal client certificates into the cache. */
int sd__portal_cert_load(sd_pki_t *pki);

/* Record a tenant's new setting in the cache (after the store committed it). 0 or SD_ENOMEM. */
int sd__pki_cache_set(sd_pki_t *pki, int64_t tenant, sd_protect_t mode);

/* The CMS flags a mode requires of what clients send. */
unsigned sd__pki_need(sd_protect_t mode);

/* sd_pki_unwrap() once the mode and the peer's certificate (may be NULL) are known. */
int sd__pki_unwrap_with(sd_pki_t *pki, sd_protect_t mode, const sd_cms_cert_t *peer, int cms,
                        const void *body, size_t len, sd_buf_t *out, char *why, size_t n);

#endif
