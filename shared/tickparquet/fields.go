package tickparquet

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/ticklake/ticklake/shared/schema"
)

// Kinds of the declared fields' columns, beyond the contract's.
const (
	kindDate kind = iota + 100 // INT32 DATE, delta-encoded
	kindBool                   // BOOLEAN, plain (bit-packed)
)

// fieldKind maps a declared type to the kind of its column: strings dictionary-encoded, bigints
// delta-encoded (sequences), doubles byte-stream-split (prices: their exponent and high mantissa
// bytes repeat, which zstd then finds), dates and timestamps delta-encoded, booleans bit-packed.
func fieldKind(t schema.Type) kind {
	switch t {
	case schema.String:
		return kindString
	case schema.Double:
		return kindDouble
	case schema.BigInt:
		return kindInt64Delta
	case schema.Boolean:
		return kindBool
	case schema.Date:
		return kindDate
	}
	return kindTimestamp
}

func fieldPhysical(t schema.Type) int32 {
	switch fieldKind(t) {
	case kindString:
		return typeByteArray
	case kindDouble:
		return typeDouble
	case kindBool:
		return typeBoolean
	case kindDate:
		return typeInt32
	}
	return typeInt64
}

// writeField writes the chunk of a declared field's column: definition levels, then the present
// values, with statistics over them.
func (f *fileWriter) writeField(c columnDef, rows []Row) chunkMeta {
	m := chunkMeta{numValues: int64(len(rows))}
	fi := c.field
	f.present = grow(f.present, len(rows))
	present := f.present
	n := 0
	for i := range rows {
		present[i] = fi < len(rows[i].Fields) && rows[i].Fields[fi].Valid
		if present[i] {
			n++
		}
	}
	m.nullCount = int64(len(rows) - n)
	f.levels = appendRLE(f.levels[:0], present, 1)
	body := binary.LittleEndian.AppendUint32(f.body[:0], uint32(len(f.levels)))
	body = append(body, f.levels...)
	encoding := int32(encPlain)
	switch k := fieldKind(c.ftype); {
	case n == 0: // all null: no values, no dictionary, no min and max
	case k == kindString:
		clear(f.dict)
		f.dictVal = f.dictVal[:0]
		f.idx = grow(f.idx, n)[:0]
		var dictBody []byte
		for i := range rows {
			if !present[i] {
				continue
			}
			s := rows[i].Fields[fi].S
			id, ok := f.dict[s]
			if !ok {
				id = int32(len(f.dictVal))
				f.dict[s] = id
				f.dictVal = append(f.dictVal, s)
				dictBody = binary.LittleEndian.AppendUint32(dictBody, uint32(len(s)))
				dictBody = append(dictBody, s...)
			}
			f.idx = append(f.idx, id)
		}
		m.dictOffset = int64(f.out.Len())
		f.page(&m, pageDictionary, dictBody, int32(len(f.dictVal)), encPlain)
		width := max(1, bits.Len32(uint32(len(f.dictVal)-1)))
		body = append(body, byte(width))
		body = appendRLE(body, f.idx, width)
		encoding = encRLEDictionary
		m.encodings = []int32{encPlain, encRLEDictionary}
		minS, maxS := f.dictVal[0], f.dictVal[0]
		for _, s := range f.dictVal {
			minS, maxS = min(minS, s), max(maxS, s)
		}
		m.min, m.max = []byte(minS), []byte(maxS)
	case k == kindDouble:
		lo, hi := math.Inf(1), math.Inf(-1)
		start := len(body)
		body = append(body, make([]byte, 8*n)...)
		j := 0
		for i := range rows {
			if !present[i] {
				continue
			}
			v := rows[i].Fields[fi].F
			lo, hi = min(lo, v), max(hi, v)
			u := math.Float64bits(v)
			for b := 0; b < 8; b++ { // BYTE_STREAM_SPLIT: byte b of value j at b*n+j
				body[start+b*n+j] = byte(u >> (8 * b))
			}
			j++
		}
		encoding = encByteStreamSplit
		m.min, m.max = float64Bytes(lo), float64Bytes(hi)
	case k == kindBool:
		lo, hi := byte(1), byte(0)
		var acc byte
		j := 0
		for i := range rows {
			if !present[i] {
				continue
			}
			v := byte(rows[i].Fields[fi].I & 1)
			lo, hi = min(lo, v), max(hi, v)
			acc |= v << (j % 8)
			j++
			if j%8 == 0 {
				body = append(body, acc)
				acc = 0
			}
		}
		if j%8 != 0 {
			body = append(body, acc)
		}
		m.min, m.max = []byte{lo}, []byte{hi}
	default: // int64, date and timestamp: delta-encoded
		f.ints = grow(f.ints, n)[:0]
		for i := range rows {
			if present[i] {
				f.ints = append(f.ints, rows[i].Fields[fi].I)
			}
		}
		body = appendDeltaBinaryPacked(body, f.ints)
		encoding = encDeltaBinary
		if k == kindDate {
			lo, hi := int64Bounds(f.ints)
			m.min, m.max = lo[:4], hi[:4] // little-endian: the int32's bytes come first
		} else {
			m.min, m.max = int64Bounds(f.ints)
		}
	}
	if m.encodings == nil {
		m.encodings = []int32{encoding}
	}
	m.encodings = append(m.encodings, encRLE)
	m.dataOffset = int64(f.out.Len())
	f.page(&m, pageData, body, int32(len(rows)), encoding)
	f.body = body
	return m
}
