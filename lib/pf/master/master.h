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

#endif
