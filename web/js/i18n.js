// i18n.js - Japanese first, English switchable: one dictionary, the choice kept in localStorage.

const KEY = 'suido.lang';

const DICT = {
  ja: {
    'app.title': '水道標準プラットフォーム',
    'lang.switch': 'English',
    'nav.facilities': '施設', 'nav.alarms': '警報', 'nav.status': '稼働状況', 'nav.trend': 'トレンド',
    'nav.account': 'アカウント', 'nav.logout': 'ログアウト',
    'common.loading': '読み込み中…', 'common.none': 'ありません', 'common.error': 'エラー: {msg}',
    'common.unavailable': 'この機能はまだ提供されていません ({msg})',
    'common.updated': '更新 {t}', 'common.ok': 'OK', 'common.cancel': 'キャンセル',
    'common.close': '閉じる', 'common.all': 'すべて',
    'login.title': 'ログイン', 'login.id': 'ログインID', 'login.password': 'パスワード',
    'login.otp': 'ワンタイムパスワード (6桁)', 'login.submit': 'ログイン',
    'login.otp_needed': '認証アプリに表示されている6桁のコードを入力してください。',
    'login.failed': 'ログインIDまたはパスワードが違います。',
    'login.otp_failed': 'コードが違うか、すでに使われています。次のコードを待って入力してください。',
    'login.locked': '失敗が続いたためロックされています。しばらくしてからやり直してください。',
    'login.busy': 'ログインが集中しています。少し待ってからやり直してください。',
    'login.expired': 'セッションの有効期限が切れました。もう一度ログインしてください。',
    'pw.title': 'パスワードの変更',
    'pw.first': '初回ログインです。仮パスワードを新しいパスワードに変更してください。',
    'pw.current': '現在のパスワード', 'pw.login': '新しいログインID (省略時はメールアドレス)',
    'pw.new': '新しいパスワード', 'pw.confirm': '新しいパスワード (確認)', 'pw.submit': '変更する',
    'pw.mismatch': '確認用のパスワードが一致しません。', 'pw.done': 'パスワードを変更しました。',
    'pw.hint': '12文字以上。ログインIDや推測されやすい語は使えません。',
    'totp.title': '二段階認証 (TOTP) の設定',
    'totp.required': 'このアカウントでは二段階認証が必須です。設定を完了してください。',
    'totp.intro': '認証アプリ (Google Authenticator など) で QR コードを読み取るか、下の秘密鍵を入力してください。',
    'totp.start': '設定を始める', 'totp.secret': '秘密鍵', 'totp.qr_alt': '二段階認証の QR コード',
    'totp.code': '認証アプリに表示された6桁のコード', 'totp.confirm': '確認して有効にする',
    'totp.done': '二段階認証を有効にしました。次回からログイン時にコードが必要です。',
    'totp.wrong': 'コードが違います。時刻が合っているか確認し、次のコードで試してください。',
    'totp.already': '二段階認証はすでに有効です。',
    'acct.title': 'アカウント', 'acct.login': 'ログインID', 'acct.email': 'メールアドレス',
    'acct.role': '権限', 'acct.totp': '二段階認証', 'acct.totp_on': '有効', 'acct.totp_off': '無効',
    'acct.enrol': '二段階認証を設定する', 'acct.password': 'パスワードを変更する',
    'fac.title': '施設一覧', 'fac.pumps': 'ポンプ', 'fac.alarms': '発生中の警報 {n} 件',
    'fac.last': '最終受信 {t}', 'fac.never': '受信なし', 'fac.legend': '凡例',
    'state.running': '運転', 'state.stopped': '停止', 'state.faulted': '故障',
    'state.no_contact': '通信途絶', 'state.unknown': '不明',
    'alarm.title': '警報コンソール', 'alarm.filter.state': '状態', 'alarm.filter.facility': '施設',
    'alarm.filter.severity': '重要度', 'alarm.f.active': '発生中', 'alarm.f.unacked': '未確認',
    'alarm.f.shelved': '保留中', 'alarm.f.all': 'すべて', 'alarm.sev_le': '{s}以上',
    'alarm.col.sev': '重要度', 'alarm.col.time': '発生', 'alarm.col.facility': '施設',
    'alarm.col.name': '警報', 'alarm.col.state': '状態', 'alarm.col.actions': '操作',
    'alarm.ack': '確認', 'alarm.shelve': '保留', 'alarm.unshelve': '保留解除',
    'alarm.comment': 'コメント', 'alarm.detail': '履歴', 'alarm.minutes': '保留時間 (分)',
    'alarm.comment_text': 'コメント', 'alarm.comment_required': 'コメントを入力してください。',
    'alarm.none': '該当する警報はありません。', 'alarm.count': '{n} 件',
    'alarm.group': '一斉発報: {title}', 'alarm.group_count': '{n} 件 (発生中 {a} 件)',
    'alarm.facilities': '{n} 施設', 'alarm.expand': '展開', 'alarm.collapse': '折りたたむ', 'alarm.group_ack': 'まとめて確認',
    'alarm.until': '{t} まで', 'alarm.history': '履歴', 'alarm.by': '{by}',
    'sev.1': '重故障', 'sev.2': '中故障', 'sev.3': '軽故障', 'sev.4': '情報',
    'ast.unacked': '未確認', 'ast.acked': '確認済', 'ast.rtn_unacked': '復旧・未確認',
    'ast.cleared': '解除', 'ast.shelved': '保留中', 'ast.out_of_service': '点検中',
    'tr.raised': '発生', 'tr.acked': '確認', 'tr.returned': '復旧', 'tr.cleared': '解除',
    'tr.shelved': '保留', 'tr.unshelved': '保留解除', 'tr.out_of_service': '点検開始',
    'tr.in_service': '点検終了', 'tr.commented': 'コメント',
    'st.title': '稼働状況', 'st.generated': '取得 {t}', 'st.components': '監視対象',
    'st.resources': 'リソース', 'st.performance': '性能', 'st.kind': '種別', 'st.name': '名称',
    'st.state': '状態', 'st.detail': '詳細', 'st.since': 'いつから', 'st.value': '値',
    'st.warn': '注意', 'st.fault': '異常', 'st.interface': 'インタフェース', 'st.rps': '要求/秒',
    'st.p50': 'p50 (ms)', 'st.p99': 'p99 (ms)', 'st.errors': 'エラー',
    'sst.ok': '正常', 'sst.warn': '注意', 'sst.fault': '異常', 'sst.unknown': '不明',
    'trend.title': 'トレンド', 'trend.facility': '施設', 'trend.point': 'データ項目',
    'trend.range': '期間', 'trend.24h': '24時間', 'trend.7d': '7日', 'trend.31d': '31日',
    'trend.show': '表示', 'trend.empty': 'この期間のデータはありません。',
    'trend.summary': '{n} 時間分 · 最小 {min} · 最大 {max} · 平均 {avg}',
    'trend.choose': '施設とデータ項目を選んでください。',
    'role.platform_admin': 'プラットフォーム管理者', 'role.operator_admin': '事業者管理者',
    'role.operator_general': '事業者一般', 'role.apvendor_admin': 'APベンダー管理者',
    'role.apvendor_general': 'APベンダー一般', 'role.gwvendor_admin': 'GWベンダー管理者',
    'role.gwvendor_general': 'GWベンダー一般',
    'bulletin.title': '掲示板', 'nav.bulletin': '掲示板', 'bulletin.cat.notice': 'お知らせ',
    'bulletin.cat.failure': '障害情報', 'bulletin.cat.maintenance': 'メンテナンス',
    'bulletin.category': '区分', 'bulletin.subject': '件名', 'bulletin.posted': '掲載日時',
    'bulletin.files': '添付', 'bulletin.unread': '未読', 'bulletin.common': '共通',
    'bulletin.period': '掲載期間 {from} 〜 {until}', 'bulletin.upcoming': '予定されているメンテナンス',
    'bulletin.new': '新規掲載', 'bulletin.body': '本文', 'bulletin.until': '掲載終了 (任意)',
    'bulletin.attach': '添付ファイル', 'bulletin.submit': '掲載する',
  },
  en: {
    'app.title': 'Water Platform',
    'lang.switch': '日本語',
    'nav.facilities': 'Facilities', 'nav.alarms': 'Alarms', 'nav.status': 'Status',
    'nav.trend': 'Trends', 'nav.account': 'Account', 'nav.logout': 'Log out',
    'common.loading': 'Loading…', 'common.none': 'None', 'common.error': 'Error: {msg}',
    'common.unavailable': 'Not available yet ({msg})',
    'common.updated': 'Updated {t}', 'common.ok': 'OK', 'common.cancel': 'Cancel',
    'common.close': 'Close', 'common.all': 'All',
    'login.title': 'Log in', 'login.id': 'Login ID', 'login.password': 'Password',
    'login.otp': 'One-time code (6 digits)', 'login.submit': 'Log in',
    'login.otp_needed': 'Enter the 6-digit code your authenticator app shows.',
    'login.failed': 'Wrong login ID or password.',
    'login.otp_failed': 'Wrong or already used code. Wait for the next one and try again.',
    'login.locked': 'Locked after repeated failures. Try again later.',
    'login.busy': 'Too many login attempts right now. Wait a moment and try again.',
    'login.expired': 'Your session has expired. Please log in again.',
    'pw.title': 'Change password',
    'pw.first': 'First login: replace the provisional password with your own.',
    'pw.current': 'Current password', 'pw.login': 'New login ID (default: your e-mail address)',
    'pw.new': 'New password', 'pw.confirm': 'New password (again)', 'pw.submit': 'Change',
    'pw.mismatch': 'The two new passwords differ.', 'pw.done': 'Password changed.',
    'pw.hint': 'At least 12 characters; not your login ID nor an easily guessed word.',
    'totp.title': 'Two-step verification (TOTP)',
    'totp.required': 'Two-step verification is required for this account. Please finish setting it up.',
    'totp.intro': 'Scan the QR code with an authenticator app (Google Authenticator, ...) or type the secret below.',
    'totp.start': 'Start', 'totp.secret': 'Secret', 'totp.qr_alt': 'QR code for two-step verification',
    'totp.code': 'The 6-digit code from the app', 'totp.confirm': 'Confirm and turn on',
    'totp.done': 'Two-step verification is on. Logins will ask for a code from now on.',
    'totp.wrong': 'Wrong code. Check the device clock and try the next code.',
    'totp.already': 'Two-step verification is already on.',
    'acct.title': 'Account', 'acct.login': 'Login ID', 'acct.email': 'E-mail', 'acct.role': 'Role',
    'acct.totp': 'Two-step verification', 'acct.totp_on': 'On', 'acct.totp_off': 'Off',
    'acct.enrol': 'Set up two-step verification', 'acct.password': 'Change password',
    'fac.title': 'Facilities', 'fac.pumps': 'Pumps', 'fac.alarms': '{n} active alarms',
    'fac.last': 'Last data {t}', 'fac.never': 'No data yet', 'fac.legend': 'Legend',
    'state.running': 'Running', 'state.stopped': 'Stopped', 'state.faulted': 'Faulted',
    'state.no_contact': 'No contact', 'state.unknown': 'Unknown',
    'alarm.title': 'Alarm console', 'alarm.filter.state': 'State', 'alarm.filter.facility': 'Facility',
    'alarm.filter.severity': 'Severity', 'alarm.f.active': 'Active', 'alarm.f.unacked': 'Unacknowledged',
    'alarm.f.shelved': 'Shelved', 'alarm.f.all': 'All', 'alarm.sev_le': '{s} or worse',
    'alarm.col.sev': 'Severity', 'alarm.col.time': 'Raised', 'alarm.col.facility': 'Facility',
    'alarm.col.name': 'Alarm', 'alarm.col.state': 'State', 'alarm.col.actions': 'Actions',
    'alarm.ack': 'Acknowledge', 'alarm.shelve': 'Shelve', 'alarm.unshelve': 'Unshelve',
    'alarm.comment': 'Comment', 'alarm.detail': 'History', 'alarm.minutes': 'Shelve for (minutes)',
    'alarm.comment_text': 'Comment', 'alarm.comment_required': 'Please enter a comment.',
    'alarm.none': 'No alarms match.', 'alarm.count': '{n} alarms',
    'alarm.group': 'Alarm flood: {title}', 'alarm.group_count': '{n} alarms ({a} active)',
    'alarm.facilities': '{n} facilities', 'alarm.expand': 'Expand', 'alarm.collapse': 'Collapse', 'alarm.group_ack': 'Acknowledge all',
    'alarm.until': 'until {t}', 'alarm.history': 'History', 'alarm.by': '{by}',
    'sev.1': 'Critical', 'sev.2': 'Major', 'sev.3': 'Minor', 'sev.4': 'Info',
    'ast.unacked': 'Unacknowledged', 'ast.acked': 'Acknowledged', 'ast.rtn_unacked': 'Returned, unacked',
    'ast.cleared': 'Cleared', 'ast.shelved': 'Shelved', 'ast.out_of_service': 'Out of service',
    'tr.raised': 'Raised', 'tr.acked': 'Acknowledged', 'tr.returned': 'Returned to normal',
    'tr.cleared': 'Cleared', 'tr.shelved': 'Shelved', 'tr.unshelved': 'Unshelved',
    'tr.out_of_service': 'Out of service', 'tr.in_service': 'In service', 'tr.commented': 'Comment',
    'st.title': 'Operation status', 'st.generated': 'As of {t}', 'st.components': 'Monitored',
    'st.resources': 'Resources', 'st.performance': 'Performance', 'st.kind': 'Kind',
    'st.name': 'Name', 'st.state': 'State', 'st.detail': 'Detail', 'st.since': 'Since',
    'st.value': 'Value', 'st.warn': 'Warn', 'st.fault': 'Fault', 'st.interface': 'Interface',
    'st.rps': 'Req/s', 'st.p50': 'p50 (ms)', 'st.p99': 'p99 (ms)', 'st.errors': 'Errors',
    'sst.ok': 'OK', 'sst.warn': 'Warning', 'sst.fault': 'Fault', 'sst.unknown': 'Unknown',
    'trend.title': 'Trends', 'trend.facility': 'Facility', 'trend.point': 'Point',
    'trend.range': 'Range', 'trend.24h': '24 hours', 'trend.7d': '7 days', 'trend.31d': '31 days',
    'trend.show': 'Show', 'trend.empty': 'No data in this range.',
    'trend.summary': '{n} hours · min {min} · max {max} · mean {avg}',
    'trend.choose': 'Choose a facility and a point.',
    'role.platform_admin': 'Platform administrator', 'role.operator_admin': 'Operator administrator',
    'role.operator_general': 'Operator staff', 'role.apvendor_admin': 'AP vendor administrator',
    'role.apvendor_general': 'AP vendor staff', 'role.gwvendor_admin': 'GW vendor administrator',
    'role.gwvendor_general': 'GW vendor staff',
    'bulletin.title': 'Bulletin board', 'nav.bulletin': 'Bulletin board',
    'bulletin.cat.notice': 'Notice', 'bulletin.cat.failure': 'Failure',
    'bulletin.cat.maintenance': 'Maintenance', 'bulletin.category': 'Category',
    'bulletin.subject': 'Subject', 'bulletin.posted': 'Posted', 'bulletin.files': 'Files',
    'bulletin.unread': 'Unread', 'bulletin.common': 'common',
    'bulletin.period': 'Shown {from} to {until}', 'bulletin.upcoming': 'Upcoming maintenance',
    'bulletin.new': 'New post', 'bulletin.body': 'Text', 'bulletin.until': 'Shown until (optional)',
    'bulletin.attach': 'Attachment', 'bulletin.submit': 'Post',
  },
};

let lang = 'ja';
try {
  const saved = localStorage.getItem(KEY);
  if (saved && DICT[saved]) lang = saved;
} catch { /* storage may be off: Japanese then */ }

export function getLang() { return lang; }

// For the tests: the keys of each language (they must be the same set).
export function dictKeys() {
  return Object.fromEntries(Object.entries(DICT).map(([l, d]) => [l, Object.keys(d).sort()]));
}

export function setLang(l) {
  if (!DICT[l]) return;
  lang = l;
  try { localStorage.setItem(KEY, l); } catch { /* not remembered, still switched */ }
  applyStatic(document);
}

// t('fac.alarms', {n: 3}); an unknown key shows itself, so a gap is visible, never blank
export function t(key, vars) {
  let s = DICT[lang][key] ?? DICT.ja[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// Elements with data-i18n get their text from the dictionary (the static page shell).
export function applyStatic(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.title = t('app.title');
}

// Times are shown in Japan time whatever the browser's zone: the plants are there.
export function fmtTime(iso, withDate = true) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const o = { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit', second: '2-digit',
    hour12: false };
  if (withDate) Object.assign(o, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', o).format(d);
}

export function fmtNum(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB',
    { maximumFractionDigits: digits }).format(v);
}
