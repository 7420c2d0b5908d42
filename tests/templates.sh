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

# What a template needs made, one line each: "audio<TAB>SECONDS<TAB>PATH" for every src= of a
# <track> or <htoa>, "artwork<TAB>0<TAB>PATH" for the album's artwork.
needs() {
    awk -v base="$BASE_SECONDS" '
    function attr(el, name,   s) {
        if (!match(el, "[ \t]" name "=\"[^\"]*\""))
            return ""
        s = substr(el, RSTART, RLENGTH)
        sub(/^[^"]*"/, "", s)
        sub(/"$/, "", s)
        return s
    }
    # A time of the project format: 2, 0.5, 3:27.250, 1:02:03.5, 30ms, 150f, 2s.
    function seconds(v,   n, a, i, s) {
        if (v == "")
            return 0
        if (v ~ /ms$/)
            return substr(v, 1, length(v) - 2) / 1000
        if (v ~ /f$/)
            return substr(v, 1, length(v) - 1) / 75
        if (v ~ /s$/)
            v = substr(v, 1, length(v) - 1)
        n = split(v, a, ":")
        s = 0
        for (i = 1; i <= n; i++)
            s = s * 60 + a[i]
        return s
    }
    function max(a, b) { return a > b ? a : b }
    function track_start(el) {
        count++
        src[count] = attr(el, "src")
        start[count] = seconds(attr(el, "start"))
        has_end[count] = attr(el, "end") != ""
        need[count] = has_end[count] ? max(base, seconds(attr(el, "end")) + 1) : base
        fades = seconds(attr(el, "fade-in")) + seconds(attr(el, "fade-out"))
        if (!has_end[count])
            need[count] = max(need[count], start[count] + fades + 5)
        overlap = max(seconds(attr(el, "crossfade")), seconds(attr(el, "pregap-audio")))
        if (overlap > 0 && !has_end[count])
            need[count] = max(need[count], start[count] + overlap + 5)
        # The previous track (not the hidden one) must outlast the overlap too.
        if (overlap > 0 && count > 1 && !has_end[count - 1])
            need[count - 1] = max(need[count - 1], start[count - 1] + overlap + 5)
    }
    { doc = doc $0 "\n" }
    END {
        text = ""
        while ((i = index(doc, "<!--")) > 0) {
            text = text substr(doc, 1, i - 1)
            doc = substr(doc, i + 4)
            j = index(doc, "-->")
            if (j == 0) {
                doc = ""
                break
            }
            doc = substr(doc, j + 3)
        }
        text = text doc
        gsub(/[\t\n\r]/, " ", text)
        n = split(text, parts, "<")
        count = 0
        for (k = 2; k <= n; k++) {
            el = parts[k]
            name = el
            sub(/[ \/>].*/, "", name)
            if (name == "track" || name == "htoa")
                track_start(el)
            else if (name == "index" && count > 0 && !has_end[count])
                need[count] = max(need[count], start[count] + seconds(attr(el, "at")) + 10)
            else if (name == "album" && attr(el, "artwork") != "")
                printf "artwork\t0\t%s\n", attr(el, "artwork")
        }
        for (c = 1; c <= count; c++) {
            s = int(need[c])
            if (s < need[c])
                s++
            printf "audio\t%d\t%s\n", s, src[c]
        }
    }' "$1"
}

# Make what the template in folder $1 needs (list in $2); print the failures.
make_sources() {
    while IFS="$tab" read -r what secs path; do
        [ -n "$path" ] || {
            echo "a <track> or <htoa> without src"
            continue
        }
        mkdir -p "$1/$(dirname "$path")" || continue
        if [ "$what" = artwork ]; then
            # whole pictures of the size stores want, so that check warns about nothing
            case "$path" in
            *.png | *.PNG) "$TAGTOOL" image png 3000 3000 "$1/$path" ;;
            *) "$TAGTOOL" image jpeg 3000 3000 "$1/$path" ;;
            esac
            continue
        fi
        case "$path" in
        *.wav | *.WAV) kind=wav24 ;;
        *.flac | *.FLAC) kind=flac24 ;;
        *.aif | *.aiff | *.AIF | *.AIFF) kind=aiff16 ;;
        *)
            echo "no way to make \"$path\" (tests/mkaudio writes .wav, .flac and .aiff)"
            continue
            ;;
        esac
        "$MKAUDIO" "$1/$path" "$RATE" 2 "$secs" "$kind" 2>&1
    done < "$2"
}

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
