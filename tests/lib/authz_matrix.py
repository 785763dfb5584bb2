#!/usr/bin/env python3
"""authz_matrix.py - the role x route x tenant matrix of tests/integration/authz_matrix.sh.

Every route of docs/openapi.yaml is called by every principal (a user of each role in tenant A,
in tenant B, vendors serving A and vendors serving B, the platform admin, an application and a
gateway of each tenant, anonymous), with the path's ids filled with objects of tenant A. The
expected answer comes from the policy table in docs/roles.md (generated from lib/auth/policy.h):
  deny  -> 401, 403 or 404 (never 2xx, never 5xx); a 400 "no such <object>" for an object of
           another tenant counts as a 404
  allow -> not 401/403, never 5xx (a 400/404/409 for a probe body is fine: the policy let it by)
  ?     -> never 5xx (the object's organisation is not known here)
Lists answered 200 must not carry an item of a tenant the principal may not see.
Cells that deny run first, so a mutation by an allowed principal cannot mask a later denial.
Usage: authz_matrix.py MATRIX_JSON OPENAPI_YAML ROLES_MD SAMPLE_CSV. Exit 1 with every wrong cell.
"""
import csv
import http.client
import io
import json
import os
import re
import sys
import time
import urllib.parse

import yaml

ROLES = ["operator_general", "operator_admin", "apvendor_general", "apvendor_admin",
         "gwvendor_general", "gwvendor_admin", "platform_admin", "application", "gateway"]
COMMON = 1
NOPE = 999999999  # an id nothing has

env = json.load(open(sys.argv[1]))
spec = yaml.safe_load(open(sys.argv[2]))
sample_csv = open(sys.argv[4], "rb").read()
A, B = env["A"], env["B"]
ids = {k: (v if v is not None else NOPE) for k, v in env["ids"].items()}
linked_of = {int(k): v for k, v in env["linked"].items()}

# ---- the policy table, as docs/roles.md shows it -------------------------------------------
POLICY = {}
for line in open(sys.argv[3], encoding="utf-8"):
    m = re.match(r"^\| `([a-z_]+\.[a-z_]+)` \|((?: [-STOLCA] \|){9})", line)
    if m:
        POLICY[m.group(1)] = m.group(2).replace("|", "").split()
if len(POLICY) < 40:
    sys.exit("docs/roles.md: no policy table found")


def rule(p, act):
    return POLICY[act][ROLES.index(p["role"])]


def allowed(p, act, tenant, org, subject):
    """sd_policy_check(); org / subject None = unknown. True, False or None (unknown)."""
    if p["role"] is None:
        return False
    if (p["role"] == "platform_admin") != (p["tenant"] == COMMON):
        return False
    r = rule(p, act)
    linked = tenant == p["tenant"] or tenant in p["linked"]
    if r == "-":
        return False
    if r == "A":
        return True
    if r == "T":
        return tenant == p["tenant"]
    if r == "L":
        return linked
    if r == "C":
        return tenant in (p["tenant"], COMMON)
    if r == "O":
        if not linked:
            return False
        return None if org is None else org == p["org"]
    if r == "S":
        if tenant != p["tenant"]:
            return False
        return None if subject is None else subject == p["subject"]
    return False


# ---- principals ------------------------------------------------------------------------------
principals = []
for q in env["principals"]:
    p = {"name": q["name"], "cookie": q.get("cookie"), "token": q.get("token"), "linked": []}
    if "me" in q:
        u = q["me"]
        p.update(role=u["role"], tenant=u["tenant_id"], org=u["org_id"], subject=u["id"],
                 kind="user")
        p["linked"] = linked_of.get(u["org_id"], [])
    elif "client" in q:
        c = q["client"]
        p.update(role=c["kind"], tenant=c["tenant_id"], org=c["org_id"], subject=c["id"],
                 kind="client")
    else:
        p.update(role=None, tenant=0, org=0, subject=0, kind="anon")
    principals.append(p)

# ---- routes: what each one needs and which action guards it ---------------------------------
# kind: obj    the path / body names an object of tenant A (org / subject: its owner, "own" =
#              the caller's organisation, None = not known here)
#       home   acts on the caller's own tenant (lists: checked for other tenants' items)
#       self   user.self: users only
#       client a client's own registration: application / gateway tokens only
#       public no credential needed: only "never 5xx"
#       anon   not called with a principal's credential (it would end it): anonymous only
# A last column "not ROLE" narrows a route beyond the policy: applications and gateways may both
# read the certificates, each over its own interface (AP-IF, GW-IF).
J = "json"
I = ids
DATA_ID = "gorin-l2.tank_level"
ROUTES = {
    ("POST", "/api/v1/login"): ("public", None, {}, {"login": "nobody", "password": "x"}),
    ("POST", "/api/v1/logout"): ("anon", None, {}, None),
    ("GET", "/api/v1/me"): ("self", "user.self", {}, None),
    ("POST", "/api/v1/me/password"): ("self", "user.self", {}, {}),
    ("POST", "/api/v1/me/totp"): ("self", "user.self", {}, None),
    ("POST", "/api/v1/me/totp/confirm"): ("self?", "user.self", {}, {"code": "000000"}),
    ("GET", "/api/v1/me/totp/qr.svg"): ("self?", "user.self", {}, None),
    ("GET", "/api/v1/users"): ("home", "user.read", {}, None),
    ("POST", "/api/v1/users"): ("obj", "user.manage", {}, lambda p: {
        "org_id": I["org_a"], "role": "operator_general", "email": "m-%s@example.jp" % p["name"]},
        I["org_a"]),
    ("GET", "/api/v1/users/{id}"): ("obj", "user.read", {"id": I["user_a2"]}, None, I["org_a"]),
    ("PATCH", "/api/v1/users/{id}"): ("obj", "user.manage", {"id": I["user_a2"]},
                                      {"name": "Authz Probe"}, I["org_a"]),
    ("POST", "/api/v1/users/{id}/reset"): ("obj", "user.manage", {"id": I["user_a2"]}, None,
                                           I["org_a"]),
    ("GET", "/api/v1/tenants"): ("home", "tenant.read", {}, None),
    ("POST", "/api/v1/tenants"): ("home", "tenant.manage", {}, lambda p: {
        "name": "authz-%s" % p["name"], "kind": "dedicated_operator"}),
    ("GET", "/api/v1/tenants/{id}"): ("obj", "tenant.read", {"id": A}, None, None),
    ("PATCH", "/api/v1/tenants/{id}"): ("obj", "tenant.manage", {"id": A}, {"name": "sapporo"},
                                        None),
    ("GET", "/api/v1/orgs"): ("home", "org.read", {}, None),
    ("POST", "/api/v1/orgs"): ("obj", "org.manage", {}, lambda p: {
        "tenant_id": A, "kind": "operator", "name": "Org %s" % p["name"]}, None),
    ("GET", "/api/v1/orgs/{id}"): ("obj", "org.read", {"id": I["org_a"]}, None, I["org_a"]),
    ("PATCH", "/api/v1/orgs/{id}"): ("obj", "org.manage", {"id": I["org_a"]}, {"name": "Sapporo"},
                                     I["org_a"]),
    ("PUT", "/api/v1/orgs/{id}/tenants/{tenant}"): ("obj", "tenant.manage",
                                                    {"id": I["org_ox"], "tenant": A}, None, None),
    ("DELETE", "/api/v1/orgs/{id}/tenants/{tenant}"): ("obj", "tenant.manage",
                                                       {"id": I["org_ox"], "tenant": A}, None,
                                                       None),
    ("GET", "/api/v1/apps"): ("home", "app.read", {}, None),
    ("POST", "/api/v1/apps"): ("obj", "app.register", {}, lambda p: {
        "org_id": I["org_ov"], "tenant_id": A, "name": "probe %s" % p["name"]}, None),
    ("GET", "/api/v1/apps/{id}"): ("obj", "app.read", {"id": I["app_a2"]}, None, I["org_ov"],
                                   I["app_a2"]),
    ("PATCH", "/api/v1/apps/{id}"): ("obj", "app.manage", {"id": I["app_a2"]}, {"name": "A2"},
                                     I["org_ov"], I["app_a2"]),
    ("POST", "/api/v1/apps/{id}/secret"): ("obj", "app.manage", {"id": I["app_a2"]}, None,
                                           I["org_ov"], I["app_a2"]),
    ("GET", "/api/v1/gateways"): ("home", "gw.read", {}, None),
    ("POST", "/api/v1/gateways"): ("obj", "gw.register", {}, lambda p: {
        "org_id": I["org_og"], "tenant_id": A, "name": "probe %s" % p["name"]}, None),
    ("GET", "/api/v1/gateways/{id}"): ("obj", "gw.read", {"id": I["gw_a2"]}, None, I["org_og"],
                                       I["gw_a2"]),
    ("PATCH", "/api/v1/gateways/{id}"): ("obj", "gw.manage", {"id": I["gw_a2"]}, {"name": "G2"},
                                         I["org_og"], I["gw_a2"]),
    ("POST", "/api/v1/gateways/{id}/secret"): ("obj", "gw.manage", {"id": I["gw_a2"]}, None,
                                               I["org_og"], I["gw_a2"]),
    ("GET", "/api/v1/audit"): ("home", "audit.read", {}, None),
    ("POST", "/api/v1/backups"): ("home", "backup.manage", {}, None),
    ("GET", "/api/v1/backups"): ("home", "backup.manage", {}, None),
    ("GET", "/api/v1/backups/{id}"): ("home", "backup.manage", {"id": NOPE}, None),
    ("GET", "/api/v1/openapi.yaml"): ("public", None, {}, None),
    ("POST", "/apif/v1/connect"): ("public", None, {}, {"client_id": "ap-x", "client_secret": "x"}),
    ("POST", "/apif/v1/disconnect"): ("anon", None, {}, None),
    ("GET", "/apif/v1/me"): ("client", None, {}, None),
    ("POST", "/api/v1/tenants/{tid}/sheets"): ("obj", "sheet.submit", {"tid": A}, "csv", "own"),
    ("GET", "/api/v1/tenants/{tid}/sheets"): ("obj", "sheet.read", {"tid": A}, None, "own"),
    ("GET", "/api/v1/tenants/{tid}/sheets/{id}"): ("obj", "sheet.read",
                                                   {"tid": A, "id": I["sheet_a"]}, None, 0),
    ("GET", "/api/v1/tenants/{tid}/sheets/{id}/raw"): ("obj", "sheet.read",
                                                       {"tid": A, "id": I["sheet_a"]}, None, 0),
    ("POST", "/api/v1/tenants/{tid}/sheets/{id}/approve"): ("obj", "sheet.approve",
                                                            {"tid": A, "id": I["sheet_a"]}, None,
                                                            0),
    ("POST", "/api/v1/tenants/{tid}/sheets/{id}/reject"): ("obj", "sheet.approve",
                                                           {"tid": A, "id": I["sheet_a"]}, {},
                                                           0),
    ("GET", "/api/v1/tenants/{tid}/master"): ("obj", "master.read", {"tid": A}, None, 0),
    ("GET", "/apif/v1/master"): ("home", "master.read", {}, None),
    ("GET", "/apif/v1/master/facilities"): ("home", "master.read", {}, None),
    ("GET", "/apif/v1/master/devices"): ("home", "master.read", {}, None),
    ("GET", "/apif/v1/master/points"): ("home", "master.read", {}, None),
    ("GET", "/apif/v1/master/points/{data_id}"): ("home", "master.read", {"data_id": DATA_ID},
                                                  None),
    ("GET", "/apif/v1/master/outputs"): ("home", "master.read", {}, None),
    ("GET", "/apif/v1/points/{data_id}/values"): ("home", "data.read", {"data_id": DATA_ID}, None),
    ("GET", "/apif/v1/points/{data_id}/latest"): ("home", "data.read", {"data_id": DATA_ID}, None),
    ("GET", "/api/v1/values.csv"): ("home", "data.read", {}, None),
    ("POST", "/api/v1/values.csv"): ("home", "data.write", {}, "csv"),
    ("POST", "/gwif/v1/data"): ("home", "gwif.uplink", {}, {"samples": []}),
    ("GET", "/apif/v1/collections/{name}/documents"): ("home", "doc.read", {"name": "authz"},
                                                       None),
    ("POST", "/apif/v1/collections/{name}/documents"): ("home", "doc.write", {"name": "authz"},
                                                        {"probe": 1}),
    ("GET", "/apif/v1/collections/{name}/documents/{id}"): ("home", "doc.read",
                                                            {"name": "authz", "id": I["doc_a"]},
                                                            None),
    ("PUT", "/apif/v1/collections/{name}/documents/{id}"): ("home", "doc.write",
                                                            {"name": "authz", "id": I["doc_a"]},
                                                            {"probe": 2}),
    ("DELETE", "/apif/v1/collections/{name}/documents/{id}"): ("home", "doc.write",
                                                               {"name": "authz",
                                                                "id": I["doc_a"]}, None),
    ("GET", "/apif/v1/files"): ("home", "file.read", {}, None),
    ("PUT", "/apif/v1/files/{path}"): ("home", "file.write", {"path": "authz/probe.txt"}, b"x"),
    ("GET", "/apif/v1/files/{path}"): ("home", "file.read", {"path": "authz/a.txt"}, None),
    ("DELETE", "/apif/v1/files/{path}"): ("home", "file.write", {"path": "authz/probe.txt"}, None),
    ("POST", "/apif/v1/monitors"): ("home", "data.poll", {}, {"data_ids": [], "interval_s": 0}),
    ("GET", "/apif/v1/monitors"): ("home", "data.poll", {}, None),
    ("GET", "/apif/v1/monitors/{id}"): ("home", "data.poll", {"id": NOPE}, None),
    ("DELETE", "/apif/v1/monitors/{id}"): ("home", "data.poll", {"id": NOPE}, None),
    ("GET", "/apif/v1/monitors/{id}/events"): ("home", "data.poll", {"id": NOPE}, None),
    ("GET", "/gwif/v1/inventory"): ("home", "gwif.fetch", {}, None),
    ("GET", "/gwif/v1/mqtt"): ("home?", "gwif.fetch", {}, None),
    ("GET", "/gwif/v1/requests?wait=0"): ("home", "gwif.fetch", {}, None),
    ("POST", "/gwif/v1/requests/{id}/reply"): ("home", "gwif.uplink", {"id": NOPE}, {}),
    ("POST", "/apif/v1/reads"): ("home", "data.poll", {}, {}),
    ("POST", "/apif/v1/controls"): ("home", "control.request", {}, {}),
    ("POST", "/apif/v1/devices/{code}/settings"): ("home", "control.request", {"code": "nope"},
                                                   {}),
    ("GET", "/apif/v1/requests"): ("home", "data.poll", {}, None),
    ("GET", "/apif/v1/requests/{id}"): ("home", "data.poll", {"id": NOPE}, None),
    ("GET", "/apif/v1/certificates"): ("home", "cert.read", {}, None, None, None, "not gateway"),
    ("GET", "/gwif/v1/certificates"): ("home", "cert.read", {}, None, None, None,
                                       "not application"),
    ("GET", "/api/v1/tenants/{id}/protection"): ("obj", "tenant.read", {"id": A}, None, None),
    ("PUT", "/api/v1/tenants/{id}/protection"): ("obj", "tenant.manage", {"id": A}, {}, None),
    ("GET", "/api/v1/tenants/{id}/portal-certificates"): ("obj", "tenant.read", {"id": A}, None,
                                                          None),
    ("PUT", "/api/v1/tenants/{id}/portal-certificates"): ("obj", "tenant.manage", {"id": A},
                                                          {"required": False}, None),
    ("POST", "/api/v1/users/{id}/portal-certificates"): ("obj", "user.manage",
                                                         {"id": I["user_a2"]}, {}, I["org_a"]),
    ("GET", "/api/v1/portal-certificates"): ("home", "user.read", {}, None),
    # no certificate is issued here (no http.client_ca): only the denials are real cells
    ("DELETE", "/api/v1/portal-certificates/{id}"): ("obj?", "user.manage", {"id": 999999}, None,
                                                     I["org_a"]),
    ("GET", "/api/v1/apps/{id}/certificate"): ("obj", "app.read", {"id": I["app_a2"]}, None,
                                               I["org_ov"], I["app_a2"]),
    ("PUT", "/api/v1/apps/{id}/certificate"): ("obj", "app.manage", {"id": I["app_a2"]}, b"x",
                                               I["org_ov"], I["app_a2"]),
    ("DELETE", "/api/v1/apps/{id}/certificate"): ("obj", "app.manage", {"id": I["app_a2"]}, None,
                                                  I["org_ov"], I["app_a2"]),
    ("GET", "/api/v1/gateways/{id}/certificate"): ("obj", "gw.read", {"id": I["gw_a2"]}, None,
                                                   I["org_og"], I["gw_a2"]),
    ("PUT", "/api/v1/gateways/{id}/certificate"): ("obj", "gw.manage", {"id": I["gw_a2"]}, b"x",
                                                   I["org_og"], I["gw_a2"]),
    ("DELETE", "/api/v1/gateways/{id}/certificate"): ("obj", "gw.manage", {"id": I["gw_a2"]},
                                                      None, I["org_og"], I["gw_a2"]),
    ("POST", "/gwif/v1/events"): ("home", "gwif.uplink", {}, {"events": []}),
    ("GET", "/api/v1/events"): ("home", "alarm.read", {}, None),
    ("GET", "/api/v1/alarms"): ("home", "alarm.read", {}, None),
    ("GET", "/api/v1/alarms?format=csv"): ("home", "alarm.read", {}, None),
    ("GET", "/apif/v1/alarms"): ("home", "alarm.read", {}, None),
    ("GET", "/api/v1/alarms/count"): ("home", "alarm.read", {}, None),
    ("GET", "/api/v1/alarms/{id}"): ("obj", "alarm.read", {"id": I["alarm_a"]}, None, None),
    ("POST", "/api/v1/alarms/{id}/ack"): ("obj", "alarm.ack", {"id": I["alarm_a"]}, {}, None),
    ("POST", "/api/v1/alarms/{id}/shelve"): ("obj", "alarm.ack", {"id": I["alarm_a"]},
                                             {"minutes": 5, "comment": "probe"}, None),
    ("POST", "/api/v1/alarms/{id}/unshelve"): ("obj", "alarm.ack", {"id": I["alarm_a"]}, None,
                                               None),
    ("POST", "/api/v1/alarms/{id}/comment"): ("obj", "alarm.ack", {"id": I["alarm_a"]},
                                              {"comment": "probe"}, None),
    ("POST", "/api/v1/alarms/{id}/out-of-service"): ("obj", "alarm.manage", {"id": I["alarm_a"]},
                                                     {"comment": "probe"}, None),
    ("POST", "/api/v1/alarms/{id}/in-service"): ("obj", "alarm.manage", {"id": I["alarm_a"]},
                                                 None, None),
    ("GET", "/api/v1/alarm-groups"): ("home", "alarm.read", {}, None),
    ("POST", "/api/v1/alarm-groups/{id}/ack"): ("obj?", "alarm.ack", {"id": I["group_a"]}, {},
                                                None),
    ("GET", "/api/v1/facilities/status"): ("home", "alarm.read", {}, None),
    ("GET", "/api/v1/alarm-settings/{data_id}"): ("home", "alarm.read", {"data_id": DATA_ID},
                                                  None),
    ("PUT", "/api/v1/alarm-settings/{data_id}"): ("home", "alarm.manage", {"data_id": DATA_ID},
                                                  {"deadband_pct": 3}),
    ("GET", "/api/v1/contacts"): ("home", "contact.read", {}, None),
    ("POST", "/api/v1/contacts"): ("obj", "contact.submit", {}, {
        "tenant_id": A, "name": "probe", "entries": [{
            "name": "x", "email": "x@example.jp", "order": 1, "min_severity": 1,
            "duty": "always"}]}, None),
    ("PUT", "/api/v1/contacts/{id}"): ("obj", "contact.submit", {"id": I["contact_a"]}, {
        "name": "浄水課", "entries": [{
            "name": "x", "email": "x@example.jp", "order": 1, "min_severity": 1,
            "duty": "always"}]}, None),
    ("DELETE", "/api/v1/contacts/{id}"): ("obj", "contact.submit", {"id": I["contact_a"]}, None,
                                          None),
    ("POST", "/api/v1/contacts/{id}/approve"): ("obj", "contact.approve", {"id": I["contact_a"]},
                                                None, None),
    ("POST", "/api/v1/contacts/{id}/reject"): ("obj", "contact.approve", {"id": I["contact_a"]},
                                               {}, None),
    ("GET", "/api/v1/notifications"): ("home", "contact.read", {}, None),
    ("POST", "/api/v1/notifications/test"): ("obj", "contact.submit", {},
                                             {"list_id": I["contact_a"]}, None),
    ("POST", "/api/v1/notifications/drills/{id}/ack"): ("home", "contact.read", {"id": NOPE},
                                                        None),
    ("GET", "/api/v1/status"): ("home", "monitor.read", {}, None),
    ("GET", "/api/v1/incidents"): ("home", "incident.read", {}, None),
    # the CSV exports of the lists (issue 13): the same policy, the same tenants' rows
    ("GET", "/api/v1/incidents?format=csv"): ("home", "incident.read", {}, None),
    ("GET", "/api/v1/incidents?format=csv&encoding=sjis"): ("home", "incident.read", {}, None),
    ("POST", "/api/v1/incidents"): ("obj", "incident.manage", {}, {"tenant_id": A,
                                                                    "title": "probe"}, "own"),
    ("GET", "/api/v1/incidents/{id}"): ("obj", "incident.read", {"id": I["incident_a"]}, None,
                                        I["org_og"]),
    ("PATCH", "/api/v1/incidents/{id}"): ("obj", "incident.manage", {"id": I["incident_a"]},
                                          {"note": "probe"}, I["org_og"]),
    ("GET", "/api/v1/inquiries"): ("home", "inquiry.read", {}, None),
    ("POST", "/api/v1/inquiries"): ("home", "inquiry.create", {}, {
        "addressee": "tenant", "category": "other", "subject": "probe", "body": "probe"}),
    ("GET", "/api/v1/inquiries/{id}"): ("obj", "inquiry.read", {"id": I["inquiry_a"]}, None,
                                        I["org_a"]),
    ("PATCH", "/api/v1/inquiries/{id}"): ("obj", "inquiry.manage", {"id": I["inquiry_a"]},
                                          {"status": "in_progress"}, I["org_a"]),
    ("POST", "/api/v1/inquiries/{id}/replies"): ("obj", "inquiry.manage", {"id": I["inquiry_a"]},
                                                 {"body": "probe"}, I["org_a"]),
    ("POST", "/api/v1/inquiries/{id}/files?name=probe.txt"): ("obj", "inquiry.manage",
                                                              {"id": I["inquiry_a"]}, b"probe",
                                                              I["org_a"]),
    ("GET", "/api/v1/inquiries/{id}/files/{fid}"): ("obj", "inquiry.read",
                                                    {"id": I["inquiry_a"],
                                                     "fid": I["inquiry_file_a"]}, None,
                                                    I["org_a"]),
    ("GET", "/api/v1/maint/facilities"): ("home", "maint.read", {}, None),
    ("PUT", "/api/v1/maint/contractors/{tenant}"): ("obj", "tenant.manage", {"tenant": A},
                                                    {"org_id": I["org_og"]}, None),
    ("GET", "/api/v1/maint/plan?facility=%d&month=2026-11" % I["maint_fac_a"]): (
        "obj", "maint.read", {}, None, I["org_og"]),
    ("POST", "/api/v1/maint/plan"): ("obj", "maint.record", {}, {
        "facility": I["maint_fac_a"], "month": "2027-01"}, I["org_og"]),
    ("PATCH", "/api/v1/maint/visits/{id}"): ("obj", "maint.record", {"id": I["maint_visit_a"]},
                                             {"planned_on": "2026-11-28"}, I["org_og"]),
    ("GET", "/api/v1/maint/templates"): ("home", "maint.read", {}, None),
    ("GET", "/api/v1/maint/inspections"): ("home", "maint.read", {}, None),
    ("POST", "/api/v1/maint/inspections"): ("obj", "maint.record", {}, {
        "facility": I["maint_fac_a"], "cycle": "daily", "template_id": 1, "answers": [],
        "end_checks": {}}, I["org_og"]),
    ("GET", "/api/v1/maint/inspections/{id}"): ("obj", "maint.read",
                                                {"id": I["maint_inspection_a"]}, None, I["org_og"]),
    ("GET", "/api/v1/maint/defects"): ("home", "maint.read", {}, None),
    ("POST", "/api/v1/maint/defects"): ("obj", "maint.record", {}, {
        "facility": I["maint_fac_a"], "place": "probe", "description": "probe"}, I["org_og"]),
    ("GET", "/api/v1/maint/defects/{id}"): ("obj", "maint.read", {"id": I["maint_defect_a"]},
                                            None, I["org_og"]),
    ("PATCH", "/api/v1/maint/defects/{id}"): ("obj", "maint.record", {"id": I["maint_defect_a"]},
                                              {"status": "estimating"}, I["org_og"]),
    ("GET", "/api/v1/maint/staff"): ("home", "user.read", {}, None),
    ("PUT", "/api/v1/maint/staff/{user}"): ("obj", "user.manage", {"user": I["user_a2"]},
                                            {"duty": "chief"}, I["org_a"]),
    ("GET", "/api/v1/sla"): ("home", "sla.read", {}, None),
    ("GET", "/api/v1/maintenance"): ("home", "portal.read", {}, None),
    ("POST", "/api/v1/maintenance"): ("home", "portal.post", {}, {
        "starts_at": 4102444800000, "ends_at": 4102448400000, "title": "probe"}),
    ("GET", "/api/v1/bulletin"): ("home", "portal.read", {}, None),
    ("POST", "/api/v1/bulletin"): ("obj", "bulletin.post", {}, {
        "tenant_id": A, "category": "notice", "title": "probe"}, None),
    ("GET", "/api/v1/bulletin/unread"): ("home", "portal.read", {}, None),
    ("GET", "/api/v1/bulletin/{id}"): ("obj", "portal.read", {"id": I["bulletin_a"]}, None, None),
    ("PATCH", "/api/v1/bulletin/{id}"): ("obj", "bulletin.post", {"id": I["bulletin_a"]},
                                         {"title": "probe"}, None),
    ("DELETE", "/api/v1/bulletin/{id}"): ("obj", "bulletin.post", {"id": I["bulletin_del_a"]},
                                          None, None),
    ("POST", "/api/v1/bulletin/{id}/read"): ("obj", "portal.read", {"id": I["bulletin_a"]}, None,
                                             None),
    ("POST", "/api/v1/bulletin/{id}/attachments?name=probe.txt"): (
        "obj", "bulletin.post", {"id": I["bulletin_a"]}, b"x", None),
    ("GET", "/api/v1/bulletin/{id}/attachments/{att}"): (
        "obj", "portal.read", {"id": I["bulletin_a"], "att": I["bulletin_att_a"]}, None, None),
}

# every documented route must have its row here, and no row may be stale
documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops
              if m in ("get", "post", "put", "patch", "delete")}
rows = {(m, p.split("?")[0]) for m, p in ROUTES}
if documented != rows:
    sys.exit("authz_matrix.py: routes without a row: %s; rows without a route: %s"
             % (sorted(documented - rows), sorted(rows - documented)))


def expect(p, kind, act, org, subject, only):
    """'deny', 'allow' or '?' for principal p on a route."""
    k = kind.rstrip("?")
    if only and p["role"] == only.split()[1]:
        e = "deny"
    elif k == "public":
        e = "?"
    elif k == "anon":
        e = "deny" if p["kind"] == "anon" else None  # not called with a credential
    elif k == "self":
        e = "allow" if p["kind"] == "user" else "deny"
    elif k == "client":
        e = "allow" if p["kind"] == "client" else "deny"
    elif p["kind"] == "anon":
        e = "deny"
    elif k == "home":
        e = allowed(p, act, p["tenant"], p["org"], p["subject"])
        e = "?" if e is None else "allow" if e else "deny"
    else:
        o = p["org"] if org == "own" else org
        e = allowed(p, act, A, o, subject)
        e = "?" if e is None else "allow" if e else "deny"
    if e == "allow" and kind.endswith("?"):
        e = "?"  # the route needs state this suite does not set up (a pending TOTP, a broker)
    return e


def visible_tenants(p, act):
    """Tenants whose items p may see in a list guarded by act (None = any)."""
    r = rule(p, act) if p["role"] else "-"
    if r == "A":
        return None
    s = {p["tenant"]}
    if r in ("L", "O"):
        s |= set(p["linked"])
    if r == "C":
        s.add(COMMON)
    return s


u = urllib.parse.urlparse(env["url"])
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def call(p, method, path, body):
    global conn
    h = {}
    data = None
    if p.get("token"):
        h["Authorization"] = "Bearer " + p["token"]
    elif p.get("cookie"):
        h["Cookie"] = "suido_session=" + p["cookie"]
    if callable(body):
        body = body(p)
    if body == "csv":
        data, h["Content-Type"] = sample_csv, "text/csv"
    elif isinstance(body, bytes):
        data, h["Content-Type"] = body, "application/octet-stream"
    elif body is not None:
        data, h["Content-Type"] = json.dumps(body).encode(), "application/json"
    if method in ("PUT", "DELETE") and "/documents/" in path:
        h["If-Match"] = '"1"'
    for attempt in range(2):
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            return r.status, r.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            if attempt:
                raise


def as_unknown(code, data):
    """A 400 naming a field "no such ..." treats an object the caller may not see as absent,
    like a 404 does: a denial that reveals nothing (POST /api/v1/users with another tenant's
    org_id)."""
    try:
        m = json.loads(data)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return False
    return code == 400 and m.startswith("no such")


cells = []
for (method, tpl), row in ROUTES.items():
    kind, act, params, body = row[0], row[1], row[2], row[3]
    org = row[4] if len(row) > 4 else None
    subject = row[5] if len(row) > 5 else None
    only = row[6] if len(row) > 6 else None
    path = tpl
    for k, v in params.items():
        path = path.replace("{%s}" % k, urllib.parse.quote(str(v), safe="/"))
    for p in principals:
        e = expect(p, kind, act, org, subject, only)
        if e is not None:
            cells.append((e, method, path, tpl, act, body, p, kind))

def csv_items(data):
    """The rows of a CSV export as {"tenant_id"} items when it has a tenant column, else None."""
    text = data.decode("utf-8-sig", "replace") if data.startswith(b"\xef\xbb\xbf") \
        else data.decode("cp932", "replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or "テナント / Tenant" not in rows[0]:
        return None
    c = rows[0].index("テナント / Tenant")
    return [{"tenant_id": int(r[c])} for r in rows[1:] if len(r) > c and r[c].isdigit()]


# denials first: an allowed principal's change (a withdrawn list, a rotated secret) comes after
cells.sort(key=lambda c: c[0] == "allow")
wrong = []
t0 = time.monotonic()
for e, method, path, tpl, act, body, p, kind in cells:
    code, data = call(p, method, path, body)
    why = None
    if code >= 500:
        why = "server error"
    elif e == "deny" and code not in (401, 403, 404) and not as_unknown(code, data):
        why = "not denied"
    elif e == "allow" and code in (401, 403):
        why = "denied"
    elif (e == "allow" and kind == "obj" and method == "GET" and code != 200 and
          not tpl.endswith("/certificate")):  # (no certificate is registered here)
        why = "tenant A's object not shown to a principal allowed to read it"
    elif code == 200 and act and method == "GET" and "{" not in tpl:
        vis = visible_tenants(p, act)
        try:
            items = json.loads(data).get("items")
        except (ValueError, AttributeError):
            items = csv_items(data)
        if vis is not None and isinstance(items, list):
            leak = sorted({i.get("tenant_id") for i in items if isinstance(i, dict)
                           and isinstance(i.get("tenant_id"), int)
                           and i["tenant_id"] not in vis})
            if leak:
                why = "lists items of tenant(s) %s" % leak
    if why:
        wrong.append("%s %s as %s (%s): %d, expected %s: %s [%s]"
                     % (method, path, p["name"], p["role"], code, e, why, data[:160]))

n = len(cells)
kinds = {k: sum(1 for c in cells if c[0] == k) for k in ("deny", "allow", "?")}
print("%d cells, %d right (%d deny, %d allow, %d no-5xx only) in %.1f s"
      % (n, n - len(wrong), kinds["deny"], kinds["allow"], kinds["?"], time.monotonic() - t0))
for w in wrong:
    print("WRONG: " + w)
if os.environ.get("AUTHZ_VERBOSE"):  # which cells are only checked for "no 5xx"
    for c in cells:
        if c[0] == "?":
            print("?: %s %s as %s" % (c[1], c[2], c[6]["name"]))
sys.exit(1 if wrong else 0)
