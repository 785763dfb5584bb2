/* master.h - master data (マスタ) of a tenant: load, apply a sheet, JSON, and the HTTP routes. */
#ifndef SD_PF_MASTER_H
#define SD_PF_MASTER_H

#include <jansson.h>
#include <stdint.h>

#include "pf/pf.h"
#include "pf/master/sheet.h"
#include "store/store.h"

/*
 * A tenant's master is facilities → devices → points and outputs (docs/master-data.md), changed
 * only by applying an approved initial-information sheet, which bumps the tenant's master version
 * (0 before the first sheet). Data IDs are unique in the tenant across points and outputs.
 */

/*
 * The tenant's current master as sheet items (row 0, normalised as a parsed sheet's), and its
 * version (may be NULL). out must be empty; on failure it is left empty. 0, SD_ESTORE, SD_ENOMEM.
 * Call inside a transaction for a snapshot consistent with a following apply.
 */
int sd_pf_master_load(sd_store_t *st, int64_t tenant_id, sd_sheet_items_t *out, int64_t *version);

/* The tenant's current master version (0 before the first sheet). */
int sd_pf_master_version(sd_store_t *st, int64_t tenant_id, int64_t *version);

/*
 * Write the validated items of sheet_id into the tenant's master (create or replace by key) and
 * record the next version, applied by user `by` at now_ms. Must run inside a transaction (the
 * caller's), so a failure leaves nothing. *version gets the new version. 0 or SD_E*.
 */
int sd_pf_master_apply(sd_store_t *st, int64_t tenant_id, const sd_sheet_items_t *items,
                       int64_t sheet_id, int64_t by, int64_t now_ms, int64_t *version);

/*
 * The master as JSON: {"tenant_id", "version", "facilities":[{..., "devices":[{...,
 * "points":[...], "outputs":[...]}]}]}. items sorted (sd_sheet_items_sort). NULL on ENOMEM.
 */
json_t *sd_pf_master_json(const sd_sheet_items_t *items, int64_t tenant_id, int64_t version);

/* One item as a flat JSON object (numbers typed, empty fields left out); NULL on ENOMEM. */
json_t *sd_pf_master_item_json(const sd_sheet_item_t *it);

/* Findings as a JSON array of {"row","column","field","reason"}; NULL on ENOMEM. */
json_t *sd_pf_sheet_errors_json(const sd_sheet_errors_t *e);

/* ---- reads for the other rooms (the master owns facilities, devices, points, outputs) ------ */

/* A device of the master with its facility. */
typedef struct {
    int64_t id, tenant_id;
    char code[80], name[257]; /* names: at most 256 bytes (sheet rule) */
    char gateway[130]; /* the registry name of the gateway serving it, "" = the tenant's only */
    char tel[40];
    char facility[80]; /* its facility's code */
    char facility_name[257];
} sd_pf_master_device_t;

/* Device code of tenant with its facility into *out: 0, SD_ENOTFOUND (also for a code the store
 * cannot hold) or a store error. */
int sd_pf_master_device(sd_store_t *st, int64_t tenant, const char *code,
                        sd_pf_master_device_t *out);

/* Where a data ID sits: its row, its device, and an output's number. */
typedef struct {
    int64_t id, device_id;
    int64_t output_no; /* outputs only, 0 for a point */
    char device[80];   /* the device's code */
} sd_pf_master_data_t;

/* Point (outputs 0) or output (outputs 1) data_id of tenant with its device into *out: 0,
 * SD_ENOTFOUND (also for text the store cannot hold) or a store error. */
int sd_pf_master_data(sd_store_t *st, int64_t tenant, const char *data_id, int outputs,
                      sd_pf_master_data_t *out);

/* Is data_id a point or an output of tenant? 0 (yes), SD_ENOTFOUND (also for text the store
 * cannot hold) or a store error. One query for both tables (event ingest asks per event). */
int sd_pf_master_data_known(sd_store_t *st, int64_t tenant, const char *data_id);

/*
 * The devices of tenant served by the gateway registered as gw_name (those naming it, and those
 * naming none when only_gateway) as GW-IF inventory entries, in code order: [{"code","name",
 * "model","facility","branch","office","estate","terminal","tel","points":[{"data_id","name",
 * "signal","input","unit","scale_lo","scale_hi","factor"}],"outputs":[{"data_id","name",
 * "output_no","drives"}]}] into *out (new reference). Three queries whatever the size.
 * 0, SD_ENOMEM or a store error.
 */
int sd_pf_master_served_json(sd_store_t *st, int64_t tenant, const char *gw_name, int only_gateway,
                             json_t **out);

/* The id of facility code of tenant into *id (may be NULL): 0, SD_ENOTFOUND, SD_EENCODING (text the
 * store cannot hold) or a store error. */
int sd_pf_master_facility_id(sd_store_t *st, int64_t tenant, const char *code, int64_t *id);

/* A point of the master with what judging its values needs: its limits, device and facility. */
typedef struct {
    int64_t id, device_id;
    char signal[16], name[257], unit[32], severity[16];
    int has_lo, has_hi, has_scale; /* has_scale: both scale_lo and scale_hi set */
    double limit_lo, limit_hi, scale_lo, scale_hi;
    char device[80];   /* the device's code */
    char facility[80]; /* its facility's code and name */
    char facility_name[257];
} sd_pf_master_point_t;

/* Point data_id of tenant with its device and facility, in one query (the alarm engine asks per
 * sample): 0, SD_ENOTFOUND (also for text the store cannot hold) or a store error. */
int sd_pf_master_point(sd_store_t *st, int64_t tenant, const char *data_id,
                       sd_pf_master_point_t *out);

/* Call fn for each facility of tenant in code order (id, code, name); a non-zero return of fn
 * stops and is returned. 0 or a store error. */
int sd_pf_master_each_facility(sd_store_t *st, int64_t tenant,
                               int (*fn)(void *ctx, int64_t id, const char *code, const char *name),
                               void *ctx);

/* Call fn for each point of signal (e.g. "monitor") on the devices of facility facility_id, in
 * data ID order; a non-zero return of fn stops and is returned. 0 or a store error. */
int sd_pf_master_each_facility_point(sd_store_t *st, int64_t facility_id, const char *signal,
                                     int (*fn)(void *ctx, int64_t id, const char *data_id,
                                               const char *name),
                                     void *ctx);

/* Call fn for each distinct gateway name the devices of facility facility_id name ("" = the
 * tenant's only gateway); a non-zero return of fn stops and is returned. 0 or a store error. */
int sd_pf_master_each_facility_gateway(sd_store_t *st, int64_t facility_id,
                                       int (*fn)(void *ctx, const char *gateway), void *ctx);

/* Device id (any tenant) with its facility into *out: 0, SD_ENOTFOUND or a store error. */
int sd_pf_master_device_get(sd_store_t *st, int64_t id, sd_pf_master_device_t *out);

#endif
