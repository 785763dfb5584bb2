/* fuzz_simcmd.c - the simulator's control-port line parser never crashes and always explains. */
#include <stddef.h>
#include <stdint.h>

#include "sim/command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sd_simcmd_t c;
    const char *why = NULL;
    if (sd_simcmd_parse((const char *)data, size, &c, &why) != 0 && !why)
        __builtin_trap(); /* a refusal must say why */
    return 0;
}
