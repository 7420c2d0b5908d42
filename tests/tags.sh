#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Tags through TagLib (formats/tags.h) on FLAC, MP3, Ogg Vorbis, Ogg Opus and WAV files made by
# libsndfile: the full tag set of tests/tagtool.c, with a non-ASCII title and a PNG then a JPEG
# cover, read back by pm_tags_verify, by ffprobe (every tag, per format, and the picture's bytes)
# and by metaflac (every FLAC tag and the PICTURE block); ReplayGain for FLAC, MP3 and Vorbis,
# R128 and no ReplayGain for Opus; a tag changed behind our back, or a different project, fails
# pm_tags_verify naming the file and the tag; a GIF, garbage and a cut PNG are refused naming
# the file; warnings for artwork that is not square or under 3000 x 3000 pixels.
set -u
: "${TAGTOOL:?}" "${TESTS_SRCDIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-tags.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$TESTS_SRCDIR/tap-lib.sh"
TAP_ERR="$work/err"
cd "$work" || exit 1

# have PROGRAM: 0 when it is installed; outside CI a missing one skips its checks, under
# CI=true it is a failure.
have() {
    command -v "$1" > /dev/null 2>&1 && return 0
    if [ "${CI:-}" = true ]; then not_ok "$1 is installed (CI needs it)"; else ok "# SKIP $1 is not installed"; fi
    return 1
}

title='Café – Ünïcode ✓'
formats="flac mp3 ogg opus wav"

# ---- artwork --------------------------------------------------------------------------------
"$TAGTOOL" image png 20 10 wide.png && "$TAGTOOL" image png 32 32 cover.png &&
    "$TAGTOOL" image jpeg 3000 3000 big.jpg && "$TAGTOOL" image jpeg 48 48 cover.jpg &&
    "$TAGTOOL" image gif 1 1 cover.gif && "$TAGTOOL" image garbage 1 1 junk.jpg &&
    "$TAGTOOL" image cutpng 16 16 cut.png || { echo "Bail out! tagtool image failed"; exit 1; }

"$TAGTOOL" artwork big.jpg > out 2> err
check '[ $? = 0 ] && [ "$(cat out)" = "3000 3000 image/jpeg 8" ] && [ ! -s err ]' \
    "a 3000 x 3000 JPEG loads with its size from SOF0 and no warning"
"$TAGTOOL" artwork wide.png > out 2> err
check '[ $? = 0 ] && [ "$(cat out)" = "20 10 image/png 8" ]' "a 20 x 10 PNG loads with its size from IHDR"
check 'grep -q "^wide.png: warning: .*20 x 10 pixels, not square" err' "and is warned about: not square"
check 'grep -q "^wide.png: warning: .*under the 3000 x 3000" err' "and is warned about: under 3000 x 3000"
"$TAGTOOL" artwork cover.jpg > out 2> err
check '[ $? = 0 ] && grep -q "^cover.jpg: warning: .*48 x 48 pixels, under the 3000 x 3000" err && ! grep -q "not square" err' \
    "a 48 x 48 JPEG: only the size warning"
# refused FILE MESSAGE NAME: pm_artwork_load refuses FILE with "FILE: error: MESSAGE..."
refused() {
    "$TAGTOOL" artwork "$1" > out 2> err
    rc=$? pattern="^$1: error: $2"
    check '[ $rc = 1 ] && [ ! -s out ] && grep -q "$pattern" err' "$3"
}
refused cover.gif "the artwork is a GIF image; .*only JPEG or PNG" "a GIF is refused, naming the file"
refused junk.jpg "the artwork is not an image format we know" "garbage named .jpg is refused, naming the file"
refused cut.png "the artwork is not a whole PNG image" "a PNG cut before IEND is refused, naming the file"
head -c 100 big.jpg > cut.jpg
refused cut.jpg "the artwork is not a whole JPEG image" "a JPEG cut short is refused, naming the file"
# 65535 x 65535 pixels at 2 bits a block: 16 MiB and a little more, past what a FLAC PICTURE
# block (24-bit length) holds.
"$TAGTOOL" image jpeg 65535 65535 huge.jpg
refused huge.jpg "the artwork has $(wc -c < huge.jpg) bytes; a FLAC picture holds at most 16777152" \
    "a JPEG over 16 MiB is refused, naming the file"
rm -f huge.jpg
"$TAGTOOL" write nothing.flac cover.gif > /dev/null 2> err
check '[ $? = 1 ] && grep -q "cover.gif: error" err' "tagging with GIF artwork fails before touching the file"

# ---- every format: write, verify, re-tag ------------------------------------------------------
for f in $formats; do
    if ! "$TAGTOOL" audio "a.$f" "$f" 2> err; then
        not_ok "libsndfile writes a .$f file"
        continue
    fi
    "$TAGTOOL" write "a.$f" cover.png > /dev/null 2> err
    check '[ $? = 0 ] && ! grep -q error err' "$f: the full tag set and a PNG cover are written"
    "$TAGTOOL" verify "a.$f" cover.png > out 2> err
    check '[ $? = 0 ] && [ "$(cat out)" = "ok: a.$f: tags read back equal the project" ]' \
        "$f: pm_tags_verify reads every tag and the PNG back"
    cp "a.$f" "png.$f"
    # tagging again replaces: the JPEG is then the one picture
    "$TAGTOOL" write "a.$f" cover.jpg > /dev/null 2>&1 && "$TAGTOOL" verify "a.$f" cover.jpg > /dev/null 2> err
    check '[ $? = 0 ]' "$f: tagged again with a JPEG, it reads back with the JPEG alone"
done

# A file under its temporary name (fsutil's pm_temp_name) is tagged by the extension before .tmp.
cp a.flac .b.flac.tmp
"$TAGTOOL" write .b.flac.tmp cover.jpg 2> err && "$TAGTOOL" verify .b.flac.tmp cover.jpg > /dev/null 2>> err
check '[ $? = 0 ]' "a FLAC file named .NAME.flac.tmp is tagged and verified"
cp a.wav a.aiff
"$TAGTOOL" write a.aiff 2> err
check '[ $? = 1 ] && grep -q "a.aiff: error: .*not a .flac, .mp3, .ogg, .opus or .wav file" err' \
    "an extension that is none of the five is refused, naming the file"

# ---- a changed tag fails, naming the file and the tag ---------------------------------------
"$TAGTOOL" verify a.flac cover.jpg isrc=GBEXM2600099 > out 2> err
check '[ $? = 1 ] && grep -q "^FAILED: a.flac: tags read back" out && grep -q "^a.flac: error: tag ISRC reads \"GBEXM2600003\", the project says \"GBEXM2600099\"" err' \
    "flac: a project with another ISRC fails, naming the file and ISRC"
"$TAGTOOL" verify a.mp3 cover.jpg track=4 > out 2> err
check '[ $? = 1 ] && grep -q "a.mp3: error: tag TRACKNUMBER reads \"3/12\", the project says \"4/12\"" err' \
    "mp3: another track number fails, naming TRACKNUMBER"
"$TAGTOOL" verify a.opus cover.png > out 2> err
check '[ $? = 1 ] && grep -q "a.opus: error: the picture differs from the artwork file" err' \
    "opus: another picture fails, naming the picture"
"$TAGTOOL" verify a.ogg > out 2> err
check '[ $? = 1 ] && grep -q "a.ogg: error: the picture is there, the project has no artwork" err' \
    "ogg: a picture the project does not have fails"
for f in $formats; do
    cp "a.$f" "poked.$f"
    "$TAGTOOL" poke "poked.$f" TITLE "Another title" && "$TAGTOOL" verify "poked.$f" cover.jpg > out 2> err
    check '[ $? = 1 ] && grep -q "poked.$f: error: tag TITLE reads \"Another title\", the project says \"$title\"" err' \
        "$f: a title changed behind our back fails, naming the file and TITLE"
done
cp a.flac extra.flac
"$TAGTOOL" poke extra.flac LABEL && "$TAGTOOL" verify extra.flac cover.jpg > out 2> err
check '[ $? = 1 ] && grep -q "extra.flac: error: tag LABEL is missing, the project says \"Example Records\"" err' \
    "flac: a removed label fails, naming LABEL"

# ---- loudness: ReplayGain or R128, never both --------------------------------------------------
cp a.flac quiet.flac
"$TAGTOOL" write quiet.flac cover.jpg loudness=no 2> err && "$TAGTOOL" verify quiet.flac cover.jpg loudness=no > /dev/null 2>> err
check '[ $? = 0 ]' "flac: tagged again without loudness, it verifies without it"
"$TAGTOOL" verify quiet.flac cover.jpg > out 2> err
check '[ $? = 1 ] && grep -q "tag REPLAYGAIN_TRACK_GAIN is missing, the project says \"-3.80 dB\"" err' \
    "and a project with loudness then fails, naming REPLAYGAIN_TRACK_GAIN"
cp a.flac year.flac
"$TAGTOOL" write year.flac cover.jpg date= year=2026 2> err && "$TAGTOOL" verify year.flac cover.jpg date= year=2026 > /dev/null 2>> err
check '[ $? = 0 ]' "flac: a project with a year and no date is tagged DATE=2026 and verifies"
"$TAGTOOL" verify year.flac cover.jpg > out 2> err
check '[ $? = 1 ] && grep -q "year.flac: error: tag DATE reads \"2026\", the project says \"2026-05-01\"" err' \
    "and a project with the full date then fails, naming DATE"
cp a.wav rg.wav
"$TAGTOOL" poke rg.wav REPLAYGAIN_TRACK_GAIN "-1.00 dB" && "$TAGTOOL" verify rg.wav cover.jpg > out 2> err
check '[ $? = 1 ] && grep -q "rg.wav: error: tag REPLAYGAIN_TRACK_GAIN reads \"-1.00 dB\", the project has none" err' \
    "wav: a ReplayGain tag, which WAV files do not get, fails naming it"
cp a.flac silent.flac
"$TAGTOOL" write silent.flac cover.jpg track_lufs=-inf > /dev/null 2> err
check '[ $? = 1 ] && grep -q "silent.flac: error: REPLAYGAIN_TRACK_GAIN cannot be tagged: the loudness -inf is not finite" err && cmp -s a.flac silent.flac' \
    "flac: the loudness of silence (-inf LUFS) is refused naming the key; the file is left as it was"
cp a.opus loud.opus
"$TAGTOOL" write loud.opus cover.jpg track_lufs=200 > /dev/null 2> err
check '[ $? = 1 ] && grep -q "loud.opus: error: R128_TRACK_GAIN cannot be tagged" err' \
    "opus: a loudness whose R128 gain is beyond Q7.8 is refused, naming the key"

# ---- ffprobe: every tag, per format ---------------------------------------------------------
# ffprobe's names: Xiph comments as written but for ffmpeg's album_artist, disc and track;
# ID3v2 frames by ffmpeg's names where it has one (TSRC, TPRO and TXXX as they are).
xiph_tags="ALBUM=Night Drive|album_artist=The Examples & Friends|ARTIST=The Examples|BARCODE=0724384960650|COMPOSER=A. Writer|COPYRIGHT=2026 Example Records|DATE=2026-05-01|disc=1|DISCTOTAL=2|GENRE=Electronic|ISRC=GBEXM2600003|LABEL=Example Records|PRODUCEDNOTICE=2026 Example Records Ltd|TITLE=$title|track=3|TRACKTOTAL=12"
rg_tags="REPLAYGAIN_TRACK_GAIN=-3.80 dB|REPLAYGAIN_TRACK_PEAK=0.891251|REPLAYGAIN_ALBUM_GAIN=-4.13 dB|REPLAYGAIN_ALBUM_PEAK=0.944061"
id3_tags="title=$title|artist=The Examples|album=Night Drive|album_artist=The Examples & Friends|date=2026-05-01|genre=Electronic|composer=A. Writer|TSRC=GBEXM2600003|BARCODE=0724384960650|publisher=Example Records|copyright=2026 Example Records|TPRO=2026 Example Records Ltd|track=3/12|disc=1/2"
info_tags="title=$title|artist=The Examples|album=Night Drive|genre=Electronic"

# probe_has FILE LIST: every KEY=VALUE of LIST ("|"-separated) is a tag in ffprobe's JSON of
# FILE; the missing ones go to $work/missing.
probe_has() {
    ffprobe -v error -show_format -show_streams -of json "$1" > probe.json 2>&1
    : > missing
    echo "$2" | tr '|' '\n' | while IFS= read -r kv; do
        grep -qF "\"${kv%%=*}\": \"${kv#*=}\"" probe.json || echo "$kv" >> missing
    done
    [ ! -s missing ]
}
# picture_is FILE IMAGE CODEC W H: ffprobe shows the attached picture; ffmpeg copies it out
# byte for byte.
picture_is() {
    ffprobe -v error -select_streams v -show_streams -of json "$1" > pic.json 2>&1 &&
        grep -q "\"codec_name\": \"$3\"" pic.json && grep -q "\"width\": $4," pic.json &&
        grep -q "\"height\": $5," pic.json && grep -q "\"attached_pic\": 1" pic.json &&
        rm -f pic.out && ffmpeg -v error -i "$1" -map 0:v -c copy -frames:v 1 -f image2 pic.out &&
        cmp -s pic.out "$2"
}
# riff_chunk FILE ID OUT: the data of the first chunk ID of a RIFF file (sizes little-endian,
# as od reads them on the little-endian machines the tests run on).
riff_chunk() {
    size=$(wc -c < "$1") pos=12
    while [ $((pos + 8)) -le "$size" ]; do
        id=$(dd if="$1" bs=1 skip=$pos count=4 2> /dev/null)
        len=$(od -An -tu4 -j $((pos + 4)) -N4 "$1" | tr -d ' ')
        if [ "$id" = "$2" ]; then
            tail -c +$((pos + 9)) "$1" | head -c "$len" > "$3"
            return 0
        fi
        pos=$((pos + 8 + len + len % 2))
    done
    return 1
}

if have ffprobe && have ffmpeg; then
    TAP_ERR="$work/missing"
    check 'probe_has a.flac "$xiph_tags|$rg_tags"' "ffprobe: flac has every tag, with ReplayGain"
    check 'probe_has a.ogg "$xiph_tags|$rg_tags"' "ffprobe: ogg (Vorbis) has every tag, with ReplayGain"
    check 'probe_has a.opus "$xiph_tags|R128_TRACK_GAIN=-2253|R128_ALBUM_GAIN=-2337"' \
        "ffprobe: opus has every tag, with R128 gains (Q7.8 to -23 LUFS)"
    check '! grep -q REPLAYGAIN probe.json' "ffprobe: opus has no ReplayGain tag"
    check 'probe_has a.mp3 "$id3_tags|$rg_tags"' "ffprobe: mp3 has every tag in ID3v2.4, with ReplayGain"
    check '[ "$(head -c 4 a.mp3 | od -An -tx1 | tr -d " ")" = "49443304" ]' "mp3: the tag is ID3v2.4"
    check 'probe_has a.wav "$info_tags"' "ffprobe: wav shows its INFO chunk's title, artist, album, genre"
    "$TAGTOOL" audio plain.mp3 mp3
    if riff_chunk a.wav "ID3 " wav.id3; then
        cat wav.id3 plain.mp3 > wavid3.mp3
        check 'probe_has wavid3.mp3 "$id3_tags" && ! grep -q REPLAYGAIN probe.json' \
            "ffprobe: wav's ID3 chunk has every tag, no ReplayGain (read as an MP3's tag)"
    else
        not_ok "wav has an ID3 chunk"
    fi
    check '! probe_has quiet.flac "REPLAYGAIN_TRACK_GAIN=-3.80 dB" && ! grep -q REPLAYGAIN probe.json' \
        "ffprobe: the file tagged without loudness has no ReplayGain tag left"
    TAP_ERR="$work/err"
    for f in $formats; do
        check 'picture_is "png.$f" cover.png png 32 32' "ffprobe: $f carries the PNG cover, byte for byte"
        check 'picture_is "a.$f" cover.jpg mjpeg 48 48' "ffprobe: $f carries the JPEG cover, byte for byte"
    done
fi

# ---- metaflac: every tag and the PICTURE block -----------------------------------------------
if have metaflac; then
    metaflac --export-tags-to=tags.txt a.flac
    printf '%s\n' "$xiph_tags|$rg_tags" | tr '|' '\n' |
        sed 's/^album_artist=/ALBUMARTIST=/; s/^disc=/DISCNUMBER=/; s/^track=/TRACKNUMBER=/' |
        LC_ALL=C sort > want.txt
    LC_ALL=C sort tags.txt > got.txt
    diff want.txt got.txt > err
    check '[ $? = 0 ]' "metaflac: the FLAC comments are exactly the tag set ($(wc -l < got.txt) tags)"
    metaflac --list --block-type=PICTURE a.flac > pic.txt
    check '[ "$(grep -c "type: 6 (PICTURE)" pic.txt)" = 1 ] && grep -q "type: 3 (Cover (front))" pic.txt && grep -q "MIME type: image/jpeg" pic.txt' \
        "metaflac: one PICTURE block, the front cover, image/jpeg"
    check 'grep -q "width: 48" pic.txt && grep -q "height: 48" pic.txt && grep -q "depth: 8" pic.txt && grep -q "data length: $(wc -c < cover.jpg)" pic.txt' \
        "metaflac: its width, height, depth and length are the JPEG's"
    rm -f pic.out
    metaflac --export-picture-to=pic.out a.flac
    check 'cmp -s pic.out cover.jpg' "metaflac: the picture exported is the JPEG, byte for byte"
    metaflac --list --block-type=PICTURE png.flac > pic.txt
    check 'grep -q "MIME type: image/png" pic.txt && grep -q "width: 32" pic.txt' "metaflac: the PNG cover as a PNG, 32 pixels wide"
    cp a.flac meta.flac
    metaflac --remove-tag=ISRC --set-tag=ISRC=GBEXM2600077 meta.flac
    "$TAGTOOL" verify meta.flac cover.jpg > out 2> err
    check '[ $? = 1 ] && grep -q "meta.flac: error: tag ISRC reads \"GBEXM2600077\"" err' \
        "an ISRC changed by metaflac fails pm_tags_verify, naming the file and ISRC"
fi

tap_done
