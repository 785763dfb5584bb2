/* fuzz_auth_names.c - libFuzzer target: role and action name parsing, and policy checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    sd_role_t r;
    if (sd_policy_role_parse(in, size, &r) == 0) {
        const char *n = sd_policy_role_name(r);
        if (!n || strlen(n) != size || memcmp(n, in, size) != 0)
            abort();
    }
    sd_action_t a;
    if (sd_policy_action_parse(in, size, &a) == 0) {
        const char *n = sd_policy_action_name(a);
        if (!n || strlen(n) != size || memcmp(n, in, size) != 0)
            abort();
    }
    /* the bytes as a principal and target: any combination must answer 0 or an error, and a
     * foreign tenant only ever passes for an any-tenant cell */
    if (size >= 12) {
        int64_t link = (int8_t)data[11];
        sd_principal_t who = {(sd_role_t)(data[0] % (SD_ROLE__COUNT + 2)),
                              (int8_t)data[1],
                              (int8_t)data[2],
                              (int8_t)data[3],
                              &link,
                              data[4] & 1,
                              data[5] & 1};
        sd_scope_t t = {(int8_t)data[6], (int8_t)data[7], (int8_t)data[8]};
        sd_action_t act = (sd_action_t)(data[9] % (SD_ACT__COUNT + 2));
        int rc = sd_policy_check(&who, act, &t);
        if (rc != 0 && rc != SD_EFORBIDDEN && rc != SD_EPWCHANGE)
            abort();
        int foreign = t.tenant_id != who.tenant_id && !(who.n_linked && t.tenant_id == link) &&
                      t.tenant_id != SD_TENANT_COMMON;
        if (rc == 0 && (t.tenant_id <= 0 || who.tenant_id <= 0))
            abort();
        if (rc == 0 && foreign && sd_policy_rule(who.role, act) != SD_SCOPE_ANY)
            abort();
        (void)sd_policy_can_assign(&who, (sd_role_t)(data[10] % (SD_ROLE__COUNT + 2)), &t);
    }
    free(in);
    return 0;
}
