/* registry.h - registration of applications and gateways (§2.3) and AP-IF connect/disconnect. */
#ifndef SD_PF_REGISTRY_H
#define SD_PF_REGISTRY_H

#include "api/api.h"

/*
 * One registration = one credential for one vendor's application (or gateway) serving one
 * operator tenant; a vendor serving two operators registers twice, so a leaked credential
 * reaches one tenant. Routes (JSON); KIND is "apps" or "gateways":
 *   GET   /api/v1/KIND               app.read / gw.read: the registrations the caller may see
 *   POST  /api/v1/KIND               app.register / gw.register
 *                                    {org_id, tenant_id, name, expires_at?, cert_fingerprint?}
 *                                    -> 201 {KIND-singular, client_id, client_secret (once)}
 *   GET   /api/v1/KIND/{id}          read (404 when not visible)
 *   PATCH /api/v1/KIND/{id}          app.manage / gw.manage {name?, enabled?, expires_at?,
 *                                    cert_fingerprint?}; disabling revokes its tokens
 *   POST  /api/v1/KIND/{id}/secret   manage: a new secret (once), old secret and tokens revoked
 *   POST  /apif/v1/connect           AP-IF #1 {client_id, client_secret} -> {access_token,
 *                                    token_type, expires_in}; refused when disabled or expired
 *   POST  /apif/v1/disconnect        AP-IF #2: revokes the bearer token used (204)
 *   GET   /apif/v1/me                the calling application's or gateway's registration
 * A bearer token is checked against the live registration row on every request.
 */
int sd_registry_routes(sd_pf_t *pf);

#endif
