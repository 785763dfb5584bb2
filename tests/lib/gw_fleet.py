#!/usr/bin/env python3
"""gw_fleet.py - the master sheet, GW-IF inventory and dial plan of a generated simulator fleet.

usage: gw_fleet.py COUNT BASE_PORT OUTDIR
suido-term --count N names its terminals sim-00001.., tels 090000000001.., estate (i/100)%1000,
number i%100, codes 01/02, ports BASE+1..; every terminal has the standard wiring of
lib/sim/plant.h. Writes OUTDIR/sheet.csv (for the platform), OUTDIR/inventory.json (the body of
GET /gwif/v1/inventory for the gateway) and OUTDIR/dialplan (tel -> tcp://127.0.0.1:port), plus
one L3 device l3-00001 (tel 0800000001) whose simulator fleet file is OUTDIR/l3.conf. With
BASE_PORT 0 the simulators bind port 0 and no dial plan is written: the caller writes it from the
ports they report (tests/lib/gw.sh gw_sim).
"""
import csv, json, sys

count, base, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
POINTS = [  # suffix, name, signal, input, unit, lo, hi, factor, severity
    ("level", "tank level", "analog", "Ai1", "m", 0, 5, None, None),
    ("pressure", "delivery pressure", "analog", "Ai2", "MPa", 0, 1, None, None),
    ("water", "water meter", "pulse", "Pi13", "m3", None, None, 0.1, None),
    ("energy", "energy meter", "pulse", "Pi14", "kWh", None, None, 1, None),
    ("p1_runtime", "pump 1 run time", "runtime", "Pi1", "min", None, None, None, None),
    ("p1_run", "pump 1 running", "monitor", "Di1", "", None, None, None, None),
    ("p1_fault", "pump 1 fault", "alarm", "Di2", "", None, None, None, "major"),
    ("high", "tank high", "alarm", "Di5", "", None, None, None, "minor"),
    ("power", "power failure", "alarm", "Di8", "", None, None, None, "critical"),
    ("intrusion", "intrusion", "alarm", "Di10", "", None, None, None, "major"),
    ("volume", "delivered volume", "integration", "Integ1", "m3", None, None, 1, None),
]
cols = ["kind", "facility", "device", "data_id", "name", "type", "estate", "model", "branch",
        "office", "terminal", "tel", "signal", "input", "unit", "scale_lo", "scale_hi", "factor",
        "severity"]
rows, devices, plan = [], [], []
estates = sorted({(i // 100) % 1000 for i in range(count)})
for e in estates:
    rows.append({"kind": "facility", "facility": "f%03d" % e, "name": "estate %03d" % e,
                 "type": "simple", "estate": "%03d" % e})
for i in range(count):
    code, tel, e = "sim-%05d" % (i + 1), "090%09d" % (i + 1), (i // 100) % 1000
    rows.append({"kind": "device", "facility": "f%03d" % e, "device": code, "name": code,
                 "estate": "%03d" % e, "model": "L2", "branch": "01", "office": "02",
                 "terminal": "%02d" % (i % 100), "tel": tel})
    pts = []
    for suf, name, sig, inp, unit, lo, hi, factor, sev in POINTS:
        did = "%s.%s" % (code, suf)
        rows.append({"kind": "point", "device": code, "data_id": did, "name": name,
                     "signal": sig, "input": inp, "unit": unit,
                     "scale_lo": "" if lo is None else lo, "scale_hi": "" if hi is None else hi,
                     "factor": "" if factor is None else factor, "severity": sev or ""})
        pts.append({"data_id": did, "name": name, "signal": sig, "input": inp, "unit": unit,
                    "scale_lo": lo, "scale_hi": hi, "factor": factor})
    rows.append({"kind": "output", "device": code, "data_id": code + ".pump1", "name": "pump 1",
                 "input": "Out1"})
    devices.append({"code": code, "name": code, "model": "L2", "facility": "f%03d" % e,
                    "branch": "01", "office": "02", "estate": "%03d" % e,
                    "terminal": "%02d" % (i % 100), "tel": tel, "points": pts,
                    "outputs": [{"data_id": code + ".pump1", "name": "pump 1", "output_no": 1}]})
    plan.append("%s tcp://127.0.0.1:%d" % (tel, base + i + 1))
# one L3 automatic-notification device on its own simulator (l3.conf): alarm inputs Di2, Di8
rows.append({"kind": "facility", "facility": "f999", "name": "L3 site", "type": "simple",
             "estate": "999"})
rows.append({"kind": "device", "facility": "f999", "device": "l3-00001", "name": "L3",
             "estate": "999", "model": "L3", "branch": "01", "office": "02", "terminal": "01",
             "tel": "0800000001"})
l3pts = []
for suf, inp, sev in (("p1_fault", "Di2", "major"), ("power", "Di8", "critical")):
    rows.append({"kind": "point", "device": "l3-00001", "data_id": "l3-00001." + suf,
                 "name": suf, "signal": "alarm", "input": inp, "severity": sev})
    l3pts.append({"data_id": "l3-00001." + suf, "name": suf, "signal": "alarm", "input": inp,
                  "unit": "", "scale_lo": None, "scale_hi": None, "factor": None})
devices.append({"code": "l3-00001", "name": "L3", "model": "L3", "facility": "f999",
                "branch": "01", "office": "02", "estate": "999", "terminal": "01",
                "tel": "0800000001", "points": l3pts, "outputs": []})
with open(out + "/l3.conf", "w") as f:
    f.write("[fleet]\nhistory_hours = 0\n[terminal.l3-00001]\nkind = L3\nname = L3\n"
            "branch = 01\noffice = 02\nestate = 999\nnumber = 01\ntel = 0800000001\nport = 1\n")
with open(out + "/sheet.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=cols)
    w.writeheader()
    for r in rows:
        w.writerow(r)
with open(out + "/inventory.json", "w") as f:
    json.dump({"tenant": "test", "version": 1, "devices": devices}, f)
plan.append("0800000001 tcp://127.0.0.1:%d" % (base + count + 1))
if base:
    with open(out + "/dialplan", "w") as f:
        f.write("\n".join(plan) + "\n")
