#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `premaster analyze` against an independent meter, ffmpeg's ebur128 filter, on the demo audio:
# integrated loudness within 0.1 LU (plus the 0.0005 of ffmpeg's printed rounding), loudness
# range within 1 LU, sample peak within 0.1 dB; our 8x true peak never more than 0.1 dB under
# ffmpeg's (which oversamples to 192 kHz only, so at 96 kHz it reads 2x and may read lower).
# Then --album, --json and an unreadable file.
set -u
: "${PREMASTER:?}" "${TESTS_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-analyze.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"

"$PREMASTER" demo "$work/demo" > /dev/null || { echo "Bail out! demo failed"; exit 1; }
files=$(ls "$work"/demo/mixes/*.wav)

"$PREMASTER" analyze --json $files > "$work/ours.json" 2> "$work/err"
check '[ $? = 0 ]' "analyze --json of the demo exits 0"
# one value a file, in order: KEY
field() { sed -n "s/.*\"$1\": \\([-0-9.]*\\).*/\\1/p" "$work/ours.json"; }
field integrated_lufs > "$work/I"
field range_lu > "$work/LRA"
field sample_peak_dbfs > "$work/SP"
field true_peak_dbtp > "$work/TP"
check '[ "$(wc -l < "$work/I")" = 4 ] && [ "$(wc -l < "$work/TP")" = 4 ]' \
    "the JSON has the figures of all four files"

if command -v ffmpeg > /dev/null 2>&1; then
    i=0
    for f in $files; do
        i=$((i + 1))
        ffmpeg -hide_banner -nostats -i "$f" \
            -af "ebur128=metadata=1:peak=true+sample,ametadata=print:file=$work/meta.txt" \
            -f null - > /dev/null 2>&1
        # the last frame's figures are the whole file's; peaks are linear
        theirs=$(awk -F= '
            /lavfi.r128.I=/ { i = $2 } /lavfi.r128.LRA=/ { lra = $2 }
            /lavfi.r128.sample_peak=/ { sp = $2 } /lavfi.r128.true_peak=/ { tp = $2 }
            END { printf "%s %s %.4f %.4f", i, lra, 20 * log(sp) / log(10), 20 * log(tp) / log(10) }' \
            "$work/meta.txt")
        ours=$(printf '%s %s %s %s' "$(sed -n ${i}p "$work/I")" "$(sed -n ${i}p "$work/LRA")" \
            "$(sed -n ${i}p "$work/SP")" "$(sed -n ${i}p "$work/TP")")
        name=$(basename "$f")
        verdict=$(echo "$ours $theirs" | awk '{
            d = $1 - $5; if (d < 0) d = -d; if (d > 0.1005) print "integrated " $1 " vs " $5;
            d = $2 - $6; if (d < 0) d = -d; if (d > 1.0) print "range " $2 " vs " $6;
            # ffmpeg prints linear peaks to 3 decimals: 0.0005 of 0.7 is 0.006 dB
            d = $3 - $7; if (d < 0) d = -d; if (d > 0.1) print "sample peak " $3 " vs " $7;
            if ($4 < $8 - 0.1) print "true peak " $4 " under ffmpeg " $8 }')
        if [ -z "$verdict" ]; then
            ok "$name agrees with ffmpeg ebur128 (ours: I LRA SP TP = $ours; ffmpeg: $theirs)"
        else
            not_ok "$name agrees with ffmpeg ebur128: $verdict"
        fi
    done
elif [ "${CI:-}" = true ]; then
    for f in $files; do not_ok "$(basename "$f"): ffmpeg is missing under CI"; done
else
    for f in $files; do ok "$(basename "$f") # SKIP ffmpeg is not installed"; done
fi

"$PREMASTER" analyze --album $files > "$work/table" 2> "$work/err"
check '[ $? = 0 ] && grep -q "album of 4 files" "$work/table"' "--album adds the album row"
check '[ "$(grep -c "demo/mixes/" "$work/table")" = 4 ]' "the table has one row a file"
"$PREMASTER" analyze --album --json $files > "$work/album.json" 2> /dev/null
album_i=$(sed -n '/"album"/,$ s/.*"integrated_lufs": \([-0-9.]*\).*/\1/p' "$work/album.json")
# the album's loudness lies between its quietest and loudest file's
check "sort -n \"$work/I\" | awk -v a=\"$album_i\" 'NR==1{lo=\$1} {hi=\$1} END{exit !(a >= lo && a <= hi)}'" \
    "the album loudness ($album_i LUFS) lies within the files' range"

printf 'not audio\n' > "$work/text.wav"
"$PREMASTER" analyze "$work/text.wav" $files > "$work/out" 2> "$work/err"
check '[ $? = 1 ]' "an unreadable file makes analyze exit 1"
check 'grep -q "text.wav: error: cannot be read as audio" "$work/err"' \
    "the error names the file and says why"
check '[ "$(grep -c "demo/mixes/" "$work/out")" = 4 ]' "the other files are still measured"
"$PREMASTER" analyze > /dev/null 2>&1
check '[ $? = 2 ]' "analyze without files is a usage error"
tap_done
