#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The command line: the demo project (written, checked, deterministic, never overwritten without
# --force), help and version, the exit codes of DESIGN.md, and commands not in this version.
set -u
: "${PREMASTER:?}" "${TESTS_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"
# expect STATUS NAME COMMAND...: the command exits with STATUS.
expect() {
    want=$1 name=$2
    shift 2
    "$@" > "$work/out" 2> "$work/err"
    got=$?
    if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name (exit $got, expected $want)"; fi
}
# has FILE TEXT NAME: FILE holds TEXT.
has() {
    if grep -qF -- "$2" "$1"; then ok "$3"; else not_ok "$3 (no '$2' in $(basename "$1"))"; fi
}

expect 0 "demo writes a project" "$PREMASTER" demo "$work/one"
has "$work/out" "album.xml" "demo names the project it wrote"
expect 0 "the demo project passes check" "$PREMASTER" check "$work/one/album.xml"
if grep -q ': \(error\|warning\): ' "$work/err"; then not_ok "the demo has no errors or warnings"
else ok "the demo has no errors or warnings"; fi
has "$work/out" "program" "check prints the CD program of the demo"
has "$work/out" "Vinyl" "check prints the vinyl sides of the demo"
has "$work/out" "Streaming" "check prints the streaming files of the demo"
# The demo uses every target and the features the design asks of it.
for feature in '<cd' '<vinyl' '<streaming' 'crossfade=' '<index' 'isrc=' 'upc=' '<cdtext'; do
    has "$work/one/album.xml" "$feature" "the demo project uses $feature"
done
expect 0 "a second demo" "$PREMASTER" demo "$work/two"
if diff -r "$work/one" "$work/two" > "$work/err" 2>&1; then
    ok "two demos are byte-identical"
else
    not_ok "two demos are byte-identical"
fi
cp "$work/one/album.xml" "$work/album.before"
expect 1 "demo refuses to overwrite without --force" "$PREMASTER" demo "$work/one"
has "$work/err" "--force" "the refusal names --force"
if cmp -s "$work/one/album.xml" "$work/album.before"; then ok "the refused demo left the project"
else not_ok "the refused demo left the project"; fi
expect 0 "demo --force overwrites" "$PREMASTER" demo --force "$work/one"

expect 0 "--version" "$PREMASTER" --version
has "$work/out" "premaster " "--version prints the name and version"
expect 0 "--help" "$PREMASTER" --help
for c in check render verify analyze ddp demo; do
    "$PREMASTER" "$c" --help > "$work/out" 2> "$work/err"
    if [ $? = 0 ] && grep -q "^Usage: premaster $c" "$work/out"; then ok "$c --help"
    else not_ok "$c --help"; fi
done
expect 0 "check --json" "$PREMASTER" check --json "$work/one/album.xml"
has "$work/out" '"ok": true' "check --json says the project is good"
has "$work/out" '"plan": {' "check --json holds the plan"
expect 0 "check -q" "$PREMASTER" check -q "$work/one/album.xml"
if [ -s "$work/out" ] || [ -s "$work/err" ]; then not_ok "check -q of a good project prints nothing"
else ok "check -q of a good project prints nothing"; fi
expect 2 "an unknown command is a usage error" "$PREMASTER" frobnicate
expect 2 "an unknown option is a usage error" "$PREMASTER" check --frobnicate x.xml
expect 1 "check of a missing file exits 1" "$PREMASTER" check "$work/none.xml"
has "$work/err" "none.xml" "the error names the missing file"
tap_done
