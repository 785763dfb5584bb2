-- 0018_maintenance.sql - the maintenance workplace (issue 12, lib/pf/maint; docs/maintenance.md):
-- the contractor serving a tenant, checklist templates per inspection cycle (別表6 items as
-- data), the visits of each facility's monthly plan, inspection records with their answers, and
-- defects (不具合箇所, 別表9) with every change kept. Cycles: daily 日常点検, monthly 1ヶ月点検,
-- quarterly 3ヶ月点検, yearly 1年点検. Dates of a plan are JST calendar days 'YYYY-MM-DD'.
CREATE TABLE maint_contractors (
    tenant_id  INTEGER PRIMARY KEY REFERENCES tenants (id),
    org_id     INTEGER NOT NULL REFERENCES orgs (id),  -- a vendor organisation serving the tenant
    set_by     INTEGER NOT NULL,
    set_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE maint_facilities (
    facility_id  INTEGER PRIMARY KEY REFERENCES facilities (id),
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    annual_month INTEGER NOT NULL CHECK (annual_month BETWEEN 1 AND 12)  -- month of the 1年点検
) STRICT;

CREATE TABLE maint_templates (
    id        INTEGER PRIMARY KEY,
    cycle     TEXT NOT NULL CHECK (cycle IN ('daily', 'monthly', 'quarterly', 'yearly')),
    name      TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    UNIQUE (cycle, name)
) STRICT;

CREATE TABLE maint_template_items (
    id          INTEGER PRIMARY KEY,
    template_id INTEGER NOT NULL REFERENCES maint_templates (id),
    pos         INTEGER NOT NULL,
    label       TEXT NOT NULL,
    label_en    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('check', 'value')),  -- good/not_good/na, or a number
    unit        TEXT NOT NULL DEFAULT '',
    UNIQUE (template_id, pos)
) STRICT;

CREATE TABLE maint_visits (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    facility_id   INTEGER NOT NULL REFERENCES facilities (id),
    cycle         TEXT NOT NULL CHECK (cycle IN ('daily', 'monthly', 'quarterly', 'yearly')),
    month         TEXT NOT NULL,               -- 'YYYY-MM' of the plan it belongs to
    seq           INTEGER NOT NULL,              -- 1.. within (facility, cycle, month)
    planned_on    TEXT NOT NULL,               -- 'YYYY-MM-DD', JST
    inspection_id INTEGER,                       -- set when recorded
    created_at    INTEGER NOT NULL,
    moved_by      INTEGER,
    moved_at      INTEGER,
    UNIQUE (facility_id, cycle, month, seq)
) STRICT;
CREATE INDEX maint_visits_month ON maint_visits (facility_id, month);

CREATE TABLE maint_inspections (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    org_id      INTEGER NOT NULL,                -- the recording organisation
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    visit_id    INTEGER,
    cycle       TEXT NOT NULL,
    template_id INTEGER NOT NULL REFERENCES maint_templates (id),
    by_user     INTEGER NOT NULL,
    done_at     INTEGER NOT NULL,                -- ms since the epoch, UTC
    remarks     TEXT NOT NULL DEFAULT '',      -- 特記事項
    end_checks  TEXT NOT NULL DEFAULT '{}',    -- 終業点検, JSON {item: true|false}
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX maint_inspections_fac ON maint_inspections (facility_id, done_at);

CREATE TABLE maint_answers (
    inspection_id INTEGER NOT NULL REFERENCES maint_inspections (id),
    item_id       INTEGER NOT NULL REFERENCES maint_template_items (id),
    result        TEXT NOT NULL DEFAULT '' CHECK (result IN ('', 'good', 'not_good', 'na')),
    value         REAL,
    unit          TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (inspection_id, item_id)
) STRICT;

CREATE TABLE maint_defects (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    facility_id    INTEGER NOT NULL REFERENCES facilities (id),
    inspection_id  INTEGER,
    item_id        INTEGER,
    place          TEXT NOT NULL,
    description    TEXT NOT NULL,
    urgency        TEXT NOT NULL CHECK (urgency IN ('high', 'normal', 'low')),
    status         TEXT NOT NULL CHECK (status IN ('done', 'arranged', 'considering',
                                                   'estimating', 'awaiting')),
    instruction    TEXT NOT NULL DEFAULT '' CHECK (instruction IN ('', 'repair', 'watch', 'other')),
    instruction_on TEXT NOT NULL DEFAULT '',   -- 'YYYY-MM-DD'
    created_by     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX maint_defects_tenant ON maint_defects (tenant_id, id);

CREATE TABLE maint_defect_history (
    id         INTEGER PRIMARY KEY,
    defect_id  INTEGER NOT NULL REFERENCES maint_defects (id),
    at         INTEGER NOT NULL,
    by_user    INTEGER NOT NULL,
    field      TEXT NOT NULL,                  -- 'created', 'status' or 'instruction'
    from_value TEXT NOT NULL,
    to_value   TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX maint_defect_history_d ON maint_defect_history (defect_id, id);

-- 業務区分 of 別紙3 per person of the contractor: who may record which inspection.
CREATE TABLE maint_staff (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    org_id  INTEGER NOT NULL REFERENCES orgs (id),
    duty    TEXT NOT NULL CHECK (duty IN ('manager', 'chief', 'engineer', 'technician', 'worker')),
    set_by  INTEGER NOT NULL,
    set_at  INTEGER NOT NULL
) STRICT;

-- The first templates: the inspection items of 別表6 (給水施設管理日報). The 1-month and 1-year
-- templates include the daily items (§9(2)); the 1-year and 3-month ones add their own.
INSERT INTO maint_templates (id, cycle, name, name_en) VALUES
    (1, 'daily', '日常点検 (別表6)', 'Daily inspection (table 6)'),
    (2, 'monthly', '1ヶ月点検 (別表6)', 'Monthly inspection (table 6)'),
    (3, 'quarterly', '3ヶ月点検 (別表6)', 'Quarterly inspection (table 6)'),
    (4, 'yearly', '1年点検 (別表6)', 'Yearly inspection (table 6)');
INSERT INTO maint_template_items (template_id, pos, label, label_en, kind, unit) VALUES
    (1, 1, 'ポンプ運転状況 (音・振動・電流計の指示・吐出・油漏れ等)', 'Pump running (noise, vibration, current, discharge, oil leaks)', 'check', ''),
    (1, 2, '配管・弁類からの漏水及び腐食の状況', 'Pipes and valves: leaks and corrosion', 'check', ''),
    (1, 3, '定水位弁・電磁弁等の作動状況', 'Level-control and solenoid valves working', 'check', ''),
    (1, 4, '貯水槽内の汚れ・発藻等及び槽外からの汚染の浸入状況', 'Tank: dirt, algae, contamination from outside', 'check', ''),
    (1, 5, 'オーバーフロー管・通気管等の防虫網の状態', 'Insect screens of overflow and vent pipes', 'check', ''),
    (1, 6, 'マンホールの施錠', 'Manholes locked', 'check', ''),
    (1, 7, '警報及び通報装置鳴動試験', 'Alarm and notification test', 'check', ''),
    (1, 8, '施設内の整理整頓及び衛生管理の状態', 'Housekeeping and hygiene', 'check', ''),
    (1, 9, '施設扉の施錠・フェンスの破損・立入禁止等の表示類の状態', 'Doors locked, fence, warning signs', 'check', ''),
    (1, 10, '滅菌用ポンプの運転状況', 'Chlorination pump running', 'check', ''),
    (1, 11, '上水ポンプ No.1 電流', 'Water pump No.1 current', 'value', 'A'),
    (1, 12, '上水ポンプ No.1 圧力', 'Water pump No.1 pressure', 'value', 'MPa'),
    (1, 13, '量水器 指針 (上水)', 'Water meter reading', 'value', 'm³'),
    (2, 1, 'ポンプ運転状況 (音・振動・電流計の指示・吐出・油漏れ等)', 'Pump running (noise, vibration, current, discharge, oil leaks)', 'check', ''),
    (2, 2, '配管・弁類からの漏水及び腐食の状況', 'Pipes and valves: leaks and corrosion', 'check', ''),
    (2, 3, '定水位弁・電磁弁等の作動状況', 'Level-control and solenoid valves working', 'check', ''),
    (2, 4, '貯水槽内の汚れ・発藻等及び槽外からの汚染の浸入状況', 'Tank: dirt, algae, contamination from outside', 'check', ''),
    (2, 5, 'オーバーフロー管・通気管等の防虫網の状態', 'Insect screens of overflow and vent pipes', 'check', ''),
    (2, 6, 'マンホールの施錠', 'Manholes locked', 'check', ''),
    (2, 7, '警報及び通報装置鳴動試験', 'Alarm and notification test', 'check', ''),
    (2, 8, '施設内の整理整頓及び衛生管理の状態', 'Housekeeping and hygiene', 'check', ''),
    (2, 9, '施設扉の施錠・フェンスの破損・立入禁止等の表示類の状態', 'Doors locked, fence, warning signs', 'check', ''),
    (2, 10, '滅菌用ポンプの運転状況', 'Chlorination pump running', 'check', ''),
    (2, 11, '上水ポンプ No.1 電流', 'Water pump No.1 current', 'value', 'A'),
    (2, 12, '上水ポンプ No.1 圧力', 'Water pump No.1 pressure', 'value', 'MPa'),
    (2, 13, '量水器 指針 (上水)', 'Water meter reading', 'value', 'm³'),
    (2, 14, 'フート弁の作動状況', 'Foot valve working', 'check', ''),
    (2, 15, '電磁接触器・補助リレー・タイマーの作動状況', 'Contactors, relays, timers working', 'check', ''),
    (2, 16, '圧力伝送器・液量計および記録計等の指示値や設定値', 'Transmitters, level meters, recorders: readings and settings', 'check', ''),
    (2, 17, '低圧受電盤 電圧', 'Low-voltage panel voltage', 'value', 'V'),
    (3, 1, '圧力スイッチの設定及び始動頻度', 'Pressure switch setting and start frequency', 'check', ''),
    (3, 2, 'インバータ方式の冷却ファンの音・振動等・エアフィルターの状態', 'Inverter cooling fan and air filter', 'check', ''),
    (3, 3, 'ポンプ運転状況 (音・振動・電流計の指示・吐出・油漏れ等)', 'Pump running (noise, vibration, current, discharge, oil leaks)', 'check', ''),
    (3, 4, '警報及び通報装置鳴動試験', 'Alarm and notification test', 'check', ''),
    (4, 1, 'ポンプ運転状況 (音・振動・電流計の指示・吐出・油漏れ等)', 'Pump running (noise, vibration, current, discharge, oil leaks)', 'check', ''),
    (4, 2, '配管・弁類からの漏水及び腐食の状況', 'Pipes and valves: leaks and corrosion', 'check', ''),
    (4, 3, '定水位弁・電磁弁等の作動状況', 'Level-control and solenoid valves working', 'check', ''),
    (4, 4, '貯水槽内の汚れ・発藻等及び槽外からの汚染の浸入状況', 'Tank: dirt, algae, contamination from outside', 'check', ''),
    (4, 5, 'オーバーフロー管・通気管等の防虫網の状態', 'Insect screens of overflow and vent pipes', 'check', ''),
    (4, 6, 'マンホールの施錠', 'Manholes locked', 'check', ''),
    (4, 7, '警報及び通報装置鳴動試験', 'Alarm and notification test', 'check', ''),
    (4, 8, '施設内の整理整頓及び衛生管理の状態', 'Housekeeping and hygiene', 'check', ''),
    (4, 9, '施設扉の施錠・フェンスの破損・立入禁止等の表示類の状態', 'Doors locked, fence, warning signs', 'check', ''),
    (4, 10, '滅菌用ポンプの運転状況', 'Chlorination pump running', 'check', ''),
    (4, 11, '上水ポンプ No.1 電流', 'Water pump No.1 current', 'value', 'A'),
    (4, 12, '上水ポンプ No.1 圧力', 'Water pump No.1 pressure', 'value', 'MPa'),
    (4, 13, '量水器 指針 (上水)', 'Water meter reading', 'value', 'm³'),
    (4, 14, 'フート弁の作動状況', 'Foot valve working', 'check', ''),
    (4, 15, '電磁接触器・補助リレー・タイマーの作動状況', 'Contactors, relays, timers working', 'check', ''),
    (4, 16, '圧力伝送器・液量計および記録計等の指示値や設定値', 'Transmitters, level meters, recorders: readings and settings', 'check', ''),
    (4, 17, '低圧受電盤 電圧', 'Low-voltage panel voltage', 'value', 'V'),
    (4, 18, '圧力スイッチの設定及び始動頻度', 'Pressure switch setting and start frequency', 'check', ''),
    (4, 19, 'インバータ方式の冷却ファンの音・振動等・エアフィルターの状態', 'Inverter cooling fan and air filter', 'check', ''),
    (4, 20, 'グランドパッキン・カップリングの磨耗等', 'Gland packing and coupling wear', 'check', ''),
    (4, 21, '水位制御機器の発錆・損傷等の状況', 'Level-control equipment: rust and damage', 'check', ''),
    (4, 22, '窓・扉・照明機器等の異常・工具・予備品の整理', 'Windows, doors, lights; tools and spares', 'check', '');
