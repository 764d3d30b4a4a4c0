/*
 * Copyright (c) 2026 The resilient-ssh authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/* Unit tests for the resilient session key derivation (cmocka). */

#include "includes.h"

#include <sys/types.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sshbuf.h"
#include "digest.h"
#include "ssherr.h"
#include "resilient-proto.h"
#include "resilient-kdf.h"

#define BIG		(2 * SSH_DIGEST_MAX_LENGTH)	/* any length fits */
#define SENTINEL	0xa5
#define NWRONG		5

/*
 * Test vectors of PROTOCOL.resilient Appendix A.  They were computed by an
 * independent Python script (hashlib and hmac, straight from the formulas
 * of section 4), not by this implementation.  Each vector runs one session:
 * initial key exchange (K, H = session_id), one rekey (K', H'), one
 * reconnect, and the ratchet after it.
 *
 *	V_C = "SSH-2.0-OpenSSH_10.0+resilient0.1"
 *	V_S = "SSH-2.0-OpenSSH_10.0+resilient0.1 server"
 *	client KEXINIT payload (no type byte) = c0 c1 .. cf || "kexinit-c"
 *	server KEXINIT payload (no type byte) = d0 d1 .. df || "kexinit-s"
 *
 * SHA-256: K = mpint(80 81 .. 9f) (with a leading 00), H = 00 01 .. 1f,
 *	K' = mpint(40 41 .. 5f), H' = a0 a1 .. bf.
 * SHA-384: K = mpint(c0 c1 .. ef) (with a leading 00), H = 00 01 .. 2f,
 *	K' = string(40 41 .. 7f), H' = a0 a1 .. df (64 bytes: a SHA-512
 *	rekey, longer than HLEN; HASH stays SHA-384).
 * SHA-512: K = string(80 81 .. bf), H = 00 01 .. 3f,
 *	K' = mpint(40 41 .. 5f), H' = a0 a1 .. bf (32 bytes: a SHA-256
 *	rekey; HASH stays SHA-512).
 *
 * Names: r0 = R (4.1), r1 = R' after the rekey (4.2), token0/1/2 = token
 * of r0/r1/r2, t = transcript T (4.3) with token1, kr = string(r1),
 * iva = HASH(kr || Hr || "A" || session_id) (4.4), r2 = R'' after the
 * reconnect (4.2 with K' = string(r1), H' = Hr).
 */

#define V_C	"SSH-2.0-OpenSSH_10.0+resilient0.1"
#define V_S	"SSH-2.0-OpenSSH_10.0+resilient0.1 server"

/* Vectors as printed by the Python script, byte for byte. */

static const u_char v_ic_payload[] = {
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0x6b, 0x65, 0x78, 0x69, 0x6e, 0x69, 0x74, 0x2d,
	0x63,
};

static const u_char v_is_payload[] = {
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0x6b, 0x65, 0x78, 0x69, 0x6e, 0x69, 0x74, 0x2d,
	0x73,
};

static const u_char v256_k[] = {
	0x00, 0x00, 0x00, 0x21, 0x00, 0x80, 0x81, 0x82,
	0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
	0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92,
	0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a,
	0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
};

static const u_char v256_h[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const u_char v256_k2[] = {
	0x00, 0x00, 0x00, 0x20, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53,
	0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
	0x5c, 0x5d, 0x5e, 0x5f,
};

static const u_char v256_h2[] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

static const u_char v256_r0[] = {
	0x92, 0x65, 0x19, 0x44, 0x7a, 0xe7, 0xdc, 0xbf,
	0xbf, 0x34, 0xfb, 0xb8, 0xa7, 0x70, 0x2d, 0xba,
	0x0b, 0x29, 0xcc, 0x41, 0x36, 0xfd, 0xa5, 0xe2,
	0xf3, 0x63, 0x86, 0xa6, 0x75, 0xcf, 0x26, 0x93,
};

static const u_char v256_token0[] = {
	0x92, 0xe9, 0xe3, 0x63, 0x2c, 0xb3, 0x84, 0x66,
	0x69, 0x8c, 0xd4, 0xae, 0x64, 0xe6, 0xe6, 0x6a,
	0x0e, 0x58, 0xd3, 0x17, 0x55, 0x0b, 0x12, 0xc3,
	0xb5, 0x7b, 0x46, 0x4f, 0x15, 0xdb, 0x65, 0xdf,
};

static const u_char v256_r1[] = {
	0xd3, 0x40, 0x7d, 0x3e, 0xb8, 0x82, 0x7e, 0x1b,
	0xdb, 0x6e, 0x1c, 0x09, 0x32, 0x9d, 0x9a, 0x04,
	0x70, 0xb3, 0x81, 0xb6, 0x90, 0xd2, 0xf2, 0xcc,
	0xf8, 0x1e, 0xb6, 0xe5, 0x18, 0xd3, 0x8e, 0xa9,
};

static const u_char v256_token1[] = {
	0x9e, 0x6e, 0xf6, 0x97, 0xdb, 0x9b, 0xcc, 0x4a,
	0x09, 0x30, 0x85, 0x68, 0xa2, 0x39, 0xa0, 0x8f,
	0x16, 0x2b, 0x7d, 0x1c, 0x2c, 0x95, 0xb9, 0x56,
	0xff, 0x29, 0x0c, 0x95, 0x8f, 0x8f, 0x28, 0x6e,
};

static const u_char v256_t[] = {
	0x00, 0x00, 0x00, 0x21, 0x53, 0x53, 0x48, 0x2d,
	0x32, 0x2e, 0x30, 0x2d, 0x4f, 0x70, 0x65, 0x6e,
	0x53, 0x53, 0x48, 0x5f, 0x31, 0x30, 0x2e, 0x30,
	0x2b, 0x72, 0x65, 0x73, 0x69, 0x6c, 0x69, 0x65,
	0x6e, 0x74, 0x30, 0x2e, 0x31, 0x00, 0x00, 0x00,
	0x28, 0x53, 0x53, 0x48, 0x2d, 0x32, 0x2e, 0x30,
	0x2d, 0x4f, 0x70, 0x65, 0x6e, 0x53, 0x53, 0x48,
	0x5f, 0x31, 0x30, 0x2e, 0x30, 0x2b, 0x72, 0x65,
	0x73, 0x69, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x30,
	0x2e, 0x31, 0x20, 0x73, 0x65, 0x72, 0x76, 0x65,
	0x72, 0x00, 0x00, 0x00, 0x1a, 0x14, 0xc0, 0xc1,
	0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
	0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0x6b, 0x65,
	0x78, 0x69, 0x6e, 0x69, 0x74, 0x2d, 0x63, 0x00,
	0x00, 0x00, 0x1a, 0x14, 0xd0, 0xd1, 0xd2, 0xd3,
	0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb,
	0xdc, 0xdd, 0xde, 0xdf, 0x6b, 0x65, 0x78, 0x69,
	0x6e, 0x69, 0x74, 0x2d, 0x73, 0x00, 0x00, 0x00,
	0x20, 0x9e, 0x6e, 0xf6, 0x97, 0xdb, 0x9b, 0xcc,
	0x4a, 0x09, 0x30, 0x85, 0x68, 0xa2, 0x39, 0xa0,
	0x8f, 0x16, 0x2b, 0x7d, 0x1c, 0x2c, 0x95, 0xb9,
	0x56, 0xff, 0x29, 0x0c, 0x95, 0x8f, 0x8f, 0x28,
	0x6e,
};

static const u_char v256_client_mac[] = {
	0xcc, 0x2d, 0x02, 0xb8, 0xe7, 0xd2, 0x2a, 0x23,
	0xf0, 0x8d, 0xcf, 0xb7, 0x19, 0x03, 0xf9, 0x35,
	0xb8, 0x96, 0xb6, 0x1c, 0xbe, 0xfe, 0x96, 0x0c,
	0x36, 0x33, 0x68, 0x93, 0x68, 0xbe, 0xaa, 0xe9,
};

static const u_char v256_server_mac[] = {
	0x15, 0x32, 0x3d, 0x37, 0xf1, 0x1b, 0xc9, 0x2d,
	0x49, 0x45, 0x3a, 0x40, 0x21, 0xfd, 0x46, 0x6a,
	0xc7, 0xb8, 0x51, 0xca, 0x74, 0xde, 0xe2, 0xd6,
	0x23, 0x15, 0x0f, 0x4e, 0x53, 0x88, 0xe1, 0x60,
};

static const u_char v256_hr[] = {
	0x6b, 0x28, 0x5a, 0x52, 0x31, 0xa3, 0xf7, 0x39,
	0x07, 0x43, 0x01, 0xd3, 0xb7, 0x9e, 0x98, 0x80,
	0x69, 0x81, 0x68, 0xd4, 0xca, 0x3b, 0xe3, 0x23,
	0xaf, 0x17, 0xac, 0x01, 0x01, 0xa8, 0xd3, 0xe6,
};

static const u_char v256_kr[] = {
	0x00, 0x00, 0x00, 0x20, 0xd3, 0x40, 0x7d, 0x3e,
	0xb8, 0x82, 0x7e, 0x1b, 0xdb, 0x6e, 0x1c, 0x09,
	0x32, 0x9d, 0x9a, 0x04, 0x70, 0xb3, 0x81, 0xb6,
	0x90, 0xd2, 0xf2, 0xcc, 0xf8, 0x1e, 0xb6, 0xe5,
	0x18, 0xd3, 0x8e, 0xa9,
};

static const u_char v256_iva[] = {
	0x6a, 0x61, 0xa4, 0x07, 0x79, 0xff, 0xc6, 0xce,
	0xb1, 0x11, 0x40, 0xab, 0xb9, 0x90, 0x46, 0x4e,
	0x71, 0x76, 0x62, 0x41, 0x2a, 0x9e, 0x06, 0x8d,
	0x7c, 0x48, 0x46, 0x9e, 0x44, 0x05, 0x23, 0x59,
};

static const u_char v256_r2[] = {
	0x18, 0xc3, 0x02, 0x43, 0x9c, 0x19, 0x9e, 0xb8,
	0xd7, 0x52, 0xb2, 0xae, 0x42, 0x41, 0x29, 0x6c,
	0x9d, 0xa1, 0xe1, 0x0e, 0x9c, 0xfc, 0x11, 0xee,
	0xc9, 0xad, 0xb4, 0x73, 0xf7, 0x70, 0x1a, 0x63,
};

static const u_char v256_token2[] = {
	0x00, 0x8a, 0x20, 0x10, 0xab, 0xad, 0x16, 0x39,
	0xf9, 0x9b, 0xce, 0xf2, 0x80, 0xe2, 0xa4, 0x6c,
	0x23, 0x5e, 0x17, 0x3e, 0x9e, 0x02, 0xaa, 0x49,
	0xb9, 0x09, 0x0f, 0x53, 0xd6, 0x55, 0x73, 0xac,
};

static const u_char v384_k[] = {
	0x00, 0x00, 0x00, 0x31, 0x00, 0xc0, 0xc1, 0xc2,
	0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
	0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2,
	0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
	0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2,
	0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
	0xeb, 0xec, 0xed, 0xee, 0xef,
};

static const u_char v384_h[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};

static const u_char v384_k2[] = {
	0x00, 0x00, 0x00, 0x40, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53,
	0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
	0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63,
	0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
	0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73,
	0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b,
	0x7c, 0x7d, 0x7e, 0x7f,
};

static const u_char v384_h2[] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
};

static const u_char v384_r0[] = {
	0x58, 0xcb, 0x7a, 0xbf, 0x02, 0x19, 0x24, 0x4c,
	0x2e, 0x0e, 0x18, 0x83, 0xc8, 0x3a, 0xd1, 0x05,
	0xb2, 0x4a, 0x61, 0x95, 0xcd, 0x7a, 0xa7, 0xcf,
	0xbe, 0xf3, 0x21, 0x0c, 0x80, 0xe8, 0x26, 0x83,
	0x62, 0xfc, 0xd9, 0x40, 0x24, 0x16, 0x3d, 0xe3,
	0x59, 0xc4, 0x1d, 0x5b, 0x2b, 0xec, 0xed, 0xf2,
};

static const u_char v384_token0[] = {
	0xac, 0x6e, 0xb2, 0xb5, 0xfd, 0xc7, 0x88, 0x52,
	0xea, 0xa1, 0x9c, 0x4a, 0x74, 0x28, 0x1c, 0x8f,
	0x94, 0x3f, 0xcf, 0x33, 0x63, 0xad, 0xfc, 0x34,
	0x7b, 0x02, 0x2d, 0x84, 0x52, 0xaa, 0x7b, 0xe4,
};

static const u_char v384_r1[] = {
	0x91, 0xd3, 0xa7, 0x8f, 0x0c, 0x2c, 0x34, 0xdb,
	0xcc, 0xd7, 0x30, 0xf9, 0xf3, 0xc3, 0x21, 0x84,
	0x12, 0x74, 0x91, 0x07, 0xd2, 0x24, 0xea, 0x71,
	0x8a, 0x51, 0x10, 0xa7, 0x11, 0x1f, 0xe6, 0xee,
	0xc1, 0x9d, 0x19, 0xe6, 0x0d, 0x8b, 0x6e, 0xd7,
	0xa4, 0xaf, 0x0f, 0x56, 0x02, 0xb9, 0x38, 0xe0,
};

static const u_char v384_token1[] = {
	0x74, 0x0f, 0x9a, 0x6d, 0x9c, 0x3c, 0xc9, 0x2d,
	0x81, 0xe5, 0xd1, 0x47, 0x68, 0x26, 0xf7, 0xe1,
	0xc2, 0x77, 0x06, 0x85, 0xe2, 0x60, 0x01, 0x13,
	0x35, 0x07, 0x5c, 0x38, 0x06, 0xb2, 0xa0, 0xc5,
};

static const u_char v384_t[] = {
	0x00, 0x00, 0x00, 0x21, 0x53, 0x53, 0x48, 0x2d,
	0x32, 0x2e, 0x30, 0x2d, 0x4f, 0x70, 0x65, 0x6e,
	0x53, 0x53, 0x48, 0x5f, 0x31, 0x30, 0x2e, 0x30,
	0x2b, 0x72, 0x65, 0x73, 0x69, 0x6c, 0x69, 0x65,
	0x6e, 0x74, 0x30, 0x2e, 0x31, 0x00, 0x00, 0x00,
	0x28, 0x53, 0x53, 0x48, 0x2d, 0x32, 0x2e, 0x30,
	0x2d, 0x4f, 0x70, 0x65, 0x6e, 0x53, 0x53, 0x48,
	0x5f, 0x31, 0x30, 0x2e, 0x30, 0x2b, 0x72, 0x65,
	0x73, 0x69, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x30,
	0x2e, 0x31, 0x20, 0x73, 0x65, 0x72, 0x76, 0x65,
	0x72, 0x00, 0x00, 0x00, 0x1a, 0x14, 0xc0, 0xc1,
	0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
	0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0x6b, 0x65,
	0x78, 0x69, 0x6e, 0x69, 0x74, 0x2d, 0x63, 0x00,
	0x00, 0x00, 0x1a, 0x14, 0xd0, 0xd1, 0xd2, 0xd3,
	0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb,
	0xdc, 0xdd, 0xde, 0xdf, 0x6b, 0x65, 0x78, 0x69,
	0x6e, 0x69, 0x74, 0x2d, 0x73, 0x00, 0x00, 0x00,
	0x20, 0x74, 0x0f, 0x9a, 0x6d, 0x9c, 0x3c, 0xc9,
	0x2d, 0x81, 0xe5, 0xd1, 0x47, 0x68, 0x26, 0xf7,
	0xe1, 0xc2, 0x77, 0x06, 0x85, 0xe2, 0x60, 0x01,
	0x13, 0x35, 0x07, 0x5c, 0x38, 0x06, 0xb2, 0xa0,
	0xc5,
};

static const u_char v384_client_mac[] = {
	0xa5, 0x37, 0x6c, 0x8a, 0x67, 0x20, 0x82, 0x19,
	0x3c, 0x5a, 0x27, 0xee, 0x1d, 0x97, 0x73, 0x28,
	0x75, 0x03, 0xb7, 0xb4, 0xb2, 0xe5, 0x16, 0x0e,
	0xf5, 0xb7, 0x18, 0x48, 0xfe, 0x12, 0x2b, 0x1f,
	0x9b, 0xf3, 0x58, 0x04, 0x2d, 0x6c, 0x62, 0x5a,
	0x84, 0xea, 0x44, 0x6b, 0x73, 0xdc, 0x3e, 0xe7,
};

static const u_char v384_server_mac[] = {
	0x21, 0x5a, 0x28, 0x6e, 0xc8, 0x1d, 0xcb, 0x12,
	0xa5, 0x3d, 0x67, 0x2e, 0x26, 0x4c, 0x5c, 0x7c,
	0xb8, 0x16, 0xf5, 0x29, 0xde, 0x07, 0x19, 0xf4,
	0x82, 0xa0, 0x36, 0xae, 0xbf, 0xd6, 0xea, 0x43,
	0x32, 0xc1, 0xbe, 0x57, 0x21, 0x6b, 0xa5, 0x71,
	0xbb, 0x0b, 0xe8, 0x4a, 0xe2, 0xb4, 0x70, 0x37,
};

static const u_char v384_hr[] = {
	0x04, 0xfd, 0xc6, 0xa1, 0xeb, 0x8d, 0xbb, 0x0b,
	0x6f, 0x65, 0x91, 0xc3, 0x33, 0x84, 0x4a, 0x0c,
	0x83, 0x18, 0x35, 0x42, 0x96, 0xfc, 0x68, 0x00,
	0x7c, 0x54, 0xac, 0x74, 0x03, 0xf7, 0xe6, 0x9d,
	0x64, 0xf1, 0xa1, 0x67, 0xda, 0x7d, 0xa8, 0x4e,
	0xa4, 0x93, 0x5e, 0xdc, 0x95, 0xf3, 0x21, 0x8c,
};

static const u_char v384_kr[] = {
	0x00, 0x00, 0x00, 0x30, 0x91, 0xd3, 0xa7, 0x8f,
	0x0c, 0x2c, 0x34, 0xdb, 0xcc, 0xd7, 0x30, 0xf9,
	0xf3, 0xc3, 0x21, 0x84, 0x12, 0x74, 0x91, 0x07,
	0xd2, 0x24, 0xea, 0x71, 0x8a, 0x51, 0x10, 0xa7,
	0x11, 0x1f, 0xe6, 0xee, 0xc1, 0x9d, 0x19, 0xe6,
	0x0d, 0x8b, 0x6e, 0xd7, 0xa4, 0xaf, 0x0f, 0x56,
	0x02, 0xb9, 0x38, 0xe0,
};

static const u_char v384_iva[] = {
	0xc3, 0xce, 0x66, 0xbd, 0x85, 0x36, 0x85, 0xfa,
	0x2e, 0xeb, 0x3f, 0x67, 0x9c, 0xb7, 0xfc, 0x58,
	0x3e, 0x6b, 0xf7, 0xa5, 0x5f, 0x5b, 0x7e, 0x80,
	0x8f, 0xc5, 0xb7, 0x2b, 0xd9, 0x28, 0x48, 0x9d,
	0xc6, 0xc6, 0x7b, 0x90, 0x96, 0xbd, 0xe7, 0x9c,
	0x34, 0x9f, 0xc6, 0x32, 0x27, 0xbb, 0xdb, 0xde,
};

static const u_char v384_r2[] = {
	0x82, 0x67, 0xc5, 0xd1, 0xba, 0x0c, 0x8f, 0xcc,
	0x0e, 0x39, 0xbc, 0x54, 0xe8, 0x1d, 0xd6, 0x15,
	0xf6, 0x1f, 0x65, 0x15, 0xbd, 0x15, 0xe2, 0x23,
	0x8d, 0x44, 0x93, 0x86, 0x8e, 0x4c, 0xd9, 0xd2,
	0x82, 0xef, 0x72, 0xb9, 0x1b, 0xf8, 0x91, 0x82,
	0xfe, 0xf6, 0xd6, 0x77, 0xb3, 0x09, 0x6c, 0xe8,
};

static const u_char v384_token2[] = {
	0x21, 0x57, 0xca, 0xb9, 0x94, 0x51, 0xe3, 0xe1,
	0xcf, 0x38, 0x74, 0xe6, 0x70, 0xd7, 0x7f, 0xab,
	0xcb, 0x83, 0xc9, 0x44, 0x78, 0x53, 0x55, 0x32,
	0xe7, 0xd0, 0x40, 0xc8, 0xb6, 0x83, 0xd9, 0x83,
};

static const u_char v512_k[] = {
	0x00, 0x00, 0x00, 0x40, 0x80, 0x81, 0x82, 0x83,
	0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
	0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93,
	0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b,
	0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3,
	0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
	0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3,
	0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb,
	0xbc, 0xbd, 0xbe, 0xbf,
};

static const u_char v512_h[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
};

static const u_char v512_k2[] = {
	0x00, 0x00, 0x00, 0x20, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53,
	0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
	0x5c, 0x5d, 0x5e, 0x5f,
};

static const u_char v512_h2[] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

static const u_char v512_r0[] = {
	0xd8, 0xce, 0x24, 0x96, 0xf7, 0x30, 0xf7, 0x6c,
	0xf5, 0x7a, 0x67, 0x26, 0xaa, 0xa6, 0x8b, 0x90,
	0x01, 0xbb, 0xc4, 0x59, 0xad, 0x3d, 0xfa, 0xeb,
	0x38, 0xae, 0xa2, 0xc8, 0x6e, 0x6a, 0xe3, 0x1f,
	0xf6, 0xac, 0xd2, 0x2f, 0x63, 0xe8, 0xef, 0x89,
	0x49, 0x38, 0x96, 0x70, 0x12, 0xb0, 0x2f, 0xd6,
	0x20, 0xc2, 0x6d, 0xe3, 0x3e, 0x21, 0xa9, 0x19,
	0xe5, 0x4b, 0x50, 0x02, 0x2a, 0x54, 0x45, 0x03,
};

static const u_char v512_token0[] = {
	0xf3, 0x89, 0x31, 0x2c, 0x0a, 0x24, 0x12, 0x36,
	0x2a, 0x88, 0x3c, 0x87, 0xf9, 0x83, 0xc5, 0xb0,
	0x6b, 0x2c, 0x10, 0xb1, 0x18, 0x53, 0x57, 0x0d,
	0x6c, 0xa5, 0x44, 0x0f, 0xd9, 0x58, 0x9c, 0x7a,
};

static const u_char v512_r1[] = {
	0xe6, 0xf2, 0xb2, 0x45, 0x7c, 0x26, 0xda, 0x9c,
	0x59, 0xea, 0x69, 0x98, 0x16, 0x5e, 0x04, 0x0f,
	0x25, 0x87, 0xd1, 0x66, 0x1c, 0xbe, 0x88, 0x98,
	0xab, 0xb0, 0x32, 0x23, 0x4d, 0x97, 0x20, 0x21,
	0x81, 0x62, 0xcc, 0x6f, 0xe2, 0x14, 0xd6, 0xf0,
	0xa6, 0x46, 0x61, 0xc6, 0x1d, 0x80, 0x58, 0xb6,
	0x88, 0x76, 0xd4, 0x13, 0x76, 0x15, 0x8d, 0xf5,
	0x7a, 0x52, 0xc4, 0x26, 0xa7, 0xa6, 0xfa, 0x6d,
};

static const u_char v512_token1[] = {
	0x34, 0x98, 0xe0, 0x8e, 0x9e, 0x4d, 0x04, 0x3d,
	0xd3, 0xea, 0x98, 0x44, 0x77, 0xbe, 0x83, 0x1f,
	0xc3, 0xbf, 0x4f, 0x9d, 0xac, 0x60, 0x4e, 0x69,
	0xa3, 0x56, 0x11, 0x09, 0xaa, 0x7f, 0x04, 0x06,
};

static const u_char v512_t[] = {
	0x00, 0x00, 0x00, 0x21, 0x53, 0x53, 0x48, 0x2d,
	0x32, 0x2e, 0x30, 0x2d, 0x4f, 0x70, 0x65, 0x6e,
	0x53, 0x53, 0x48, 0x5f, 0x31, 0x30, 0x2e, 0x30,
	0x2b, 0x72, 0x65, 0x73, 0x69, 0x6c, 0x69, 0x65,
	0x6e, 0x74, 0x30, 0x2e, 0x31, 0x00, 0x00, 0x00,
	0x28, 0x53, 0x53, 0x48, 0x2d, 0x32, 0x2e, 0x30,
	0x2d, 0x4f, 0x70, 0x65, 0x6e, 0x53, 0x53, 0x48,
	0x5f, 0x31, 0x30, 0x2e, 0x30, 0x2b, 0x72, 0x65,
	0x73, 0x69, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x30,
	0x2e, 0x31, 0x20, 0x73, 0x65, 0x72, 0x76, 0x65,
	0x72, 0x00, 0x00, 0x00, 0x1a, 0x14, 0xc0, 0xc1,
	0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
	0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0x6b, 0x65,
	0x78, 0x69, 0x6e, 0x69, 0x74, 0x2d, 0x63, 0x00,
	0x00, 0x00, 0x1a, 0x14, 0xd0, 0xd1, 0xd2, 0xd3,
	0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb,
	0xdc, 0xdd, 0xde, 0xdf, 0x6b, 0x65, 0x78, 0x69,
	0x6e, 0x69, 0x74, 0x2d, 0x73, 0x00, 0x00, 0x00,
	0x20, 0x34, 0x98, 0xe0, 0x8e, 0x9e, 0x4d, 0x04,
	0x3d, 0xd3, 0xea, 0x98, 0x44, 0x77, 0xbe, 0x83,
	0x1f, 0xc3, 0xbf, 0x4f, 0x9d, 0xac, 0x60, 0x4e,
	0x69, 0xa3, 0x56, 0x11, 0x09, 0xaa, 0x7f, 0x04,
	0x06,
};

static const u_char v512_client_mac[] = {
	0x5b, 0x2a, 0x58, 0xbc, 0x07, 0xfb, 0xd3, 0xa7,
	0x8c, 0x17, 0x2b, 0xa9, 0xc6, 0xad, 0x6a, 0xf5,
	0xae, 0x13, 0xbc, 0x85, 0x12, 0x47, 0xc5, 0x0e,
	0x0e, 0xde, 0xa8, 0x44, 0xc3, 0x4a, 0x99, 0x95,
	0x61, 0xad, 0x5c, 0xf0, 0xd4, 0x9e, 0x9d, 0x97,
	0xfd, 0xc6, 0x7a, 0xbd, 0xef, 0x3c, 0xd1, 0x04,
	0xa0, 0xf9, 0x4f, 0x77, 0xe4, 0xd6, 0x1b, 0xb4,
	0xe9, 0x3d, 0x2d, 0x84, 0xfb, 0x87, 0xde, 0x20,
};

static const u_char v512_server_mac[] = {
	0xa2, 0x4b, 0x1b, 0x76, 0xdb, 0x9f, 0x6f, 0xc3,
	0xda, 0x4f, 0x58, 0xec, 0xfe, 0x4c, 0x71, 0x5a,
	0xf0, 0xd9, 0x5e, 0x40, 0x32, 0x66, 0x40, 0x89,
	0x6e, 0x97, 0x0d, 0x30, 0xb5, 0xcc, 0xa6, 0xa5,
	0x68, 0x94, 0x1f, 0xb6, 0xfe, 0x7f, 0xc0, 0xfd,
	0x37, 0x53, 0xac, 0x24, 0x3b, 0x97, 0xc6, 0xa2,
	0x9f, 0xbb, 0xe2, 0x48, 0xc4, 0x2a, 0x86, 0x6b,
	0x8f, 0x8e, 0x0e, 0x10, 0x64, 0x8f, 0x8b, 0xd0,
};

static const u_char v512_hr[] = {
	0xe5, 0xdf, 0xa2, 0xa6, 0x9b, 0x90, 0xe8, 0x36,
	0x44, 0xe8, 0x11, 0x39, 0xf5, 0x3b, 0xc4, 0x81,
	0xea, 0x49, 0x83, 0x78, 0x0c, 0x87, 0x0e, 0x1a,
	0x5c, 0x03, 0xdd, 0x81, 0x12, 0xb7, 0xb3, 0x09,
	0xe8, 0x82, 0x8f, 0x3c, 0x2c, 0xb3, 0x47, 0x70,
	0x22, 0xb4, 0xf7, 0x24, 0xaa, 0x6a, 0xce, 0x02,
	0xd0, 0x24, 0x5a, 0x98, 0x4d, 0x32, 0x6d, 0x1a,
	0xb4, 0x56, 0x89, 0x04, 0x8a, 0xc4, 0xb0, 0x04,
};

static const u_char v512_kr[] = {
	0x00, 0x00, 0x00, 0x40, 0xe6, 0xf2, 0xb2, 0x45,
	0x7c, 0x26, 0xda, 0x9c, 0x59, 0xea, 0x69, 0x98,
	0x16, 0x5e, 0x04, 0x0f, 0x25, 0x87, 0xd1, 0x66,
	0x1c, 0xbe, 0x88, 0x98, 0xab, 0xb0, 0x32, 0x23,
	0x4d, 0x97, 0x20, 0x21, 0x81, 0x62, 0xcc, 0x6f,
	0xe2, 0x14, 0xd6, 0xf0, 0xa6, 0x46, 0x61, 0xc6,
	0x1d, 0x80, 0x58, 0xb6, 0x88, 0x76, 0xd4, 0x13,
	0x76, 0x15, 0x8d, 0xf5, 0x7a, 0x52, 0xc4, 0x26,
	0xa7, 0xa6, 0xfa, 0x6d,
};

static const u_char v512_iva[] = {
	0x97, 0xf8, 0x54, 0xae, 0xe2, 0x0e, 0xeb, 0x3f,
	0xf8, 0xe9, 0x75, 0xd4, 0x68, 0x9f, 0xa4, 0x50,
	0x8a, 0xcd, 0x29, 0x7e, 0x46, 0xc5, 0x19, 0xe9,
	0xcc, 0x16, 0xa7, 0x4e, 0x9e, 0x0e, 0x26, 0x66,
	0x47, 0x38, 0x7a, 0x43, 0x14, 0xf9, 0x96, 0x1c,
	0x84, 0xe3, 0x10, 0x9d, 0xdd, 0x68, 0xe2, 0x15,
	0x6b, 0x60, 0xd6, 0x14, 0xa2, 0xff, 0x33, 0x86,
	0x5e, 0xe4, 0xff, 0xbc, 0x10, 0xa1, 0xed, 0xca,
};

static const u_char v512_r2[] = {
	0x5d, 0x3c, 0x11, 0x40, 0x8a, 0x26, 0x26, 0x3c,
	0xde, 0x14, 0x35, 0x81, 0x75, 0x3d, 0xc2, 0xc0,
	0xa1, 0x4b, 0x32, 0x8a, 0xb4, 0x2e, 0xe7, 0x1a,
	0x2a, 0xb1, 0xdb, 0xf7, 0x3f, 0x7d, 0x06, 0xcd,
	0x0f, 0x03, 0x04, 0x54, 0x78, 0xa8, 0x26, 0x84,
	0xa5, 0x81, 0x54, 0xb4, 0x3d, 0x66, 0x8b, 0x66,
	0xbb, 0x90, 0x3e, 0xf9, 0xdd, 0x20, 0x55, 0x76,
	0xfa, 0x0c, 0x33, 0x09, 0x15, 0xd5, 0xa2, 0xfc,
};

static const u_char v512_token2[] = {
	0x6c, 0xf5, 0x37, 0x4a, 0x69, 0x7c, 0x4d, 0xc9,
	0xf3, 0x47, 0xe9, 0xdf, 0xd6, 0xef, 0xc2, 0x14,
	0x80, 0x7c, 0x72, 0x5c, 0x93, 0x77, 0x3a, 0x1a,
	0x53, 0x6e, 0x00, 0xed, 0xa9, 0x34, 0x90, 0xe8,
};

struct kdf_vector {
	int hash_alg;
	size_t hlen;
	const u_char *k;		/* K, encoded as for kex_derive_keys */
	size_t klen;
	const u_char *h;		/* H = session_id, hlen bytes */
	const u_char *k2;		/* K' of the rekey */
	size_t k2len;
	const u_char *h2;		/* H' of the rekey */
	size_t h2len;
	const u_char *r0;
	const u_char *token0;
	const u_char *r1;
	const u_char *token1;
	const u_char *t;
	size_t tlen;
	const u_char *client_mac;
	const u_char *server_mac;
	const u_char *hr;
	const u_char *kr;
	size_t krlen;
	const u_char *iva;
	const u_char *r2;
	const u_char *token2;
};

#define VECTOR(p, alg) { \
	alg, sizeof(p##_r0), \
	p##_k, sizeof(p##_k), p##_h, \
	p##_k2, sizeof(p##_k2), p##_h2, sizeof(p##_h2), \
	p##_r0, p##_token0, p##_r1, p##_token1, \
	p##_t, sizeof(p##_t), \
	p##_client_mac, p##_server_mac, p##_hr, \
	p##_kr, sizeof(p##_kr), \
	p##_iva, p##_r2, p##_token2 \
}

static struct kdf_vector vec_sha256 = VECTOR(v256, SSH_DIGEST_SHA256);
static struct kdf_vector vec_sha384 = VECTOR(v384, SSH_DIGEST_SHA384);
static struct kdf_vector vec_sha512 = VECTOR(v512, SSH_DIGEST_SHA512);

static const int bad_algs[] = {
	-1, SSH_DIGEST_MD5, SSH_DIGEST_SHA1, SSH_DIGEST_MAX, 1000
};
#define NBAD_ALGS	(sizeof(bad_algs) / sizeof(bad_algs[0]))

/* Per-test state: the vector and its inputs as sshbufs */
struct kdf_ctx {
	const struct kdf_vector *v;
	struct sshbuf *k;		/* K */
	struct sshbuf *k2;		/* K' */
	struct sshbuf *kexinit_c;	/* as kex->my on the client */
	struct sshbuf *kexinit_s;	/* as kex->peer on the client */
	struct sshbuf *t;		/* vector transcript */
};

static struct sshbuf *
buf_of(const u_char *p, size_t len)
{
	struct sshbuf *b;

	if ((b = sshbuf_new()) == NULL)
		return NULL;
	if (sshbuf_put(b, p, len) != 0) {
		sshbuf_free(b);
		return NULL;
	}
	return b;
}

static int
setup(void **state)
{
	const struct kdf_vector *v = *state;
	struct kdf_ctx *ctx;

	if (v == NULL || (ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -1;
	ctx->v = v;
	ctx->k = buf_of(v->k, v->klen);
	ctx->k2 = buf_of(v->k2, v->k2len);
	ctx->kexinit_c = buf_of(v_ic_payload, sizeof(v_ic_payload));
	ctx->kexinit_s = buf_of(v_is_payload, sizeof(v_is_payload));
	ctx->t = buf_of(v->t, v->tlen);
	*state = ctx;
	if (ctx->k == NULL || ctx->k2 == NULL || ctx->kexinit_c == NULL ||
	    ctx->kexinit_s == NULL || ctx->t == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct kdf_ctx *ctx = *state;

	if (ctx == NULL)
		return 0;
	sshbuf_free(ctx->k);
	sshbuf_free(ctx->k2);
	sshbuf_free(ctx->kexinit_c);
	sshbuf_free(ctx->kexinit_s);
	sshbuf_free(ctx->t);
	free(ctx);
	*state = NULL;
	return 0;
}

/*
 * Lengths that are wrong where HLEN is wanted: none, off by one, and the
 * HLEN of each other supported hash
 */
static void
wrong_lens(size_t hlen, size_t *lens)
{
	static const size_t hlens[] = { 32, 48, 64 };
	size_t i, n = 0;

	lens[n++] = 0;
	lens[n++] = hlen - 1;
	lens[n++] = hlen + 1;
	for (i = 0; i < sizeof(hlens) / sizeof(hlens[0]); i++) {
		if (hlens[i] == hlen)
			continue;
		assert_true(n < NWRONG);
		lens[n++] = hlens[i];
	}
	assert_int_equal(n, NWRONG);
}

/* Outputs must not be written on failure */
static void
assert_untouched(const u_char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		assert_int_equal(p[i], SENTINEL);
}

/* Copy of p into a BIG buffer, so that wrong lengths never over-read */
static void
big_copy(u_char *dst, const u_char *p, size_t len)
{
	memset(dst, 0, BIG);
	memcpy(dst, p, len);
}

/* client_mac under the vector's R' over T built from the given inputs */
static void
mac_of(const struct kdf_ctx *ctx, const char *v_c, const char *v_s,
    const struct sshbuf *ic, const struct sshbuf *is, const u_char *token,
    u_char *mac)
{
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *t;

	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, v_c, v_s, ic, is,
	    token, RESILIENT_TOKEN_LEN), 0);
	assert_int_equal(resilient_kdf_client_mac(v->hash_alg, v->r1,
	    v->hlen, t, mac, v->hlen), 0);
	sshbuf_free(t);
}

/* Vectors: each function against Appendix A */

static void
torture_kdf_resume_secret(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char out[BIG];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_resume_secret(v->hash_alg, ctx->k,
	    v->h, v->hlen, v->h, v->hlen, out, v->hlen), 0);
	assert_memory_equal(out, v->r0, v->hlen);
	assert_untouched(out + v->hlen, sizeof(out) - v->hlen);
}

static void
torture_kdf_ratchet(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char out[BIG];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_ratchet(v->hash_alg, ctx->k2,
	    v->h2, v->h2len, v->r0, v->hlen, out, v->hlen), 0);
	assert_memory_equal(out, v->r1, v->hlen);
	assert_untouched(out + v->hlen, sizeof(out) - v->hlen);

	/* in place, as a session replaces its R */
	memcpy(out, v->r0, v->hlen);
	assert_int_equal(resilient_kdf_ratchet(v->hash_alg, ctx->k2,
	    v->h2, v->h2len, out, v->hlen, out, v->hlen), 0);
	assert_memory_equal(out, v->r1, v->hlen);
}

static void
torture_kdf_token(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char token[BIG];

	memset(token, SENTINEL, sizeof(token));
	assert_int_equal(resilient_kdf_token(v->hash_alg, v->r0, v->hlen,
	    token, RESILIENT_TOKEN_LEN), 0);
	assert_memory_equal(token, v->token0, RESILIENT_TOKEN_LEN);
	assert_untouched(token + RESILIENT_TOKEN_LEN,
	    sizeof(token) - RESILIENT_TOKEN_LEN);
	assert_int_equal(resilient_kdf_token(v->hash_alg, v->r1, v->hlen,
	    token, RESILIENT_TOKEN_LEN), 0);
	assert_memory_equal(token, v->token1, RESILIENT_TOKEN_LEN);
	assert_int_equal(resilient_kdf_token(v->hash_alg, v->r2, v->hlen,
	    token, RESILIENT_TOKEN_LEN), 0);
	assert_memory_equal(token, v->token2, RESILIENT_TOKEN_LEN);
}

static void
torture_kdf_transcript_vector(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *t;

	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, V_C, V_S,
	    ctx->kexinit_c, ctx->kexinit_s, v->token1,
	    RESILIENT_TOKEN_LEN), 0);
	assert_int_equal(sshbuf_len(t), v->tlen);
	assert_memory_equal(sshbuf_ptr(t), v->t, v->tlen);
	/* inputs are not consumed */
	assert_int_equal(sshbuf_len(ctx->kexinit_c), sizeof(v_ic_payload));
	assert_int_equal(sshbuf_len(ctx->kexinit_s), sizeof(v_is_payload));
	/* a second call appends */
	assert_int_equal(resilient_kdf_transcript(t, V_C, V_S,
	    ctx->kexinit_c, ctx->kexinit_s, v->token1,
	    RESILIENT_TOKEN_LEN), 0);
	assert_int_equal(sshbuf_len(t), 2 * v->tlen);
	assert_memory_equal(sshbuf_ptr(t), v->t, v->tlen);
	assert_memory_equal(sshbuf_ptr(t) + v->tlen, v->t, v->tlen);
	sshbuf_free(t);
}

static void
torture_kdf_client_mac(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char mac[BIG];

	memset(mac, SENTINEL, sizeof(mac));
	assert_int_equal(resilient_kdf_client_mac(v->hash_alg, v->r1,
	    v->hlen, ctx->t, mac, v->hlen), 0);
	assert_memory_equal(mac, v->client_mac, v->hlen);
	assert_untouched(mac + v->hlen, sizeof(mac) - v->hlen);
	assert_int_equal(resilient_kdf_mac_check(v->client_mac, mac,
	    v->hlen), 0);
}

static void
torture_kdf_server_mac(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char mac[BIG];

	memset(mac, SENTINEL, sizeof(mac));
	assert_int_equal(resilient_kdf_server_mac(v->hash_alg, v->r1,
	    v->hlen, ctx->t, v->client_mac, v->hlen, mac, v->hlen), 0);
	assert_memory_equal(mac, v->server_mac, v->hlen);
	assert_untouched(mac + v->hlen, sizeof(mac) - v->hlen);
	assert_int_equal(resilient_kdf_mac_check(v->server_mac, mac,
	    v->hlen), 0);
}

static void
torture_kdf_reconnect_hash(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char out[BIG];

	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_reconnect_hash(v->hash_alg, ctx->t,
	    v->client_mac, v->hlen, v->server_mac, v->hlen, out, v->hlen), 0);
	assert_memory_equal(out, v->hr, v->hlen);
	assert_untouched(out + v->hlen, sizeof(out) - v->hlen);
}

static void
torture_kdf_secret_as_k(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *k = NULL;
	struct ssh_digest_ctx *hctx;
	u_char iv[SSH_DIGEST_MAX_LENGTH];
	char c = 'A';

	assert_int_equal(resilient_kdf_secret_as_k(v->r1, v->hlen, &k), 0);
	assert_non_null(k);
	assert_int_equal(sshbuf_len(k), v->krlen);
	assert_memory_equal(sshbuf_ptr(k), v->kr, v->krlen);

	/* used as derive_key() in kex.c uses K: the first IV of 4.4 */
	assert_non_null(hctx = ssh_digest_start(v->hash_alg));
	assert_int_equal(ssh_digest_update_buffer(hctx, k), 0);
	assert_int_equal(ssh_digest_update(hctx, v->hr, v->hlen), 0);
	assert_int_equal(ssh_digest_update(hctx, &c, 1), 0);
	assert_int_equal(ssh_digest_update(hctx, v->h, v->hlen), 0);
	assert_int_equal(ssh_digest_final(hctx, iv, v->hlen), 0);
	ssh_digest_free(hctx);
	assert_memory_equal(iv, v->iva, v->hlen);
	sshbuf_free(k);
}

static void
torture_kdf_ratchet_after_resume(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *k = NULL;
	u_char out[BIG];

	assert_int_equal(resilient_kdf_secret_as_k(v->r1, v->hlen, &k), 0);
	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(resilient_kdf_ratchet(v->hash_alg, k, v->hr,
	    v->hlen, v->r1, v->hlen, out, v->hlen), 0);
	assert_memory_equal(out, v->r2, v->hlen);
	assert_untouched(out + v->hlen, sizeof(out) - v->hlen);
	sshbuf_free(k);
}

/* The whole session of a vector, each step fed by the one before */
static void
torture_kdf_session(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *t, *k = NULL;
	u_char r[SSH_DIGEST_MAX_LENGTH], token[RESILIENT_TOKEN_LEN];
	u_char cmac[SSH_DIGEST_MAX_LENGTH], smac[SSH_DIGEST_MAX_LENGTH];
	u_char hr[SSH_DIGEST_MAX_LENGTH];
	size_t hlen = v->hlen;
	int alg = v->hash_alg;

	/* initial key exchange */
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, v->h, hlen,
	    v->h, hlen, r, hlen), 0);
	assert_memory_equal(r, v->r0, hlen);
	/* rekey */
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, v->h2, v->h2len,
	    r, hlen, r, hlen), 0);
	assert_memory_equal(r, v->r1, hlen);
	/* reconnect */
	assert_int_equal(resilient_kdf_token(alg, r, hlen, token,
	    sizeof(token)), 0);
	assert_memory_equal(token, v->token1, sizeof(token));
	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, V_C, V_S,
	    ctx->kexinit_c, ctx->kexinit_s, token, sizeof(token)), 0);
	assert_int_equal(resilient_kdf_client_mac(alg, r, hlen, t,
	    cmac, hlen), 0);
	assert_int_equal(resilient_kdf_mac_check(v->client_mac, cmac,
	    hlen), 0);
	assert_int_equal(resilient_kdf_server_mac(alg, r, hlen, t,
	    cmac, hlen, smac, hlen), 0);
	assert_int_equal(resilient_kdf_mac_check(v->server_mac, smac,
	    hlen), 0);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, t, cmac, hlen,
	    smac, hlen, hr, hlen), 0);
	assert_memory_equal(hr, v->hr, hlen);
	/* ratchet after the reconnect */
	assert_int_equal(resilient_kdf_secret_as_k(r, hlen, &k), 0);
	assert_int_equal(resilient_kdf_ratchet(alg, k, hr, hlen,
	    r, hlen, r, hlen), 0);
	assert_memory_equal(r, v->r2, hlen);
	assert_int_equal(resilient_kdf_token(alg, r, hlen, token,
	    sizeof(token)), 0);
	assert_memory_equal(token, v->token2, sizeof(token));
	sshbuf_free(k);
	sshbuf_free(t);
}

/* Transcript encoding and binding */

static void
torture_kdf_transcript_encoding(void **state)
{
	static const u_char kc[] = { 0x11, 0x22, 0x33 };
	static const u_char ks[] = { 0x44 };
	static const u_char expected[] = {
		/* string(V_C) */
		0x00, 0x00, 0x00, 0x09,
		'S', 'S', 'H', '-', '2', '.', '0', '-', 'a',
		/* string(V_S) */
		0x00, 0x00, 0x00, 0x0a,
		'S', 'S', 'H', '-', '2', '.', '0', '-', 'b', 'b',
		/* string(I_C): type byte 20, then the payload */
		0x00, 0x00, 0x00, 0x04, 0x14, 0x11, 0x22, 0x33,
		/* string(I_S) */
		0x00, 0x00, 0x00, 0x02, 0x14, 0x44,
		/* string(token) */
		0x00, 0x00, 0x00, 0x20,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	};
	struct sshbuf *t, *ic, *is;
	u_char token[RESILIENT_TOKEN_LEN];
	size_t i;

	for (i = 0; i < sizeof(token); i++)
		token[i] = i;
	assert_non_null(ic = buf_of(kc, sizeof(kc)));
	assert_non_null(is = buf_of(ks, sizeof(ks)));
	assert_non_null(t = sshbuf_new());
	assert_int_equal(resilient_kdf_transcript(t, "SSH-2.0-a",
	    "SSH-2.0-bb", ic, is, token, sizeof(token)), 0);
	assert_int_equal(sshbuf_len(t), sizeof(expected));
	assert_memory_equal(sshbuf_ptr(t), expected, sizeof(expected));

	/* appended after what t already holds */
	sshbuf_reset(t);
	assert_int_equal(sshbuf_put(t, "pre", 3), 0);
	assert_int_equal(resilient_kdf_transcript(t, "SSH-2.0-a",
	    "SSH-2.0-bb", ic, is, token, sizeof(token)), 0);
	assert_int_equal(sshbuf_len(t), 3 + sizeof(expected));
	assert_memory_equal(sshbuf_ptr(t), "pre", 3);
	assert_memory_equal(sshbuf_ptr(t) + 3, expected, sizeof(expected));
	sshbuf_free(t);
	sshbuf_free(ic);
	sshbuf_free(is);
}

/* Any change to any transcript input changes client_mac */
static void
torture_kdf_transcript_binding(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *b;
	u_char base[SSH_DIGEST_MAX_LENGTH], mac[SSH_DIGEST_MAX_LENGTH];
	u_char token[RESILIENT_TOKEN_LEN];
	const size_t tpos[] = { 0, RESILIENT_TOKEN_LEN / 2,
	    RESILIENT_TOKEN_LEN - 1 };
	size_t i, which;

	mac_of(ctx, V_C, V_S, ctx->kexinit_c, ctx->kexinit_s, v->token1,
	    base);
	assert_memory_equal(base, v->client_mac, v->hlen);

	/* version strings: content, length, order, field boundary */
	mac_of(ctx, V_C "x", V_S, ctx->kexinit_c, ctx->kexinit_s,
	    v->token1, mac);
	assert_memory_not_equal(mac, base, v->hlen);
	mac_of(ctx, "SSH-2.0-OpenSSH_10.0+resilient0.2", V_S,
	    ctx->kexinit_c, ctx->kexinit_s, v->token1, mac);
	assert_memory_not_equal(mac, base, v->hlen);
	mac_of(ctx, V_C, "SSH-2.0-OpenSSH_10.0+resilient0.1 servex",
	    ctx->kexinit_c, ctx->kexinit_s, v->token1, mac);
	assert_memory_not_equal(mac, base, v->hlen);
	mac_of(ctx, V_C, V_S "x", ctx->kexinit_c, ctx->kexinit_s,
	    v->token1, mac);
	assert_memory_not_equal(mac, base, v->hlen);
	mac_of(ctx, V_S, V_C, ctx->kexinit_c, ctx->kexinit_s,
	    v->token1, mac);
	assert_memory_not_equal(mac, base, v->hlen);
	/* same concatenation V_C || V_S, other split */
	mac_of(ctx, "SSH-2.0-OpenSSH_10.0+resilient0.",
	    "1SSH-2.0-OpenSSH_10.0+resilient0.1 server",
	    ctx->kexinit_c, ctx->kexinit_s, v->token1, mac);
	assert_memory_not_equal(mac, base, v->hlen);

	/* every cookie byte and the last byte of each KEXINIT */
	for (which = 0; which < 2; which++) {
		const u_char *p = which == 0 ? v_ic_payload : v_is_payload;
		size_t len = which == 0 ?
		    sizeof(v_ic_payload) : sizeof(v_is_payload);

		for (i = 0; i <= 16; i++) {
			assert_non_null(b = buf_of(p, len));
			sshbuf_mutable_ptr(b)[i == 16 ? len - 1 : i] ^= 0x01;
			if (which == 0)
				mac_of(ctx, V_C, V_S, b, ctx->kexinit_s,
				    v->token1, mac);
			else
				mac_of(ctx, V_C, V_S, ctx->kexinit_c, b,
				    v->token1, mac);
			assert_memory_not_equal(mac, base, v->hlen);
			sshbuf_free(b);
		}
	}
	/* the two KEXINITs swapped */
	mac_of(ctx, V_C, V_S, ctx->kexinit_s, ctx->kexinit_c, v->token1,
	    mac);
	assert_memory_not_equal(mac, base, v->hlen);

	/* the token */
	for (i = 0; i < sizeof(tpos) / sizeof(tpos[0]); i++) {
		memcpy(token, v->token1, sizeof(token));
		token[tpos[i]] ^= 0x80;
		mac_of(ctx, V_C, V_S, ctx->kexinit_c, ctx->kexinit_s,
		    token, mac);
		assert_memory_not_equal(mac, base, v->hlen);
	}

	/* and the key: the MAC under the old R differs */
	assert_int_equal(resilient_kdf_client_mac(v->hash_alg, v->r0,
	    v->hlen, ctx->t, mac, v->hlen), 0);
	assert_memory_not_equal(mac, base, v->hlen);
}

/* server_mac covers client_mac; Hr covers both MACs */
static void
torture_kdf_server_mac_binding(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char cmac[SSH_DIGEST_MAX_LENGTH], smac[SSH_DIGEST_MAX_LENGTH];
	u_char out[SSH_DIGEST_MAX_LENGTH];
	size_t pos[3], i;

	pos[0] = 0;
	pos[1] = v->hlen / 2;
	pos[2] = v->hlen - 1;
	for (i = 0; i < 3; i++) {
		memcpy(cmac, v->client_mac, v->hlen);
		cmac[pos[i]] ^= 0x01;
		assert_int_equal(resilient_kdf_server_mac(v->hash_alg, v->r1,
		    v->hlen, ctx->t, cmac, v->hlen, out, v->hlen), 0);
		assert_memory_not_equal(out, v->server_mac, v->hlen);
		assert_int_equal(resilient_kdf_reconnect_hash(v->hash_alg,
		    ctx->t, cmac, v->hlen, v->server_mac, v->hlen,
		    out, v->hlen), 0);
		assert_memory_not_equal(out, v->hr, v->hlen);

		memcpy(smac, v->server_mac, v->hlen);
		smac[pos[i]] ^= 0x01;
		assert_int_equal(resilient_kdf_reconnect_hash(v->hash_alg,
		    ctx->t, v->client_mac, v->hlen, smac, v->hlen,
		    out, v->hlen), 0);
		assert_memory_not_equal(out, v->hr, v->hlen);
	}
	/* the labels keep the two directions apart */
	assert_memory_not_equal(v->client_mac, v->server_mac, v->hlen);
}

/* Argument validation */

static void
torture_kdf_resume_secret_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *empty;
	u_char h[BIG], out[BIG];
	size_t lens[NWRONG], i;
	int alg = v->hash_alg;

	big_copy(h, v->h, v->hlen);
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_resume_secret(alg, NULL, h, v->hlen,
	    h, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, NULL,
	    v->hlen, h, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, h, v->hlen,
	    NULL, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, h, v->hlen,
	    h, v->hlen, NULL, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_resume_secret(alg, empty, h, v->hlen,
	    h, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NBAD_ALGS; i++)
		assert_int_equal(resilient_kdf_resume_secret(bad_algs[i],
		    ctx->k, h, v->hlen, h, v->hlen, out, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
	wrong_lens(v->hlen, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k,
		    h, lens[i], h, v->hlen, out, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k,
		    h, v->hlen, h, lens[i], out, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k,
		    h, v->hlen, h, v->hlen, out, lens[i]),
		    SSH_ERR_INVALID_ARGUMENT);
	}
	assert_untouched(out, sizeof(out));

	/* the same call with the right arguments works */
	assert_int_equal(resilient_kdf_resume_secret(alg, ctx->k, h, v->hlen,
	    h, v->hlen, out, v->hlen), 0);
	assert_memory_equal(out, v->r0, v->hlen);
	sshbuf_free(empty);
}

static void
torture_kdf_ratchet_bad_args(void **state)
{
	static const size_t h2lens[] = { 20, 32, 48, 64 };
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *empty;
	u_char h2[BIG], r[BIG], out[BIG];
	size_t lens[NWRONG], i;
	int alg = v->hash_alg;

	big_copy(h2, v->h2, v->h2len);
	big_copy(r, v->r0, v->hlen);
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_ratchet(alg, NULL, h2, v->h2len,
	    r, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, NULL, v->h2len,
	    r, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, h2, v->h2len,
	    NULL, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, h2, v->h2len,
	    r, v->hlen, NULL, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_ratchet(alg, empty, h2, v->h2len,
	    r, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NBAD_ALGS; i++)
		assert_int_equal(resilient_kdf_ratchet(bad_algs[i], ctx->k2,
		    h2, v->h2len, r, v->hlen, out, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
	/* H' may have any digest length, but not none or too much */
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, h2, 0,
	    r, v->hlen, out, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, h2,
	    SSH_DIGEST_MAX_LENGTH + 1, r, v->hlen, out, v->hlen),
	    SSH_ERR_INVALID_ARGUMENT);
	wrong_lens(v->hlen, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2,
		    h2, v->h2len, r, lens[i], out, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2,
		    h2, v->h2len, r, v->hlen, out, lens[i]),
		    SSH_ERR_INVALID_ARGUMENT);
	}
	assert_untouched(out, sizeof(out));

	assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, h2, v->h2len,
	    r, v->hlen, out, v->hlen), 0);
	assert_memory_equal(out, v->r1, v->hlen);
	/* H' of a rekey with SHA-1 or any SHA-2 is accepted */
	for (i = 0; i < sizeof(h2lens) / sizeof(h2lens[0]); i++)
		assert_int_equal(resilient_kdf_ratchet(alg, ctx->k2, h2,
		    h2lens[i], r, v->hlen, out, v->hlen), 0);
	sshbuf_free(empty);
}

static void
torture_kdf_token_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	u_char r[BIG], token[BIG];
	size_t lens[NWRONG], i;
	int alg = v->hash_alg;

	big_copy(r, v->r0, v->hlen);
	memset(token, SENTINEL, sizeof(token));

	assert_int_equal(resilient_kdf_token(alg, NULL, v->hlen, token,
	    RESILIENT_TOKEN_LEN), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_token(alg, r, v->hlen, NULL,
	    RESILIENT_TOKEN_LEN), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NBAD_ALGS; i++)
		assert_int_equal(resilient_kdf_token(bad_algs[i], r, v->hlen,
		    token, RESILIENT_TOKEN_LEN), SSH_ERR_INVALID_ARGUMENT);
	wrong_lens(v->hlen, lens);
	for (i = 0; i < NWRONG; i++)
		assert_int_equal(resilient_kdf_token(alg, r, lens[i], token,
		    RESILIENT_TOKEN_LEN), SSH_ERR_INVALID_ARGUMENT);
	wrong_lens(RESILIENT_TOKEN_LEN, lens);
	for (i = 0; i < NWRONG; i++)
		assert_int_equal(resilient_kdf_token(alg, r, v->hlen, token,
		    lens[i]), SSH_ERR_INVALID_ARGUMENT);
	assert_untouched(token, sizeof(token));

	assert_int_equal(resilient_kdf_token(alg, r, v->hlen, token,
	    RESILIENT_TOKEN_LEN), 0);
	assert_memory_equal(token, v->token0, RESILIENT_TOKEN_LEN);
}

static void
torture_kdf_client_mac_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *empty;
	u_char r[BIG], mac[BIG];
	size_t lens[NWRONG], i;
	int alg = v->hash_alg;

	big_copy(r, v->r1, v->hlen);
	memset(mac, SENTINEL, sizeof(mac));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_client_mac(alg, NULL, v->hlen, ctx->t,
	    mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_client_mac(alg, r, v->hlen, NULL,
	    mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_client_mac(alg, r, v->hlen, ctx->t,
	    NULL, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_client_mac(alg, r, v->hlen, empty,
	    mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NBAD_ALGS; i++)
		assert_int_equal(resilient_kdf_client_mac(bad_algs[i], r,
		    v->hlen, ctx->t, mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	wrong_lens(v->hlen, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_client_mac(alg, r, lens[i],
		    ctx->t, mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_client_mac(alg, r, v->hlen,
		    ctx->t, mac, lens[i]), SSH_ERR_INVALID_ARGUMENT);
	}
	assert_untouched(mac, sizeof(mac));

	assert_int_equal(resilient_kdf_client_mac(alg, r, v->hlen, ctx->t,
	    mac, v->hlen), 0);
	assert_memory_equal(mac, v->client_mac, v->hlen);
	sshbuf_free(empty);
}

static void
torture_kdf_server_mac_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *empty;
	u_char r[BIG], cmac[BIG], mac[BIG];
	size_t lens[NWRONG], i;
	int alg = v->hash_alg;

	big_copy(r, v->r1, v->hlen);
	big_copy(cmac, v->client_mac, v->hlen);
	memset(mac, SENTINEL, sizeof(mac));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_server_mac(alg, NULL, v->hlen, ctx->t,
	    cmac, v->hlen, mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_server_mac(alg, r, v->hlen, NULL,
	    cmac, v->hlen, mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_server_mac(alg, r, v->hlen, ctx->t,
	    NULL, v->hlen, mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_server_mac(alg, r, v->hlen, ctx->t,
	    cmac, v->hlen, NULL, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_server_mac(alg, r, v->hlen, empty,
	    cmac, v->hlen, mac, v->hlen), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NBAD_ALGS; i++)
		assert_int_equal(resilient_kdf_server_mac(bad_algs[i], r,
		    v->hlen, ctx->t, cmac, v->hlen, mac, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
	wrong_lens(v->hlen, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_server_mac(alg, r, lens[i],
		    ctx->t, cmac, v->hlen, mac, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_server_mac(alg, r, v->hlen,
		    ctx->t, cmac, lens[i], mac, v->hlen),
		    SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_server_mac(alg, r, v->hlen,
		    ctx->t, cmac, v->hlen, mac, lens[i]),
		    SSH_ERR_INVALID_ARGUMENT);
	}
	assert_untouched(mac, sizeof(mac));

	assert_int_equal(resilient_kdf_server_mac(alg, r, v->hlen, ctx->t,
	    cmac, v->hlen, mac, v->hlen), 0);
	assert_memory_equal(mac, v->server_mac, v->hlen);
	sshbuf_free(empty);
}

static void
torture_kdf_reconnect_hash_bad_args(void **state)
{
	struct kdf_ctx *ctx = *state;
	const struct kdf_vector *v = ctx->v;
	struct sshbuf *empty;
	u_char cmac[BIG], smac[BIG], out[BIG];
	size_t lens[NWRONG], i, n;
	int alg = v->hash_alg;

	n = v->hlen;
	big_copy(cmac, v->client_mac, n);
	big_copy(smac, v->server_mac, n);
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(empty = sshbuf_new());

	assert_int_equal(resilient_kdf_reconnect_hash(alg, NULL, cmac, n,
	    smac, n, out, n), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t, NULL, n,
	    smac, n, out, n), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t, cmac, n,
	    NULL, n, out, n), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t, cmac, n,
	    smac, n, NULL, n), SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_reconnect_hash(alg, empty, cmac, n,
	    smac, n, out, n), SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < NBAD_ALGS; i++)
		assert_int_equal(resilient_kdf_reconnect_hash(bad_algs[i],
		    ctx->t, cmac, n, smac, n, out, n),
		    SSH_ERR_INVALID_ARGUMENT);
	wrong_lens(n, lens);
	for (i = 0; i < NWRONG; i++) {
		assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t,
		    cmac, lens[i], smac, n, out, n), SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t,
		    cmac, n, smac, lens[i], out, n), SSH_ERR_INVALID_ARGUMENT);
		assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t,
		    cmac, n, smac, n, out, lens[i]), SSH_ERR_INVALID_ARGUMENT);
	}
	assert_untouched(out, sizeof(out));

	assert_int_equal(resilient_kdf_reconnect_hash(alg, ctx->t, cmac, n,
	    smac, n, out, n), 0);
	assert_memory_equal(out, v->hr, n);
	sshbuf_free(empty);
}

/* Unsupported hashes fail even when every length matches their HLEN */
static void
torture_kdf_unsupported_algs(void **state)
{
	struct sshbuf *k, *t, *kout;
	u_char in[BIG], out[BIG];
	size_t i, n;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(in, 0x33, sizeof(in));
	memset(out, SENTINEL, sizeof(out));
	assert_non_null(k = buf_of(v256_k, sizeof(v256_k)));
	assert_non_null(t = buf_of(v256_t, sizeof(v256_t)));
	for (i = 0; i < NBAD_ALGS; i++) {
		if ((n = ssh_digest_bytes(bad_algs[i])) == 0)
			n = 32;
		assert_int_equal(resilient_kdf_resume_secret(bad_algs[i], k,
		    in, n, in, n, out, n), inval);
		assert_int_equal(resilient_kdf_ratchet(bad_algs[i], k, in, n,
		    in, n, out, n), inval);
		assert_int_equal(resilient_kdf_token(bad_algs[i], in, n, out,
		    RESILIENT_TOKEN_LEN), inval);
		assert_int_equal(resilient_kdf_client_mac(bad_algs[i], in, n,
		    t, out, n), inval);
		assert_int_equal(resilient_kdf_server_mac(bad_algs[i], in, n,
		    t, in, n, out, n), inval);
		assert_int_equal(resilient_kdf_reconnect_hash(bad_algs[i], t,
		    in, n, in, n, out, n), inval);
	}
	assert_untouched(out, sizeof(out));
	/* nor is a SHA-1 or MD5 sized R accepted as K */
	kout = (struct sshbuf *)in;
	assert_int_equal(resilient_kdf_secret_as_k(in, 20, &kout), inval);
	assert_null(kout);
	kout = (struct sshbuf *)in;
	assert_int_equal(resilient_kdf_secret_as_k(in, 16, &kout), inval);
	assert_null(kout);
	sshbuf_free(k);
	sshbuf_free(t);
}

/* A failed transcript call returns the error and leaves t as it was */
static void
expect_transcript_fail(struct sshbuf *t, const char *v_c, const char *v_s,
    const struct sshbuf *ic, const struct sshbuf *is, const u_char *token,
    size_t tokenlen, int want)
{
	assert_int_equal(resilient_kdf_transcript(t, v_c, v_s, ic, is,
	    token, tokenlen), want);
	if (t != NULL) {
		assert_int_equal(sshbuf_len(t), 3);
		assert_memory_equal(sshbuf_ptr(t), "pre", 3);
	}
}

static void
torture_kdf_transcript_bad_args(void **state)
{
	static const char *bad_versions[] = {
		"", "\r", "\n", "SSH-2.0-x\r", "SSH-2.0-x\n",
		"SSH-2.0-x\r\n", "SSH-2.0\r\n-x",
	};
	struct sshbuf *t, *ic, *is, *empty, *ro;
	u_char token[BIG];
	size_t lens[NWRONG], i;
	const int inval = SSH_ERR_INVALID_ARGUMENT;

	memset(token, 0x42, sizeof(token));
	assert_non_null(t = buf_of((const u_char *)"pre", 3));
	assert_non_null(ic = buf_of(v_ic_payload, sizeof(v_ic_payload)));
	assert_non_null(is = buf_of(v_is_payload, sizeof(v_is_payload)));
	assert_non_null(empty = sshbuf_new());

	expect_transcript_fail(NULL, V_C, V_S, ic, is, token,
	    RESILIENT_TOKEN_LEN, inval);
	expect_transcript_fail(t, NULL, V_S, ic, is, token,
	    RESILIENT_TOKEN_LEN, inval);
	expect_transcript_fail(t, V_C, NULL, ic, is, token,
	    RESILIENT_TOKEN_LEN, inval);
	expect_transcript_fail(t, V_C, V_S, NULL, is, token,
	    RESILIENT_TOKEN_LEN, inval);
	expect_transcript_fail(t, V_C, V_S, ic, NULL, token,
	    RESILIENT_TOKEN_LEN, inval);
	expect_transcript_fail(t, V_C, V_S, ic, is, NULL,
	    RESILIENT_TOKEN_LEN, inval);
	for (i = 0; i < sizeof(bad_versions) / sizeof(bad_versions[0]); i++) {
		expect_transcript_fail(t, bad_versions[i], V_S, ic, is, token,
		    RESILIENT_TOKEN_LEN, inval);
		expect_transcript_fail(t, V_C, bad_versions[i], ic, is, token,
		    RESILIENT_TOKEN_LEN, inval);
	}
	expect_transcript_fail(t, V_C, V_S, empty, is, token,
	    RESILIENT_TOKEN_LEN, inval);
	expect_transcript_fail(t, V_C, V_S, ic, empty, token,
	    RESILIENT_TOKEN_LEN, inval);
	wrong_lens(RESILIENT_TOKEN_LEN, lens);
	for (i = 0; i < NWRONG; i++)
		expect_transcript_fail(t, V_C, V_S, ic, is, token, lens[i],
		    inval);

	/* an output buffer that cannot grow: error passed on, untouched */
	assert_non_null(ro = sshbuf_from("pre", 3));
	expect_transcript_fail(ro, V_C, V_S, ic, is, token,
	    RESILIENT_TOKEN_LEN, SSH_ERR_BUFFER_READ_ONLY);

	assert_int_equal(resilient_kdf_transcript(t, V_C, V_S, ic, is,
	    token, RESILIENT_TOKEN_LEN), 0);
	assert_true(sshbuf_len(t) > 3);
	sshbuf_free(ro);
	sshbuf_free(t);
	sshbuf_free(ic);
	sshbuf_free(is);
	sshbuf_free(empty);
}

static void
torture_kdf_secret_as_k_bad_args(void **state)
{
	static const size_t bad_lens[] = {
		0, 1, 16, 20, 31, 33, 47, 49, 63, 65, 128
	};
	static const size_t good_lens[] = { 32, 48, 64 };
	struct sshbuf *k;
	u_char r[BIG];
	size_t i;

	for (i = 0; i < sizeof(r); i++)
		r[i] = 0xff - i;
	k = (struct sshbuf *)r;		/* must be overwritten */
	assert_int_equal(resilient_kdf_secret_as_k(NULL, 32, &k),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_null(k);
	assert_int_equal(resilient_kdf_secret_as_k(r, 32, NULL),
	    SSH_ERR_INVALID_ARGUMENT);
	for (i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
		k = (struct sshbuf *)r;		/* must be overwritten */
		assert_int_equal(resilient_kdf_secret_as_k(r, bad_lens[i],
		    &k), SSH_ERR_INVALID_ARGUMENT);
		assert_null(k);
	}
	for (i = 0; i < sizeof(good_lens) / sizeof(good_lens[0]); i++) {
		assert_int_equal(resilient_kdf_secret_as_k(r, good_lens[i],
		    &k), 0);
		assert_non_null(k);
		assert_int_equal(sshbuf_len(k), 4 + good_lens[i]);
		assert_int_equal(PEEK_U32(sshbuf_ptr(k)), good_lens[i]);
		assert_memory_equal(sshbuf_ptr(k) + 4, r, good_lens[i]);
		sshbuf_free(k);
	}
}

static void
torture_kdf_mac_check(void **state)
{
	static const size_t lens[] = {
		RESILIENT_MAC_MIN, 48, RESILIENT_MAC_MAX
	};
	u_char a[RESILIENT_MAC_MAX], b[RESILIENT_MAC_MAX];
	size_t i, j, pos[3];
	u_char bit;

	for (i = 0; i < sizeof(a); i++)
		a[i] = 0x5a ^ (i * 7);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memcpy(b, a, sizeof(b));
		assert_int_equal(resilient_kdf_mac_check(a, b, lens[i]), 0);
		assert_int_equal(resilient_kdf_mac_check(a, a, lens[i]), 0);
		pos[0] = 0;
		pos[1] = lens[i] / 2;
		pos[2] = lens[i] - 1;
		for (j = 0; j < 3; j++) {
			for (bit = 0x01; bit != 0; bit <<= 1) {
				b[pos[j]] ^= bit;
				assert_int_equal(resilient_kdf_mac_check(a, b,
				    lens[i]), SSH_ERR_MAC_INVALID);
				assert_int_equal(resilient_kdf_mac_check(b, a,
				    lens[i]), SSH_ERR_MAC_INVALID);
				b[pos[j]] ^= bit;
				assert_int_equal(resilient_kdf_mac_check(a, b,
				    lens[i]), 0);
			}
		}
	}
	/* a difference beyond len is not looked at */
	memcpy(b, a, sizeof(b));
	b[RESILIENT_MAC_MIN] ^= 0x01;
	assert_int_equal(resilient_kdf_mac_check(a, b, RESILIENT_MAC_MIN), 0);
	assert_int_equal(resilient_kdf_mac_check(a, b, RESILIENT_MAC_MAX),
	    SSH_ERR_MAC_INVALID);
}

static void
torture_kdf_mac_check_bad_args(void **state)
{
	static const size_t bad_lens[] = {
		0, 1, RESILIENT_MAC_MIN - 1, RESILIENT_MAC_MAX + 1
	};
	u_char a[BIG], b[BIG];
	size_t i;

	memset(a, 0x11, sizeof(a));
	memset(b, 0x11, sizeof(b));
	assert_int_equal(resilient_kdf_mac_check(NULL, b, RESILIENT_MAC_MIN),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_mac_check(a, NULL, RESILIENT_MAC_MIN),
	    SSH_ERR_INVALID_ARGUMENT);
	assert_int_equal(resilient_kdf_mac_check(NULL, NULL, 0),
	    SSH_ERR_INVALID_ARGUMENT);
	/* equal contents must not pass with a bogus length */
	for (i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++)
		assert_int_equal(resilient_kdf_mac_check(a, b, bad_lens[i]),
		    SSH_ERR_INVALID_ARGUMENT);
}

#define KDF_TEST(f, v)	{ #f "/" #v, f, setup, teardown, &v }
#define KDF_TESTS(f)	KDF_TEST(f, vec_sha256), KDF_TEST(f, vec_sha384), \
			KDF_TEST(f, vec_sha512)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		KDF_TESTS(torture_kdf_resume_secret),
		KDF_TESTS(torture_kdf_ratchet),
		KDF_TESTS(torture_kdf_token),
		KDF_TESTS(torture_kdf_transcript_vector),
		KDF_TESTS(torture_kdf_client_mac),
		KDF_TESTS(torture_kdf_server_mac),
		KDF_TESTS(torture_kdf_reconnect_hash),
		KDF_TESTS(torture_kdf_secret_as_k),
		KDF_TESTS(torture_kdf_ratchet_after_resume),
		KDF_TESTS(torture_kdf_session),
		KDF_TESTS(torture_kdf_transcript_binding),
		KDF_TESTS(torture_kdf_server_mac_binding),
		KDF_TESTS(torture_kdf_resume_secret_bad_args),
		KDF_TESTS(torture_kdf_ratchet_bad_args),
		KDF_TESTS(torture_kdf_token_bad_args),
		KDF_TESTS(torture_kdf_client_mac_bad_args),
		KDF_TESTS(torture_kdf_server_mac_bad_args),
		KDF_TESTS(torture_kdf_reconnect_hash_bad_args),
		cmocka_unit_test(torture_kdf_unsupported_algs),
		cmocka_unit_test(torture_kdf_transcript_encoding),
		cmocka_unit_test(torture_kdf_transcript_bad_args),
		cmocka_unit_test(torture_kdf_secret_as_k_bad_args),
		cmocka_unit_test(torture_kdf_mac_check),
		cmocka_unit_test(torture_kdf_mac_check_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
