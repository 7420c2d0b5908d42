#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `premaster verify OUT` on a render of templates/vinyl-lp.xml: it re-proves the folder without
# the sources (moved away, and the folder copied elsewhere), printing the same vinyl checks as
# render did; each fault is named - a side over its ceiling or with a moved cue marker, the
# cutting sheet edited (each with MANIFEST.sha256 made to match, so that only the format's own
# checks can catch it), plan.json or project.xml edited, plan.json damaged, of another layout or
# missing (a render by an older version) - with exit status 1. And cutting-sheet.txt against
# its golden copy, tests/vinyl-expected/cutting-sheet.txt.
set -u
: "${PREMASTER:?}" "${MKAUDIO:?}" "${SFCUES:?}" "${TESTS_SRCDIR:?}" "${TOP_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-verify.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"

# The template's ten mixes, 12 s each (track 10 fades out over 10 s), 44.1 kHz.
mkdir -p "$work/lp/mixes"
# a seed of its own, so that the dither (and the golden sheet) does not follow the comments
sed 's/<premaster version="1">/<premaster version="1" seed="7">/' \
    "$TOP_SRCDIR/templates/vinyl-lp.xml" > "$work/lp/vinyl-lp.xml"
for name in "01 Slow Rivers" "02 Salt and Iron" "03 The Ferryman" "04 Lantern" "05 Low Tide" \
    "06 Weathervane" "07 Undercurrent" "08 Harbour Song" "09 Undertow" "10 Homeward"; do
    "$MKAUDIO" "$work/lp/mixes/$name.wav" 44100 2 12 > /dev/null ||
        { echo "Bail out! mkaudio failed"; exit 1; }
done
out="$work/out"
a="$out/vinyl/EXM-0102LP_A_44100_24.wav"
sheet="$out/vinyl/cutting-sheet.txt"

"$PREMASTER" render "$work/lp/vinyl-lp.xml" -o "$out" > "$work/render.txt" 2> "$work/err"
check '[ $? = 0 ]' "the vinyl template renders"
grep '^  ok ' "$work/render.txt" > "$work/render-checks.txt"
check '[ "$(wc -l < "$work/render-checks.txt")" -ge 10 ] && ! grep -q FAIL "$work/render.txt"' \
    "render prints its vinyl checks, all ok"

# Without the sources, and from a copy.
mv "$work/lp/mixes" "$work/mixes-away"
"$PREMASTER" verify "$out" > "$work/verify.txt" 2> "$work/err"
check '[ $? = 0 ]' "verify passes with the sources moved away"
check 'grep "^  ok " "$work/verify.txt" | cmp -s - "$work/render-checks.txt"' \
    "verify prints the same checks as render did"
check 'grep -q "vinyl/EXM-0102LP_A_44100_24.wav: 5 cue markers, on the 5 planned track starts" "$work/verify.txt" && grep -q "cutting-sheet.txt: every time and figure follows" "$work/verify.txt" && grep -q "side channel below 75 Hz is" "$work/verify.txt"' \
    "among them the cue markers, the sheet and the mono-bass promise"
check 'grep -q "every file matches MANIFEST.sha256, the plan follows from the project, and [0-9]* checks of the deliverables hold" "$work/verify.txt"' \
    "and says what it proved"
cp -r "$out" "$work/copy"
"$PREMASTER" verify "$work/copy" > /dev/null 2> "$work/err"
check '[ $? = 0 ]' "verify passes on a copy of the folder"
"$PREMASTER" verify --json "$out" > "$work/json.txt" 2> "$work/err"
check 'grep -q "\"ok\": true, \"checks\": [1-9][0-9]*, \"checks_failed\": 0" "$work/json.txt"' \
    "verify --json counts the checks"

# The golden sheet: every time is a planned sample, every figure measured on the sides.
check 'diff -u "$TESTS_SRCDIR/vinyl-expected/cutting-sheet.txt" "$sheet" > "$work/err"' \
    "cutting-sheet.txt is the golden copy, byte for byte"

# fresh NAME: a copy of the render to damage; remanifest NAME: MANIFEST.sha256 made to match.
fresh() { rm -rf "$work/$1" && cp -r "$out" "$work/$1"; }
remanifest() {
    (cd "$work/$1" && for f in $(cut -c67- MANIFEST.sha256); do [ ! -e "$f" ] || sha256sum "$f"; done > MANIFEST.new &&
        mv MANIFEST.new MANIFEST.sha256)
}
verify_fails() { "$PREMASTER" verify "$work/$1" > "$work/$1.txt" 2> "$work/err"; [ $? = 1 ]; }
# u32 FILE OFFSET: the little-endian 32-bit word there; put32 FILE OFFSET VALUE writes one.
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
put32() {
    v=$3
    printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((v & 255)) $((v >> 8 & 255)) $((v >> 16 & 255)) $((v >> 24 & 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}
# Side A's layout (libsndfile's): RIFF, fmt, cue, then the data chunk.
cue=$(grep -obUa 'cue ' "$a" | head -1 | cut -d: -f1)
data=$((cue + 8 + $(u32 "$a" $((cue + 4)))))
check '[ "$(dd if="$a" bs=1 skip=$data count=4 2> /dev/null)" = data ]' "side A's data chunk follows its cue chunk"

# A sample over the ceiling: full scale at frame 1000, left.
fresh peak
printf '\377\377\177' | dd of="$work/peak/vinyl/EXM-0102LP_A_44100_24.wav" bs=1 seek=$((data + 8 + 6000)) conv=notrunc 2> /dev/null
remanifest peak
check 'verify_fails peak && grep -q "EXM-0102LP_A_44100_24.wav: error: verification failed: vinyl/EXM-0102LP_A_44100_24.wav: true peak [-0-9.]* dBTP" "$work/err" && grep -q "FAIL  vinyl/EXM-0102LP_A_44100_24.wav: true peak" "$work/peak.txt"' \
    "a sample over the ceiling in side A fails verify, naming the file (manifest matching)"
check '! grep -q "MANIFEST" "$work/err"' "and the manifest did not catch it"

# A moved cue marker: the second point's sample offset, one sample later.
fresh cue
f="$work/cue/vinyl/EXM-0102LP_A_44100_24.wav"
put32 "$f" $((cue + 12 + 24 + 20)) $(($(u32 "$f" $((cue + 12 + 24 + 20))) + 1))
remanifest cue
check '[ "$("$SFCUES" "$f" | grep "^cue" | sed -n 2p)" = "cue $(($("$SFCUES" "$a" | grep "^cue" | sed -n 2p | cut -d" " -f2) + 1))" ]' \
    "the damaged side reads back with its second marker one sample later"
check 'verify_fails cue && grep -q "EXM-0102LP_A_44100_24.wav: error: verification failed: .*cue markers" "$work/err"' \
    "a moved cue marker fails verify, naming the file"

# The sheet edited: a time changed.
fresh sheet
sed -i 's/^  A2 \(.*\)00:14\./  A2 \100:15./' "$work/sheet/vinyl/cutting-sheet.txt"
remanifest sheet
check '! cmp -s "$sheet" "$work/sheet/vinyl/cutting-sheet.txt" && verify_fails sheet && grep -q "cutting-sheet.txt: error: verification failed: vinyl/cutting-sheet.txt: line [0-9]* does not follow" "$work/err"' \
    "a time edited on the cutting sheet fails verify, naming the sheet and the line"

# plan.json edited: a gap of one sample more.
fresh plan
sed -i '0,/"gap": 110250/s//"gap": 110251/' "$work/plan/plan.json"
remanifest plan
check '! cmp -s "$out/plan.json" "$work/plan/plan.json" && verify_fails plan && grep -q "plan.json:[0-9]*: error: the plan in .* does not follow from its project.xml" "$work/err"' \
    "an edited plan.json fails verify, naming plan.json and the line"

# project.xml edited: a title, then a rule broken.
fresh title
sed -i 's/title="Lantern"/title="Lanterns"/' "$work/title/project.xml"
remanifest title
check 'verify_fails title && grep -q "plan.json:[0-9]*: error: .*gives .*Lanterns.* for .*Lantern" "$work/err"' \
    "an edited project.xml fails verify: its plan is not plan.json"
fresh rule
sed -i 's/<side tracks="6-10"/<side tracks="7-10"/' "$work/rule/project.xml"
remanifest rule
check 'verify_fails rule && grep -q "project.xml:[0-9]*: error:" "$work/err"' \
    "a project.xml that breaks a rule fails verify, naming project.xml and the line"

# plan.json damaged, of another layout, or missing.
fresh broken
printf '{\n  "plan_version": 1,\n  "items": [1,]\n}\n' > "$work/broken/plan.json"
remanifest broken
check 'verify_fails broken && grep -q "plan.json:3: error: is not valid JSON" "$work/err"' \
    "a damaged plan.json fails verify, naming the line"
fresh layout
sed -i 's/"plan_version": 1/"plan_version": 2/' "$work/layout/plan.json"
remanifest layout
check 'verify_fails layout && grep -q "plan.json:2: error: plan_version 2 is not the 1 this version" "$work/err"' \
    "a plan.json of another layout is named as such"
fresh older
rm "$work/older/plan.json"
remanifest older
check 'verify_fails older && grep -q "plan.json: error: cannot be read .*render it again" "$work/err"' \
    "a render by a version that wrote no plan.json is named as such"
check '"$PREMASTER" verify "$work/mixes-away" > /dev/null 2>&1; [ $? = 1 ]' \
    "a folder that is not a render fails verify"
tap_done
