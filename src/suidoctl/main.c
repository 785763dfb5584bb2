/* suidoctl - admin CLI and field tool of suido: one table of commands, each run by its module. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "backup.h"
#include "core/log.h"
#include "master.h"
#include "term.h"

/* suidoctl term's argv starts after "term"; the others get their command as argv[0]. */
static int run_term(int argc, char **argv)
{
    return suidoctl_term(argc - 1, argv + 1);
}

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"term", run_term},         {"backup", suidoctl_backup}, {"restore", suidoctl_backup},
    {"sheet", suidoctl_master}, {"master", suidoctl_master}, {"login", suidoctl_admin},
    {"logout", suidoctl_admin}, {"whoami", suidoctl_admin},  {"passwd", suidoctl_admin},
    {"totp", suidoctl_admin},   {"tenant", suidoctl_admin},  {"org", suidoctl_admin},
    {"user", suidoctl_admin},   {"app", suidoctl_admin},     {"gw", suidoctl_admin},
    {"audit", suidoctl_admin},  {"api", suidoctl_admin},     {"--server", suidoctl_admin},
};

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
    if (argc >= 2)
        for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
            if (!strcmp(argv[1], commands[i].name))
                return commands[i].run(argc - 1, argv + 1);
    if (argc >= 3 && !strcmp(argv[1], "help") && !strcmp(argv[2], "admin"))
        return suidoctl_admin(0, argv + 2) == 2 ? 0 : 1;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
        fputs(usage, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return 2;
}
