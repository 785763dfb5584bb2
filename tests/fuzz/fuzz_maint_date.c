/* fuzz_maint_date.c - the maintenance plan's date and month checks and the plan slots (issue
 * 12): never crash; an accepted date is a real calendar day; slots stay in their month. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pf/maint/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[32];
    if (size >= sizeof s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (sd_maint_date_check(s) == 0) {
        int y, m, d;
        if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 ||
            d < 1 || d > 31)
            __builtin_trap();
    }
    if (sd_maint_month_check(s) == 0 && strlen(s) != 7)
        __builtin_trap();
    if (size >= 4) {
        static const char *const types[] = {"dedicated", "simple", "small", "direct_boost", "x"};
        sd_maint_slot_t out[8];
        size_t n = 0;
        int year = 2000 + data[1] % 1000, month = data[2] % 14, annual = data[3] % 14;
        if (sd_maint_plan_slots(types[data[0] % 5], year, month, annual, out, 8, &n) == 0)
            for (size_t i = 0; i < n; i++)
                if (out[i].day < 1 || out[i].day > 31 || !out[i].cycle)
                    __builtin_trap();
    }
    return 0;
}
