package tickparquet

import (
	"encoding/binary"

	"github.com/ticklake/ticklake/shared/schema"
)

// Kinds of the declared fields' columns, beyond the contract's.
const (
	kindDate kind = iota + 100 // INT32 DATE
	kindBool                   // BOOLEAN, plain (bit-packed)
)

// fieldKind maps a declared type to the kind of its column (fieldEncoding says how it is encoded;
// byte-stream-split measured larger than PLAIN and zstd on the stock-index prices).
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

// fieldEncoding is how a declared type's column is encoded: strings dictionary-encoded; doubles
// dictionary-encoded when few distinct values repeat, else plain; bigints and timestamps delta-encoded
// when they mostly ascend or step narrowly, dictionary-encoded when few are distinct, else plain;
// dates delta-encoded when they mostly ascend, else plain; booleans bit-packed.
func fieldEncoding(t schema.Type) encoding {
	switch t {
	case schema.String:
		return encodeDictionary
	case schema.Double:
		return encodeDoubles
	case schema.BigInt, schema.Timestamp:
		return encodeIntegers
	case schema.Date:
		return encodeDates
	}
	return encodePlain
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
	if f.fieldCounts[fi] == 0 { // all null: one run of definition level 0, no values, no statistics
		m.nullCount = int64(len(rows))
		f.levels = binary.AppendUvarint(f.levels[:0], uint64(len(rows))<<1)
		f.levels = append(f.levels, 0)
		body := binary.LittleEndian.AppendUint32(f.body[:0], uint32(len(f.levels)))
		body = append(body, f.levels...)
		m.encodings = []int32{encPlain, encRLE}
		m.dataOffset = int64(f.out.Len())
		f.page(&m, pageData, body, int32(len(rows)), encPlain)
		f.body = body
		return m
	}
	f.present = grow(f.present, len(rows))
	present := f.present
	// The present values, gathered once, typed.
	k := fieldKind(c.ftype)
	var n int
	switch k {
	case kindDouble:
		f.flts = f.flts[:0]
		for i := range rows {
			fs := rows[i].Fields
			present[i] = fi < len(fs) && fs[fi].Valid
			if present[i] {
				f.flts = append(f.flts, fs[fi].F)
			}
		}
		n = len(f.flts)
	case kindString:
		f.strs = f.strs[:0]
		for i := range rows {
			fs := rows[i].Fields
			present[i] = fi < len(fs) && fs[fi].Valid
			if present[i] {
				f.strs = append(f.strs, fs[fi].S)
			}
		}
		n = len(f.strs)
	default:
		f.ints = f.ints[:0]
		for i := range rows {
			fs := rows[i].Fields
			present[i] = fi < len(fs) && fs[fi].Valid
			if present[i] {
				f.ints = append(f.ints, fs[fi].I)
			}
		}
		n = len(f.ints)
	}
	m.nullCount = int64(len(rows) - n)
	f.levels = appendRLE(f.levels[:0], present, 1)
	body := binary.LittleEndian.AppendUint32(f.body[:0], uint32(len(f.levels)))
	body = append(body, f.levels...)
	encoding := int32(encPlain)
	switch {
	case n == 0: // all null: no values, no dictionary, no min and max
	case k == kindString:
		f.resetDict()
		f.idx = grow(f.idx, n)[:0]
		var dictBody []byte
		last, lastID := "", int32(-1)
		for _, s := range f.strs {
			if lastID >= 0 && s == last { // runs of one value, as rows sorted by symbol give
				f.idx = append(f.idx, lastID)
				continue
			}
			var id int32
			id, dictBody = f.dictID(s, dictBody)
			f.idx = append(f.idx, id)
			last, lastID = s, id
		}
		body = f.stringDict(&m, body, dictBody, f.idx)
		encoding = encRLEDictionary
	case k == kindDouble:
		body, encoding = f.doubles(&m, body, f.flts)
	case k == kindBool:
		var lo, hi byte
		body, lo, hi = appendBools(body, f.ints)
		m.min, m.max = []byte{lo}, []byte{hi}
	default: // int64, date and timestamp
		if k == kindDate {
			lo, hi := int64Bounds(f.ints)
			m.min, m.max = lo[:4], hi[:4] // little-endian: the int32's bytes come first
		} else {
			m.min, m.max = int64Bounds(f.ints)
		}
		body, encoding = f.integers(&m, body, f.ints, c.enc, k == kindDate)
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

// countFields finds the declared fields that some row carries, from the rows' Present summaries
// (fields past the 64th are counted one by one), so that the columns of fields a batch does not carry
// are written without a pass over the rows.
func (f *fileWriter) countFields(rows []Row, nfields int) {
	f.fieldCounts = grow(f.fieldCounts, nfields)
	clear(f.fieldCounts)
	var any uint64
	for i := range rows {
		p := rows[i].Present
		if p == 0 {
			for fi, v := range rows[i].Fields[:min(len(rows[i].Fields), 64)] {
				if v.Valid {
					p |= 1 << fi
				}
			}
		}
		any |= p
	}
	for fi := range min(nfields, 64) {
		if any&(1<<fi) != 0 {
			f.fieldCounts[fi] = 1
		}
	}
	for fi := 64; fi < nfields; fi++ {
		for i := range rows {
			if fi < len(rows[i].Fields) && rows[i].Fields[fi].Valid {
				f.fieldCounts[fi] = 1
				break
			}
		}
	}
}

// appendBools appends the booleans v (0 or 1 each) bit-packed as Parquet's PLAIN encoding writes them,
// and returns their least and greatest.
func appendBools(body []byte, v []int64) (_ []byte, lo, hi byte) {
	lo, hi = 1, 0
	var acc byte
	for j, x := range v {
		b := byte(x & 1)
		lo, hi = min(lo, b), max(hi, b)
		acc |= b << (j % 8)
		if j%8 == 7 {
			body = append(body, acc)
			acc = 0
		}
	}
	if len(v)%8 != 0 {
		body = append(body, acc)
	}
	return body, lo, hi
}
