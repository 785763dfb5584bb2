/* user.h - transitional: the user service moved to pf/accounts/user.h (include that); the routes
 * are declared in api/routes.h. Kept until the last includer of this path is converted. */
#ifndef SD_API_ACCOUNTS_USER_H
#define SD_API_ACCOUNTS_USER_H

#include "pf/accounts/user.h"

#endif
