/* routes.h - every HTTP route registration of the api layer, in one place for suidod's wiring.
 * Each function registers its routes on http (before the server starts) with the service or
 * context the handlers need, and returns 0 or the first sd_http_route() error. */
#ifndef SD_API_ROUTES_H
#define SD_API_ROUTES_H

#include "http/http.h"
#include "pf/broker/binding.h"
#include "pf/data/backup.h"
#include "pf/data/objstore.h"
#include "pf/notify/notify.h"
#include "pf/pf.h"
#include "pf/protect/pki.h"
#include "pf/requests/monitor.h"
#include "pf/requests/request.h"

/* POST /api/v1/backups, GET /api/v1/backups[/{id}] (platform admin) */
int sd_api_backup_routes(sd_http_server_t *http, sd_backup_t *b);

/* GET /gwif/v1/mqtt: a gateway's broker login */
int sd_api_mqtt_routes(sd_http_server_t *http, sd_mqtt_binding_t *b);

/* from pf/alarms/alarm.h */
/*
 * Routes (route context pf; the alarm module registers them in sd_alarms_start):
 *   POST /gwif/v1/events  GET /api/v1/events  and the alarm routes of docs/alarms.md.
 */
int sd_alarm_routes(sd_pf_t *pf);

/* from pf/data/doc.h */
/*
 * Register on pf->http (route context pf), always in the caller's home tenant:
 *   POST   /apif/v1/collections/{name}/documents        doc.write: JSON object -> 201 {id,version}
 *   GET    /apif/v1/collections/{name}/documents[?limit=&after=]   doc.read: by id
 *   GET    /apif/v1/collections/{name}/documents/{id}   doc.read: {id,collection,version,...,data}
 *   PUT    /apif/v1/collections/{name}/documents/{id}   doc.write, If-Match: version required
 *   DELETE /apif/v1/collections/{name}/documents/{id}   doc.write, If-Match: version required
 * Wrong version: 409 {"error":{"code":"version_mismatch",...},"current_version":N}; no If-Match:
 * 428 precondition_required. Every change is audited (doc.create / doc.update / doc.delete).
 */
int sd_pf_doc_routes(sd_pf_t *pf);

/* from pf/data/objstore.h */
/*
 * Register on pf->http the AP-IF file routes (route context: an internal struct holding pf and
 * os, which must outlive the server):
 *   PUT    /apif/v1/files/{path*}   file.write: streamed body -> 201 new / 200 replaced
 *   GET    /apif/v1/files/{path*}   file.read: the bytes, X-Content-SHA256, Content-Type by name
 *   DELETE /apif/v1/files/{path*}   file.write: 204
 *   GET    /apif/v1/files[?prefix=&after=&limit=]   file.read: {"items":[{path,size,sha256,
 *          updated_at}], "usage", "quota"}
 * Always the caller's home tenant: other tenants' files are simply not there (404).
 * Returns 0 or the first sd_http_route() error.
 */
int sd_pf_file_routes(sd_pf_t *pf, sd_objstore_t *os);

/* from pf/data/objstore.h */
/*
 * What suidod calls: open the object store (url as sd_objstore_open(), default directory
 * <data_dir>/objects, default quota 1 GiB), kept for the life of the process, and register the
 * document routes (doc.h) and the file routes. 0, or SD_ECONFIG / SD_EIO / a route error.
 */
int sd_pf_object_routes(sd_pf_t *pf, const char *objects_url, const char *data_dir);

/* from pf/data/ts.h */
/*
 * Register on pf->http (route context pf):
 *   GET  /apif/v1/points/{data_id}/values?from=&to=&agg=raw|hour|day|month&limit=&cursor=
 *                                           AP-IF #10 (data.read, the caller's tenant)
 *   GET  /apif/v1/points/{data_id}/latest   the newest stored sample (data.read)
 *   POST /gwif/v1/data                      GW-IF HTTP upload (gateway, gwif.uplink)
 */
int sd_ts_routes(sd_pf_t *pf);

/* from pf/master/master.h */
/*
 * Register, on pf->http (route context pf, which must outlive the server):
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
int sd_pf_master_routes(sd_pf_t *pf);

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
int sd_contact_routes(sd_pf_t *pf);

/* from pf/notify/notify.h */
/*
 * Routes (route context n):
 *   GET  /api/v1/notifications?tenant_id=&limit=     the log with SMTP results (contact.read)
 *   POST /api/v1/notifications/test {"list_id", "order"?, "drill"?}
 *        a test message to the entries of an approved list (contact.submit on it); "drill":true
 *        runs the list's escalation ladder as if an alarm of severity 1 were raised
 *   POST /api/v1/notifications/drills/{id}/ack      acknowledge a drill (contact.read)
 */
int sd_notify_routes(sd_notify_t *n);

/* from pf/protect/pki.h */
/* Register the routes above and install the protection filters on pf->http (before start). */
int sd_pki_routes(sd_pki_t *pki);

/* from pf/requests/request_int.h */
/* Register the HTTP routes (requests/requests.c). */
int sd_requests_routes(sd_requests_t *r);

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

#endif
