/* suidoctl - admin CLI and field tool of suido. */
#include "admin.h"
#include "backup.h"
#include "core/log.h"
#include "master.h"
#include "term.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: suidoctl COMMAND ...\n"
    "  term ...     talk to one L2/L3 terminal directly (suidoctl term help)\n"
    "  login, passwd, logout, whoami, totp, tenant, org, user, app, gw, audit, api\n"
    "               the platform's administration (suidoctl help admin)\n"
    "  sheet, master  initial-information sheets and master data\n"
    "  backup, restore  take or list backups; restore one offline (suidoctl backup help)\n";

int main(int argc, char **argv)
{
    sd_log_set_ident("suidoctl");
    if (argc >= 2 && !strcmp(argv[1], "term"))
        return suidoctl_term(argc - 2, argv + 2);
    if (argc >= 2 && suidoctl_is_backup(argv[1]))
        return suidoctl_backup(argc - 1, argv + 1);
    if (argc >= 2 && suidoctl_is_master(argv[1]))
        return suidoctl_master(argc - 1, argv + 1);
    if (argc >= 2 && suidoctl_is_admin(argv[1]))
        return suidoctl_admin(argc - 1, argv + 1);
    if (argc >= 3 && !strcmp(argv[1], "help") && !strcmp(argv[2], "admin"))
        return suidoctl_admin(0, argv + 2) == 2 ? 0 : 1;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
        fputs(usage, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
