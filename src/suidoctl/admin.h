/* admin.h - suidoctl's platform commands: login, whoami, tenants, orgs, users, apps, gateways. */
#ifndef SUIDOCTL_ADMIN_H
#define SUIDOCTL_ADMIN_H

/* Run an admin command line (argv[0] is the first argument after "suidoctl"). Exit status. */
int suidoctl_admin(int argc, char **argv);

#endif
