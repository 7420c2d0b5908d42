#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs `premaster check` on every tests/projects/{good,bad}.NNN.*.xml, one TAP test each.
#
# Each project states what it expects in XML comments:
#   <!-- exit: N -->            the exit status (default 0 for good, 1 for bad)
#   <!-- error: LINE WORD... --> (bad) an error at LINE whose message holds every WORD
#                                (case-insensitive; words may be "quoted phrases")
#   <!-- warning: LINE WORD... --> a warning at LINE, the same way
#   <!-- plan: TEXT -->         (good) a line of the printed plan holding TEXT
#   <!-- no-plan -->            nothing may be printed on standard output
# The projects name their audio as audio/NAME; the files are made here with tests/mkaudio.
set -u
: "${PREMASTER:?}" "${MKAUDIO:?}" "${TAGTOOL:?}" "${TESTS_SRCDIR:?}"

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-projects.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/audio"
a="$work/audio"
# The sources the projects use, made once: RATE CHANNELS SECONDS [KIND].
$MKAUDIO "$a/a44.wav" 44100 2 30 wav16 &&
    $MKAUDIO "$a/b48.wav" 48000 2 20 &&
    $MKAUDIO "$a/c96.wav" 96000 2 25 &&
    $MKAUDIO "$a/m44.wav" 44100 1 10 wav16 &&
    $MKAUDIO "$a/f44.flac" 44100 2 12 flac16 &&
    $MKAUDIO "$a/float48.wav" 48000 2 8 float &&
    $MKAUDIO "$a/aiff44.aiff" 44100 2 6 aiff16 &&
    $MKAUDIO "$a/short3.wav" 44100 2 3 wav16 &&
    $MKAUDIO "$a/r32k.wav" 32000 2 5 wav16 &&
    $MKAUDIO "$a/r192.wav" 192000 2 5 &&
    $MKAUDIO "$a/ch3.wav" 44100 3 5 wav16 &&
    $MKAUDIO "$a/long540.flac" 44100 1 540 flac16 &&
    $MKAUDIO --text "$a/text.wav" || {
    echo "Bail out! tests/mkaudio could not make the test audio"
    exit 1
}
# Artwork is read whole (formats/tags.h): real pictures, made by tests/tagtool.
"$TAGTOOL" image png 64 64 "$work/cover.png" && "$TAGTOOL" image png 20 10 "$work/wide.png" &&
    "$TAGTOOL" image cutpng 16 16 "$work/cut.png" && "$TAGTOOL" image gif 1 1 "$work/cover.gif" || {
    echo "Bail out! tests/tagtool could not make the test pictures"
    exit 1
}

projects=$(ls "$TESTS_SRCDIR"/projects/good.*.xml "$TESTS_SRCDIR"/projects/bad.*.xml)
count=$(echo "$projects" | wc -l)
echo "1..$count"
n=0
for src in $projects; do
    n=$((n + 1))
    name=$(basename "$src")
    cp "$src" "$work/$name"
    case "$name" in
    good.*) want_exit=0 ;;
    *) want_exit=1 ;;
    esac
    e=$(sed -n 's/.*<!-- exit: \([0-9]*\) -->.*/\1/p' "$src" | head -1)
    [ -n "$e" ] && want_exit=$e
    (cd "$work" && "$PREMASTER" check "$name" > out.txt 2> err.txt)
    got_exit=$?
    problems=""
    [ "$got_exit" = "$want_exit" ] || problems="exit status $got_exit, expected $want_exit; "
    # Every expected diagnostic: the line number and each word.
    sed -n 's/.*<!-- \(error\|warning\): \(.*\) -->.*/\1 \2/p' "$src" > "$work/expect.txt"
    while read -r severity line words; do
        matches=$(grep -i "^$name:$line: $severity: " "$work/err.txt")
        eval "set -- $words"
        for w in "$@"; do
            matches=$(printf '%s\n' "$matches" | grep -iF -- "$w")
        done
        [ -n "$matches" ] || problems="$problems no $severity at line $line with: $words; "
    done < "$work/expect.txt"
    if [ "$want_exit" = 1 ] && [ ! -s "$work/expect.txt" ]; then
        problems="$problems the bad project states no expected error; "
    fi
    sed -n 's/.*<!-- plan: \(.*\) -->.*/\1/p' "$src" > "$work/plan.txt"
    while IFS= read -r text; do
        grep -qF -- "$text" "$work/out.txt" || problems="$problems plan lacks: $text; "
    done < "$work/plan.txt"
    if grep -q '<!-- no-plan -->' "$src" && [ -s "$work/out.txt" ]; then
        problems="$problems a plan was printed; "
    fi
    # A good project has no error, and a bad one no error the test does not expect.
    if [ "$want_exit" = 0 ] && grep -q ': error: ' "$work/err.txt"; then
        problems="$problems unexpected errors; "
    fi
    if [ -z "$problems" ]; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        echo "# $problems"
        sed 's/^/#   stderr: /' "$work/err.txt"
    fi
    rm -f "$work/$name"
done
