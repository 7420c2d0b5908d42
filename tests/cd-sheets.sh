#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The CD's cue sheet, cdrdao TOC and PQ sheet (formats/cd_sheets.h), printed by tests/cdsheets:
# golden files for the two fixed projects of tests/cd-expected; the figures checked apart from
# the golden files against the plan that `premaster check --json` prints (cue INDEX 01 = index 1
# less 150 frames, the PQ sheet's lengths adding up to its total, the lead-out); cd-info
# (libcdio) reading the cue with a .bin of zeros of the planned size and the .cdt of the
# project's CD-TEXT encoder, and listing every track at its planned LSN and the MCN; `cdrdao
# show-toc` accepting the TOC and listing the planned starts; the libcdio read-back passing on
# our cue and failing, naming the track, on an edited one; then the hidden track template,
# preroll, a 99-track album and index 99.
set -u
: "${PREMASTER:?}" "${MKAUDIO:?}" "${CDSHEETS:?}" "${TESTS_SRCDIR:?}" "${TOP_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-cd-sheets.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"
cd "$work" || exit 1
expected="$TESTS_SRCDIR/cd-expected"

# have PROGRAM PACKAGE: whether an external program is there. Missing, its checks are one
# skip outside CI and one failure under CI=true, where it must be installed.
have() {
    command -v "$1" > /dev/null 2>&1 && return 0
    if [ "${CI:-}" = true ]; then
        not_ok "$1 is missing (Debian: $2); under CI=true it must be installed"
    else
        ok "$1 checks # SKIP $1 is not installed (Debian: $2)"
    fi
    return 1
}
# frames MSF: CD frames of mm:ss:ff.
frames() { echo "$1" | awk -F: '{ print ($1 * 60 + $2) * 75 + $3 }'; }
# plan PROJECT: `premaster check --json` into PROJECT.plan; then marks PROJECT INDEX gives each
# track's CD frame of that index ("-" where the track has none) and leadout PROJECT the lead-out.
plan() { "$PREMASTER" check --json "$1.xml" > "$1.plan" 2> "$work/err"; }
marks() {
    grep '"length_cd_frames".*"marks"' "$1.plan" | while read -r line; do
        f=$(echo "$line" | sed -n "s/.*\"index\": $2, \"samples\": [-0-9]*, \"cd_frames\": \([0-9]*\).*/\1/p")
        echo "${f:--}"
    done
}
leadout() { sed -n 's/.*"leadout": {"cd_frames": \([0-9]*\).*/\1/p' "$1.plan"; }
# less150 LIST: each number less 150 ("-" kept).
less150() { for f in $1; do if [ "$f" = - ]; then echo -; else echo $((f - 150)); fi; done; }
# cue_index CUE NN: each track's INDEX NN in frames ("-" where the track has none).
cue_index() {
    awk -v nn="$2" '
        function frames(t, a) { split(t, a, ":"); return (a[1] * 60 + a[2]) * 75 + a[3] }
        $1 == "TRACK" { if (n) print v; n++; v = "-" }
        $1 == "INDEX" && $2 == nn { v = frames($3) }
        END { if (n) print v }' "$1"
}
# same NAME GOT WANT: two lists (any blanks) are equal.
same() {
    g=$(echo $2) w=$(echo $3)
    if [ -n "$w" ] && [ "$g" = "$w" ]; then ok "$1"; else not_ok "$1 (got '$g', want '$w')"; fi
}
# sheets NAME: NAME.cue (with CDTEXTFILE), NAME.toc, NAME.pq-sheet.txt, NAME.json, NAME.bin and NAME.cdt of NAME.xml.
sheets() {
    "$CDSHEETS" cue "$1.xml" "$1" cdt > "$1.cue" 2> "$work/err" &&
        "$CDSHEETS" toc "$1.xml" "$1" > "$1.toc" 2>> "$work/err" &&
        "$CDSHEETS" pq "$1.xml" > "$1.pq-sheet.txt" 2>> "$work/err" &&
        "$CDSHEETS" json "$1.xml" > "$1.json" 2>> "$work/err" &&
        "$CDSHEETS" bin "$1.xml" "$1.bin" 2>> "$work/err" &&
        "$CDSHEETS" cdt "$1.xml" "$1.cdt" 2>> "$work/err"
}
# golden NAME: the cue, TOC and PQ sheet of NAME are the golden files, byte for byte.
golden() {
    for kind in cue toc pq-sheet.txt; do
        if cmp -s "$expected/$1.$kind" "$1.$kind"; then
            ok "$1: the $kind is the golden file"
        else
            diff -u "$expected/$1.$kind" "$1.$kind" > "$work/err" 2>&1
            not_ok "$1: the $kind is the golden file"
        fi
    done
}
# figures NAME: the cue, the PQ sheet and the JSON against the plan, apart from the golden files.
figures() {
    i1=$(marks "$1" 1) i0=$(marks "$1" 0) total=$(leadout "$1")
    same "$1: cue INDEX 01 of every track = the plan's index 1 less 150 frames" \
        "$(cue_index "$1.cue" 01)" "$(less150 "$i1")"
    # Track 1's INDEX 00 shows only when its pause passes 2 s; the others' wherever planned.
    want0=$(if [ "$(echo "$i1" | head -n 1)" -gt 150 ]; then echo 0; else echo -; fi
        less150 "$(echo "$i0" | tail -n +2)")
    same "$1: cue INDEX 00 = the plan's index 0 less 150 (track 1: 0 when its pause passes 2 s)" \
        "$(cue_index "$1.cue" 00)" "$want0"
    same "$1: the .bin is the program less its first 150 sectors (leadout x 2352 - 150 x 2352)" \
        "$(wc -c < "$1.bin")" "$(( (total - 150) * 2352 ))"
    pq_rows=$(sed -n '/^PQ entries/,/lead-out/p' "$1.pq-sheet.txt" | awk '$1 ~ /^[0-9][0-9]$/')
    same "$1: the PQ sheet's entries start on the plan's marks" \
        "$(echo "$pq_rows" | awk '$2 == "01" { print $4 }')" "$i1"
    same "$1: the PQ sheet's entry lengths add up to its lead-out, the plan's" \
        "$(echo "$pq_rows" | awk '{ s += $6 } END { print s }') $(sed -n 's/^  AA  *01  *[0-9:]*  *\([0-9]*\).*/\1/p' "$1.pq-sheet.txt")" \
        "$total $total"
    same "$1: the PQ sheet's pauses and track lengths add up to the total time" \
        "$(sed -n '/^Tracks (/,/^  Sum/p' "$1.pq-sheet.txt" | awk '$1 ~ /^[0-9][0-9]$/ { split($3, a, ":"); s += $5 + (a[1] * 60 + a[2]) * 75 + a[3] } END { print s }')" \
        "$total"
    same "$1: the PQ sheet's total time is the plan's lead-out" \
        "$(sed -n 's/^Total time *[0-9:]* (\([0-9]*\) frames).*/\1/p' "$1.pq-sheet.txt")" "$total"
    if command -v python3 > /dev/null 2>&1; then
        same "$1: the PQ JSON parses and gives the total and the track starts" \
            "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["total"]["cd_frames"], *[t["start"]["cd_frames"] for t in d["tracks"]])' "$1.json" 2> "$work/err")" \
            "$total $i1"
    fi
}
# cdinfo NAME: cd-info reads NAME.cue (with NAME.bin and NAME.cdt) and lists every track at the
# plan's index 1 less 150, the lead-out and the MCN.
cdinfo() {
    cd-info --cue-file "$1.cue" --no-device-info --no-header > "$1.cdinfo" 2> "$work/err"
    check '[ $? = 0 ]' "$1: cd-info reads the cue sheet"
    same "$1: cd-info lists every track at its planned LSN" \
        "$(awk '$1 ~ /^[0-9]+:$/ && $1 != "170:" { print $3 + 0 }' "$1.cdinfo")" \
        "$(less150 "$(marks "$1" 1)")"
    same "$1: cd-info's lead-out is the plan's less 150" \
        "$(awk '$1 == "170:" { print $3 + 0 }' "$1.cdinfo")" "$(( $(leadout "$1") - 150 ))"
    if [ -n "${2:-}" ]; then
        same "$1: cd-info gives the MCN" \
            "$(sed -n 's/^Media Catalog Number (MCN): //p' "$1.cdinfo")" "$2"
    fi
}
# cdrdao_toc NAME: cdrdao accepts NAME.toc and lists the planned starts and its length.
cdrdao_toc() {
    cdrdao show-toc "$1.toc" > "$1.showtoc" 2> "$work/err"
    check '[ $? = 0 ]' "$1: cdrdao show-toc accepts the TOC (exit 0)"
    same "$1: cdrdao lists every track's START at the plan's index 1 less 150" \
        "$(sed -n 's/^ *START *[0-9:]*( *\([0-9]*\)).*/\1/p' "$1.showtoc")" \
        "$(less150 "$(marks "$1" 1)")"
    same "$1: cdrdao's toc-size is the plan's program less 150 frames" \
        "$(cdrdao toc-size "$1.toc" 2> /dev/null | tail -n 1)" "$(( $(leadout "$1") - 150 ))"
}
# readback NAME: the libcdio read-back passes on NAME.cue.
readback() {
    "$CDSHEETS" verify "$1.xml" "$1.cue" > "$work/out" 2> "$work/err"
    rc=$?
    check '[ $rc = 0 ] && [ "$(grep -c "^ok " "$work/out")" = 8 ] && ! grep -q FAILED "$work/out"' \
        "$1: the libcdio read-back of the cue passes its 8 checks"
}

"$MKAUDIO" a.wav 44100 2 5 > /dev/null && "$MKAUDIO" b.wav 48000 2 6.3 > /dev/null ||
    { echo "Bail out! mkaudio failed"; exit 1; }
cp "$expected/album.xml" "$expected/long-pause.xml" .

# ---- the fixed projects: golden files, figures, cd-info, cdrdao, the read-back -------------------
for name in album long-pause; do
    plan "$name" || { not_ok "$name: premaster check passes"; continue; }
    sheets "$name"
    check '[ $? = 0 ]' "$name: the sheets, the .bin and the .cdt are written"
    golden "$name"
    figures "$name"
    readback "$name"
    if have cd-info libcdio-utils; then
        cdinfo "$name" "$([ "$name" = album ] && echo 0123456789012 || echo 0012345678905)"
    fi
    have cdrdao cdrdao && cdrdao_toc "$name"
done
if command -v cd-info > /dev/null 2>&1; then
    # CD-TEXT from the .cdt (a type the cue sheet does not carry: COMPOSER; block 1's titles).
    check 'grep -q "COMPOSER: C. Omposer" long-pause.cdinfo && grep -q "TITLE: Zwei" long-pause.cdinfo' \
        "long-pause: cd-info reads the .cdt the cue names (the composer, the German block)"
    check 'grep -q "TITLE: Caf. .Noir." album.cdinfo && grep -q "PERFORMER: Guest Singer" album.cdinfo' \
        "album: cd-info reads track 2's CD-TEXT"
fi
check 'grep -q "^    INDEX 00 00:00:00$" long-pause.cue && ! grep -q "INDEX 00 00:00:00" album.cue' \
    "track 1 has INDEX 00 00:00:00 only when its pause passes 2 s"
check 'grep -q "\"Caf\\\\351 \\\\\"Noir\\\\\"\"" album.toc' \
    "the TOC escapes a quote and writes Latin-1 letters as octal"

# ---- the read-back fails on edited cue sheets, naming the track ----------------------------------
mkdir edit
cp album.bin album.cdt edit/
# edited WHAT SED-SCRIPT TEXT: album.cue edited by SED-SCRIPT fails the read-back with TEXT.
edited() {
    sed "$2" album.cue > edit/album.cue
    "$CDSHEETS" verify album.xml edit/album.cue > "$work/out" 2> "$work/err"
    rc=$? says=$3
    check '[ $rc = 1 ] && grep -q "^FAILED" "$work/out" && grep -qF -- "$says" "$work/err"' \
        "the read-back fails on $1, naming the cue and the track ('$3')"
}
edited "a moved INDEX 01" 's/INDEX 01 00:06:37/INDEX 01 00:06:38/' \
    "edit/album.cue:15: error: track 02: INDEX 01 reads back at 00:06:38"
edited "a wrong ISRC" 's/ISRC GBEXM2600003/ISRC GBEXM2600004/' \
    "edit/album.cue:23: error: track 03: ISRC reads back as \"GBEXM2600004\""
edited "a missing FLAGS" '/FLAGS PRE$/d' "edit/album.cue:15: error: track 02: flags read back"
edited "a wrong CATALOG" 's/^CATALOG .*/CATALOG 0724384960650/' \
    "edit/album.cue:3: error: the MCN reads back as \"0724384960650\""
edited "a moved INDEX 00" 's/INDEX 00 00:12:60/INDEX 00 00:12:59/' \
    "track 03: INDEX 00 (pregap) reads back as 00:12:59"
head -c $(( $(wc -c < album.bin) - 2352 )) album.bin > edit/album.bin
edited "a .bin a sector short" 's/x/x/' "the lead-out reads back at"
rm edit/album.bin
edited "a missing .bin" 's/x/x/' "libcdio cannot open this cue sheet"

# ---- edge cases ------------------------------------------------------------------------------
# all NAME MCN: the sheets of NAME.xml, read back by libcdio, cd-info and cdrdao.
all() {
    if ! plan "$1"; then
        not_ok "$1: premaster check passes"
        return 1
    fi
    sheets "$1"
    check '[ $? = 0 ]' "$1: the sheets, the .bin and the .cdt are written"
    figures "$1"
    readback "$1"
    if command -v cd-info > /dev/null 2>&1; then cdinfo "$1" "$2"; fi
    if command -v cdrdao > /dev/null 2>&1; then cdrdao_toc "$1"; fi
}

# The hidden track template, with its mixes made here.
mkdir -p mixes
"$MKAUDIO" "mixes/00 Hidden.wav" 44100 2 6 > /dev/null
for f in "01 Opening Night" "02 Loose Change" "03 Attic Light" "04 Stairwell" "05 Crawlspace" \
    "06 Window Seat" "07 Old Wiring" "08 Lights Out"; do
    "$MKAUDIO" "mixes/$f.wav" 44100 2 9 > /dev/null
done
sed 's/XX-XXX-26-/GB-EXM-26-/' "$TOP_SRCDIR/templates/cd-hidden-track.xml" > hidden.xml
all hidden 0012345678905
same "hidden: the cue's track 1 starts with INDEX 00 00:00:00, its INDEX 01 after the hidden audio" \
    "$(sed -n '/TRACK 01/,/TRACK 02/p' hidden.cue | awk '$1 == "INDEX" { print $2, $3 }')" \
    "00 00:00:00 01 $(sed -n 's/^    INDEX 01 //p' hidden.cue | head -n 1)"
check '[ "$(cue_index hidden.cue 01 | head -n 1)" -ge 413 ]' \
    "hidden: track 1's INDEX 01 comes after the hidden audio (2 s + 5.5 s, less the 2 s)"
check 'grep -q "^Hidden track, in track 01.s index 00" hidden.pq-sheet.txt && grep -q "Floorboards (Hidden Track)" hidden.pq-sheet.txt && grep -q "\"hidden_track\": {\"title\": \"Floorboards" hidden.json' \
    "hidden: the PQ sheet and its JSON name the hidden track"
check 'sed -n "/track 01/,/track 02/p" hidden.toc | grep -q "^  START "' \
    "hidden: the TOC gives track 1 a START after the hidden audio"

# preroll: every index 1 after track 1 moves 10 frames earlier.
sed 's|<cd/>|<cd preroll="10f"/>|' album.xml > preroll.xml
all preroll 0123456789012
same "preroll: track 2 and 3's INDEX 01 are 10 frames before album.cue's" \
    "$(cue_index preroll.cue 01 | tail -n 2)" "$(cue_index album.cue 01 | tail -n 2 | awk '{ print $1 - 10 }')"
check 'grep -q "^Pre-roll        10 frames" preroll.pq-sheet.txt' "preroll: the PQ sheet says so"

# 99 tracks of 4.2 s.
"$MKAUDIO" c.wav 44100 2 4.2 > /dev/null
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<premaster version="1"><album title="Ninety-Nine" artist="Many" upc="5012345678900"/><tracks>'
    n=1
    while [ $n -le 99 ]; do
        printf '<track src="c.wav" title="T%02d" isrc="GBEXM26%05d"/>\n' $n $n
        n=$((n + 1))
    done
    echo '</tracks><deliver><cd/></deliver></premaster>'
} > many.xml
all many 5012345678900
check '[ "$(grep -c "^  TRACK " many.cue)" = 99 ] && grep -q "^  TRACK 99 AUDIO" many.cue && [ "$(grep -c "^TRACK AUDIO" many.toc)" = 99 ]' \
    "many: 99 tracks in the cue and the TOC"
check 'grep -q "^Tracks          99$" many.pq-sheet.txt && grep -q "^  99     " many.pq-sheet.txt' "many: the PQ sheet lists 99 tracks"

# Index 99: a 12 s track with indexes 2 to 99, 0.1 s apart.
"$MKAUDIO" d.wav 44100 2 12 > /dev/null
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<premaster version="1"><album title="Indexes" artist="Marks"/><tracks>'
    echo '<track src="a.wav" title="Before"/><track src="d.wav" title="Marked" gap="1">'
    n=2
    while [ $n -le 99 ]; do
        echo "<index at=\"$((n / 10)).$((n % 10))\"/>"
        n=$((n + 1))
    done
    echo '</track></tracks><deliver><cd/></deliver></premaster>'
} > indexes.xml
all indexes ""
check 'grep -q "^    INDEX 99 " indexes.cue && [ "$(sed -n "/TRACK 02/,\$p" indexes.cue | grep -c "INDEX")" = 100 ]' \
    "indexes: the cue has INDEX 00 to 99 for track 2"
check 'grep -q "INDEX 99 " indexes.showtoc 2> /dev/null || ! command -v cdrdao > /dev/null' \
    "indexes: cdrdao lists index 99"
i99=$(sed -n 's/^    INDEX 99 //p' indexes.cue)
same "indexes: INDEX 99 of the cue is the plan's index 99 less 150" \
    "$(frames "$i99")" "$(less150 "$(marks indexes 99 | tail -n 1)")"

tap_done
