/* routes.h - every HTTP route registration of the api layer, in one place for suidod's wiring.
 * Each function registers its routes on http (before the server starts) with the service or
 * context the handlers need, and returns 0 or the first sd_http_route() error. */
#ifndef SD_API_ROUTES_H
#define SD_API_ROUTES_H

#include "http/http.h"
#include "pf/broker/binding.h"
#include "pf/data/backup.h"
#include "pf/data/objstore.h"
#include "pf/desk/bulletin.h"
#include "pf/notify/notify.h"
#include "pf/ops/opsmon.h"
#include "pf/ops/sla.h"
#include "pf/pf.h"
#include "pf/protect/pki.h"
#include "pf/requests/monitor.h"
#include "pf/requests/request.h"

/* ---- accounts and registry (route context pf, which must outlive the server) ---- */

/*
 * lib/api/accounts/account.c, JSON under /api/v1:
 *   POST /login              {login, password, otp?} -> 200 {user, password_change_required,
 *                            totp_enrolment_required} + session cookie; 401 unauthenticated,
 *                            401 otp_required (code missing or wrong/replayed), 423 locked
 *   POST /logout             ends the caller's session (204)
 *   GET  /me                 user.self: the caller's account
 *   POST /me/password        user.self {current_password, new_password, login?}: a provisional
 *                            account takes its permanent login id here (login, else its e-mail)
 *   POST /me/totp            user.self: a new TOTP secret {secret, uri} (pending until confirmed)
 *   POST /me/totp/confirm    user.self {code}: enables TOTP for the next logins
 * Every login, failure and change is audited.
 */
int sd_account_routes(sd_http_server_t *http, sd_pf_t *pf);

/*
 * lib/api/accounts/totp_qr.c:
 *   GET /api/v1/me/totp/qr.svg   user.self: the otpauth URI of the caller's own pending
 *                         enrolment (POST /me/totp, not yet confirmed) as an SVG QR code,
 *                         no-store; 409 conflict when nothing is pending (none asked for, or
 *                         already on). The secret is opened only to draw the code, so the
 *                         portal never has to put the URI into the page itself.
 */
int sd_totp_qr_routes(sd_http_server_t *http, sd_pf_t *pf);

/*
 * lib/api/accounts/tenant.c, JSON under /api/v1:
 *   GET   /tenants              tenant.read, the tenants the caller may see
 *   POST  /tenants              tenant.manage {name, kind}
 *   GET   /tenants/{id}         tenant.read (404 when not visible)
 *   PATCH /tenants/{id}         tenant.manage {name}
 */
int sd_tenant_routes(sd_http_server_t *http, sd_pf_t *pf);

/*
 * lib/api/accounts/org.c, JSON under /api/v1:
 *   GET    /orgs                         org.read, those the caller may see
 *   POST   /orgs                         org.manage {tenant_id, kind, name}
 *   GET    /orgs/{id}                    org.read (with "serves": [tenant ids])
 *   PATCH  /orgs/{id}                    org.manage {name}
 *   PUT    /orgs/{id}/tenants/{tenant}   tenant.manage: the vendor serves that operator tenant
 *   DELETE /orgs/{id}/tenants/{tenant}   tenant.manage: no longer
 */
int sd_org_routes(sd_http_server_t *http, sd_pf_t *pf);

/*
 * lib/api/accounts/user.c, JSON under /api/v1; every change is audited, secrets shown once:
 *   GET   /users               user.read: users the caller may see
 *   POST  /users               user.manage + a role of the caller's family
 *                              {org_id, role, email, name?, deliver?} -> 201 {user, delivered,
 *                              mail_id} with the credentials mailed to email; deliver "reply"
 *                              (platform administrators only) -> {user, provisional_password}
 *   GET   /users/{id}          user.read (404 when not visible)
 *   PATCH /users/{id}          user.manage {role?, name?, disabled?}; user.otp_require
 *                              {totp_required?}; disabling ends the user's sessions
 *   POST  /users/{id}/reset    user.manage: new provisional password (mailed, or {deliver:
 *                              "reply"} as above), TOTP and lockout cleared
 * (ctx of every handler: the notifier, whose outbox carries the credentials)
 */
int sd_user_routes(sd_http_server_t *http, sd_notify_t *n);

/*
 * lib/api/registry/registry.c; KIND is "apps" or "gateways" (pf/registry/registry.h):
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
int sd_registry_routes(sd_http_server_t *http, sd_pf_t *pf);

/*
 * lib/api/audit.c:
 *   GET /api/v1/audit?limit=N&action=PREFIX  audit.read: the newest records (default 100, at
 *   most 1000) of the tenants the caller may read, newest first; action filters by prefix
 *   ("login." gives logins and failures).
 */
int sd_audit_routes(sd_http_server_t *http, sd_pf_t *pf);

/* POST /api/v1/backups, GET /api/v1/backups[/{id}] (platform admin) */
int sd_api_backup_routes(sd_http_server_t *http, sd_backup_t *b);

/* GET /gwif/v1/mqtt: a gateway's broker login */
int sd_api_mqtt_routes(sd_http_server_t *http, sd_mqtt_binding_t *b);

/* api/alarms/alarms.c */
/*
 * Routes (route context pf; ops need the engine, pf->alarms, started by sd_alarms_start):
 *   POST /gwif/v1/events  GET /api/v1/events  and the alarm routes of docs/alarms.md.
 */
int sd_alarm_routes(sd_http_server_t *http, sd_pf_t *pf);

/* from pf/data/doc.h */
/*
 * Register on http (route context pf), always in the caller's home tenant:
 *   POST   /apif/v1/collections/{name}/documents        doc.write: JSON object -> 201 {id,version}
 *   GET    /apif/v1/collections/{name}/documents[?limit=&after=]   doc.read: by id
 *   GET    /apif/v1/collections/{name}/documents/{id}   doc.read: {id,collection,version,...,data}
 *   PUT    /apif/v1/collections/{name}/documents/{id}   doc.write, If-Match: version required
 *   DELETE /apif/v1/collections/{name}/documents/{id}   doc.write, If-Match: version required
 * Wrong version: 409 {"error":{"code":"version_mismatch",...},"current_version":N}; no If-Match:
 * 428 precondition_required. Every change is audited (doc.create / doc.update / doc.delete).
 */
int sd_api_doc_routes(sd_http_server_t *http, sd_pf_t *pf);

/* from pf/data/objstore.h */
/*
 * Register on http the AP-IF file routes (route context: an internal struct holding pf and
 * os, which must outlive the server):
 *   PUT    /apif/v1/files/{path*}   file.write: streamed body -> 201 new / 200 replaced
 *   GET    /apif/v1/files/{path*}   file.read: the bytes, X-Content-SHA256, Content-Type by name
 *   DELETE /apif/v1/files/{path*}   file.write: 204
 *   GET    /apif/v1/files[?prefix=&after=&limit=]   file.read: {"items":[{path,size,sha256,
 *          updated_at}], "usage", "quota"}
 * Always the caller's home tenant: other tenants' files are simply not there (404).
 * Returns 0 or the first sd_http_route() error.
 */
int sd_api_file_routes(sd_http_server_t *http, sd_pf_t *pf, sd_objstore_t *os);

/* from pf/data/objstore.h */
/*
 * What suidod calls with the object store it opened (sd_objstore_open_default(), which must
 * outlive the server): register the document routes and the file routes. 0 or a route error.
 */
int sd_api_object_routes(sd_http_server_t *http, sd_pf_t *pf, sd_objstore_t *os);

/* from pf/data/ts.h */
/*
 * Register on http (route context pf):
 *   GET  /apif/v1/points/{data_id}/values?from=&to=&agg=raw|hour|day|month|year&limit=&cursor=
 *                                           [&format=csv&encoding=sjis]
 *                                           AP-IF #10 (data.read, the caller's tenant)
 *   GET  /apif/v1/points/{data_id}/latest   the newest stored sample (data.read)
 *   POST /gwif/v1/data                      GW-IF HTTP upload (gateway, gwif.uplink)
 */
int sd_ts_routes(sd_http_server_t *http, sd_pf_t *pf);

/* from pf/data/values_csv.h (CSV提供・投入) */
/*
 * Register on http (route context pf):
 *   GET  /api/v1/values.csv?data_ids=a,b&from=&to=&agg=&encoding=utf-8|sjis
 *                      the sheet of several points, a download (data.read, the caller's tenant;
 *                      a data ID not in it is 404 naming it)
 *   POST /api/v1/values.csv   the same sheet back: every row checked, 400 with the findings
 *                      (row, column, reason) and nothing stored, else stored in one batch and
 *                      audited "data.import" (data.write)
 */
int sd_values_csv_routes(sd_http_server_t *http, sd_pf_t *pf);
/* GET /apif/v1/points/{data_id}/values?format=csv[&encoding=sjis]: the one-point sheet, for
 * ts_http.c once it has checked the caller and found the point pid; fmt is
 * sd_api_csv_format()'s 1 (UTF-8 with BOM) or 2 (Shift_JIS). */
void sd_vcsv_point_reply(sd_http_req_t *req, sd_pf_t *pf, int64_t pid, int fmt);

/* from pf/master/master.h */
/*
 * Register, on http (route context pf, which must outlive the server):
 *   POST /api/v1/tenants/{tid}/sheets                 submit a CSV body (sheet.submit)
 *   GET  /api/v1/tenants/{tid}/sheets[?status=]       list (sheet.read)
 *   GET  /api/v1/tenants/{tid}/sheets/{id}            one, with its findings (sheet.read)
 *   GET  /api/v1/tenants/{tid}/sheets/{id}/raw        the file as uploaded (sheet.read)
 *   POST /api/v1/tenants/{tid}/sheets/{id}/approve    apply atomically (sheet.approve, four eyes)
 *   POST /api/v1/tenants/{tid}/sheets/{id}/reject     {"reason": "..."} (sheet.approve)
 *   GET  /api/v1/tenants/{tid}/master[?format=csv]    the master, nested JSON or a sheet
 *   GET  /apif/v1/master                              AP-IF #3: version and counts
 *   GET  /apif/v1/master/{facilities|devices|points|outputs}[?facility=&device=&signal=]
 *   GET  /apif/v1/master/points/{data_id}             one point or output by data ID
 * Returns 0 or the first sd_http_route() error.
 */
int sd_api_master_routes(sd_http_server_t *http, sd_pf_t *pf);

/* from pf/notify/contact.h */
/*
 * Routes (route context pf):
 *   GET    /api/v1/contacts?tenant_id=        lists visible to the caller (contact.read)
 *   POST   /api/v1/contacts                   submit {"tenant_id","facility"?,"name","entries"}
 *   PUT    /api/v1/contacts/{id}              change a list not yet approved (contact.submit)
 *   DELETE /api/v1/contacts/{id}              withdraw (contact.submit)
 *   POST   /api/v1/contacts/{id}/approve      contact.approve, not the submitter (four eyes)
 *   POST   /api/v1/contacts/{id}/reject       {"reason"?}
 */
int sd_contact_routes(sd_http_server_t *http, sd_pf_t *pf);

/* from pf/notify/notify.h */
/*
 * Routes (route context n):
 *   GET  /api/v1/notifications?tenant_id=&limit=     the log with SMTP results (contact.read)
 *   POST /api/v1/notifications/test {"list_id", "order"?, "drill"?}
 *        a test message to the entries of an approved list (contact.submit on it); "drill":true
 *        runs the list's escalation ladder as if an alarm of severity 1 were raised
 *   POST /api/v1/notifications/drills/{id}/ack      acknowledge a drill (contact.read)
 */
int sd_notify_routes(sd_http_server_t *http, sd_notify_t *n);

/* from pf/ops/opsmon.h */
/* Route (context m): GET /api/v1/status (monitor.read; vendors see their own AP/GW only). */
int sd_opsmon_routes(sd_http_server_t *http, sd_opsmon_t *m);

/*
 * The access-log hook for sd_http_config_t.access_log (ctx = the monitor): counts requests per
 * interface (/apif, /gwif, /api = portal) for the last 60 s, then writes the default log line.
 */
void sd_opsmon_access(const sd_http_access_t *rec, void *ctx);

/* from pf/ops/sla.h */
/*
 * Routes (route context the sla):
 *   GET  /api/v1/sla?month=YYYY-MM          sla.read (JST calendar month; default this month)
 *   GET  /api/v1/maintenance                portal.read
 *   POST /api/v1/maintenance {"starts_at","ends_at","title"}   portal.post (platform admin)
 */
int sd_sla_routes(sd_http_server_t *http, sd_sla_t *s);

/* from pf/ops/incident.h */
/*
 * Routes (route context pf):
 *   GET   /api/v1/incidents?tenant_id=&status=   incident.read (vendors: their organisation's)
 *   POST  /api/v1/incidents    {"tenant_id"?, "title", "alarm_ids"?, "group_ids"?, "note"?}
 *                              incident.manage, handled by the caller's organisation
 *   GET   /api/v1/incidents/{id}                 with its history
 *   PATCH /api/v1/incidents/{id} {"status"?, "note"?, "title"?, "alarm_ids"?, "group_ids"?}
 */
int sd_incident_routes(sd_http_server_t *http, sd_pf_t *pf);

/*
 * lib/api/desk/inquiry.c, inquiries (問い合わせ対応, 表2-1 No.2), JSON under /api/v1:
 *   GET   /inquiries?q=&status=&category=   inquiry.read: those the caller may see (the platform
 *                                  operator: those addressed to the platform), newest first
 *   POST  /inquiries               inquiry.create {addressee: platform|tenant, category, subject,
 *                                  body} in the caller's home tenant; mails the answering party
 *   GET   /inquiries/{id}          inquiry.read, with its thread and files (404 when not visible)
 *   PATCH /inquiries/{id}          inquiry.manage {status, note?}: the requester may only close
 *   POST  /inquiries/{id}/replies  inquiry.manage {body}; mails the other party
 *   POST  /inquiries/{id}/files?name=   inquiry.manage, the raw file (at most 20 MiB) as body
 *   GET   /inquiries/{id}/files/{fid}   inquiry.read: the file, as a download
 * n may be NULL (no mail); os must outlive the server.
 */
int sd_inquiry_routes(sd_http_server_t *http, sd_pf_t *pf, sd_notify_t *n, sd_objstore_t *os);

/* from pf/protect/pki.h */
/* Register the routes above and install the protection filters on http (before start). */
int sd_pki_routes(sd_http_server_t *http, sd_pki_t *pki);

/* from pf/requests/request_int.h */
/* Register the HTTP routes (requests/requests.c). */
int sd_requests_routes(sd_http_server_t *http, sd_requests_t *r);

/*
 * AP-IF #5-7 periodic monitors (requests/monitors.c; route context m), and the event streams the
 * service writes (sd_monitors_set_streams):
 *   POST   /apif/v1/monitors               #5 定周期監視開始 (data.poll)   -> 201
 *   GET    /apif/v1/monitors               #6 定周期監視一覧
 *   GET    /apif/v1/monitors/{id}          #6
 *   DELETE /apif/v1/monitors/{id}          #7 定周期監視停止 -> 200 (state "stopped")
 *   GET    /apif/v1/monitors/{id}/events   server-sent events (204 once stopped)
 */
int sd_monitors_routes(sd_http_server_t *http, sd_monitors_t *m);

/*
 * The bulletin board (lib/api/desk/bulletin.c; route context b). Boards: the caller's home tenant
 * and the common one (portal.read); the platform admin any (?tenant_id=).
 *   GET    /api/v1/bulletin?category=&tenant_id=&all=1   current posts, newest first (all=1 adds
 *                              those out of their period the caller wrote or may manage)
 *   POST   /api/v1/bulletin    bulletin.post {tenant_id?, category, title, body?, valid_from?,
 *                              valid_until?} -> 201 the post
 *   GET    /api/v1/bulletin/unread                  {"unread": n} current posts not read
 *   GET    /api/v1/bulletin/{id}                    the post with body and attachments
 *   PATCH  /api/v1/bulletin/{id}                    bulletin.post (own) / bulletin.manage
 *   DELETE /api/v1/bulletin/{id}                    the same -> 204
 *   POST   /api/v1/bulletin/{id}/read               the caller's read mark -> 204
 *   POST   /api/v1/bulletin/{id}/attachments?name=  the body, streamed, as a file -> 201
 *   GET    /api/v1/bulletin/{id}/attachments/{att}  the file, as a download
 */
int sd_bulletin_routes(sd_http_server_t *http, sd_bulletin_t *b);

/* lib/api/maint/maint.c (issue 12, pf/maint), route context pf; docs/maintenance.md:
 *   GET   /api/v1/maint/facilities?tenant_id=          maint.read: facilities, type, contractor
 *   PUT   /api/v1/maint/contractors/{tenant} {org_id}  tenant.manage: a vendor organisation
 *                                    serving the tenant becomes its maintenance contractor
 *   GET   /api/v1/maint/plan?facility=&month=          maint.read: the month's visits
 *   POST  /api/v1/maint/plan {facility, month, annual_month?}  maint.record: generate (409 when
 *                                    the month is planned)
 *   PATCH /api/v1/maint/visits/{id} {planned_on}       maint.record: move a visit
 *   GET   /api/v1/maint/templates?cycle=               maint.read: checklists with items
 *   GET   /api/v1/maint/inspections?tenant_id=&facility=&month=   maint.read
 *   POST  /api/v1/maint/inspections                    maint.record: a record; not_good answers
 *                                    open defects
 *   GET   /api/v1/maint/inspections/{id}               maint.read: with answers and defect ids
 *   GET   /api/v1/maint/defects?tenant_id=&facility=&status=      maint.read
 *   POST  /api/v1/maint/defects {facility, place, description, urgency?}   maint.record
 *   GET   /api/v1/maint/defects/{id}                   maint.read: with its history
 *   PATCH /api/v1/maint/defects/{id} {status?, instruction?, instruction_on?, note?}: status
 *                                    needs maint.record, instruction maint.instruct
 *   GET   /api/v1/maint/staff?org_id=                  user.read: people with a 業務区分
 *   PUT   /api/v1/maint/staff/{user} {duty}            user.manage, same organisation: a
 *                                    contractor person's 業務区分 (別紙3), which decides the
 *                                    cycles they may record (POST inspections answers 403)
 */
int sd_maint_routes(sd_http_server_t *http, sd_pf_t *pf);

#endif
