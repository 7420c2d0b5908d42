#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `premaster render` and `premaster verify`: the output folder policy (new, empty or an earlier
# render, replaced whole; anything else refused; nothing half-written), the copied project,
# plan.json, report.json and MANIFEST.sha256 (checked with coreutils' sha256sum too), the same
# bytes on a second render, verify failing on a changed, missing or added file, the exit status
# of a project with errors; the whole demo renders and verifies without its sources, with the
# same bytes at -j 1 and -j 3; a render stopped by a signal removes what it wrote, and a killed
# one's .partial folder is removed by the next; "out/" is "out"; the demo's vinyl alone renders.
set -u
: "${PREMASTER:?}" "${TESTS_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-render.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"

# wait_for PATH: until PATH exists, for a minute at most.
wait_for() {
    tries=0
    while [ ! -e "$1" ] && [ $tries -lt 6000 ]; do
        sleep 0.01
        tries=$((tries + 1))
    done
}

"$PREMASTER" demo "$work/demo" > /dev/null || { echo "Bail out! demo failed"; exit 1; }
# the demo without its deliverables: what this version renders
sed '/<deliver>/,/<\/deliver>/d' "$work/demo/album.xml" > "$work/demo/plain.xml"

"$PREMASTER" render "$work/demo/plain.xml" -o "$work/out" > "$work/out.txt" 2> "$work/err"
check '[ $? = 0 ]' "render exits 0"
for f in project.xml plan.json report.json MANIFEST.sha256; do
    check '[ -s "$work/out/$f" ]' "render wrote $f"
done
check 'cmp -s "$work/demo/plain.xml" "$work/out/project.xml"' "project.xml is the project, byte for byte"
check '(cd "$work/out" && sha256sum --quiet -c MANIFEST.sha256) > /dev/null 2>&1' \
    "sha256sum accepts MANIFEST.sha256"
check '[ "$(wc -l < "$work/out/MANIFEST.sha256")" = 3 ]' "the manifest lists every file but itself"
check 'grep -q "\"integrated_lufs\"" "$work/out/report.json" && grep -q "\"tracks\"" "$work/out/report.json"' \
    "report.json has the mastered stream's figures, album and tracks"
check '[ -z "$(ls -a "$work" | grep "partial\|old")" ]' "no temporary folder is left beside it"
"$PREMASTER" verify "$work/out" > /dev/null 2> "$work/err"
check '[ $? = 0 ]' "verify accepts a fresh render"

# A second render replaces the first whole, with the same bytes where no time is recorded.
cp -r "$work/out" "$work/first"
echo stale > "$work/out/stale.txt"
"$PREMASTER" render "$work/demo/plain.xml" -o "$work/out" > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ ! -e "$work/out/stale.txt" ]' "an earlier render is replaced whole: no stale file"
check 'cmp -s "$work/first/plan.json" "$work/out/plan.json" && cmp -s "$work/first/project.xml" "$work/out/project.xml"' \
    "plan.json and project.xml are byte-identical on a second render"
check '[ "$(grep -v "\"run\"" "$work/first/report.json" | md5sum)" = "$(grep -v "\"run\"" "$work/out/report.json" | md5sum)" ]' \
    "report.json differs only in its run timings"

# verify names each fault
printf 'x' | dd of="$work/out/plan.json" bs=1 seek=10 conv=notrunc 2> /dev/null
"$PREMASTER" verify "$work/out" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && grep -q "plan.json: error: does not match" "$work/err"' "verify fails on a changed byte and names the file"
cp "$work/first/plan.json" "$work/out/plan.json"
echo extra > "$work/out/extra.txt"
"$PREMASTER" verify "$work/out" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && grep -q "extra.txt: error: is not in MANIFEST" "$work/err"' "verify fails on an added file"
rm "$work/out/extra.txt" "$work/out/report.json"
"$PREMASTER" verify "$work/out" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && grep -q "report.json: error: is listed in the manifest but missing" "$work/err"' \
    "verify fails on a missing file"

# A folder holding something else is refused and left alone.
mkdir "$work/other" && echo mine > "$work/other/notes.txt"
"$PREMASTER" render "$work/demo/plain.xml" -o "$work/other" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && grep -q "something other than an earlier premaster render" "$work/err"' \
    "a folder holding other files is refused"
check '[ "$(ls "$work/other")" = notes.txt ]' "and left as it was"

# The whole demo: every deliverable, each verified by render and again by verify, which needs no
# sources and prints each format's checks.
"$PREMASTER" render -q "$work/demo/album.xml" -o "$work/full" -j 3 > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ -s "$work/full/cd/DDP/IMAGE.DAT" ] && [ -s "$work/full/vinyl/cutting-sheet.txt" ] && [ -s "$work/full/streaming/spotify/01 First Light.flac" ] && [ -s "$work/full/streaming/apple/04 Whisper Static.wav" ]' \
    "the demo renders its CD, vinyl and streaming deliverables"
# On one thread: the same files and report (its timings aside). With threads a format finishes
# and verifies as soon as its own targets are done, beside the passes of others, and a pass
# with fewer targets than threads gives each writer a thread; none of it may show in the bytes.
untimed() { sed 's/"run": {.*}$//' "$1/report.json"; }
"$PREMASTER" render -q "$work/demo/album.xml" -o "$work/full1" -j 1 > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ -s "$work/full1/report.json" ] && diff -r -x report.json -x MANIFEST.sha256 "$work/full" "$work/full1" > "$work/err" 2>&1 && [ "$(untimed "$work/full")" = "$(untimed "$work/full1")" ]' \
    "the whole demo at -j 1 gives the same files and report as at -j 3"
# Where the time went: the run object gives each stage's span in seconds from the start, the
# stages one after the other, as the progress bar shows them.
stages() { grep -o '"stage": "[^"]*"' "$1/report.json" | sed 's/"stage": "//; s/"$//' | tr '\n' ,; }
spans_in_order() {
    grep -o '"from": [0-9.]*, "to": [0-9.]*' "$1/report.json" |
        awk '{ if ($2 + 0 > $4 + 0 || $2 + 0 < last) bad = 1; last = $4 + 0; n++ }
             END { exit bad || n < 3 }'
}
check 'stages "$work/full" | grep -q "^analysis,\(probe,\)\?pass 1,\(pass [2-6],\)*verifying,$" && spans_in_order "$work/full" && spans_in_order "$work/full1"' \
    "report.json's run object gives the stages' times, in order: analysis, passes, verifying"
mv "$work/demo/mixes" "$work/demo/mixes.away"
"$PREMASTER" verify "$work/full" > "$work/verify.txt" 2> "$work/err"
check '[ $? = 0 ] && grep -q "ok .*cd/" "$work/verify.txt" && grep -q "ok .*vinyl/" "$work/verify.txt" && grep -q "ok .*streaming/" "$work/verify.txt" && ! grep -q FAIL "$work/verify.txt"' \
    "verify re-proves every format of the demo without its sources"
mv "$work/demo/mixes.away" "$work/demo/mixes"
# Stopped by a signal: premaster dies of it, removes what it wrote and leaves the earlier render
# as it was. The signal goes as soon as the render's .partial folder exists: its analysis of the
# master, passes and verification are seconds of work still to come.
cp "$work/full/MANIFEST.sha256" "$work/full.manifest"
"$PREMASTER" render -q "$work/demo/album.xml" -o "$work/full" -j 2 > "$work/stopped.txt" 2> "$work/err" &
pid=$!
wait_for "$work/full.partial-$pid"
kill -TERM $pid
wait $pid
status=$?
check '[ $status = 143 ] && grep -q "stopped by Terminated; nothing was written" "$work/err"' \
    "SIGTERM stops a render, which dies of it (status 143) and says so"
check '[ -z "$(ls -a "$work" | grep "partial\|old")" ] && [ ! -s "$work/stopped.txt" ]' \
    "the stopped render leaves no folder of its own and prints no check"
check 'cmp -s "$work/full.manifest" "$work/full/MANIFEST.sha256" && "$PREMASTER" verify "$work/full" > /dev/null 2>&1' \
    "the earlier render in its folder is as it was and still verifies"
# Stopped later: the CD written and verified, beside the streaming target's later passes (out
# of reach, it takes all six). What the CD wrote goes with the rest, and nothing is printed.
sed -e '/<deliver>/,/<\/deliver>/c\  <deliver><cd/><streaming name="hot" loudness="-5" ceiling="-6" formats="flac"/></deliver>' \
    "$work/demo/album.xml" > "$work/demo/hot.xml"
"$PREMASTER" render "$work/demo/hot.xml" -o "$work/hot" -j 2 > "$work/hot.txt" 2> "$work/err" &
pid=$!
wait_for "$work/hot.partial-$pid/cd/pq-sheet.txt"
sleep 1
kill -TERM $pid
wait $pid
status=$?
check '[ $status = 143 ] && [ ! -s "$work/hot.txt" ] && [ ! -e "$work/hot" ] && [ -z "$(ls -a "$work" | grep partial)" ]' \
    "stopped after the CD was written and verified: status 143, nothing printed, nothing left"
# One killed outright leaves its .partial folder: the next render into the folder removes it
# once no process of that number runs (one that has just ended, here).
true &
dead=$!
wait $dead
mkdir "$work/again.partial-$dead" && echo half > "$work/again.partial-$dead/IMAGE.DAT"
"$PREMASTER" render "$work/demo/plain.xml" -o "$work/again" > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ ! -e "$work/again.partial-$dead" ] && grep -q "again.partial-$dead: note: removed: an unfinished render by process $dead" "$work/err"' \
    "a render removes the .partial folder a killed render left, and says so"
# "out/" is the folder "out": nothing is made inside it or beside it under another name.
"$PREMASTER" render "$work/demo/plain.xml" -o "$work/slash/" > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ -s "$work/slash/report.json" ] && [ -z "$(ls -a "$work/slash" | grep partial)" ] && "$PREMASTER" verify "$work/slash/" > /dev/null 2>&1' \
    "an output folder named with a trailing slash renders and verifies"
# The demo's vinyl alone renders, with its sides and sheet (tests/vinyl.sh tests them fully).
sed -e '/<cd /d' -e '/<streaming /d' "$work/demo/album.xml" > "$work/demo/vinyl.xml"
"$PREMASTER" render "$work/demo/vinyl.xml" -o "$work/vinyl" > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ -s "$work/vinyl/vinyl/PMDEMO-001_A_96000_24.wav" ] && [ -s "$work/vinyl/vinyl/PMDEMO-001_B_96000_24.wav" ] && [ -s "$work/vinyl/vinyl/cutting-sheet.txt" ]' \
    "the demo's vinyl renders two sides and a cutting sheet"
# A project with errors: exit 1, nothing written.
sed 's/isrc="[A-Z0-9]*"/isrc="bad"/' "$work/demo/plain.xml" > "$work/demo/bad.xml"
"$PREMASTER" render "$work/demo/bad.xml" -o "$work/bad" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && [ ! -e "$work/bad" ] && grep -q "bad.xml:[0-9]*: error:" "$work/err"' \
    "a project with errors is refused with status 1 and its message"
"$PREMASTER" render "$work/demo/plain.xml" > /dev/null 2>&1
check '[ $? = 2 ]' "render without -o is a usage error"
tap_done
