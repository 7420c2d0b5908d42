#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# A 74-minute CD (DESIGN.md "Figures to meet": peak memory under 150 MiB whatever the album
# length): ten tracks of 7:24 from one source, rendered to the DDP, the .bin and the .cdt. The
# peak resident memory of the render is the kernel's ru_maxrss of the child, measured by
# tests/maxrss (not a timing). The render must verify, and its program must run past 74:00.
set -u
: "${PREMASTER:?}" "${MKAUDIO:?}" "${MAXRSS:?}" "${TESTS_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-cd-long.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"
LIMIT_KIB=$((150 * 1024))

"$MKAUDIO" "$work/long.wav" 44100 2 444 wav16 > /dev/null 2> "$work/err" ||
    { echo "Bail out! mkaudio failed"; exit 1; }
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<premaster version="1">'
    echo '  <album title="Long Player" artist="Tester" catalog="LONG-1"/>'
    echo '  <tracks>'
    for i in 1 2 3 4 5 6 7 8 9 10; do
        echo "    <track src=\"long.wav\" title=\"Part $i\"/>"
    done
    echo '  </tracks>'
    echo '  <deliver><cd toc="no"/></deliver>'
    echo '</premaster>'
} > "$work/long.xml"

"$MAXRSS" "$work/rss" "$PREMASTER" render "$work/long.xml" -o "$work/out" > /dev/null 2> "$work/err"
check '[ $? = 0 ]' "a 74-minute CD renders and verifies"
sectors=$(sed -n 's/.*"leadout": {"cd_frames": \([0-9]*\).*/\1/p' "$work/out/plan.json" | head -n 1)
check '[ -n "$sectors" ] && [ "$sectors" -gt 333000 ]' \
    "its program runs past 74:00 ($sectors sectors, 333000 is 74:00:00)"
check '[ "$(wc -c < "$work/out/cd/DDP/IMAGE.DAT")" = $((sectors * 2352)) ]' \
    "IMAGE.DAT holds every sector to the lead-out"
rss=$(cat "$work/rss" 2> /dev/null)
echo "peak resident memory: ${rss:-?} KiB" > "$work/err"
check '[ -n "$rss" ] && [ "$rss" -lt $LIMIT_KIB ]' \
    "the render's peak resident memory (${rss:-?} KiB) is under 150 MiB"
tap_done
