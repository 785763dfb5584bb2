/* auth.c - private helpers shared by the files of lib/auth. */
#include <sodium.h>

#include "auth/auth_int.h"
#include "core/err.h"

int sd__auth_sodium_init(void)
{
    return sodium_init() < 0 ? SD_EINTERNAL : 0;
}
