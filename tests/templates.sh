#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The project templates in templates/ (every *.xml but platforms.xml), two TAP tests each:
#   check   the template is copied into a folder of its own, every source it names (src=) and
#           its artwork (by tests/tagtool, 3000 x 3000) are made there, and `premaster check`
#           must exit 0 with no error and no warning, except those the template documents in a
#           comment of the form
#               <!-- check-warning: TEXT -->
#           (TEXT is part of the warning's message, case-insensitive; each such comment must
#           match a warning, and each warning must match such a comment);
#   schema  `xmllint --relaxng doc/premaster.rng` accepts it.
# And one more: templates/platforms.xml is well-formed XML.
# xmllint comes from libxml2-utils; without it the xmllint tests are skipped, or fail when CI=true.
#
# The sources are made with tests/mkaudio at 44.1 kHz, stereo, 24-bit (16-bit for AIFF), as WAV,
# FLAC or AIFF after the name's extension, and as short as the template allows: BASE_SECONDS, or
# longer where the track's end=, its index marks, its fades or a crossfade or pregap-audio need
# it. Attributes span several lines in the templates, so the src= values and the times of each
# track are read with awk over the whole file (comments removed) rather than line by line.
set -u
: "${PREMASTER:?}" "${MKAUDIO:?}" "${TAGTOOL:?}" "${TESTS_SRCDIR:?}" "${TOP_SRCDIR:?}"

BASE_SECONDS=30
RATE=44100

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-templates.XXXXXX")
trap 'rm -rf "$work"' EXIT
tab=$(printf '\t')

have_xmllint=no
command -v xmllint > /dev/null 2>&1 && have_xmllint=yes

. "$TESTS_SRCDIR/template-sources.sh"

count=1
for src in "$TOP_SRCDIR"/templates/*.xml; do
    case "$src" in
    */platforms.xml | *'/*.xml') continue ;;
    esac
    count=$((count + 2))
done
echo "1..$count"
n=0

xmllint_missing() { # $1: the test's description
    if [ "${CI:-}" = true ]; then
        echo "not ok $n - $1"
        echo "# xmllint is missing (Debian: libxml2-utils); under CI=true it must be there"
    else
        echo "ok $n - $1 # SKIP xmllint not found (Debian: libxml2-utils)"
    fi
}

for src in "$TOP_SRCDIR"/templates/*.xml; do
    name=$(basename "$src")
    case "$name" in
    platforms.xml | '*.xml') continue ;;
    esac

    # ---- premaster check ----
    n=$((n + 1))
    dir="$work/${name%.xml}"
    mkdir -p "$dir"
    cp "$src" "$dir/$name"
    needs "$src" > "$work/needs.txt"
    problems=""
    made=$(make_sources "$dir" "$work/needs.txt")
    [ -z "$made" ] || problems="could not make the sources: $made; "
    [ -s "$work/needs.txt" ] || problems="$problems no src= found; "
    (cd "$dir" && "$PREMASTER" check "$name" > "$work/out.txt" 2> "$work/err.txt")
    got_exit=$?
    [ "$got_exit" = 0 ] || problems="$problems exit status $got_exit, expected 0; "
    grep -q ': error: ' "$work/err.txt" && problems="$problems errors; "
    [ -s "$work/out.txt" ] || problems="$problems no plan printed; "
    # Warnings: each one documented by a check-warning comment, and each comment used.
    sed -n 's/.*<!-- check-warning: \(.*\) -->.*/\1/p' "$src" > "$work/documented.txt"
    grep ': warning: ' "$work/err.txt" > "$work/warnings.txt"
    while IFS= read -r warning; do
        found=no
        while IFS= read -r text; do
            printf '%s\n' "$warning" | grep -qiF -- "$text" && found=yes
        done < "$work/documented.txt"
        [ "$found" = yes ] || problems="$problems a warning the template does not document; "
    done < "$work/warnings.txt"
    while IFS= read -r text; do
        grep -qiF -- "$text" "$work/warnings.txt" ||
            problems="$problems no warning holds the documented \"$text\"; "
    done < "$work/documented.txt"
    if [ -z "$problems" ]; then
        echo "ok $n - check $name"
    else
        echo "not ok $n - check $name"
        echo "# $problems"
        sed 's/^/#   made: /' "$work/needs.txt"
        sed 's/^/#   stderr: /' "$work/err.txt"
    fi
    rm -rf "$dir"

    # ---- the RELAX NG schema ----
    n=$((n + 1))
    if [ "$have_xmllint" = no ]; then
        xmllint_missing "schema $name"
    elif xmllint --noout --relaxng "$TOP_SRCDIR/doc/premaster.rng" "$src" > "$work/xmllint.txt" 2>&1
    then
        echo "ok $n - schema $name"
    else
        echo "not ok $n - schema $name"
        sed 's/^/#   /' "$work/xmllint.txt"
    fi
done

# ---- the platform presets: well-formed ----
n=$((n + 1))
if [ "$have_xmllint" = no ]; then
    xmllint_missing "platforms.xml is well-formed"
elif xmllint --noout "$TOP_SRCDIR/templates/platforms.xml" > "$work/xmllint.txt" 2>&1; then
    echo "ok $n - platforms.xml is well-formed"
else
    echo "not ok $n - platforms.xml is well-formed"
    sed 's/^/#   /' "$work/xmllint.txt"
fi
