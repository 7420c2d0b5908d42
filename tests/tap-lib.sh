# SPDX-License-Identifier: GPL-3.0-or-later
# TAP helpers for the shell tests, sourced as ". "$TESTS_SRCDIR/tap-lib.sh"". The plan is printed
# at the end with tap_done, since the count of checks follows the data.
#   ok NAME          a passing check
#   not_ok NAME      a failing check; with TAP_ERR set to a file, its lines follow as comments
#   check COND NAME  evaluates the shell condition COND: ok when it holds, not_ok otherwise
tap_n=0
ok() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1"
}
not_ok() {
    tap_n=$((tap_n + 1))
    echo "not ok $tap_n - $1"
    if [ -n "${TAP_ERR:-}" ] && [ -s "$TAP_ERR" ]; then sed 's/^/#   /' "$TAP_ERR"; fi
}
check() {
    if eval "$1"; then ok "$2"; else not_ok "$2"; fi
}
tap_done() {
    echo "1..$tap_n"
}
