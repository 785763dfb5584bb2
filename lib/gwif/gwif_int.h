/* gwif_int.h - what the GW-IF message parsers share inside lib/gwif. */
#ifndef SD_GWIF_GWIF_INT_H
#define SD_GWIF_GWIF_INT_H

#include "gwif/gwif.h"

/*
 * The envelope of a batch {"id"?, "<array>": [...]}: only those members; id a string of 1-128
 * bytes or an integer (replaced in root by its decimal text), *id NULL when absent; the array
 * 1..max items ("at least one <what>", SD_ETOOBIG "more than <max> <what>s").
 */
int sd_gwif__batch_root(json_t *root, const char *array, const char *what, size_t max,
                        const json_t **arr, const char **id, sd_json_err_t *err);

/*
 * What every batch parser does first: *err cleared (tmp stands in for a NULL err), buf parsed
 * into *root (new reference, NULL on error) and its envelope checked as above. 0 or SD_E* with
 * *err set; on error nothing is left to free.
 */
int sd_gwif__batch_open(const void *buf, size_t len, const char *array, const char *what,
                        size_t max, json_t **root, const json_t **arr, const char **id,
                        sd_json_err_t **err, sd_json_err_t *tmp);

#endif
