/*
 * What a careful C programmer writes to turn Windows' data into owned text, shared by the C
 * baselines in bench/c/: every listing's text goes into ONE growing arena (rows hold offsets into
 * it, no malloc per string), UTF-16 -> UTF-8 and SID / IP address / decimal formatting are
 * hand-rolled loops (no sprintf per field), and each distinct SID of a listing is formatted once
 * (a 256-slot open-addressing table keyed by the SID bytes; the TypeScript side keeps one text
 * per distinct SID as well, so both sides produce shared strings).
 *
 * The baselines are the physical limit the library is measured against (issue 10 point 2): any
 * shortcut left here would flatter the library's ratio.
 */
#ifndef WINSESSION_BENCH_TEXT_H
#define WINSESSION_BENCH_TEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* ---- the arena: one buffer of NUL-terminated UTF-8 strings per listing --------------------- */
typedef struct {
  char *bytes;
  size_t used, capacity;
} Arena;

/* An empty arena with room for `capacity` bytes; 0 on success. */
static inline int arena_init(Arena *arena, size_t capacity) {
  arena->used = 0;
  arena->capacity = capacity ? capacity : 64;
  arena->bytes = malloc(arena->capacity);
  return arena->bytes ? 0 : -1;
}

/* Makes room for `more` bytes (doubling); 0 on success. Offsets stay valid, pointers do not. */
static inline int arena_reserve(Arena *arena, size_t more) {
  if (arena->used + more <= arena->capacity) return 0;
  size_t capacity = arena->capacity * 2;
  while (capacity < arena->used + more) capacity *= 2;
  char *bytes = realloc(arena->bytes, capacity);
  if (!bytes) return -1;
  arena->bytes = bytes;
  arena->capacity = capacity;
  return 0;
}

static inline void arena_free(Arena *arena) {
  free(arena->bytes);
  arena->bytes = NULL;
}

/* The empty string every arena starts with, so offset 0 means "". */
#define ARENA_EMPTY 0u
/* No string at all (a JS null). */
#define ARENA_NULL UINT32_MAX

static inline int arena_start(Arena *arena, size_t capacity) {
  if (arena_init(arena, capacity)) return -1;
  arena->bytes[arena->used++] = 0;
  return 0;
}

/* ---- UTF-16 -> UTF-8, lone surrogates as U+FFFD (what TextDecoder and the library give) ---- */

/* Appends the UTF-16 string (NUL-terminated, at most `max` units) and returns its offset. */
static inline uint32_t arena_utf8(Arena *arena, const wchar16 *text, size_t max) {
  if (!text || !max || !text[0]) return ARENA_EMPTY;
  size_t units = 0;
  while (units < max && text[units]) units++;
  if (arena_reserve(arena, units * 3 + 1)) return ARENA_NULL;
  uint32_t start = (uint32_t)arena->used;
  unsigned char *out = (unsigned char *)arena->bytes + arena->used;
  size_t i = 0;
  /* The common case first: ASCII runs, one store per unit. */
  for (; i < units; i++) {
    uint32_t c = text[i];
    if (c < 0x80) {
      *out++ = (unsigned char)c;
      continue;
    }
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < units && text[i + 1] >= 0xDC00 &&
        text[i + 1] < 0xE000) {
      c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00u);
      i++;
    } else if (c >= 0xD800 && c < 0xE000) {
      c = 0xFFFD;
    }
    if (c < 0x800) {
      *out++ = (unsigned char)(0xC0 | (c >> 6));
      *out++ = (unsigned char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *out++ = (unsigned char)(0xE0 | (c >> 12));
      *out++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
      *out++ = (unsigned char)(0x80 | (c & 0x3F));
    } else {
      *out++ = (unsigned char)(0xF0 | (c >> 18));
      *out++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
      *out++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
      *out++ = (unsigned char)(0x80 | (c & 0x3F));
    }
  }
  *out++ = 0;
  arena->used = (size_t)((char *)out - arena->bytes);
  return start;
}

/* ---- hand-rolled number formatting --------------------------------------------------------- */

/* Writes `value` in decimal at `out`; returns the number of characters. */
static inline size_t put_decimal(char *out, uint64_t value) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  for (size_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
  return n;
}

static inline size_t put_hex(char *out, uint32_t value, int upper, size_t min_digits) {
  const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char digits[8];
  size_t n = 0;
  do {
    digits[n++] = alphabet[value & 15];
    value >>= 4;
  } while (value);
  while (n < min_digits) digits[n++] = '0';
  for (size_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
  return n;
}

/* ---- SIDs ----------------------------------------------------------------------------------- */

/* Appends "S-1-5-21-..." for the binary SID (ConvertSidToStringSidW's form: an authority of
 * 2^32 or more as 0x + 12 upper-case hex digits, MS-DTYP 2.4.2.1); returns its offset. */
static inline uint32_t arena_sid(Arena *arena, const uint8_t *sid) {
  unsigned count = sid[1];
  if (arena_reserve(arena, 2 + 3 + 1 + 14 + count * 11 + 1)) return ARENA_NULL;
  uint32_t start = (uint32_t)arena->used;
  char *out = arena->bytes + arena->used;
  size_t n = 0;
  out[n++] = 'S';
  out[n++] = '-';
  n += put_decimal(out + n, sid[0]);
  out[n++] = '-';
  if (sid[2] == 0 && sid[3] == 0) {
    n += put_decimal(out + n, ((uint32_t)sid[4] << 24) | ((uint32_t)sid[5] << 16) |
                                  ((uint32_t)sid[6] << 8) | sid[7]);
  } else {
    out[n++] = '0';
    out[n++] = 'x';
    for (int i = 2; i < 8; i++) n += put_hex(out + n, sid[i], 1, 2);
  }
  for (unsigned i = 0; i < count; i++) {
    uint32_t sub;
    memcpy(&sub, sid + 8 + 4 * i, 4);
    out[n++] = '-';
    n += put_decimal(out + n, sub);
  }
  out[n++] = 0;
  arena->used += n;
  return start;
}

/* SID text by SID bytes for one listing: each distinct SID formatted once. */
#define SID_SLOTS 256u
typedef struct {
  const uint8_t *sid[SID_SLOTS]; /* points into the block being decoded */
  uint32_t text[SID_SLOTS];
  unsigned used;
} SidCache;

static inline void sid_cache_init(SidCache *cache) {
  memset(cache->sid, 0, sizeof cache->sid);
  cache->used = 0;
}

static inline uint32_t sid_cached(SidCache *cache, Arena *arena, const uint8_t *sid) {
  size_t length = 8u + 4u * sid[1];
  uint32_t hash = 2166136261u; /* FNV-1a over the SID's 32-bit words */
  for (size_t i = 0; i + 4 <= length; i += 4) {
    uint32_t word;
    memcpy(&word, sid + i, 4);
    hash = (hash ^ word) * 16777619u;
  }
  for (unsigned probe = 0; probe < SID_SLOTS; probe++) {
    unsigned slot = (hash + probe) & (SID_SLOTS - 1);
    const uint8_t *known = cache->sid[slot];
    if (!known) {
      uint32_t text = arena_sid(arena, sid);
      if (cache->used < SID_SLOTS / 2) { /* keep the table sparse; beyond that, no caching */
        cache->sid[slot] = sid;
        cache->text[slot] = text;
        cache->used++;
      }
      return text;
    }
    if (known[1] == sid[1] && memcmp(known, sid, length) == 0) return cache->text[slot];
  }
  return arena_sid(arena, sid);
}

/* ---- client addresses (what the library's decodeClientAddress gives) ------------------------ */

/* Appends AF_INET "a.b.c.d" or AF_INET6 text (RFC 5952: lower-case, longest run of two or more
 * zero groups as "::", ::ffff:a.b.c.d for IPv4-mapped); ARENA_NULL for any other family. */
static inline uint32_t arena_address(Arena *arena, uint32_t family, const uint8_t *address) {
  if (family != 2 && family != 23) return ARENA_NULL;
  if (arena_reserve(arena, 48)) return ARENA_NULL;
  uint32_t start = (uint32_t)arena->used;
  char *out = arena->bytes + arena->used;
  size_t n = 0;
  if (family == 2) {
    for (int i = 2; i < 6; i++) {
      if (i > 2) out[n++] = '.';
      n += put_decimal(out + n, address[i]);
    }
  } else {
    uint32_t groups[8];
    for (int i = 0; i < 8; i++) groups[i] = ((uint32_t)address[2 * i] << 8) | address[2 * i + 1];
    int mapped = !groups[0] && !groups[1] && !groups[2] && !groups[3] && !groups[4] &&
                 groups[5] == 0xffff;
    if (mapped) {
      memcpy(out, "::ffff:", 7);
      n = 7;
      for (int i = 12; i < 16; i++) {
        if (i > 12) out[n++] = '.';
        n += put_decimal(out + n, address[i]);
      }
    } else {
      int best = -1, best_length = 1;
      for (int i = 0; i < 8;) {
        if (groups[i]) {
          i++;
          continue;
        }
        int end = i;
        while (end < 8 && !groups[end]) end++;
        if (end - i > best_length) {
          best = i;
          best_length = end - i;
        }
        i = end;
      }
      for (int i = 0; i < 8; i++) {
        if (i == best) {
          out[n++] = ':';
          out[n++] = ':';
          i += best_length - 1;
          continue;
        }
        if (i > 0 && i != best + best_length) out[n++] = ':';
        n += put_hex(out + n, groups[i], 0, 1);
      }
    }
  }
  out[n++] = 0;
  arena->used += n;
  return start;
}

#endif
