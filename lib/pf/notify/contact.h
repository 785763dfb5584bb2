/* contact.h - on-call contact lists (連絡体制表, 表2-3): duty periods in JST, entries, who to call.
 */
#ifndef SD_PF_CONTACT_H
#define SD_PF_CONTACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/json.h"
#include "pf/pf.h"

/*
 * Duty periods, a deliberately small grammar (JST wall time, Japan has no DST):
 *   duty   = "always" | period *( ";" period )          at most SD_DUTY_MAX periods
 *   period = days " " HH:MM "-" HH:MM                    00:00 .. 24:00, minutes 00-59
 *   days   = dayspec *( "," dayspec )
 *   dayspec = day | day "-" day                          ranges may wrap: "fri-mon"
 *   day    = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun" | "hol"
 * Single spaces only, lower case. A period whose end is before its start runs overnight into
 * the next day ("mon-fri 17:15-08:30" covers Tuesday 03:00). Equal start and end is refused.
 * A Japanese public holiday matches only "hol", never its weekday: "mon-fri 08:30-17:15" is the
 * office's hours, and a holiday Monday is covered by a "hol" period instead.
 */
#define SD_DUTY_MAX 8
#define SD_DUTY_HOL 7 /* bit of "hol" in days; mon = bit 0 .. sun = bit 6 */

typedef struct {
    int always;
    int n;
    struct {
        uint8_t days;       /* bit per day, SD_DUTY_HOL for holidays */
        uint16_t start_min; /* 0..1439 */
        uint16_t end_min;   /* 1..1440; <= start_min: overnight */
    } p[SD_DUTY_MAX];
} sd_duty_t;

/*
 * Parse s[0..len) (no NUL needed). Pure. 0, or SD_EFIELD with *err_off the byte offset of the
 * problem and *why a short constant reason ("expected a day name", ...). Either may be NULL.
 */
int sd_duty_parse(const char *s, size_t len, sd_duty_t *out, size_t *err_off, const char **why);

/* Is the duty in force at the UTC instant ms? Pure. */
bool sd_duty_covers(const sd_duty_t *d, int64_t ms);

/* Is the JST calendar date a Japanese public holiday (incl. substitute and citizens' holidays,
 * rules of 2007 and later; the one-off moves of 2019-2021 are not modelled)? Pure. */
bool sd_jp_holiday(int year, int mon, int day);

/* One entry of a list, as validated: strings borrow from the JSON they came from. */
typedef struct {
    const char *name, *email, *phone;
    int order;        /* escalation step 1..9 */
    int min_severity; /* notify for alarms of severity <= this (1 critical .. 4 info) */
    sd_duty_t duty;
} sd_contact_t;

#define SD_CONTACT_MAX_ENTRIES 50

/*
 * Validate a JSON array of entries {"name","email","phone"?,"order","min_severity","duty"}
 * (unknown members refused, 1..SD_CONTACT_MAX_ENTRIES of them). Pure. 0 and, when out is not
 * NULL, out[0..*n) filled (out must have SD_CONTACT_MAX_ENTRIES slots); SD_EFIELD with err->field
 * "entries[2].duty" etc. An e-mail address is local@domain of printable ASCII without spaces,
 * quotes, angle brackets or commas (it goes into SMTP commands and headers verbatim).
 */
int sd_contact_entries_parse(const json_t *arr, sd_contact_t *out, size_t *n, sd_json_err_t *err);

/* Is addr a plain e-mail address as above (of len bytes)? Pure. */
bool sd_contact_email_ok(const char *addr, size_t len);

/*
 * The approved list for an alarm of tenant at facility (the facility's own list, else the
 * tenant-wide one): *list_id (0 = none) and its entries JSON (new reference, NULL when none).
 */
int sd_contact_active(sd_store_t *st, int64_t tenant_id, const char *facility, int64_t *list_id,
                      json_t **entries);

/*
 * The approved list's entries of list_id (new reference). SD_ENOTFOUND when it was withdrawn.
 */
int sd_contact_entries_of(sd_store_t *st, int64_t list_id, json_t **entries);

/* ---- contact lists as submitted and decided (the contact_lists table) ------------------------ */

/* What the api checks before a change: a list's scope, status, submitter, facility, content. */
typedef struct {
    int64_t id, tenant_id, org_id, submitted_by;
    char status[16], facility[72], name[140];
    json_t *entries; /* owned: sd_contact_info_free() */
} sd_contact_info_t;

/*
 * The lists of tenant_id (0 = every tenant), by id, as the API shows them ({id, tenant_id,
 * org_id, facility, name, status, submitted_by, submitted_at, decided_by, decided_at, reason,
 * entries}); scope tenant and org of each. 0 or SD_E*.
 */
int sd_contact_lists(sd_pf_t *pf, int64_t tenant_id, sd_pf_items_t *out);

/* One list as sd_contact_lists() shows it (*out new). 0, SD_ENOTFOUND, SD_E*. */
int sd_contact_list_json(sd_pf_t *pf, int64_t id, json_t **out);

/* The list id's info (*out filled, entries parsed). 0, SD_ENOTFOUND, SD_E*. */
int sd_contact_list_info(sd_pf_t *pf, int64_t id, sd_contact_info_t *out);
void sd_contact_info_free(sd_contact_info_t *info); /* NULL-safe */

/* Is facility a facility code of tenant_id's master? 0, SD_ENOTFOUND (or SD_EENCODING), SD_E*. */
int sd_contact_facility_check(sd_pf_t *pf, int64_t tenant_id, const char *facility);

/*
 * Submit a new list (entries validated by the caller with sd_contact_entries_parse()), status
 * "submitted" by who, audited "contact.submit", in one transaction. *id the new list. 0 or SD_E*.
 */
int sd_contact_submit(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id,
                      const char *facility, const char *name, const json_t *entries, int64_t *id);

/* Replace a list not yet approved (submitted again by who), audited "contact.update". */
int sd_contact_update(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, int64_t id,
                      const char *facility, const char *name, const json_t *entries);

/* Withdraw list id (whatever its status, recorded in the audit "contact.delete"). */
int sd_contact_delete(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, int64_t id,
                      const char *status);

/*
 * Approve (the approved list of the same tenant and facility becomes "superseded" in the same
 * transaction) or reject a submitted list, by who with reason; audited "contact.approve" /
 * "contact.reject". The caller checks four eyes and the status. 0 or SD_E*.
 */
int sd_contact_decide(sd_pf_t *pf, const sd_principal_t *who, int64_t tenant_id, int64_t id,
                      const char *facility, int approve, const char *reason);

#endif
