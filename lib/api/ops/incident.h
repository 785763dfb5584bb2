/* incident.h - failure status management (障害状況管理, §2.1 #8): incidents, their status
 * history and the alarms they are about. */
#ifndef SD_PF_INCIDENT_H
#define SD_PF_INCIDENT_H

#include "api/api.h"

/*
 * Status: open -> investigating -> resolved -> closed; open -> resolved; resolved ->
 * investigating (reopened). Closed is final. Every change and every note is a history row with
 * who and when. Pure: 0 when from -> to is allowed, SD_ECONFLICT when not, SD_EFIELD for an
 * unknown status name.
 */
int sd_incident_transition(const char *from, const char *to);

/*
 * Routes (route context pf):
 *   GET   /api/v1/incidents?tenant_id=&status=   incident.read (vendors: their organisation's)
 *   POST  /api/v1/incidents    {"tenant_id"?, "title", "alarm_ids"?, "group_ids"?, "note"?}
 *                              incident.manage, handled by the caller's organisation
 *   GET   /api/v1/incidents/{id}                 with its history
 *   PATCH /api/v1/incidents/{id} {"status"?, "note"?, "title"?, "alarm_ids"?, "group_ids"?}
 */
int sd_incident_routes(sd_pf_t *pf);

#endif
