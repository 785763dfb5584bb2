/* policy.h - who may do what where: the one role x action x tenant table of suido (表2-3). */
#ifndef SD_AUTH_POLICY_H
#define SD_AUTH_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * Roles. The six of 表2-3 (ユーザ権限一覧), plus three that the standard implies but does not list:
 *  - platform_admin: the platform operator (運用者 / 当社 in the service specification), who
 *    registers vendors and AP/GW (2.2 ②, 2.3), sets one-time-password use from the 利用申請書
 *    (2.2.2), posts maintenance and failure notices (表2-1 No.5) and answers inquiries (No.2).
 *    Deliberately NOT a super-user: it cannot approve an operator's sheets, contact lists or test
 *    work (those are the operator admin's by 表2-3) and cannot read or write plant data or
 *    control equipment. It lives only in the common tenant (表2-14 No.1).
 *  - application / gateway: machine principals authenticated by client credentials over AP-IF
 *    and GW-IF, so the API handlers use this same table instead of a second, implicit policy.
 * XX(ENUM, "name", "日本語", admin)
 */
/* clang-format off */
#define SD_ROLE_MAP(XX)                                                                            \
    XX(OPERATOR_GENERAL, "operator_general", "事業者 一般", 0)                                     \
    XX(OPERATOR_ADMIN, "operator_admin", "事業者 管理者", 1)                                       \
    XX(APVENDOR_GENERAL, "apvendor_general", "APベンダー 一般", 0)                                 \
    XX(APVENDOR_ADMIN, "apvendor_admin", "APベンダー 管理者", 1)                                   \
    XX(GWVENDOR_GENERAL, "gwvendor_general", "GWベンダー 一般", 0)                                 \
    XX(GWVENDOR_ADMIN, "gwvendor_admin", "GWベンダー 管理者", 1)                                   \
    XX(PLATFORM_ADMIN, "platform_admin", "プラットフォーム運用者", 1)                              \
    XX(APPLICATION, "application", "アプリケーション (AP-IF)", 0)                                  \
    XX(GATEWAY, "gateway", "IoTゲートウェイ (GW-IF)", 0)
/* clang-format on */

typedef enum {
#define SD_ROLE_ENUM_(e, name, ja, admin) SD_ROLE_##e,
    SD_ROLE_MAP(SD_ROLE_ENUM_)
#undef SD_ROLE_ENUM_
        SD_ROLE__COUNT
} sd_role_t;

/*
 * Scope rules, the value of each cell of the action table: where the role may do the action,
 * measured from the principal's home tenant, organisation and identity.
 *   _  NONE    never
 *   S  SELF    only on objects of the principal itself (its own user, app or gateway record)
 *   O  ORG     objects of the principal's own organisation, in its home tenant or in a tenant it
 *              is linked to (a vendor's own app in the operator tenant it serves)
 *   T  TENANT  anything in the home tenant
 *   L  LINKED  anything in the home tenant or the tenants it is linked to (vendors: the operator
 *              tenants they serve, per the 利用申請書)
 *   C  COMMON  the home tenant or the common tenant (platform notices, installation materials)
 *   A  ANY     any tenant (platform_admin only)
 */
typedef enum {
    SD_SCOPE_NONE = 0,
    SD_SCOPE_SELF,
    SD_SCOPE_ORG,
    SD_SCOPE_TENANT,
    SD_SCOPE_LINKED,
    SD_SCOPE_COMMON,
    SD_SCOPE_ANY,
} sd_scope_rule_t;

/*
 * Actions: XX(ENUM, "name", OG, OA, AG, AA, GG, GA, PA, AP, GW, "what", "標準の機能")
 * columns: operator general/admin, AP vendor general/admin, GW vendor general/admin, platform
 * admin, application, gateway. The whole policy is this table; sd_policy_check() only reads it.
 *
 * How 表2-3 was read (conservatively where it is vague; the OCR of the table is clean):
 *  - 事業者 一般 "may use the platform's functions": every operator function except the four the
 *    admin row adds. 事業者 管理者 adds exactly: test-work approval, initial-information sheet
 *    approval, user rights management, contact-list approval (+ audit, which follows from
 *    managing rights).
 *  - ベンダー 一般 "functions needed to maintain/operate the AP (GW): inquiries, bulletin board,
 *    installation-material download, etc.": only those plus monitoring and failure status of
 *    their own AP/GW (maintenance needs them). Not plant data, not master data: "etc." is not
 *    read as a grant.
 *  - ベンダー 管理者 adds exactly: requests for test-work, sheet and contact-list approval, and
 *    user rights management (of their own vendor tenant).
 *  - Contact lists name people and their phones: vendors read and submit their own org's only.
 *  - Approval requests by the operator itself (sheet/contact submit) are admin-only, mirroring the
 *    vendor rows where requesting is an admin power. Four-eyes (approver != submitter) is a rule
 *    of the platform layer, which knows who submitted.
 *  - AP/GW registration (2.3) and vendor registration (2.2 ②) follow the 利用申請書 and are done
 *    by the platform operator; nobody else issues credentials.
 */
/* clang-format off */
#define SD_ACTION_MAP(XX)                                                                          \
    /*  enum              name                OG OA AG AA GG GA PA AP GW */                        \
    XX(TENANT_READ,       "tenant.read",      T, T, L, L, L, L, A, _, _,                           \
       "see tenant profiles (name, kind)", "テナント提供")                                         \
    XX(TENANT_MANAGE,     "tenant.manage",    _, _, _, _, _, _, A, _, _,                           \
       "create and change tenants, link vendors to operator tenants, require portal client "       \
       "certificates", "テナント提供")                                                             \
    XX(ORG_READ,          "org.read",         T, T, L, L, L, L, A, _, _,                           \
       "see organisations and the vendor list", "ベンダー一覧")                                    \
    XX(ORG_MANAGE,        "org.manage",       _, _, _, _, _, _, A, _, _,                           \
       "register and change operators and vendors", "ベンダー登録・変更")                          \
    XX(USER_READ,         "user.read",        _, T, _, T, _, T, A, _, _,                           \
       "list users and their roles, and the portal client certificates issued to them",            \
       "ユーザ権限の管理")                                                                         \
    XX(USER_MANAGE,       "user.manage",      _, T, _, T, _, T, A, _, _,                           \
       "issue provisional ids, reset, disable, change roles; issue and revoke portal client "      \
       "certificates", "ユーザ登録・変更")                                                         \
    XX(USER_SELF,         "user.self",        S, S, S, S, S, S, S, _, _,                           \
       "own password, one-time password enrolment, own sessions", "ユーザ登録・変更")              \
    XX(USER_OTP_REQUIRE,  "user.otp_require", _, _, _, _, _, _, A, _, _,                           \
       "require one-time passwords (per 利用申請書)", "ワンタイムパスワード設定")                  \
    XX(APP_REGISTER,      "app.register",     _, _, _, _, _, _, A, _, _,                           \
       "register an application, issue its credential", "AP/GW登録・変更")                         \
    XX(APP_READ,          "app.read",         T, T, O, O, _, _, A, S, _,                           \
       "see registered applications", "AP/GW登録・変更")                                           \
    XX(APP_MANAGE,        "app.manage",       _, _, _, _, _, _, A, _, _,                           \
       "change, disable an application, rotate its credential", "AP/GW登録・変更")                 \
    XX(GW_REGISTER,       "gw.register",      _, _, _, _, _, _, A, _, _,                           \
       "register a gateway, issue its credential", "AP/GW登録・変更")                              \
    XX(GW_READ,           "gw.read",          T, T, _, _, O, O, A, _, S,                           \
       "see registered gateways", "AP/GW登録・変更")                                               \
    XX(GW_MANAGE,         "gw.manage",        _, _, _, _, _, _, A, _, _,                           \
       "change, disable a gateway, rotate its credential", "AP/GW登録・変更")                      \
    XX(CERT_READ,         "cert.read",        T, T, C, C, C, C, A, T, T,                           \
       "fetch public-key certificates", "公開鍵証明書ファイル取得")                                \
    XX(MASTER_READ,       "master.read",      T, T, _, _, _, _, A, T, T,                           \
       "read master data (facilities, devices, points)", "マスタ情報提供・マスタデータ参照")       \
    XX(SHEET_READ,        "sheet.read",       T, T, _, O, _, O, A, _, _,                           \
       "see initial-information sheets and their state", "初期情報設定シート")                     \
    XX(SHEET_SUBMIT,      "sheet.submit",     _, T, _, L, _, L, _, _, _,                           \
       "submit an initial-information sheet for approval", "初期情報設定シート承認依頼")           \
    XX(SHEET_APPROVE,     "sheet.approve",    _, T, _, _, _, _, _, _, _,                           \
       "approve or reject a sheet (master data changes)", "初期情報設定シート承認")                \
    XX(CONTACT_READ,      "contact.read",     T, T, O, O, O, O, A, _, _,                           \
       "see contact lists", "連絡体制表管理")                                                      \
    XX(CONTACT_SUBMIT,    "contact.submit",   _, T, _, O, _, O, _, _, _,                           \
       "submit a contact list for approval", "連絡体制表の承認依頼")                               \
    XX(CONTACT_APPROVE,   "contact.approve",  _, T, _, _, _, _, _, _, _,                           \
       "approve or reject a contact list", "連絡体制表の承認")                                     \
    XX(TESTWORK_READ,     "testwork.read",    T, T, _, O, _, O, A, _, _,                           \
       "see test-work requests and results", "試験作業")                                           \
    XX(TESTWORK_REQUEST,  "testwork.request", _, _, _, L, _, L, _, _, _,                           \
       "request approval of test work / results", "試験作業承認依頼")                              \
    XX(TESTWORK_APPROVE,  "testwork.approve", _, T, _, _, _, _, _, _, _,                           \
       "approve test work, allowing production use", "試験作業承認")                               \
    XX(DATA_READ,         "data.read",        T, T, _, _, _, _, _, T, _,                           \
       "read stored values, export CSV", "即時取得(蓄積)API・CSV提供")                             \
    XX(DATA_WRITE,        "data.write",       T, T, _, _, _, _, _, _, _,                           \
       "correct stored values by CSV import", "CSV投入")                                           \
    XX(DATA_POLL,         "data.poll",        T, T, _, _, _, _, _, T, _,                           \
       "read current values through the gateway, periodic monitors", "即時取得・定周期監視")       \
    XX(CONTROL_REQUEST,   "control.request",  T, T, _, _, _, _, _, T, _,                           \
       "set a control value (switch equipment)", "制御値設定")                                     \
    XX(DOC_READ,          "doc.read",         T, T, _, _, _, _, _, T, _,                           \
       "read application documents", "ドキュメント操作")                                           \
    XX(DOC_WRITE,         "doc.write",        _, _, _, _, _, _, _, T, _,                           \
       "create, update, delete application documents", "ドキュメント登録・更新・削除")             \
    XX(FILE_READ,         "file.read",        T, T, C, C, C, C, C, T, _,                           \
       "read files, download installation materials", "ファイル参照・ファイル共有")                \
    XX(FILE_WRITE,        "file.write",       T, T, T, T, T, T, T, T, _,                           \
       "store and delete files", "ファイル登録・削除・ファイル共有")                               \
    XX(GWIF_UPLINK,       "gwif.uplink",      _, _, _, _, _, _, _, _, S,                           \
       "deliver samples, alarms and request results", "即時監視・定周期監視・制御値設定IF")        \
    XX(GWIF_FETCH,        "gwif.fetch",       _, _, _, _, _, _, _, _, S,                           \
       "fetch pending requests for the gateway", "要求データ取得共通IF")                           \
    XX(ALARM_READ,        "alarm.read",       T, T, _, _, _, _, _, T, _,                           \
       "see plant alarms and facility state", "警報")                                              \
    XX(ALARM_ACK,         "alarm.ack",        T, T, _, _, _, _, _, _, _,                           \
       "acknowledge, comment and shelve plant alarms", "警報確認")                                 \
    XX(ALARM_MANAGE,      "alarm.manage",     _, T, _, _, _, _, _, _, _,                           \
       "take alarms out of service and back", "警報の除外")                                        \
    XX(MONITOR_READ,      "monitor.read",     T, T, O, O, O, O, A, _, _,                           \
       "see AP/GW/line monitoring and resources", "動作監視・システムリソース確認")                \
    XX(INCIDENT_READ,     "incident.read",    T, T, O, O, O, O, A, _, _,                           \
       "see failure handling status", "障害状況管理")                                              \
    XX(INCIDENT_MANAGE,   "incident.manage",  T, T, O, O, O, O, A, _, _,                           \
       "open incidents, update their status and notes, link alarms", "障害状況管理")               \
    XX(PORTAL_READ,       "portal.read",      C, C, C, C, C, C, A, _, _,                           \
       "read the bulletin board", "掲示板")                                                        \
    XX(PORTAL_POST,       "portal.post",      _, _, _, _, _, _, A, _, _,                           \
       "post maintenance and failure notices", "掲示板")                                           \
    XX(BULLETIN_POST,     "bulletin.post",    _, T, _, T, _, T, A, _, _,                           \
       "post on the own tenant's board (the platform operator: any board, the common one for "   \
       "everyone), change and withdraw own posts, attach files", "掲示板への掲載")                \
    XX(BULLETIN_MANAGE,   "bulletin.manage",  _, T, _, T, _, T, A, _, _,                           \
       "change and withdraw anyone's posts on the board, see posts out of their period",          \
       "掲示板の管理")                                                                            \
    XX(INQUIRY_CREATE,    "inquiry.create",   T, T, T, T, T, T, _, _, _,                           \
       "open an inquiry", "問い合わせ")                                                            \
    XX(INQUIRY_READ,      "inquiry.read",     T, T, O, O, O, O, A, _, _,                           \
       "see inquiries and answers", "問い合わせ")                                                  \
    XX(INQUIRY_MANAGE,    "inquiry.manage",   T, T, O, O, O, O, A, _, _,                           \
       "answer and close inquiries", "問い合わせ対応")                                             \
    XX(AUDIT_READ,        "audit.read",       _, T, _, T, _, T, A, _, _,                           \
       "read the audit log", "監査ログ")                                                           \
    XX(SLA_READ,          "sla.read",         T, T, _, _, _, _, A, _, _,                           \
       "see availability (SLA) reports", "SLA稼働率")                                              \
    XX(OPS_READ,          "ops.read",         T, T, _, _, _, _, _, _, _,                           \
       "maintenance application: read", "維持管理")                                                \
    XX(OPS_WRITE,         "ops.write",        T, T, _, _, _, _, _, _, _,                           \
       "maintenance application: record work", "維持管理")                                         \
    XX(MAINT_READ,        "maint.read",       T, T, O, O, O, O, _, _, _,                           \
       "maintenance work: plans, templates, inspections, defects (contractors: tenants they " \
       "maintain)", "保守点検")                                                                   \
    XX(MAINT_RECORD,      "maint.record",     _, _, O, O, O, O, _, _, _,                           \
       "maintenance contractor: plan visits, record inspections, report defects and their "   \
       "修繕要望 status", "保守点検の記録")                                                       \
    XX(MAINT_INSTRUCT,    "maint.instruct",   T, T, _, _, _, _, _, _, _,                           \
       "utility staff: instruct on a defect (修繕依頼 / 様子見 / その他)", "保守点検の指示")      \
    XX(BACKUP_MANAGE,     "backup.manage",    _, _, _, _, _, _, A, _, _,                           \
       "take and restore backups", "データ蓄積(バックアップ)")
/* clang-format on */

typedef enum {
#define SD_ACT_ENUM_(e, name, og, oa, ag, aa, gg, ga, pa, ap, gw, what, ja) SD_ACT_##e,
    SD_ACTION_MAP(SD_ACT_ENUM_)
#undef SD_ACT_ENUM_
        SD_ACT__COUNT
} sd_action_t;

/* Tenant id of the common tenant (表2-14 No.1); the store's first migration creates it. */
#define SD_TENANT_COMMON INT64_C(1)

/* The principal must change its (provisional) password before anything but user.self. */
#define SD_PRINCIPAL_MUST_CHANGE_PW 0x1u

/* Who is acting. Ids are the store's row ids (> 0). Borrowed by every call, never kept. */
typedef struct {
    sd_role_t role;
    int64_t subject_id;            /* user, application or gateway id */
    int64_t org_id;                /* the organisation (operator, vendor, platform) it belongs to */
    int64_t tenant_id;             /* home tenant */
    const int64_t *linked_tenants; /* vendors: operator tenants they serve; may be NULL */
    size_t n_linked;
    unsigned flags; /* SD_PRINCIPAL_* */
} sd_principal_t;

/* What is acted on. tenant_id is required; org_id and subject_id only matter to O and S cells. */
typedef struct {
    int64_t tenant_id;  /* tenant the object lives in */
    int64_t org_id;     /* organisation that owns it or is its addressee (0 = none) */
    int64_t subject_id; /* user/app/gateway the object is, or belongs to (0 = none) */
} sd_scope_t;

/*
 * May who do act on target? Deny by default: returns 0 only if the cell for (role, act) allows
 * it and target satisfies the cell's scope rule. Returns SD_EFORBIDDEN for a NULL argument, an
 * unknown role or action, a missing (<= 0) tenant on either side, a cross-tenant target, a
 * platform_admin outside the common tenant or another role inside it; SD_EPWCHANGE if who must
 * change its password first and act is not user.self. Pure and thread-safe.
 */
int sd_policy_check(const sd_principal_t *who, sd_action_t act, const sd_scope_t *target);

/*
 * May who give role to a user in target? Requires user.manage on target, and the role to be of
 * who's own family (operator admins give operator roles, AP vendor admins AP vendor roles, ...);
 * platform_admin may give any human role. Machine roles are never given to users.
 * Returns 0, SD_EFORBIDDEN or SD_EPWCHANGE.
 */
int sd_policy_can_assign(const sd_principal_t *who, sd_role_t role, const sd_scope_t *target);

/* The cell of the table; SD_SCOPE_NONE for an unknown role or action. */
sd_scope_rule_t sd_policy_rule(sd_role_t role, sd_action_t act);

/* Names: "operator_admin", "sheet.approve"; NULL for out-of-range values. */
const char *sd_policy_role_name(sd_role_t role);
const char *sd_policy_role_label_ja(sd_role_t role);
const char *sd_policy_action_name(sd_action_t act);
const char *sd_policy_action_doc(sd_action_t act);
const char *sd_policy_action_label_ja(sd_action_t act);
/* 1 if the role is one of the admin rows of 表2-3 (or platform_admin), else 0. */
int sd_policy_role_is_admin(sd_role_t role);

/*
 * Parse an exact, case-sensitive name of len bytes (no NUL needed) into *out. Pure.
 * Returns 0, SD_EFIELD (unknown name) or SD_EINVAL (NULL pointers).
 */
int sd_policy_role_parse(const char *s, size_t len, sd_role_t *out);
int sd_policy_action_parse(const char *s, size_t len, sd_action_t *out);

/* Append the role x action matrix as a Markdown table (what docs/roles.md embeds). 0/SD_ENOMEM. */
int sd_policy_matrix_md(sd_buf_t *out);

#endif
