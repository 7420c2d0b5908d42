/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reading DDP 1.x/2.00 audio-CD filesets, ours or another tool's (ddp-notes.md section 1): the
 * model behind `premaster ddp info | verify | extract` (premaster.h has the public calls).
 *
 * The reader is lenient where writers disagree (ddp-notes section 0): file names come from the
 * DSI fields, numbers may be zero- or space-padded, the lead-out PQ entry may appear once or
 * twice, the DDPID user text may sit at byte 93 or 94, CDTEXT.BIN may carry a trailing NUL. It
 * never trusts a length or a name it reads: every field is range-checked before it is used, and
 * a DSI that is not a plain file name is refused.
 *
 * Reading only parses (CD-TEXT through the decoder of formats/cdtext.h); pm_ddp_verify
 * (ddp_check.c) applies the rules. What the reader cannot
 * parse is an error in the diag naming the file and the field, and the part it concerns is left
 * out of the model.
 */
#ifndef PM_DDP_READ_H
#define PM_DDP_READ_H

#include <stddef.h>
#include <stdint.h>

#include "cdtext.h"
#include "premaster.h"

#define PM_DDP_ID_BYTES 128   /* DDPID: one record (1.3) */
#define PM_DDP_MAP_BYTES 128  /* DDPMS: one map packet (1.4) */
#define PM_DDP_PQ_BYTES 64    /* PQ descriptor packet (1.5) */
#define PM_DDP_CDTEXT_PACK 18 /* CD-TEXT pack (1.8) */
#define PM_DDP_LEADOUT 0xAA   /* TRK of the lead-out entry */
#define PM_DDP_DSI_MAX 17     /* DSI holds at most 17 characters (1.2) */
#define PM_DDP_MAX_MAPS 4096  /* far beyond any CD; bounds what a broken DDPMS can cost */
#define PM_DDP_MAX_PQ 20000   /* 99 tracks x 100 indexes, the lead-in and the lead-outs, twice */
#define PM_DDP_MAX_TEXT_FILE (1u << 20) /* checksum files and CD-TEXT larger than this are not
                                           read (8 blocks of 256 packs are 36 KiB) */

/*
 * Where the files of a fileset come from: a folder on disk (pm_ddp_read) or files in memory
 * (pm_ddp_read_memory, for the fuzzer and the tests). Names are plain file names.
 */
typedef struct pm_ddp_source {
    void *context;
    /* The size of the regular file name: PM_OK, or PM_ERR_IO when there is none. */
    pm_status (*size)(void *context, const char *name, uint64_t *size);
    /* size bytes of name from offset into buf: PM_OK, or PM_ERR_IO when they cannot all be
     * read. */
    pm_status (*read)(void *context, const char *name, uint64_t offset, void *buf, size_t size);
    /* The names of the regular files in the fileset's folder, sorted by byte value, borrowed
     * until close. */
    pm_status (*list)(void *context, char *const **names, size_t *count);
    void (*close)(void *context);
} pm_ddp_source;

/* A file held in memory. Bytes past `stored` up to `size` read as zeros, so that a test or a
 * fuzzer input can describe a long IMAGE.DAT in a few bytes. */
typedef struct pm_ddp_memfile {
    const char *name;
    const unsigned char *data;
    size_t stored;
    uint64_t size;
} pm_ddp_memfile;

/* DDPID (1.3). Text fields are copied with trailing spaces dropped; "" is blank. */
typedef struct pm_ddp_id {
    char level[9];  /* "DDP 2.00", "DDP 1.01" ... */
    char upc[14];   /* bytes 8-20 */
    char mss[9];    /* map stream start: blank for files */
    char msl[9];    /* disputed meaning; kept for info */
    char med;       /* media number, ' ' for a single medium */
    char mid[49];   /* master ID: free text, not on the disc */
    char bk;        /* book specifier: ' ', or 'O' (Sonoris, Enhanced CD) */
    char type[3];   /* "CD" */
    char text[34];  /* user text, from byte 95 or 96 (the offset is disputed) */
    int text_at;    /* where the user text was found: 95, 96, or 0 when none */
} pm_ddp_id;

/* What a map packet describes, found from DST, SUB and CDM as ddpLib and XLD do (1.4). */
typedef enum pm_ddp_role {
    PM_DDP_ROLE_OTHER = 0, /* lead-in, lead-out, fill, text, R-W subcode, data: listed only */
    PM_DDP_ROLE_AUDIO,     /* D0 with CDM DA: the audio image */
    PM_DDP_ROLE_DATA,      /* D0 with another CDM: a data track (Enhanced CD) */
    PM_DDP_ROLE_PQ,        /* S0 PQ DESCR */
    PM_DDP_ROLE_CDTEXT     /* S0 (or T*) CDTEXT */
} pm_ddp_role;

/* One DDPMS map packet (1.4). Numbers are -1 when blank; characters ' ' when blank. */
typedef struct pm_ddp_map {
    int number;    /* 1-based position in DDPMS, for messages */
    char mpv[5];   /* "VVVM" */
    char dst[3];   /* "D0", "S0" ... */
    int64_t dsp;   /* data stream pointer */
    int64_t dsl;   /* length: sectors for D*, bytes for S* and T* */
    int64_t dss;   /* data stream start */
    char sub[9];   /* "PQ DESCR", "CDTEXT", "" */
    char cdm[3];   /* "DA" ... */
    char ssm;      /* source storage mode */
    char scr;      /* scrambled */
    int pre1, pre2, pst;
    char med;
    char trk[3], idx[3];
    char isrc[13];
    int siz;            /* the SIZ field: length of DSI */
    char dsi[PM_DDP_DSI_MAX + 1];
    char new_session;   /* NEW (2.00) */
    int64_t ofs;        /* OFS (2.00) */
    pm_ddp_role role;
    /* The file DSI names, as found in the folder (its case may differ from DSI), or NULL when
     * there is none; its size, or -1. */
    char *file;
    int64_t file_size;
} pm_ddp_map;

/* One PQ descriptor packet (1.5). */
typedef struct pm_ddp_pq {
    int number;          /* 1-based position in the PQ file */
    int track;           /* 0 lead-in, 1-99, PM_DDP_LEADOUT */
    int index;           /* 0-99 */
    int hours;           /* HRS: reserved, -1 when blank */
    int minutes, seconds, frames;
    int64_t cdf;         /* the A-time in CD frames (sectors): 00:00:00 is IMAGE.DAT's first byte */
    unsigned control;    /* the Q control nibble of CB1 (0x1 pre-emphasis, 0x2 copy, 0x4 data,
                            0x8 four channels) */
    char adr;            /* CB1's second character: '1', or 'S' for SCMS */
    char isrc[13];       /* "" when blank */
    char upc[14];
    char text[20];
} pm_ddp_pq;

typedef enum pm_ddp_sum_kind { PM_DDP_SUM_MD5 = 0, PM_DDP_SUM_CRC32 } pm_ddp_sum_kind;

/* One line of a checksum file: the digest it gives for a named file. */
typedef struct pm_ddp_sum {
    int line;              /* 1-based line in the checksum file */
    pm_ddp_sum_kind kind;
    char name[256];        /* the file it names, folder prefixes dropped */
    char digest[33];       /* lowercase hex: 32 digits for MD5, 8 for CRC-32 */
} pm_ddp_sum;

/* A checksum file found beside the fileset (1.9) and the entries it holds. */
typedef struct pm_ddp_sumfile {
    char *name;
    pm_ddp_sum *sums;
    size_t count;
    int unreadable; /* could not be read, or is too large: reported by the reader */
} pm_ddp_sumfile;

/* The fileset. Everything is owned by it and freed by pm_ddp_free. */
struct pm_ddp {
    pm_ddp_source source;
    char *dir;             /* the folder, for messages; "" for files in memory */
    pm_ddp_id id;
    int have_id;           /* DDPID parsed */
    pm_ddp_map *maps;
    size_t map_count;
    int audio, pq_map, cdtext_map; /* the map packet (index into maps) of each stream, or -1 */
    pm_ddp_pq *pq;
    size_t pq_count;
    unsigned char *cdtext; /* CDTEXT.BIN's bytes, or NULL */
    size_t cdtext_size;
    size_t cdtext_packs;   /* whole 18-byte packs in it */
    pm_cdtext_decoded *cdtext_text; /* its texts (formats/cdtext.h), or NULL when it does not
                                       decode (verify reports why) */
    int64_t image_size;    /* bytes of the audio image file, or -1 */
    pm_ddp_sumfile *sumfiles;
    size_t sumfile_count;
    char *const *names;    /* the folder's files (borrowed from the source) */
    size_t name_count;
};

/*
 * Read a fileset from any source. The model takes the source and closes it in pm_ddp_free (also
 * when reading fails). label is the folder name put in front of file names in messages (may be
 * ""). Returns as pm_ddp_read does.
 */
pm_status pm_ddp_read_source(const pm_ddp_source *source, const char *label, pm_diag *diag,
                             pm_ddp **out) PM_WARN_UNUSED;

/* The source of a folder on disk, and of files in memory (files, and what they point at, must
 * outlive the source). The source is closed by whoever reads it (pm_ddp_read_source).
 * PM_ERR_NOMEM. */
pm_status pm_ddp_source_dir(const char *dir, pm_ddp_source *source) PM_WARN_UNUSED;
pm_status pm_ddp_source_memory(const pm_ddp_memfile *files, size_t count,
                               pm_ddp_source *source) PM_WARN_UNUSED;

/* Read a fileset held in memory; files (and what they point at) must outlive the model. */
pm_status pm_ddp_read_memory(const pm_ddp_memfile *files, size_t count, pm_diag *diag,
                             pm_ddp **out) PM_WARN_UNUSED;

/* dir/name for messages, into out (size bytes); just name when dir is "", the folder when name
 * is "". */
void pm_ddp_path(const pm_ddp *ddp, const char *name, char *out, size_t size);

/* A message about the fileset's file name (at line, 0 for none) to diag, naming its path. */
void pm_ddp_say(const pm_ddp *ddp, pm_diag *diag, pm_severity severity, const char *name,
                int line, const char *fmt, ...) PM_PRINTF(6, 7);

/*
 * The file in the folder that name refers to: the same name, else the one name matches ignoring
 * case (files copied through other systems change case). Borrowed from the model; NULL when
 * there is none.
 */
const char *pm_ddp_find_file(const pm_ddp *ddp, const char *name);

/* ---------------------------------------------------------------------------------------------
 * The tracks, as the PQ entries lay them out.
 */
typedef struct pm_ddp_track {
    int number;             /* 1-99 */
    int64_t index_cdf[100]; /* A-time of each index, -1 where the PQ has none */
    int last_index;         /* the highest index present */
    int64_t end_cdf;        /* where the next track's first entry (index 0 or 1) is, or the
                               lead-out: the track's end as cdrdao measures it (ddp-notes 2) */
    int64_t next_cdf;       /* the next track's index 1, or the lead-out: where extract ends it */
    unsigned control;       /* from its index 1 entry */
    char adr;
    char isrc[13];          /* from its first entry that carries one */
    const pm_ddp_pq *first; /* its first PQ entry */
} pm_ddp_track;

typedef struct pm_ddp_layout {
    pm_ddp_track *tracks;
    int track_count;
    int64_t leadout_cdf;    /* the first lead-out entry's time, or the image's length */
    char upc[14];           /* from the PQ stream, "" when it has none */
} pm_ddp_layout;

/*
 * Lay the PQ entries out as tracks. Needs what extraction needs: tracks numbered from 1 without
 * a gap, each with an index 1, times that never go back, all within the image. Anything else
 * is an error in diag (naming the PQ file and the packet) and PM_ERR_INVALID. Free with
 * pm_ddp_layout_fini. PM_ERR_NOMEM.
 */
pm_status pm_ddp_layout_build(const pm_ddp *ddp, pm_ddp_layout *layout,
                              pm_diag *diag) PM_WARN_UNUSED;
void pm_ddp_layout_fini(pm_ddp_layout *layout);

/*
 * The part of pm_ddp_verify that reads the files in full (ddp_digest.c): every entry of every
 * checksum file against the file it names (an entry naming no file of the folder is an error
 * too; a stream file no checksum file covers, or no checksum file at all, a warning); the image's
 * first 150 sectors silent and its samples not byte-swapped (warnings, ddp-notes 0 and 1.6).
 * PM_OK, PM_ERR_INVALID (faults in diag), PM_ERR_IO (a file could not be
 * read, said in diag), PM_ERR_NOMEM.
 */
pm_status pm_ddp_check_content(const pm_ddp *ddp, pm_diag *diag) PM_WARN_UNUSED;

/* ---------------------------------------------------------------------------------------------
 * Checksum files (ddp_sums.c).
 */

/*
 * Whether a file name looks like a checksum file of one of the writers in ddp-notes 1.9 (any
 * *.md5, CHECKSUM.TXT, Checksum.txt, *.sfv, *.crc, names holding "md5", "checksum" or "crc").
 */
int pm_ddp_is_sum_name(const char *name);

/*
 * Parse a checksum file's text: md5sum lines ("<md5> *NAME" or "<md5>  NAME", LF or CRLF),
 * BSD lines ("MD5 (NAME) = <md5>"), cue2ddp's CRC-32 section ("[CRC32 Checksum]" then
 * "NAME=<crc>"), SFV lines ("NAME <crc>"), and lines of other layouts that hold a 32-digit hex
 * MD5 and the name of a file of the folder. Lines that say nothing of a file are skipped.
 * known: the folder's file names, for the last form. PM_ERR_NOMEM only.
 */
pm_status pm_ddp_sums_parse(const char *text, size_t size, const char *file_name,
                            char *const *known, size_t known_count,
                            pm_ddp_sumfile *out) PM_WARN_UNUSED;

#endif
