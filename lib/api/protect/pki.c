/* pki.c - HTTP: certificate retrieval (AP-IF #9, GW-IF #7), clients' certificates, tenant
 * protection settings, and the body/reply filters that apply the protection. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/download.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/protect/pki_int.h"
#include "pf/protect/portal_cert.h"
#include "pf/accounts/user.h"
#include "api/accounts/session.h"
#include "api/accounts/tenant.h"
#include "pf/data/ts.h"

#define CERT_BODY_MAX (64u * 1024)

/* What differs between the two certificate-retrieval routes and the two client kinds. */
typedef struct {
    sd_pki_t *pki;
    int gw;           /* GW-IF side / gateway registrations */
    const char *kind; /* clients.kind */
    const char *one;  /* audit prefix: "app" / "gw" */
    sd_action_t read, manage;
} side_t;

static side_t sides[2];

static json_t *time_json(int64_t ms)
{
    char t[40];
    sd_ts_format_time(ms, t, sizeof t);
    return json_string(t);
}

static json_t *cert_json(const sd_cms_cert_t *c)
{
    sd_cms_cert_info_t in;
    sd_buf_t pem = {0};
    char fp[65];
    sd_cms_cert_info(c, &in);
    sd_cms_cert_fingerprint(c, fp);
    if (sd_cms_cert_pem(c, &pem) != 0 || sd_buf_append(&pem, "", 1) != 0) {
        sd_buf_free(&pem);
        return NULL;
    }
    json_t *o =
        sd_json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:b,s:b,s:s}", "fingerprint", fp, "subject",
                     in.subject, "issuer", in.issuer, "serial", in.serial, "not_before",
                     time_json(in.not_before), "not_after", time_json(in.not_after), "key", in.key,
                     "can_sign", in.can_sign, "can_encrypt", in.can_encrypt, "pem", pem.data);
    sd_buf_free(&pem);
    return o;
}

static int want_pem(sd_http_req_t *req, int *pem)
{
    const char *f = sd_http_req_query(req, "format");
    *pem = f && !strcmp(f, "pem");
    if (f && !*pem && strcmp(f, "json") != 0) {
        sd_http_reply_error(req, SD_EFIELD, "format", "must be json or pem");
        return SD_EFIELD;
    }
    return 0;
}

/* ---- GET /apif/v1/certificates, /gwif/v1/certificates ------------------------------------- */

/* The registered, pinned certificates of kind in tenant (the peers a client exchanges with). */
static json_t *peers_json(sd_pki_t *pki, int64_t tenant, const char *kind, int *rc)
{
    sd_pf_items_t items;
    *rc = sd_pki_peer_certs(pki, tenant, kind, &items);
    if (*rc != 0)
        return NULL;
    json_t *a = json_array();
    *rc = a ? 0 : SD_ENOMEM;
    for (size_t i = 0; *rc == 0 && i < items.n; i++) {
        json_t *row = json_array_get(items.rows, i);
        const char *pem = json_string_value(json_object_get(row, "pem"));
        sd_cms_cert_t *c = NULL;
        if (!pem || sd_cms_cert_parse(pem, strlen(pem), &c, NULL, 0) != 0)
            continue; /* stored by PUT after parsing: cannot happen short of a damaged store */
        json_t *o = cert_json(c);
        sd_cms_cert_free(c);
        if (!o || sd_json_set(o, "id", json_incref(json_object_get(row, "id"))) ||
            sd_json_set(o, "client_id", json_incref(json_object_get(row, "client_id"))) ||
            sd_json_set(o, "name", json_incref(json_object_get(row, "name"))) ||
            json_array_append_new(a, o))
            *rc = SD_ENOMEM;
    }
    sd_pf_items_free(&items);
    if (*rc != 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static void h_certificates(sd_http_req_t *req, void *ctx)
{
    side_t *sd = ctx;
    sd_pki_t *pki = sd->pki;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = p ? p->tenant_id : 0};
    int pem;
    if (sd_api_require(req, SD_ACT_CERT_READ, &sc) != 0 || want_pem(req, &pem) != 0)
        return;
    if ((sd->gw && p->role == SD_ROLE_APPLICATION) || (!sd->gw && p->role == SD_ROLE_GATEWAY)) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL, "%s",
                            sd->gw ? "GW-IF is the gateways' interface: applications use GET "
                                     "/apif/v1/certificates"
                                   : "gateways fetch certificates with GET /gwif/v1/certificates");
        return;
    }
    if (pem) {
        sd_buf_t b = {0};
        int rc = sd_cms_cert_pem(sd_pki_ca(pki), &b);
        if (rc == 0)
            rc = sd_cms_cert_pem(sd_cms_id_cert(pki->id), &b);
        if (rc != 0) {
            sd_buf_free(&b);
            sd_api_reply_rc(req, rc);
            return;
        }
        sd_http_reply_buf(req, 200, "application/x-pem-file", &b);
        return;
    }
    int rc = 0;
    json_t *self = json_null();
    if (p->role == SD_ROLE_APPLICATION || p->role == SD_ROLE_GATEWAY) {
        char why[200];
        sd_cms_cert_t *c = NULL;
        rc = sd_pki_client_cert(pki, p->subject_id, &c, why, sizeof why);
        if (rc == 0) {
            json_decref(self);
            self = cert_json(c);
            sd_cms_cert_free(c);
        }
        rc = rc == SD_ENOCERT ? 0 : rc;
    }
    /* GW-IF #7 hands gateways the applications' certificates, AP-IF #9 the other way round */
    json_t *peers =
        rc == 0 ? peers_json(pki, p->tenant_id, sd->gw ? "application" : "gateway", &rc) : NULL;
    json_t *o = rc == 0
                    ? sd_json_pack("{s:o,s:o,s:s,s:s,s:o,s:o}", "ca", cert_json(sd_pki_ca(pki)),
                                   "platform", cert_json(sd_cms_id_cert(pki->id)), "protection",
                                   sd_pki_protect_name(sd_pki_protection(pki, p->tenant_id)),
                                   "media_type", SD_PKI_MEDIA_TYPE, "self", self, "peers", peers)
                    : NULL;
    if (!o) {
        if (rc != 0) {
            json_decref(self);
            json_decref(peers);
        }
        sd_api_reply_rc(req, rc ? rc : SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200, o);
}

/* ---- /api/v1/tenants/{id}/protection ------------------------------------------------------ */

static void reply_protection(sd_pki_t *pki, sd_http_req_t *req, int64_t tenant)
{
    int64_t missing = 0;
    /* who would be refused if the setting asks for signatures */
    int rc = sd_pki_clients_without_cert(pki, tenant, &missing);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(
        req, 200,
        sd_json_pack("{s:I,s:s,s:s,s:I}", "tenant_id", (json_int_t)tenant, "protection",
                     sd_pki_protect_name(sd_pki_protection(pki, tenant)), "media_type",
                     SD_PKI_MEDIA_TYPE, "clients_without_certificate", (json_int_t)missing));
}

static int tenant_checked(sd_http_req_t *req, sd_pki_t *pki, sd_action_t act, int64_t *id,
                          sd_tenant_kind_t *k)
{
    if (sd_api_param_id(req, "id", id) != 0)
        return SD_ENOTFOUND;
    int rc = sd_tenant_kind_of(pki->pf, *id, k);
    if (rc != 0)
        return sd_api_reply_rc(req, rc);
    sd_scope_t sc = {.tenant_id = *id};
    return sd_api_require_visible(req, SD_ACT_TENANT_READ, act, &sc);
}

static void h_prot_get(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    int64_t id;
    sd_tenant_kind_t k;
    if (tenant_checked(req, pki, SD_ACT_TENANT_READ, &id, &k) == 0)
        reply_protection(pki, req, id);
}

static void h_prot_put(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    int64_t id;
    sd_tenant_kind_t k;
    json_t *b = NULL;
    if (tenant_checked(req, pki, SD_ACT_TENANT_MANAGE, &id, &k) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *mode_s = NULL;
    sd_protect_t mode = SD_PROTECT_NONE;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"protection", SD_JSON_STR, SD_JSON_REQ, &mode_s, 1, 32}};
    int rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    if (rc == 0 && sd_pki_protect_parse(mode_s, &mode) != 0)
        rc = sd_json_err_set(&e, "protection", "must be none, signed or signed_encrypted");
    if (rc == 0 && k != SD_TENANT_KIND_SHARED_OPERATOR && k != SD_TENANT_KIND_DEDICATED_OPERATOR)
        rc = sd_json_err_set(&e, "protection",
                             "only operator tenants have applications and gateways to protect");
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    json_decref(b);
    rc = sd_pki_set_protection(pki, sd_api_principal(req), id, mode);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    reply_protection(pki, req, id);
}

/* ---- portal client certificates (issue 11) ------------------------------------------------- */

#define PORTAL_CERT_DAYS 825

static void reply_portal_switch(sd_pki_t *pki, sd_http_req_t *req, int64_t tenant)
{
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I,s:b}", "tenant_id", (json_int_t)tenant, "required",
                                    sd_portal_cert_required(pki, tenant)));
}

/* GET /api/v1/tenants/{id}/portal-certificates */
static void h_pcsw_get(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    int64_t id;
    sd_tenant_kind_t k;
    if (tenant_checked(req, pki, SD_ACT_TENANT_READ, &id, &k) == 0)
        reply_portal_switch(pki, req, id);
}

/* PUT /api/v1/tenants/{id}/portal-certificates {"required": bool} */
static void h_pcsw_put(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    int64_t id;
    sd_tenant_kind_t k;
    json_t *b = NULL;
    if (tenant_checked(req, pki, SD_ACT_TENANT_MANAGE, &id, &k) != 0 || sd_api_body(req, &b) != 0)
        return;
    bool on = false;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"required", SD_JSON_BOOL, SD_JSON_REQ, &on, 0, 0}};
    int rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    json_decref(b);
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        return;
    }
    rc = sd_portal_cert_set_required(pki, sd_api_principal(req), id, on);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    reply_portal_switch(pki, req, id);
}

/* POST /api/v1/users/{id}/portal-certificates: issue; the key is in this answer only */
static void h_pc_issue(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    int64_t id;
    sd_scope_t sc;
    sd_role_t role;
    if (sd_api_param_id(req, "id", &id) != 0)
        return;
    int rc = sd_user_scope(pki->pf, id, &sc, &role);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sd_api_require_visible(req, SD_ACT_USER_READ, SD_ACT_USER_MANAGE, &sc) != 0)
        return;
    json_t *u = NULL;
    rc = sd_user_json(pki->pf, id, &u);
    const char *login = rc == 0 ? json_string_value(json_object_get(u, "login")) : NULL;
    sd_portal_cert_t c;
    if (rc == 0)
        rc = sd_portal_cert_issue(pki, sd_api_principal(req), &sc, login, PORTAL_CERT_DAYS, &c);
    json_decref(u);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 201,
                       sd_json_pack("{s:I,s:I,s:I,s:s,s:s,s:o,s:s,s:s,s:s,s:s}", "id",
                                    (json_int_t)c.id, "tenant_id", (json_int_t)sc.tenant_id,
                                    "user_id", (json_int_t)id, "fingerprint", c.fingerprint,
                                    "subject", c.subject, "not_after", time_json(c.not_after_ms),
                                    "certificate", c.cert_pem, "private_key", c.key_pem, "pkcs12",
                                    c.pkcs12_b64, "pkcs12_password", c.p12_password));
    sd_portal_cert_clear(&c);
}

/* GET /api/v1/portal-certificates: those of the users the caller may read */
static void h_pc_list(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_USER_READ, &home) != 0)
        return;
    sd_pf_items_t items;
    int rc = sd_portal_cert_list(pki, &items);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_api_reply_items(req, SD_ACT_USER_READ, &items);
}

/* DELETE /api/v1/portal-certificates/{id}: revoke */
static void h_pc_revoke(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    int64_t id;
    sd_scope_t sc;
    if (sd_api_param_id(req, "id", &id) != 0)
        return;
    int rc = sd_portal_cert_scope(pki, id, &sc);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sd_api_require_visible(req, SD_ACT_USER_READ, SD_ACT_USER_MANAGE, &sc) != 0)
        return;
    rc = sd_portal_cert_revoke(pki, sd_api_principal(req), sc.tenant_id, id);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_empty(req, 204);
}

/*
 * A user of a tenant that requires portal client certificates: the connection must carry a
 * client certificate that verified against http.client_ca, issued for this tenant, not revoked.
 * 0 or replied 403 certificate_required.
 */
static int portal_cert_ok(sd_pki_t *pki, sd_http_req_t *req, const sd_caller_t *c)
{
    if (!sd_portal_cert_required(pki, c->p.tenant_id))
        return 0;
    char fp[65], why[160] = "";
    int rc = sd_http_req_client_cert(req, fp, why, sizeof why);
    if (rc == 0)
        rc = sd_portal_cert_check(pki, c->p.tenant_id, fp, why, sizeof why);
    if (rc == 0)
        return 0;
    sd_http_reply_error(req, rc, NULL, "%s / この端末のクライアント証明書では利用できません",
                        why[0] ? why : sd_strerror(rc));
    return rc;
}

/* ---- /api/v1/apps|gateways/{id}/certificate ------------------------------------------------ */

/* Registration {id} of this kind, checked for act (404 when invisible). 0 or replied. */
static int client_checked(side_t *sd, sd_http_req_t *req, sd_action_t act, int64_t *id,
                          sd_scope_t *sc)
{
    if (sd_api_param_id(req, "id", id) != 0)
        return SD_ENOTFOUND;
    int rc = sd_pki_client_scope(sd->pki, *id, sd->kind, sc);
    if (rc != 0)
        return sd_api_reply_rc(req, rc);
    return sd_api_require_visible(req, sd->read, act, sc);
}

static void reply_client_cert(side_t *sd, sd_http_req_t *req, int64_t id, int pem_only)
{
    sd_pki_stored_cert_t sc;
    int rc = sd_pki_stored_cert(sd->pki, id, &sc);
    if (rc == SD_ENOTFOUND) {
        sd_http_reply_error(req, rc, NULL, "no certificate registered for this %s",
                            sd->gw ? "gateway" : "application");
        return;
    }
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (pem_only) {
        /* a vendor's upload: handed out as a download like every stored file */
        char name[48];
        snprintf(name, sizeof name, "%s-%lld.pem", sd->one, (long long)id);
        if ((rc = sd_api_download_headers(req, name)) != 0)
            sd_api_reply_rc(req, rc);
        else
            sd_http_reply_bytes(req, 200, "application/x-pem-file", sc.pem, sc.len);
        free(sc.pem);
        return;
    }
    char fp[65];
    sd_cms_cert_t *c = NULL;
    rc = sd_cms_cert_parse(sc.pem, sc.len, &c, NULL, 0);
    free(sc.pem);
    if (rc != 0) {
        sd_api_reply_rc(req, SD_ESTORE);
        return;
    }
    sd_cms_cert_fingerprint(c, fp);
    char why[160] = "";
    int usable = sd_cms_cert_check(c, sd_pf_now_ms(sd->pki->pf), why, sizeof why) == 0;
    json_t *o = cert_json(c);
    sd_cms_cert_free(c);
    if (o && (sd_json_set(o, sd->gw ? "gateway_id" : "app_id", json_integer(id)) ||
              sd_json_set(o, "pinned", json_boolean(!strcmp(fp, sc.pin))) ||
              sd_json_set(o, "usable", json_boolean(usable)) ||
              (!usable && sd_json_set(o, "unusable_reason", json_string(why))) ||
              sd_json_set(o, "registered_at", time_json(sc.created_ms)))) {
        json_decref(o);
        o = NULL;
    }
    if (!o)
        sd_api_reply_rc(req, SD_ENOMEM);
    else
        sd_http_reply_json(req, 200, o);
}

static void h_cert_get(sd_http_req_t *req, void *ctx)
{
    side_t *sd = ctx;
    int64_t id;
    sd_scope_t sc;
    int pem;
    if (client_checked(sd, req, sd->read, &id, &sc) == 0 && want_pem(req, &pem) == 0)
        reply_client_cert(sd, req, id, pem);
}

static void h_cert_put(sd_http_req_t *req, void *ctx)
{
    side_t *sd = ctx;
    sd_pf_t *pf = sd->pki->pf;
    int64_t id;
    sd_scope_t sc;
    if (client_checked(sd, req, sd->manage, &id, &sc) != 0)
        return;
    size_t len = 0;
    const void *body = sd_http_req_body(req, &len);
    char why[200];
    sd_cms_cert_t *c = NULL;
    int rc = sd_cms_cert_parse(body, len, &c, why, sizeof why);
    if (rc == 0 && sd_cms_cert_check(c, sd_pf_now_ms(pf), why, sizeof why) != 0)
        rc = SD_EFIELD;
    if (rc != 0) {
        sd_cms_cert_free(c);
        sd_http_reply_error(req, rc == SD_ENOMEM ? rc : SD_EFIELD, "certificate", "%s", why);
        return;
    }
    rc = sd_pki_register_cert(sd->pki, sd_api_principal(req), sc.tenant_id, id, sd->one, c);
    sd_cms_cert_free(c);
    if (rc == SD_EFIELD) {
        sd_http_reply_error(req, rc, "certificate",
                            "the certificate does not read back from its PEM form; nothing was "
                            "stored");
        return;
    }
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    reply_client_cert(sd, req, id, 0);
}

static void h_cert_delete(sd_http_req_t *req, void *ctx)
{
    side_t *sd = ctx;
    int64_t id;
    sd_scope_t sc;
    if (client_checked(sd, req, sd->manage, &id, &sc) != 0)
        return;
    int rc = sd_pki_remove_cert(sd->pki, sd_api_principal(req), sc.tenant_id, id, sd->one);
    if (rc == SD_ENOTFOUND)
        sd_http_reply_error(req, rc, NULL, "no certificate registered");
    else if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_empty(req, 204);
}

/* ---- the filters -------------------------------------------------------------------------- */

/* What on_body learnt, for on_reply. */
typedef struct {
    sd_protect_t mode;
    sd_cms_cert_t *peer; /* the caller's pinned certificate */
} fstate_t;

static void fstate_free(void *p)
{
    fstate_t *st = p;
    if (st)
        sd_cms_cert_free(st->peer);
    free(st);
}

static int is_cms(const char *ct)
{
    static const char *const types[] = {SD_PKI_MEDIA_TYPE, "application/x-pkcs7-mime",
                                        "application/cms"};
    for (size_t i = 0; ct && i < 3; i++) {
        size_t n = strlen(types[i]);
        if (!strncasecmp(ct, types[i], n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return 1;
    }
    return 0;
}

/* Where protection applies: the machine interfaces, except what a client needs to set it up. */
static int covered(sd_http_req_t *req)
{
    const char *path = sd_http_req_path(req), *pat = sd_http_req_route_pattern(req);
    if (strncmp(path, "/apif/", 6) != 0 && strncmp(path, "/gwif/", 6) != 0)
        return 0;
    static const char *const exempt[] = {"/apif/v1/certificates", "/gwif/v1/certificates",
                                         "/apif/v1/connect", "/apif/v1/disconnect"};
    for (size_t i = 0; pat && i < sizeof exempt / sizeof exempt[0]; i++)
        if (!strcmp(pat, exempt[i]))
            return 0;
    return 1;
}

static int on_body(sd_http_req_t *req, void *ctx)
{
    sd_pki_t *pki = ctx;
    const sd_caller_t *c = sd_session_caller(req);
    if (c && c->kind == SD_CALLER_USER)
        return portal_cert_ok(pki, req, c);
    /* anonymous callers are not clients; the handler judges them */
    if (!c || c->kind != SD_CALLER_CLIENT || !covered(req))
        return 0;
    size_t len = 0;
    const void *body = sd_http_req_body(req, &len);
    int cms = len > 0 && is_cms(sd_http_req_header(req, "Content-Type"));
    sd_protect_t mode = sd_pki_protection(pki, c->p.tenant_id);
    if (mode == SD_PROTECT_NONE && !cms)
        return 0;
    char why[256] = "";
    sd_cms_cert_t *peer = NULL;
    int rc = sd_pki_client_cert(pki, c->p.subject_id, &peer, why, sizeof why);
    if (rc != 0 && (rc != SD_ENOCERT || mode != SD_PROTECT_NONE)) {
        sd_http_reply_error(req, rc, NULL, "%s", why[0] ? why : sd_strerror(rc));
        return rc;
    }
    if (len > 0) {
        sd_buf_t plain = {0};
        rc = sd__pki_unwrap_with(pki, mode, peer, cms, body, len, &plain, why, sizeof why);
        if (rc == 0)
            rc = sd_http_req_set_body(req, &plain);
        sd_buf_free(&plain);
        if (rc != 0) {
            sd_cms_cert_free(peer);
            sd_http_reply_error(req, rc, NULL, "%s", why[0] ? why : sd_strerror(rc));
            return rc;
        }
    }
    if (mode == SD_PROTECT_NONE) {
        sd_cms_cert_free(peer);
        return 0;
    }
    fstate_t *st = calloc(1, sizeof *st);
    if (!st) {
        sd_cms_cert_free(peer);
        return SD_ENOMEM;
    }
    st->mode = mode;
    st->peer = peer;
    sd_http_req_set_filter_state(req, st, fstate_free);
    return 0;
}

static int on_reply(sd_http_req_t *req, int status, sd_buf_t *body, char ctype[128], void *ctx)
{
    sd_pki_t *pki = ctx;
    const fstate_t *st = sd_http_req_filter_state(req);
    if (!st || st->mode == SD_PROTECT_NONE)
        return 0;
    sd_buf_t out = {0};
    int enc = st->mode == SD_PROTECT_SIGNED_ENCRYPTED;
    int rc = sd_cms_wrap(pki->id, enc ? st->peer : NULL, body->data, body->len, &out);
    if (rc != 0) {
        sd_buf_free(&out);
        sd_error("request %s: cannot protect the %d answer: %s", sd_http_req_id(req), status,
                 sd_strerror(rc));
        return rc;
    }
    sd_buf_free(body);
    *body = out;
    snprintf(ctype, 128, "%s; smime-type=%s", SD_PKI_MEDIA_TYPE,
             enc ? "enveloped-data" : "signed-data");
    return 0;
}

/* ---- routes ------------------------------------------------------------------------------- */

int sd_pki_routes(sd_http_server_t *h, sd_pki_t *pki)
{
    sides[0] = (side_t){pki, 0, "application", "app", SD_ACT_APP_READ, SD_ACT_APP_MANAGE};
    sides[1] = (side_t){pki, 1, "gateway", "gw", SD_ACT_GW_READ, SD_ACT_GW_MANAGE};
    static const sd_http_route_opts_t cert_body = {.max_body = CERT_BODY_MAX};
    int rc = sd_http_route(h, "GET", "/apif/v1/certificates", h_certificates, &sides[0], NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", "/gwif/v1/certificates", h_certificates, &sides[1], NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", "/api/v1/tenants/{id}/protection", h_prot_get, pki, NULL);
    if (!rc)
        rc = sd_http_route(h, "PUT", "/api/v1/tenants/{id}/protection", h_prot_put, pki, NULL);
    static const char *const base[2] = {"/api/v1/apps/{id}/certificate",
                                        "/api/v1/gateways/{id}/certificate"};
    for (int i = 0; i < 2 && !rc; i++) {
        rc = sd_http_route(h, "GET", base[i], h_cert_get, &sides[i], NULL);
        if (!rc)
            rc = sd_http_route(h, "PUT", base[i], h_cert_put, &sides[i], &cert_body);
        if (!rc)
            rc = sd_http_route(h, "DELETE", base[i], h_cert_delete, &sides[i], NULL);
    }
    if (!rc)
        rc = sd_http_route(h, "GET", "/api/v1/tenants/{id}/portal-certificates", h_pcsw_get, pki,
                           NULL);
    if (!rc)
        rc = sd_http_route(h, "PUT", "/api/v1/tenants/{id}/portal-certificates", h_pcsw_put, pki,
                           NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", "/api/v1/users/{id}/portal-certificates", h_pc_issue, pki,
                           NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", "/api/v1/portal-certificates", h_pc_list, pki, NULL);
    if (!rc)
        rc = sd_http_route(h, "DELETE", "/api/v1/portal-certificates/{id}", h_pc_revoke, pki, NULL);
    if (!rc) {
        sd_http_filter_t f = {.on_body = on_body, .on_reply = on_reply, .ctx = pki};
        sd_http_server_set_filter(h, &f);
    }
    return rc;
}
