#!/usr/bin/env bash
# platform_limits.sh - per-tenant rate limits: a flooding tenant gets 429 with Retry-After while
# another tenant is served at once. Set up with scripts/seed-sample.sh, the seeding of make run.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
cd "$SUIDO_ROOT"
start_suidod --set limits.tenant_rps=5 --set limits.tenant_burst=40
scripts/seed-sample.sh "$U" "$T/suidod.log" "$T/cred" || fail "seeding the sample tenant failed"
expect_match "seeded master" "$(cat "$T/cred")" "master version 1"
pw() { awk -v l="$1" '$3 == l {print $5}' "$T/cred"; }
totp() { awk -v l="$1" '$3 == l && $6 == "totp" {print $7}' "$T/cred"; }
login() { # JAR LOGIN (with a one-time password when the credentials list a TOTP secret)
  local otp=""
  [ -n "$(totp "$2")" ] && otp=",\"otp\":\"$(oathtool --totp -b -N 'now + 30 seconds' "$(totp "$2")")\""
  curl -s -o /dev/null -c "$T/$1" -H 'Content-Type: application/json' \
    -d "{\"login\":\"$2\",\"password\":\"$(pw "$2")\"$otp}" "$U/api/v1/login"
}
login staff.jar hokkaido2-staff
login admin.jar pf-admin
expect_match "the seeded platform admin has a TOTP secret" "$(totp pf-admin)" '^[A-Z2-7]{32}$'
sleep 1 # let the seeding's tokens come back
t0=$(date +%s%N)
for i in $(seq 80); do
  curl -s -D "$T/h$i" -o "$T/b$i" -w '%{http_code}\n' -b "$T/staff.jar" "$U/api/v1/me"
done >"$T/codes"
elapsed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
codes=$(sort "$T/codes" | uniq -c | tr -s ' ' | tr '\n' ' ')
expect_match "flooding tenant limited" "$codes" "[0-9]+ 429"
expect_match "but first served" "$codes" "[0-9]+ 200"
# no more than the burst plus what the rate refilled while the flood lasted
ok=$(grep -c '^200$' "$T/codes")
allowed=$(( 40 + 5 * elapsed_ms / 1000 + 2 ))
[ "$ok" -le "$allowed" ] || fail "rate limit let $ok of 80 through in $elapsed_ms ms (allowed $allowed)"
checks=$((checks + 1))
expect_match "429 says when to retry" "$(cat "$T"/h*)" "Retry-After: [0-9]+"
expect_match "error shape" "$(cat "$T"/b*)" '"code":"rate_limited"'
# the other tenant is not starved
expect_eq "other tenant served" \
  "$(curl -s -o /dev/null -w '%{http_code}' -b "$T/admin.jar" "$U/api/v1/me")" 200
sleep 1
expect_eq "tokens come back" \
  "$(curl -s -o /dev/null -w '%{http_code}' -b "$T/staff.jar" "$U/api/v1/me")" 200
done_ok
