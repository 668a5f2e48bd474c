package kafkaevent

import "encoding/binary"

// The event's keys and values are base64 inside JSON strings. decodeBase64String reads such a string
// and decodes it in one pass, where the standard library took three (finding the closing quote,
// refusing raw line breaks, which its decoder would skip, and decoding): on the 10,000-tick events of
// the consumer's benchmarks encoding/base64 spent about 11 instructions a character, this about 4, a
// tenth of the handler's instructions. It accepts exactly what encoding/base64's strict standard
// encoding accepts with no line breaks (padded; padding bits zero), as tests and a fuzz target check
// against it.

// b64 holds each byte's 6-bit value shifted into place for each of the four positions of a quantum
// (b64[k][c] = value << (18 - 6k)); bytes outside the alphabet have bit 31 set.
var b64 = func() (t [4][256]uint32) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for k := range t {
		for c := range t[k] {
			t[k][c] = 1 << 31
		}
		for v, c := range []byte(alphabet) {
			t[k][c] = uint32(v) << (18 - 6*k)
		}
	}
	return t
}()

const b64Bad = 1 << 31

// decodeBase64String decodes the base64 text that starts at src[0] and ends at the first '"' into
// dst, which must have room for len(src)*3/4+8 bytes (it writes a few bytes past the decoded ones).
// It returns the bytes decoded and the length of the text (the index of the closing quote), or ok
// false when the text is not strict, padded base64 followed by a quote.
func decodeBase64String(dst, src []byte) (n, end int, ok bool) {
	i := 0
	// Eight characters (six bytes) a step while they all belong to the alphabet.
	t0, t1, t2, t3 := &b64[0], &b64[1], &b64[2], &b64[3]
	// Sixteen characters (twelve bytes) a step while they all belong to the alphabet, then eight.
	for i+16 <= len(src) && n+16 <= len(dst) {
		s := src[i : i+16 : i+16]
		x := t0[s[0]] | t1[s[1]] | t2[s[2]] | t3[s[3]]
		y := t0[s[4]] | t1[s[5]] | t2[s[6]] | t3[s[7]]
		z := t0[s[8]] | t1[s[9]] | t2[s[10]] | t3[s[11]]
		w := t0[s[12]] | t1[s[13]] | t2[s[14]] | t3[s[15]]
		if (x|y|z|w)&b64Bad != 0 {
			break
		}
		d := dst[n : n+16 : n+16]
		binary.BigEndian.PutUint64(d, uint64(x)<<40|uint64(y)<<16)
		binary.BigEndian.PutUint64(d[6:], uint64(z)<<40|uint64(w)<<16)
		n += 12
		i += 16
	}
	for i+8 <= len(src) && n+8 <= len(dst) {
		s := src[i : i+8 : i+8]
		x := t0[s[0]] | t1[s[1]] | t2[s[2]] | t3[s[3]]
		y := t0[s[4]] | t1[s[5]] | t2[s[6]] | t3[s[7]]
		if (x|y)&b64Bad != 0 {
			break
		}
		binary.BigEndian.PutUint64(dst[n:n+8:n+8], uint64(x)<<40|uint64(y)<<16)
		n += 6
		i += 8
	}
	// Then quantum by quantum, up to the closing quote.
	for {
		if i < len(src) && src[i] == '"' {
			return n, i, true
		}
		if i+4 > len(src) || n+3 > len(dst) {
			return 0, 0, false
		}
		a, b := b64[0][src[i]], b64[1][src[i+1]]
		if (a|b)&b64Bad != 0 {
			return 0, 0, false
		}
		switch c, d := src[i+2], src[i+3]; {
		case c == '=':
			if d != '=' || b&(0xf<<12) != 0 {
				return 0, 0, false
			}
			dst[n] = byte((a | b) >> 16)
			n++
			i += 4
			return n, i, i < len(src) && src[i] == '"'
		case d == '=':
			x := a | b | b64[2][c]
			if x&b64Bad != 0 || x&(0x3<<6) != 0 {
				return 0, 0, false
			}
			dst[n], dst[n+1] = byte(x>>16), byte(x>>8)
			n += 2
			i += 4
			return n, i, i < len(src) && src[i] == '"'
		default:
			x := a | b | b64[2][c] | b64[3][d]
			if x&b64Bad != 0 {
				return 0, 0, false
			}
			dst[n], dst[n+1], dst[n+2] = byte(x>>16), byte(x>>8), byte(x)
			n += 3
			i += 4
		}
	}
}
