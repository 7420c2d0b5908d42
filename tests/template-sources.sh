# SPDX-License-Identifier: GPL-3.0-or-later
# The sources a project template names, made with tests/mkaudio (sourced by tests/templates.sh
# and tests/cd.sh). The caller sets MKAUDIO, TAGTOOL (it draws the artwork), BASE_SECONDS (the
# shortest source), RATE and tab (a TAB character).
#   needs FILE          what the template FILE needs, one line each (below)
#   make_sources DIR LIST   make LIST's files under DIR; prints the failures
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

