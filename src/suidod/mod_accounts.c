/* mod_accounts.c - sessions, accounts, tenants, organisations, users, the registry and audit. */
#include "api/accounts/session.h"
#include "api/routes.h"
#include "suidod.h"

static int accounts_new(suidod_t *d)
{
    int rc = sd_account_init(&d->pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int accounts_routes(sd_http_server_t *http, suidod_t *d)
{
    sd_pf_t *pf = &d->pf;
    sd_http_server_set_before(http, sd_session_hook, pf); /* who calls: every routed request */
    int rc = sd_account_routes(http, pf);
    if (!rc) /* the portal's TOTP enrolment QR code */
        rc = sd_totp_qr_routes(http, pf);
    if (!rc)
        rc = sd_tenant_routes(http, pf);
    if (!rc)
        rc = sd_org_routes(http, pf);
    if (!rc)
        rc = sd_user_routes(http, d->notify);
    if (!rc)
        rc = sd_registry_routes(http, pf);
    if (!rc)
        rc = sd_audit_routes(http, pf);
    return rc ? suidod_setup_failed(rc) : 0;
}

const suidod_module_t suidod_mod_accounts = {
    .name = "accounts", .new = accounts_new, .routes = accounts_routes};
