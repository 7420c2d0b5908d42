#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `premaster ddp info | verify | extract` on filesets written by tests/mkddp from ddp-notes.md's
# layouts, with their checksum files made by coreutils' md5sum and gzip's CRC-32, not by
# premaster: info prints the expected PQ list (golden text); verify passes on a good fileset and
# fails, naming the file and the field, on a flipped byte in each file, a truncated IMAGE.DAT, a
# PQ entry out of order, a bad ISRC, a bad UPC check digit and a track under 4 s; the layouts of
# other writers are accepted; extract writes tracks that sox joins back into IMAGE.DAT from track
# 1's index 01 on, byte for byte, and the golden cue sheet; garbage gives exit 1 and a message.
# verify also fails on a CD-TEXT pack whose CRC is wrong (the decoder of formats/cdtext.h).
set -u
: "${PREMASTER:?}" "${MKDDP:?}" "${TESTS_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-ddp.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"
cd "$work" || exit 1

# The CRC-32 of a file as cue2ddp writes it (8 uppercase hex digits), from gzip's trailer, which
# holds the zlib CRC-32 of the input, least significant byte first.
crc32() {
    set -- $(gzip -c "$1" | tail -c 8 | head -c 4 | od -An -tu1)
    printf '%02X%02X%02X%02X' "$4" "$3" "$2" "$1"
}
# checksums DIR: CHECKSUM.MD5 and CHECKSUM.TXT as cue2ddp writes them (ddp-notes 1.9).
checksums() {
    (
        cd "$1" || exit 1
        rm -f CHECKSUM.MD5 CHECKSUM.TXT
        files=$(ls DDPID DDPMS CDTEXT.BIN PQDESCR SD IMAGE.DAT 2> /dev/null)
        md5sum -b $files > CHECKSUM.MD5
        { echo "[CRC32 Checksum]"; for f in $files; do echo "$f=$(crc32 "$f")"; done; } > CHECKSUM.TXT
    )
}
# fileset NAME VARIANT: a fileset with its checksum files.
fileset() {
    "$MKDDP" "$1" "$2" 2> "$work/err" && checksums "$1"
}
# run STATUS NAME ARGS...: premaster ARGS exits with STATUS (stdout in out, stderr in err).
run() {
    want=$1 name=$2
    shift 2
    "$PREMASTER" "$@" > "$work/out" 2> "$work/err"
    got=$?
    if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name (exit $got, expected $want)"; fi
}
# says FILE TEXT NAME: FILE holds TEXT.
says() {
    if grep -qF -- "$2" "$1"; then ok "$3"; else not_ok "$3 (no '$2')"; fi
}

fileset good good || { echo "Bail out! mkddp failed"; exit 1; }
check '(cd good && md5sum --quiet -c CHECKSUM.MD5)' "coreutils' md5sum accepts the test's CHECKSUM.MD5"

run 0 "ddp info exits 0" ddp info good
if diff -u "$TESTS_SRCDIR/ddp-expected/info-good.txt" "$work/out" > "$work/err" 2>&1; then
    ok "ddp info prints the PQ list, tracks, UPC, CD-TEXT texts and checksum files (golden text)"
else
    not_ok "ddp info prints the PQ list, tracks, UPC, CD-TEXT texts and checksum files (golden text)"
fi
run 0 "ddp info --json exits 0" ddp info --json good
says "$work/out" '"track_count": 3' "the JSON gives the track count"
says "$work/out" '"isrc": "USABC2400002"' "the JSON gives the ISRCs"
says "$work/out" '"title": "Test Album"' "the JSON gives the CD-TEXT"
if command -v python3 > /dev/null 2>&1; then
    check 'python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$work/out" 2> "$work/err"' \
        "the JSON parses"
fi

run 0 "ddp verify passes a good fileset" ddp verify good
says "$work/err" "good: 0 errors, 0 warnings" "with no error and no warning"

# A flipped byte in each file: verify fails and names the file.
for f in DDPID DDPMS PQDESCR IMAGE.DAT CDTEXT.BIN CHECKSUM.MD5; do
    rm -rf flip && cp -r good flip
    size=$(wc -c < "flip/$f")
    at=$((size / 2))
    byte=$(dd if="flip/$f" bs=1 skip=$at count=1 2> /dev/null | od -An -tu1 | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="flip/$f" bs=1 seek=$at conv=notrunc 2> /dev/null
    run 1 "verify fails on a flipped byte in $f" ddp verify flip
    if [ "$f" = CHECKSUM.MD5 ]; then
        check 'grep -q "^flip/.*: error: " "$work/err"' "and says which file no longer matches"
    else
        says "$work/err" "flip/$f: error: does not match CHECKSUM.MD5 line" "and names $f"
    fi
done

rm -rf cut && cp -r good cut
head -c 3000000 good/IMAGE.DAT > cut/IMAGE.DAT
run 1 "verify fails on a truncated IMAGE.DAT" ddp verify cut
says "$work/err" "cut/IMAGE.DAT: error: is 3000000 bytes, not a whole number of 2352-byte sectors" \
    "naming the file and what is wrong"
says "$work/err" "it is truncated" "and that it is shorter than DSL gives"

# PQ packets 5 and 6 (track 02 index 01, track 03 index 01) swapped, checksums made again.
rm -rf order && cp -r good order
dd if=good/PQDESCR of=order/PQDESCR bs=64 skip=4 seek=5 count=1 conv=notrunc 2> /dev/null
dd if=good/PQDESCR of=order/PQDESCR bs=64 skip=5 seek=4 count=1 conv=notrunc 2> /dev/null
checksums order
run 1 "verify fails on a PQ entry out of order" ddp verify order
says "$work/err" "order/PQDESCR: error: packet 6 (track 02 index 01 at 00:10:00): comes after track 03 index 01" \
    "naming the file, the packet and the entry"

# A CD-TEXT pack whose CRC no longer fits, checksums made again: the decoder names the pack.
rm -rf text && cp -r good text
printf 'E' | dd of=text/CDTEXT.BIN bs=1 seek=59 conv=notrunc 2> /dev/null
checksums text
run 1 "verify fails on a bad CD-TEXT CRC" ddp verify text
says "$work/err" "text/CDTEXT.BIN: error: CD-TEXT pack 3 at byte 54" "naming the file and the pack"

fileset isrc bad-isrc
run 1 "verify fails on a bad ISRC" ddp verify isrc
says "$work/err" 'isrc/PQDESCR: error: packet 3 (track 01 index 01 at 00:02:00): ISRC "USABC24O0001" is not an ISRC' \
    "naming the file, the packet and the field"
fileset upc bad-upc
run 1 "verify fails on a UPC with a wrong check digit" ddp verify upc
says "$work/err" "upc/DDPID: error: UPC (bytes 8-20): UPC/EAN 0123456789013 has check digit 3 where its first 12 digits call for 2" \
    "naming DDPID's field and the digit due"
fileset short short-track
run 1 "verify fails on a track under 4 s" ddp verify short
says "$work/err" "short/PQDESCR: error: track 02 is 00:03:00 long" "naming the track and its length"

# Other writers' layouts (ddp-notes section 0).
fileset cue2ddp cue2ddp
run 0 "verify accepts cue2ddp's packets (space-padded, SD, DSS blank, SCR 1, PRE2 225)" ddp verify cue2ddp
fileset one one-leadout
run 0 "verify accepts one lead-out entry" ddp verify one
fileset names names
run 0 "verify accepts files named by DSI (PQ_DESCR, IMAGE01.DAT)" ddp verify names
fileset htoa htoa
run 0 "verify accepts a hidden track before track 1" ddp verify htoa
rm good/CHECKSUM.TXT
sed 's/ \*/  /' good/CHECKSUM.MD5 | sed 's/$/\r/' > good/MD5_CHECKSUM.MD5
rm good/CHECKSUM.MD5
run 0 "verify reads HOFA's MD5_CHECKSUM.MD5 (two spaces, CRLF)" ddp verify good
checksums good

# extract
run 0 "ddp extract exits 0" ddp extract good tracks
check '[ -f tracks/track01.wav ] && [ -f tracks/track02.wav ] && [ -f tracks/track03.wav ] && [ ! -e tracks/track00.wav ]' \
    "one WAV per track"
if diff -u "$TESTS_SRCDIR/ddp-expected/extract-good.cue" tracks/tracks.cue > "$work/err" 2>&1; then
    ok "tracks.cue (golden text)"
else
    not_ok "tracks.cue (golden text)"
fi
check 'cmp -s good/CDTEXT.BIN tracks/tracks.cdt' "tracks.cdt is CDTEXT.BIN"
check '[ -z "$(ls -a tracks | grep "\.tmp$")" ]' "no temporary file is left"
if command -v sox > /dev/null 2>&1; then
    sox tracks/track01.wav tracks/track02.wav tracks/track03.wav -t raw -e signed -b 16 -L joined.raw
    tail -c +$((150 * 2352 + 1)) good/IMAGE.DAT > program.raw
    check 'cmp -s joined.raw program.raw' "sox joins the tracks into IMAGE.DAT from track 1's index 01 on, byte for byte"
elif [ "${CI:-}" = true ]; then
    not_ok "sox joins the tracks into IMAGE.DAT from track 1's index 01 on: sox is missing, and CI installs it"
else
    ok "sox joins the tracks into IMAGE.DAT from track 1's index 01 on # SKIP sox is not installed"
fi
run 1 "extract refuses a folder that holds files" ddp extract good tracks
says "$work/err" "already holds files" "and says so"
run 0 "extract --force writes over it" ddp extract --force good tracks
run 1 "extract refuses a fileset whose PQ is out of order" ddp extract order order-tracks
check '[ ! -e order-tracks ]' "and writes nothing"

# Garbage, missing folders, usage.
mkdir junk
printf 'this is not a DDP identifier, just some text that goes on for a while...........\n' > junk/DDPID
cat junk/DDPID junk/DDPID junk/DDPID > junk/DDPMS
for verb in info verify; do
    run 1 "ddp $verb of garbage exits 1" ddp "$verb" junk
    says "$work/err" "junk/DDPID: error:" "with a message naming DDPID"
done
run 1 "ddp extract of garbage exits 1" ddp extract junk junk-out
check '[ ! -e junk-out ]' "and writes nothing"
run 1 "ddp info of a missing folder exits 1" ddp info nowhere
says "$work/err" "nowhere: error: cannot be read as a folder" "saying so"
run 2 "ddp without a verb is a usage error" ddp
run 2 "an unknown verb is a usage error" ddp frobnicate good
run 2 "info without a folder is a usage error" ddp info
run 2 "extract without an output folder is a usage error" ddp extract good
run 2 "--force with info is a usage error" ddp info --force good
tap_done
