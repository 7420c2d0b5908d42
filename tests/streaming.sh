#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The streaming deliverable, cross-checked with ffmpeg/ffprobe, metaflac and sox: a synthetic
# album of a very quiet, a middling and a very loud song, normalised by album and by track, in
# every format; the files joined are the rendered stream (sox's samples hashed against the
# digest the writer recorded); the hidden track as the first file and omitted; a target that
# cannot be met exits 1 saying how close it came; the same bytes on a second render and with
# -j 1 and -j 2.
set -u
: "${PREMASTER:?}" "${MKAUDIO:?}" "${TAGTOOL:?}" "${TESTS_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-streaming.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"
# The cross-checks need these; CI installs them, so there a missing one is a failure.
for tool in ffmpeg ffprobe metaflac sox soxi sha256sum; do
    if ! command -v "$tool" > /dev/null 2>&1; then
        if [ "${CI:-}" = true ]; then
            echo "not ok 1 - $tool is required under CI=true"
            echo "1..1"
            exit 1
        fi
        echo "1..0 # SKIP $tool is not installed"
        exit 0
    fi
done

# project FILE HTOA DELIVER: the album; HTOA is separate, omit or none.
project() {
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<premaster version="1">'
        echo '  <album title="Stream Test" artist="Tester" upc="012345678905" date="2026-05-01"'
        echo '         label="Test Records" genre="Electronic" composer="A. Writer" disc="1" discs="2"'
        echo '         copyright="2026 Test Records" p-line="2026 Test Records" artwork="cover.png"/>'
        echo '  <tracks>'
        [ "$2" != none ] && echo "    <htoa src=\"mid.wav\" title=\"Hidden\" streaming=\"$2\"/>"
        echo '    <track src="quiet.wav" title="Very Quiet" gain="-20" gap="1" isrc="GB-EXM-26-00001"/>'
        echo '    <track src="mid.wav" title="Middle: A/B?" gap="0.5" artist="Tester feat. Guest"/>'
        echo '    <track src="loud.wav" title="Very Loud" gain="18" crossfade="0.25" isrc="GBEXM2600003"/>'
        echo '  </tracks>'
        echo "  <deliver>$3</deliver>"
        echo '</premaster>'
    } > "$work/$1"
}

render() { # NAME [ARGS...]: render NAME.xml into NAME/
    name=$1
    shift
    "$PREMASTER" render "$work/$name.xml" -o "$work/$name" "$@" > /dev/null 2> "$work/err"
}

# ffmpeg's integrated loudness and true peak of a file (one decimal each).
ebur128() { ffmpeg -nostats -hide_banner -i "$1" -af ebur128=peak=true -f null - 2>&1 |
    sed -n -e 's/^ *I: *\(-*[0-9.]*\) LUFS$/I \1/p' -e 's/^ *Peak: *\(-*[0-9.inf]*\) dBFS$/P \1/p' |
    tail -n 2 | tr '\n' ' '; }
lufs_of() { ebur128 "$1" | sed 's/^I \([^ ]*\) .*/\1/'; }
peak_of() { ebur128 "$1" | sed 's/.*P \([^ ]*\) *$/\1/'; }
# within A B TOL: |A - B| <= TOL
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
# at_most A B: A <= B
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# The joined samples as the writer hashed them: 32-bit little-endian words, left-justified.
joined_digest() { sox "$@" -t raw -e signed -b 32 -L - 2> /dev/null | sha256sum | cut -c1-64; }
report() { python3 -c "import json,sys; r=json.load(open('$1')); $2"; }

"$MKAUDIO" "$work/quiet.wav" 44100 2 4 > /dev/null
"$MKAUDIO" "$work/mid.wav" 44100 2 3 > /dev/null
"$MKAUDIO" "$work/loud.wav" 44100 2 4 wav24 square > /dev/null
"$TAGTOOL" image png 3000 3000 "$work/cover.png" > /dev/null

# ---- album normalisation, lossless ---------------------------------------------------------
project album.xml none '
    <streaming name="spot" preset="spotify" formats="flac wav" bits="24"/>
    <streaming name="apple" preset="apple" formats="flac" rate="48000" bits="16"/>
    <streaming name="amazon" preset="amazon" formats="wav" bits="32"/>'
render album
check '[ $? = 0 ]' "album normalisation to spotify, apple and amazon renders"
d="$work/album/streaming/spot"
check '[ -f "$d/01 Very Quiet.flac" ] && [ -f "$d/02 Middle_ A_B_.flac" ] && [ -f "$d/03 Very Loud.flac" ] && [ -f "$d/03 Very Loud.wav" ]' \
    "files are named NN Title.ext, unsafe characters replaced"
check '[ "$(ls -a "$d" | grep -c "tmp")" = 0 ]' "no temporary file is left"
# lengths: file 1 = quiet (4 s) + the 0.5 s gap before track 2; file 2 = mid (3 s) less the
# 0.25 s crossfade; file 3 = loud (4 s); track 1's 1 s gap is dropped.
check '[ "$(metaflac --show-total-samples "$d/01 Very Quiet.flac")" = 198450 ] && [ "$(metaflac --show-total-samples "$d/02 Middle_ A_B_.flac")" = 121275 ] && [ "$(metaflac --show-total-samples "$d/03 Very Loud.flac")" = 176400 ]' \
    "metaflac: each file runs from its track's start to the next's (gap in the previous file)"
check '[ "$(metaflac --show-sample-rate --show-bps --show-channels "$d/02 Middle_ A_B_.flac" | tr "\n" " ")" = "44100 24 2 " ]' \
    "metaflac: 44100 Hz, 24 bit, stereo at the working rate"
a="$work/album/streaming/apple"
check '[ "$(metaflac --show-sample-rate --show-bps "$a/01 Very Quiet.flac" | tr "\n" " ")" = "48000 16 " ] && [ "$(metaflac --show-total-samples "$a/01 Very Quiet.flac")" = 216000 ]' \
    "apple: 48000 Hz, 16 bit, the file's span converted to 48 kHz"
check '[ "$(ffprobe -v error -show_entries stream=sample_fmt,sample_rate -of csv=p=0 "$work/album/streaming/amazon/01 Very Quiet.wav")" = "flt,44100" ]' \
    "ffprobe: bits=32 is a float WAV"
for t in spot apple amazon; do
    ext=flac
    [ $t = amazon ] && ext=wav
    sox "$work/album/streaming/$t/"*.$ext "$work/$t-joined.wav"
    case $t in spot) want=-14 ceil=-1 ;; apple) want=-16 ceil=-1 ;; amazon) want=-14 ceil=-2 ;; esac
    l=$(lufs_of "$work/$t-joined.wav") p=$(peak_of "$work/$t-joined.wav")
    # ffmpeg prints one decimal: 0.1 LU of tolerance plus its rounding
    check 'within "$l" "$want" 0.15' "$t: ffmpeg reads the album at $l LUFS, $want within 0.1 LU"
    for f in "$work/album/streaming/$t/"*.$ext; do
        p=$(peak_of "$f")
        check 'at_most "$p" "$ceil"' "$t: ffmpeg's true peak of $(basename "$f"): $p dBTP, at most $ceil"
    done
done
recorded=$(cut -c1-64 "$work/album/streaming/spot.samples.sha256")
check '[ "$(joined_digest "$d/"*.flac)" = "$recorded" ] && [ "$(joined_digest "$d/"*.wav)" = "$recorded" ]' \
    "sox joins the FLAC files, and the WAV files, into the stream the writer hashed"
check '[ "$(joined_digest "$a/"*.flac)" = "$(cut -c1-64 "$work/album/streaming/apple.samples.sha256")" ]' \
    "and the 16-bit files at 48 kHz too"
check 'grep -q "\"samples_sha256\": \"$recorded\"" "$work/album/report.json"' "report.json records the digest"
# The normalisation preview: every platform, album and track mode, on the console and in the
# report; spot is at -14 LUFS, so spotify, youtube, tidal and amazon leave it alone, apple and
# aes (-16) turn it down 2 dB, deezer (-15) 1 dB.
check '[ "$(grep -c "note: streaming spot on " "$work/err")" = 8 ]' "render prints the preview of the 8 platforms"
report "$work/album/report.json" '
s = [t for t in r["targets"] if t["format"] == "streaming"][0]["targets"][0]
for p in s["preview"]:
    print(p["platform"], "%.1f" % p["album"]["gain_db"], len(p["tracks"]))' > "$work/preview.txt"
check 'grep -q "^spotify 0.0 3$" "$work/preview.txt" && grep -q "^youtube 0.0 3$" "$work/preview.txt" && grep -q "^apple -2.0 3$" "$work/preview.txt" && grep -q "^deezer -1.0 3$" "$work/preview.txt" && grep -q "^soundcloud 0.0 3$" "$work/preview.txt" && [ "$(wc -l < "$work/preview.txt")" = 8 ]' \
    "report.json previews every platform's album gain and each file's"
report "$work/album/report.json" '
s = [t for t in r["targets"] if t["format"] == "streaming"][0]["targets"][0]
p = [p for p in s["preview"] if p["platform"] == "spotify"][0]
f = s["formats"][0]["files"]
print("%.2f %.2f" % (p["tracks"][0]["gain_db"], -14 - f[0]["integrated_lufs"]))
y = [p for p in s["preview"] if p["platform"] == "youtube"][0]
print("%.2f" % y["tracks"][0]["gain_db"])' > "$work/preview2.txt"
check '[ "$(sed -n 1p "$work/preview2.txt" | cut -d" " -f1)" = "$(sed -n 1p "$work/preview2.txt" | cut -d" " -f2)" ] && [ "$(sed -n 2p "$work/preview2.txt")" = 0.00 ]' \
    "in track mode spotify turns the quiet song up to -14 (its peak stays under -1), youtube does not"

# The level differences between the songs survive album normalisation.
q=$(lufs_of "$d/01 Very Quiet.flac") m=$(lufs_of "$d/02 Middle_ A_B_.flac")
check 'within "$(awk -v a="$m" -v b="$q" "BEGIN { print a - b }")" 20 0.3' \
    "album mode keeps the 20 dB between the quiet and the middle song ($q and $m LUFS)"

# ---- track normalisation -------------------------------------------------------------------
project track.xml none '
    <streaming name="tracks" loudness="-16" ceiling="-1" normalize="track" formats="flac" bits="24"/>
    <streaming name="noboost" loudness="-16" ceiling="-1" normalize="track" boost="no" formats="flac"/>'
render track
check '[ $? = 0 ]' "track normalisation renders"
for f in "$work/track/streaming/tracks/"*.flac; do
    l=$(lufs_of "$f")
    check 'within "$l" -16 0.15' "track mode: ffmpeg reads $(basename "$f") at $l LUFS (-16)"
done
l=$(lufs_of "$work/track/streaming/noboost/01 Very Quiet.flac")
check 'at_most "$l" -40' "boost=no never raises the quiet song ($l LUFS)"
l=$(lufs_of "$work/track/streaming/noboost/03 Very Loud.flac")
check 'within "$l" -16 0.15' "and still turns the loud one down ($l LUFS)"

# ---- the hidden track ----------------------------------------------------------------------
project htoa.xml separate '<streaming name="f" loudness="-14" formats="flac"/>'
render htoa
check '[ $? = 0 ] && [ -f "$work/htoa/streaming/f/01 Hidden.flac" ] && [ -f "$work/htoa/streaming/f/04 Very Loud.flac" ]' \
    "a separate hidden track is file 01 and the numbering shifts"
# the hidden track runs from its start (after track 1's 2 s pause... here 1 s) to track 1's
check '[ "$(metaflac --show-total-samples "$work/htoa/streaming/f/01 Hidden.flac")" = 176400 ]' \
    "the hidden track's file holds it and the gap before track 1"
check '[ "$(joined_digest "$work/htoa/streaming/f/"*.flac)" = "$(cut -c1-64 "$work/htoa/streaming/f.samples.sha256")" ]' \
    "the four files joined are the stream"
project omit.xml omit '<streaming name="f" loudness="-14" formats="flac"/>'
render omit
check '[ $? = 0 ] && [ -f "$work/omit/streaming/f/01 Very Quiet.flac" ] && [ "$(ls "$work/omit/streaming/f" | wc -l)" = 3 ]' \
    "an omitted hidden track has no file: track 1 is file 01"
l=$(sox "$work/omit/streaming/f/"*.flac "$work/omit-joined.wav" && lufs_of "$work/omit-joined.wav")
check 'within "$l" -14 0.15' "and the album of the files left is at $l LUFS"

# ---- a target that cannot be met -----------------------------------------------------------
# A sine's loudness is 3 dB under its peak (PLR 3 dB), and a limiter that holds the ceiling
# keeps it a sine: -5 LUFS under a -6 dBTP ceiling is out of reach.
sed -e '/<htoa/d' -e '/quiet.wav/d' -e '/loud.wav/d' "$work/omit.xml" |
    sed 's|<streaming .*/>|<streaming name="hot" loudness="-5" ceiling="-6" formats="flac"/>|' \
    > "$work/loud.xml"
render loud
check '[ $? = 1 ]' "-5 LUFS at -6 dBTP on a sine cannot be met: exit 1"
check 'grep -q "streaming hot: the loudness reached -[0-9.]* LUFS, [-+][0-9.]* LU from the -5.0 LUFS target" "$work/err"' \
    "and render says which target and how close it came"
check '[ -f "$work/loud/streaming/hot/01 Middle_ A_B_.flac" ] && grep -q "\"not_met\"" "$work/loud/report.json"' \
    "the closest pass is kept and the report says it was not met"

# ---- lossy formats and the codec check ------------------------------------------------------
# No normalisation: the loud square wave keeps its level and the limiter holds it under -1 dBTP;
# the lossy codecs decode it with peaks over that, and their own ceilings come down.
project lossy.xml none '
    <streaming name="promo" normalize="none" ceiling="-1" formats="flac mp3 opus ogg"/>
    <streaming name="v0" loudness="-14" formats="mp3" mp3="vbr" rate="96000"/>'
render lossy
check '[ $? = 0 ]' "every format renders, with the codec check"
d="$work/lossy/streaming/promo"
# (an MP3's ID3v2 tag adds an empty section to ffprobe's csv: the first line, no trailing comma)
probe() { ffprobe -v error -select_streams a:0 -show_entries "stream=${2:-codec_name,sample_rate,channels}" \
    -of csv=p=0 "$1" | head -n 1 | sed 's/,$//'; }
check '[ "$(probe "$d/03 Very Loud.mp3")" = "mp3,44100,2" ] && [ "$(probe "$d/03 Very Loud.opus")" = "opus,48000,2" ] && [ "$(probe "$d/03 Very Loud.ogg")" = "vorbis,44100,2" ] && [ "$(probe "$work/lossy/streaming/v0/01 Very Quiet.mp3")" = "mp3,48000,2" ]' \
    "ffprobe: mp3 and Vorbis at 44.1 kHz, opus at 48 kHz, mp3 of a 96 kHz target at 48 kHz"
check '[ "$(probe "$d/02 Middle_ A_B_.mp3" bit_rate)" = 320000 ] && grep -aq Info "$d/02 Middle_ A_B_.mp3" && ! grep -aq Xing "$d/02 Middle_ A_B_.mp3"' \
    "mp3 is 320 kbps CBR (LAME's Info header)"
check 'grep -aq Xing "$work/lossy/streaming/v0/02 Middle_ A_B_.mp3"' "mp3=\"vbr\" is VBR (a Xing header)"
for f in "$d/"*.mp3 "$d/"*.opus "$d/"*.ogg; do
    p=$(peak_of "$f")
    check 'at_most "$p" -1' "ffmpeg decodes $(basename "$f") with a true peak of $p dBTP, at most -1"
done
# report: each lossy format's ceiling, what it needed, and each file's decoded figures
report "$work/lossy/report.json" '
s = [t for t in r["targets"] if t["format"] == "streaming"][0]
for f in s["targets"][0]["formats"]:
    print(f["format"], f["met"], f["passes"], f.get("codec_headroom_db", 0),
          min(x["true_peak_dbtp"] for x in f["files"]) is not None,
          max(x["true_peak_dbtp"] for x in f["files"]) <= -1.0,
          all(x["integrated_lufs"] is not None for x in f["files"]))' > "$work/lossy.txt"
check 'grep -q "^flac True 1 0 True True True" "$work/lossy.txt"' "the lossless files keep the -1 dBTP ceiling, met in one pass"
check 'awk "/^ogg / && \$3 >= 2 && \$4 > 0 && \$6 == \"True\" && \$7 == \"True\"" "$work/lossy.txt" | grep -q .' \
    "Vorbis needed its own lower ceiling: a second pass, the headroom in the report, every decoded peak within -1"
check '[ "$(grep -c "True True True$" "$work/lossy.txt")" = 4 ]' \
    "every format's files have their decoded loudness and peak in the report, within the ceiling"

# ---- tags ----------------------------------------------------------------------------------
d="$work/lossy/streaming/promo"
metaflac --export-tags-to="$work/tags.txt" "$d/03 Very Loud.flac"
# (the UPC-A 012345678905 is kept as the project holds it, its EAN-13 form)
for tag in "TITLE=Very Loud" "ARTIST=Tester" "ALBUM=Stream Test" "ALBUMARTIST=Tester" \
    "TRACKNUMBER=3" "TRACKTOTAL=3" "DISCNUMBER=1" "DISCTOTAL=2" "DATE=2026-05-01" \
    "GENRE=Electronic" "COMPOSER=A. Writer" "ISRC=GBEXM2600003" "BARCODE=0012345678905" \
    "LABEL=Test Records" "COPYRIGHT=2026 Test Records" "PRODUCEDNOTICE=2026 Test Records"; do
    check 'grep -qx "$tag" "$work/tags.txt"' "metaflac reads $tag"
done
# the lossless files are not normalised here: their ReplayGain is what they decode to
l=$(lufs_of "$d/03 Very Loud.flac")
g=$(sed -n 's/^REPLAYGAIN_TRACK_GAIN=\(.*\) dB$/\1/p' "$work/tags.txt")
check 'within "$g" "$(awk -v l="$l" "BEGIN { print -18 - l }")" 0.06' \
    "REPLAYGAIN_TRACK_GAIN $g dB is -18 LUFS less ffmpeg's $l LUFS"
check 'metaflac --list --block-type=PICTURE "$d/01 Very Quiet.flac" | grep -q "MIME type: image/png" && metaflac --list --block-type=PICTURE "$d/01 Very Quiet.flac" | grep -q "width: 3000"' \
    "metaflac finds the 3000 x 3000 PNG cover"
tags_of() { ffprobe -v error -show_entries format_tags:stream_tags -of default=nw=1 "$1"; }
tags_of "$d/02 Middle_ A_B_.mp3" > "$work/mp3.txt"
check 'grep -q "^TAG:title=Middle: A/B?$" "$work/mp3.txt" && grep -q "^TAG:artist=Tester feat. Guest$" "$work/mp3.txt" && grep -q "^TAG:track=2/3$" "$work/mp3.txt" && grep -q "^TAG:REPLAYGAIN_ALBUM_GAIN=" "$work/mp3.txt"' \
    "ffprobe reads the mp3's title, the track's own artist, track n/N and ReplayGain"
tags_of "$d/01 Very Quiet.opus" > "$work/opus.txt"
check 'grep -q "^TAG:ISRC=GBEXM2600001$" "$work/opus.txt" && grep -q "^TAG:R128_TRACK_GAIN=" "$work/opus.txt" && ! grep -q "REPLAYGAIN" "$work/opus.txt"' \
    "ffprobe reads the opus file's ISRC and R128 gains, and no ReplayGain"
tags_of "$d/03 Very Loud.ogg" > "$work/ogg.txt"
check 'grep -q "^TAG:BARCODE=0012345678905$" "$work/ogg.txt" && grep -q "^TAG:REPLAYGAIN_TRACK_PEAK=" "$work/ogg.txt"' \
    "ffprobe reads the Vorbis file's barcode and ReplayGain peak"
check 'grep -q "\"check\": \"streaming/promo/03 Very Loud.ogg: tags read back equal the project\", \"ok\": true" "$work/lossy/report.json" || grep -q "03 Very Loud.ogg: tags read back equal the project\", \"ok\": true" "$work/lossy/report.json"' \
    "render read every file's tags back through TagLib"

# ---- the demo: music-like material, 96 kHz, a crossfade cut mid-audio -----------------------
"$PREMASTER" demo "$work/demo" > /dev/null
sed -e '/<cd /d' -e '/<vinyl /,/<\/vinyl>/d' "$work/demo/album.xml" > "$work/demo/stream.xml"
"$PREMASTER" render "$work/demo/stream.xml" -o "$work/demo/out" > /dev/null 2> "$work/err"
check '[ $? = 0 ]' "the demo's spotify (flac, mp3) and apple (wav) targets render"
s="$work/demo/out/streaming"
sox "$s/spotify/"*.flac "$work/demo/spotify.wav" && sox "$s/apple/"*.wav "$work/demo/apple.wav"
l=$(lufs_of "$work/demo/spotify.wav")
check 'within "$l" -14 0.15' "demo, spotify: ffmpeg reads the album at $l LUFS"
l=$(lufs_of "$work/demo/apple.wav")
check 'within "$l" -16 0.15' "demo, apple: ffmpeg reads the album at $l LUFS"
for f in "$s/spotify/"*.flac "$s/spotify/"*.mp3 "$s/apple/"*.wav; do
    p=$(peak_of "$f")
    check 'at_most "$p" -1' "demo: ffmpeg's true peak of $(basename "$(dirname "$f")")/$(basename "$f"): $p dBTP"
done
check '[ "$(joined_digest "$s/spotify/"*.flac)" = "$(cut -c1-64 "$s/spotify.samples.sha256")" ] && [ "$(joined_digest "$s/apple/"*.wav)" = "$(cut -c1-64 "$s/apple.samples.sha256")" ]' \
    "demo: the files joined (track 4 cut where its crossfade starts) are the rendered stream"
check '[ "$(probe "$s/spotify/04 Whisper Static.mp3" sample_rate)" = 48000 ] && [ "$(metaflac --show-sample-rate "$s/spotify/01 First Light.flac")" = 96000 ]' \
    "demo: flac at the 96 kHz working rate, mp3 at 48 kHz"

# ---- the same bytes ------------------------------------------------------------------------
grep -v report.json "$work/lossy/MANIFEST.sha256" > "$work/m0"
render lossy -j 1 && grep -v report.json "$work/lossy/MANIFEST.sha256" > "$work/m1"
render lossy -j 2 && grep -v report.json "$work/lossy/MANIFEST.sha256" > "$work/m2"
check '[ -s "$work/m1" ] && cmp -s "$work/m0" "$work/m1" && cmp -s "$work/m1" "$work/m2"' \
    "the same bytes in every format on a second render, -j 1 and -j 2"
tap_done
