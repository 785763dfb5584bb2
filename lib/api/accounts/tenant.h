/* tenant.h - transitional: the tenant service moved to pf/accounts/tenant.h (include that); the
 * routes are declared in api/routes.h. Kept until the last includer of this path is converted. */
#ifndef SD_API_ACCOUNTS_TENANT_H
#define SD_API_ACCOUNTS_TENANT_H

#include "pf/accounts/tenant.h"

#endif
