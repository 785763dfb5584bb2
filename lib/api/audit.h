/* audit.h - reading the audit log (written through sd_pf_audit()). */
#ifndef SD_PF_AUDIT_H
#define SD_PF_AUDIT_H

#include "api/api.h"

/*
 * GET /api/v1/audit?limit=N&action=PREFIX  audit.read: the newest records (default 100, at
 * most 1000) of the tenants the caller may read, newest first; action filters by prefix
 * ("login." gives logins and failures).
 */
int sd_audit_routes(sd_pf_t *pf);

#endif
