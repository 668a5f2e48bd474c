package tick

import (
	"encoding/binary"
	"math/bits"
)

// shortCache holds the latest interned strings of up to 8 bytes (symbols, venues and the like) by
// their bytes packed in a word, so that most repeated values are found with one load and compare
// rather than a map lookup. It is a cache: a miss goes to the maps.
type shortCache [256]shortEntry

type shortEntry struct {
	key   uint64
	n     uint8
	field int16 // -1 for symbols, else the declared field
	val   string
}

// shortKey packs raw (1 to 8 bytes, with at least 8 bytes of capacity) in a word; ok is false for
// other slices.
func shortKey(raw []byte) (key uint64, ok bool) {
	n := len(raw)
	if n == 0 || n > 8 || cap(raw) < 8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(raw[:8:8]) & (^uint64(0) >> (64 - 8*n)), true
}

func (c *shortCache) slot(key uint64, n int, field int) *shortEntry {
	h := (key ^ uint64(n)<<56 ^ uint64(field+1)<<60) * 0x9E3779B97F4A7C15
	return &c[bits.RotateLeft64(h, 8)&0xff]
}

// get returns the cached string of raw for field, or "".
func (c *shortCache) get(raw []byte, field int) string {
	key, ok := shortKey(raw)
	if !ok {
		return ""
	}
	if e := c.slot(key, len(raw), field); e.key == key && int(e.n) == len(raw) && int(e.field) == field {
		return e.val
	}
	return ""
}

// put caches s, whose bytes are raw, for field.
func (c *shortCache) put(raw []byte, field int, s string) {
	if key, ok := shortKey(raw); ok {
		*c.slot(key, len(raw), field) = shortEntry{key, uint8(len(raw)), int16(field), s}
	}
}
