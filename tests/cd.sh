#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The CD deliverable, rendered: the demo, the CD templates (cd-album, cd-hidden-track, and a
# CD-only copy of full-release), a hot master limited to its ceiling, an album loudness target,
# preroll, 99 tracks and index 99. On each: `premaster ddp verify` and `premaster verify` pass;
# coreutils' md5sum accepts CHECKSUM.MD5; IMAGE.DAT is whole sectors to the planned lead-out and,
# after its first 150 sectors, cmp-equal to the .bin; sox reads the .bin as raw 16-bit LE at the
# planned length. Independently of premaster: ffmpeg's ebur128 meter (peak=true) reads the .bin's
# true peak at or under the ceiling + 0.1 dB (its 4x meter reads within about 0.1 dB of the peak
# between samples, and it prints linear peaks to 3 decimals) and the loudness within 0.2 LU of a
# target (0.1 ours, 0.1 the two meters' gating and rounding). `ddp verify` fails naming the file
# on a flipped byte in each DDP file, a truncated IMAGE.DAT, a bad CD-TEXT CRC and a PQ entry out
# of order. The same project renders to the same bytes twice, and with -j 1 and -j 2.
# sox, ffmpeg and md5sum are needed: their checks fail under CI=true when missing, else skip.
set -u
: "${PREMASTER:?}" "${MKAUDIO:?}" "${TAGTOOL:?}" "${TESTS_SRCDIR:?}" "${TOP_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-cd.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"
BASE_SECONDS=30
RATE=44100
tab=$(printf '\t')
. "$TESTS_SRCDIR/template-sources.sh"
SECTOR=2352

# needs_tool PROGRAM NAME: 0 when PROGRAM is there; else a failing check under CI, a skip outside.
needs_tool() {
    command -v "$1" > /dev/null 2>&1 && return 0
    if [ "${CI:-}" = true ]; then not_ok "$2 ($1 is missing under CI=true)"
    else ok "$2 # SKIP $1 is not installed"; fi
    return 1
}
# render NAME PROJECT [ARGS]: render into $work/NAME; ok when it exits 0.
render() {
    name=$1 xml=$2
    shift 2
    "$PREMASTER" render "$xml" -o "$work/$name" "$@" > /dev/null 2> "$work/err"
    check '[ $? = 0 ]' "$name renders"
}
# leadout OUT: the planned lead-out in CD frames, from plan.json.
leadout() { sed -n 's/.*"leadout": {"cd_frames": \([0-9]*\).*/\1/p' "$1/plan.json" | head -n 1; }
# bin_of OUT: the .bin of a render.
bin_of() { ls "$1"/cd/*.bin 2> /dev/null | head -n 1; }
# ffmpeg_figures FILE: "TRUE-PEAK-dBTP INTEGRATED-LUFS" of a raw 16-bit LE stereo file.
ffmpeg_figures() {
    ffmpeg -hide_banner -nostats -f s16le -ar 44100 -ac 2 -i "$1" \
        -af "ebur128=metadata=1:peak=true,ametadata=print:file=$work/meta.txt" \
        -f null - > /dev/null 2>&1
    awk -F= '/lavfi.r128.I=/ { i = $2 } /lavfi.r128.true_peak=/ { tp = $2 }
        END { printf "%.3f %s", 20 * log(tp) / log(10), i }' "$work/meta.txt"
}

# proved NAME CEILING: everything a rendered CD must pass, read back from disk.
proved() {
    out="$work/$1" ceiling=$2
    ddp="$out/cd/DDP"
    "$PREMASTER" ddp verify "$ddp" > /dev/null 2> "$work/err"
    check '[ $? = 0 ] && grep -q ": 0 errors, 0 warnings" "$work/err"' \
        "$1: premaster ddp verify passes the DDP with no warning"
    "$PREMASTER" verify "$out" > /dev/null 2> "$work/err"
    check '[ $? = 0 ]' "$1: premaster verify passes the render"
    check '[ -z "$(find "$out" -name "*.tmp")" ]' "$1: no temporary file is left"
    if needs_tool md5sum "$1: coreutils' md5sum accepts CHECKSUM.MD5"; then
        check '(cd "$ddp" && md5sum --quiet -c CHECKSUM.MD5 > "$work/err" 2>&1)' \
            "$1: coreutils' md5sum accepts CHECKSUM.MD5"
    fi
    sectors=$(leadout "$out")
    size=$(wc -c < "$ddp/IMAGE.DAT")
    check '[ -n "$sectors" ] && [ "$size" = $((sectors * SECTOR)) ]' \
        "$1: IMAGE.DAT is $sectors whole sectors, ending at the planned lead-out"
    bin=$(bin_of "$out")
    tail -c +$((150 * SECTOR + 1)) "$ddp/IMAGE.DAT" > "$work/tail.raw"
    check 'cmp -s "$work/tail.raw" "$bin"' "$1: IMAGE.DAT after its first 150 sectors equals the .bin"
    check '[ -z "$(head -c $((150 * SECTOR)) "$ddp/IMAGE.DAT" | tr -d "\\000" | head -c 1)" ]' \
        "$1: the first 150 sectors of IMAGE.DAT are digital silence"
    if needs_tool sox "$1: sox reads the .bin at the planned length"; then
        sox -t raw -r 44100 -e signed -b 16 -c 2 -L "$bin" "$work/bin.wav" 2> "$work/err"
        check '[ "$(soxi -s "$work/bin.wav")" = $(((sectors - 150) * 588)) ]' \
            "$1: sox reads the .bin at the planned length ($(((sectors - 150) * 588)) samples)"
    fi
    if needs_tool ffmpeg "$1: ffmpeg's true peak of the .bin is within the ceiling"; then
        figures=$(ffmpeg_figures "$bin")
        ffmpeg_tp=${figures% *}
        FFMPEG_LUFS=${figures#* }
        echo "ffmpeg: $ffmpeg_tp dBTP, $FFMPEG_LUFS LUFS" > "$work/err"
        check 'awk -v tp="$ffmpeg_tp" -v c="$ceiling" "BEGIN { exit !(tp <= c + 0.1) }"' \
            "$1: ffmpeg's true peak of the .bin ($ffmpeg_tp dBTP) is at or under $ceiling + 0.1 dBTP"
    fi
}

# ---- the demo (CD only; its other deliverables are tested elsewhere) --------------------------
"$PREMASTER" demo "$work/demo-src" > /dev/null 2>&1 || { echo "Bail out! premaster demo failed"; exit 1; }
sed -e '/<streaming /d' -e '/<vinyl /,/<\/vinyl>/d' "$work/demo-src/album.xml" > "$work/demo-src/cd.xml"
check 'grep -q "<cd " "$work/demo-src/cd.xml" && ! grep -q "<vinyl" "$work/demo-src/cd.xml"' \
    "the demo has a CD target"
render demo "$work/demo-src/cd.xml"
proved demo -0.3
ddp="$work/demo/cd/DDP"
check '[ -f "$work/demo/cd/PMDEMO-001.cdt" ] && cmp -s "$work/demo/cd/PMDEMO-001.cdt" "$ddp/CDTEXT.BIN"' \
    "the .cdt holds the same packs as CDTEXT.BIN"
"$PREMASTER" ddp info "$ddp" > "$work/info.txt" 2>&1
check 'grep -q "lead-in   00     00:00:00        0  -             -  UPC/EAN 0724384960650" "$work/info.txt"' \
    "the UPC is in the PQ lead-in entry"
check 'grep -q "DDPID: DDP 2.00, type CD, UPC/EAN 0724384960650" "$work/info.txt"' "and in DDPID"
check '[ "$(grep -c "^  lead-out  01" "$work/info.txt")" = 2 ]' "the lead-out entry is written twice"
check 'grep -q "D0  DA        audio    IMAGE.DAT          DSL $(leadout "$work/demo") sectors, PRE2 150, SSM 7, SCR 0" "$work/info.txt" && grep -q "S0  CDTEXT    CD-TEXT  CDTEXT.BIN" "$work/info.txt"' \
    "DDPMS: the audio stream (DA, SSM 7, SCR 0, PRE2 150, DSL the lead-out) and the CD-TEXT stream"
check 'grep -q "^  02        00 .*XXPMD2600002" "$work/info.txt" && grep -q "^  02        01 .*XXPMD2600002" "$work/info.txt"' \
    "the ISRC is on a track's index 00 and index 01 entries"
check 'grep -q "report.json" "$work/demo/MANIFEST.sha256" && grep -q "\"format\": \"cd\"" "$work/demo/report.json"' \
    "report.json has the CD object"
check '[ -s "$work/demo/cd/PMDEMO-001.cue" ] && [ -s "$work/demo/cd/PMDEMO-001.toc" ] && [ -s "$work/demo/cd/pq-sheet.txt" ] && grep -q "\"pq\": {" "$work/demo/report.json"' \
    "the cue sheet, the TOC, the PQ sheet, and the PQ figures in the report"
check 'grep -q "cd/PMDEMO-001.cue: read back by libcdio, every track.s INDEX 01 on its planned sector\", \"ok\": true" "$work/demo/report.json"' \
    "the cue sheet was read back through libcdio"
check 'grep -q "\"true_peak_dbtp\"" "$work/demo/report.json" && grep -q "\"passes\": 1" "$work/demo/report.json"' \
    "with its target figures"

# ---- a damaged DDP: `ddp verify` fails and names the file -----------------------------------
# remake DIR: CHECKSUM.MD5 made again by coreutils, as a tool that damaged a file on purpose would.
remake() { (cd "$1" && md5sum -b DDPID DDPMS PQDESCR CDTEXT.BIN IMAGE.DAT > CHECKSUM.MD5); }
for f in DDPID DDPMS PQDESCR IMAGE.DAT CDTEXT.BIN CHECKSUM.MD5; do
    rm -rf "$work/flip" && cp -r "$ddp" "$work/flip"
    size=$(wc -c < "$work/flip/$f")
    at=$((size / 2))
    byte=$(dd if="$work/flip/$f" bs=1 skip=$at count=1 2> /dev/null | od -An -tu1 | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$work/flip/$f" bs=1 seek=$at conv=notrunc 2> /dev/null
    "$PREMASTER" ddp verify "$work/flip" > /dev/null 2> "$work/err"
    rc=$?
    if [ "$f" = CHECKSUM.MD5 ]; then
        # the flipped digit is in the line of another file: that file is named as not matching
        check '[ $rc = 1 ] && grep -q "flip/.*: error: does not match CHECKSUM.MD5" "$work/err"' \
            "ddp verify fails on a flipped byte in $f, naming the file whose line no longer matches"
    else
        check '[ $rc = 1 ] && grep -q "flip/$f: error: " "$work/err"' \
            "ddp verify fails on a flipped byte in $f, naming it"
    fi
done
rm -rf "$work/cut" && cp -r "$ddp" "$work/cut"
head -c $((5000 * SECTOR + 1000)) "$ddp/IMAGE.DAT" > "$work/cut/IMAGE.DAT"
"$PREMASTER" ddp verify "$work/cut" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && grep -q "cut/IMAGE.DAT: error: .*not a whole number of 2352-byte sectors" "$work/err"' \
    "ddp verify fails on a truncated IMAGE.DAT, naming it"
if needs_tool md5sum "ddp verify fails on a bad CD-TEXT CRC and a PQ entry out of order"; then
    rm -rf "$work/text" && cp -r "$ddp" "$work/text"
    printf 'E' | dd of="$work/text/CDTEXT.BIN" bs=1 seek=59 conv=notrunc 2> /dev/null
    remake "$work/text"
    "$PREMASTER" ddp verify "$work/text" > /dev/null 2> "$work/err"
    check '[ $? = 1 ] && grep -q "text/CDTEXT.BIN: error: CD-TEXT pack 3 at byte 54" "$work/err"' \
        "ddp verify fails on a bad CD-TEXT CRC, naming the file and the pack"
    # the PQ packets of track 03 index 01 and track 04 index 01 swapped
    rm -rf "$work/order" && cp -r "$ddp" "$work/order"
    dd if="$ddp/PQDESCR" of="$work/order/PQDESCR" bs=64 skip=6 seek=7 count=1 conv=notrunc 2> /dev/null
    dd if="$ddp/PQDESCR" of="$work/order/PQDESCR" bs=64 skip=7 seek=6 count=1 conv=notrunc 2> /dev/null
    remake "$work/order"
    "$PREMASTER" ddp verify "$work/order" > /dev/null 2> "$work/err"
    check '[ $? = 1 ] && grep -q "order/PQDESCR: error: packet 8 (track 03 index 01 at [0-9:]*): comes after track 04" "$work/err"' \
        "ddp verify fails on a PQ entry out of order, naming the file and the packet"
fi
# a flipped byte in the render folder: `premaster verify` names the file
rm -rf "$work/damaged" && cp -r "$work/demo" "$work/damaged"
printf 'x' | dd of="$work/damaged/cd/PMDEMO-001.bin" bs=1 seek=1000000 conv=notrunc 2> /dev/null
"$PREMASTER" verify "$work/damaged" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && grep -q "PMDEMO-001.bin: error:" "$work/err"' "premaster verify fails on a changed .bin, naming it"

# ---- the same bytes: twice, and with -j 1 and -j 2 ------------------------------------------
"$PREMASTER" render "$work/demo-src/cd.xml" -o "$work/again" -j 2 > /dev/null 2>&1
"$PREMASTER" render "$work/demo-src/cd.xml" -o "$work/one" -j 1 > /dev/null 2>&1
check 'diff -r "$work/demo/cd" "$work/again/cd" > "$work/err" 2>&1' "a second render gives the same bytes"
check 'diff -r "$work/demo/cd" "$work/one/cd" > "$work/err" 2>&1' "-j 1 gives the same bytes as -j 2"

# ---- the templates ------------------------------------------------------------------------
# template NAME FILE: FILE's sources made under $work/NAME-src, FILE copied there as NAME.xml.
template() {
    mkdir -p "$work/$1-src"
    sed -e '/^ *<streaming .*\/>$/d' -e '/^ *<vinyl .*\/>$/d' "$2" > "$work/$1-src/$1.xml"
    needs "$work/$1-src/$1.xml" > "$work/needs.txt"
    made=$(make_sources "$work/$1-src" "$work/needs.txt")
    [ -z "$made" ] || echo "$made" > "$work/err"
}
for t in cd-album cd-hidden-track full-release; do
    template "$t" "$TOP_SRCDIR/templates/$t.xml"
    check '! grep -q "^ *<vinyl \|^ *<streaming " "$work/$t-src/$t.xml" && grep -q "^ *<cd " "$work/$t-src/$t.xml"' \
        "$t: a CD-only copy"
    render "$t" "$work/$t-src/$t.xml"
    proved "$t" -0.3
done
"$PREMASTER" ddp info "$work/cd-hidden-track/cd/DDP" > "$work/info.txt" 2>&1
check 'grep -q "PRE2 [0-9]*," "$work/info.txt" && ! grep -q "PRE2 150," "$work/info.txt"' \
    "cd-hidden-track: PRE2 is track 1's whole pause, hidden track included"

# ---- made-up projects ---------------------------------------------------------------------
# project FILE CD-ATTRIBUTES TRACKS-XML: a CD-only project.
project() {
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<premaster version="1">'
        echo '  <album title="CD Test" artist="Tester" catalog="CDT-1" upc="0724384960650"/>'
        echo "  <tracks>$3</tracks>"
        echo "  <deliver><cd $2/></deliver>"
        echo '</premaster>'
    } > "$work/$1"
}
"$MKAUDIO" "$work/t30.wav" 48000 2 30 > /dev/null
"$MKAUDIO" "$work/t4.wav" 44100 2 4 > /dev/null

# a hot master: +24 dB on a -20 dBFS sine, limited to the ceiling
project hot.xml 'ceiling="-1"' '<track src="t30.wav" title="Hot" gain="24"/><track src="t30.wav" title="Hot 2" gain="24"/>'
render hot "$work/hot.xml"
proved hot -1
check 'grep -q "true peak -[0-9.]* dBTP at 8x, within the -1.00 dBTP ceiling" "$work/hot/report.json"' \
    "hot: the verification measured the true peak within the ceiling"
check '! grep -q "\"limiter_reduction_db\": 0.00" "$work/hot/report.json"' "hot: the limiter worked"

# an album loudness target, met closed-loop
project loud.xml 'loudness="-12" ceiling="-0.5" dither="tpdf"' '<track src="t30.wav" title="Loud" gain="6"/>'
render loud "$work/loud.xml"
FFMPEG_LUFS=
proved loud -0.5
ours=$(sed -n 's/.*"format": "cd".*//p; s/.*"integrated_lufs": \([-0-9.]*\), "true_peak_dbtp".*/\1/p' "$work/loud/report.json" | tail -n 1)
check 'awk -v i="$ours" "BEGIN { d = i + 12; exit !(d <= 0.1 && d >= -0.1) }"' \
    "loud: the report's loudness ($ours LUFS) is within 0.1 LU of -12"
if [ -n "$FFMPEG_LUFS" ]; then
    check 'awk -v i="$FFMPEG_LUFS" "BEGIN { d = i + 12; exit !(d <= 0.2 && d >= -0.2) }"' \
        "loud: ffmpeg reads $FFMPEG_LUFS LUFS, within 0.2 LU of -12"
fi

# a target that cannot be met (a sine limited at -6 dBTP never reaches -5 LUFS): every pass but
# the last is thrown away and leaves nothing; the last is kept, consistent, and reported
project unmet.xml 'loudness="-5" ceiling="-6"' '<track src="t30.wav" title="Loud" gain="14"/>'
"$PREMASTER" render "$work/unmet.xml" -o "$work/unmet" > /dev/null 2> "$work/err"
check '[ $? = 1 ] && grep -q "unmet.xml:[0-9]*: error: cd: the loudness reached" "$work/err"' \
    "unmet: the render exits 1 and says what was missed"
check 'grep -q "\"met\": false, \"passes\": 6" "$work/unmet/report.json" && [ -z "$(find "$work/unmet" -name "*.tmp")" ]' \
    "unmet: six passes, and the five thrown away left no file behind"
"$PREMASTER" ddp verify "$work/unmet/cd/DDP" > /dev/null 2> "$work/err"
check '[ $? = 0 ]' "unmet: the kept pass's DDP verifies"

# preroll: index 1 six frames before each track's first sample
project preroll.xml 'preroll="6f" cue="no" toc="no"' \
    '<track src="t4.wav" title="One"/><track src="t4.wav" title="Two" gap="2"/><track src="t4.wav" title="Three" gap="1"/>'
render preroll "$work/preroll.xml"
"$PREMASTER" ddp verify "$work/preroll/cd/DDP" > /dev/null 2> "$work/err"
check '[ $? = 0 ]' "preroll: ddp verify passes"
"$PREMASTER" verify "$work/preroll" > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ -z "$(ls "$work/preroll/cd" | grep "\.bin$")" ]' \
    "preroll: premaster verify passes; with cue and toc off there is no .bin"

# no DDP: the .bin and the sheets alone
project noddp.xml 'ddp="no" cdtext="no"' '<track src="t4.wav" title="One"/><track src="t4.wav" title="Two"/>'
render noddp "$work/noddp.xml"
check '[ ! -e "$work/noddp/cd/DDP" ] && [ -s "$work/noddp/cd/CDT-1.bin" ] && [ -s "$work/noddp/cd/CDT-1.cue" ] && [ ! -e "$work/noddp/cd/CDT-1.cdt" ]' \
    "noddp: no DDP folder and no .cdt; the .bin and the cue sheet"
"$PREMASTER" verify "$work/noddp" > /dev/null 2> "$work/err"
check '[ $? = 0 ] && [ "$(wc -c < "$work/noddp/cd/CDT-1.bin")" = $((($(leadout "$work/noddp") - 150) * SECTOR)) ]' \
    "noddp: premaster verify passes; the .bin runs to the lead-out"

# 99 tracks of 4 s
tracks=""
i=0
while [ $i -lt 99 ]; do
    i=$((i + 1))
    tracks="$tracks<track src=\"t4.wav\" title=\"T$i\" isrc=\"GBEXM26$(printf '%05d' $i)\"/>"
done
project many.xml 'ceiling="-0.3"' "$tracks"
render many "$work/many.xml"
proved many -0.3
"$PREMASTER" ddp info "$work/many/cd/DDP" > "$work/info.txt" 2>&1
check 'grep -q "^Tracks: 99;" "$work/info.txt" && grep -q "^  99        01 .*GBEXM2600099" "$work/info.txt"' \
    "many: 99 tracks, the last with its ISRC"

# index 99: 98 index marks in one track
marks=""
i=1
while [ $i -lt 99 ]; do
    i=$((i + 1))
    marks="$marks<index at=\"$((i / 4)).$(((i % 4) * 25))\"/>"
done
project idx.xml '' "<track src=\"t30.wav\" title=\"Marks\">$marks</track>"
render idx "$work/idx.xml"
proved idx -0.3
"$PREMASTER" ddp info "$work/idx/cd/DDP" > "$work/info.txt" 2>&1
check 'grep -q "^  01        99 " "$work/info.txt"' "idx: track 01 has index 99"
tap_done
