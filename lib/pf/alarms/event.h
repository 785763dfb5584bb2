/* event.h - the stored GW-IF events (the events table) as the console reads them. Ingest is
 * declared in alarm.h (sd_event_ingest_json). */
#ifndef SD_PF_ALARMS_EVENT_H
#define SD_PF_ALARMS_EVENT_H

#include <stdint.h>

#include "pf/pf.h"

/*
 * The events of tenant_id, newest first, at most limit, of device and of kind (NULL or "" =
 * any): {id, ts, kind, device, data_id, severity, message, detail, gateway, received_at}.
 * 0; SD_EENCODING for invalid text in device or kind; SD_E* from the store.
 */
int sd_event_list(sd_pf_t *pf, int64_t tenant_id, const char *device, const char *kind,
                  int64_t limit, sd_pf_items_t *out);

#endif
