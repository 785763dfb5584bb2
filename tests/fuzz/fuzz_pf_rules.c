/* fuzz_pf_rules.c - libFuzzer target for the pure account checks of lib/pf/account_rules.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pf/accounts/account_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so ASan catches any read past len */
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    sd_tenant_kind_t tk;
    sd_org_kind_t ok;
    int e = sd_rules_email(s, size);
    int l = sd_rules_login(s, size);
    int b = sd_rules_label(s, size);
    /* a valid login id is printable ASCII, hence a valid label too */
    if (l == 0 && b != 0)
        abort();
    if (e == 0 && (size < 3 || !memchr(s, '@', size)))
        abort();
    if (sd_rules_tenant_kind(s, size, &tk) == 0 && strlen(sd_rules_tenant_kind_name(tk)) != size)
        abort();
    if (sd_rules_org_kind(s, size, &ok) == 0 && strlen(sd_rules_org_kind_name(ok)) != size)
        abort();
    free(s);
    return 0;
}
