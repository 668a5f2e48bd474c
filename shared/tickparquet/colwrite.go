package tickparquet

import (
	"encoding/binary"
	"fmt"
	"math"
)

// colScratch is the column writer's scratch: one column of a row group, gathered in write order.
type colScratch struct {
	ints    []int64
	flts    []float64
	ids     []int32 // string ids into the Table's Strings
	present []bool
	idx     []int32 // dictionary indices
	local   []int32 // string id -> dictionary index in the chunk being written, or -1
	dictIDs []int32 // the chunk's dictionary, as string ids
	// bounded says lo and hi are the least and greatest of ints, found as they were gathered.
	bounded bool
	lo, hi  int64
}

// EncodeTable writes the rows of t in the order given (row indices into t) as Parquet objects of
// several row groups, cut by l (row groups of about l.RowGroupBytes at rest; a row group that would
// take an object past l.MaxObjectBytes begins the next), with the schema, encodings and statistics
// (per row group) of Encode; emit receives each object in turn with the number of rows it holds, and
// its bytes are valid only until emit returns. It fails when order is empty or holds a row index out
// of range, when t's declared fields are not the Encoder's, when a size is not positive, or when emit
// fails. A column kind this writer does not know (columnDef gained one) is an error, which
// TestEncodeTableAsEncode finds: it checks that EncodeTable writes Encode's bytes, and the objects
// are read back by parquet-go and DuckDB (internal/compat). Each column's encoding follows its
// columnDef, the one place the consumer's Encode takes it from too, chosen from the values by the
// same functions, so the same rows in the same order give the same bytes.
func (e *Encoder) EncodeTable(t *Table, order []int32, l Layout, emit func(body []byte, rows int) error) error {
	if len(order) == 0 {
		return fmt.Errorf("encode parquet: no rows")
	}
	if l.RowGroupBytes <= 0 || l.MaxObjectBytes <= 0 {
		return fmt.Errorf("encode parquet: row group size %d and object size %d must be positive", l.RowGroupBytes, l.MaxObjectBytes)
	}
	if len(t.Fields) != e.fw.nfields {
		return fmt.Errorf("encode parquet: %d declared fields in the columns, %d in the encoder", len(t.Fields), e.fw.nfields)
	}
	for _, c := range e.fw.cols {
		if c.kind == kindField && t.Fields[c.field].Type != c.ftype {
			return fmt.Errorf("encode parquet: field %s is %s in the columns, %s in the encoder", c.name, t.Fields[c.field].Type, c.ftype)
		}
	}
	n := t.Len()
	for _, i := range order {
		if i < 0 || int(i) >= n {
			return fmt.Errorf("encode parquet: row %d of %d", i, n)
		}
	}
	if e.fw.zstd == nil {
		z, err := zstdEncoder()
		if err != nil {
			return fmt.Errorf("parquet encoder: zstd: %w", err)
		}
		e.fw.zstd = z
	}
	e.fw.err = nil
	groupBytes := min(l.RowGroupBytes, l.MaxObjectBytes)
	perRow := float64(firstGuess)
	f := &e.fw
	var groups []rowGroupMeta
	objRows := 0
	finish := func() error {
		ft := footer(f.cols, groups, l.KV)
		f.out.Write(ft)
		f.out.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(ft))))
		f.out.WriteString("PAR1")
		err := emit(f.out.Bytes(), objRows)
		groups, objRows = groups[:0], 0
		return err
	}
	for len(order) > 0 {
		n := int(min(float64(len(order)), max(1, float64(groupBytes)/perRow), math.MaxInt32))
		if len(groups) > 0 && int64(f.out.Len())+int64(float64(n)*perRow) > l.MaxObjectBytes {
			if err := finish(); err != nil {
				return err
			}
		}
		if len(groups) == 0 {
			e.buf.Reset()
			f.out = &e.buf
			f.out.WriteString("PAR1")
		}
		start := f.out.Len()
		metas := make([]chunkMeta, len(f.cols))
		for i, c := range f.cols {
			m, err := e.writeColumnFrom(c, t, order[:n])
			if err != nil {
				return err
			}
			metas[i] = m
		}
		if err := f.takeErr(); err != nil {
			return err
		}
		groups = append(groups, rowGroupMeta{n, metas})
		objRows += n
		perRow = max(0.5, float64(f.out.Len()-start)/float64(n))
		order = order[n:]
	}
	return finish()
}

// gather copies the values of column c at rows g into the scratch: the present values only (all for
// a required column), and for an optional column whether each row is present. It returns the number
// of present values.
func (s *colScratch) gather(c columnDef, cols *Table, g []int32) int {
	var ints []int64
	var i32 []int32
	var flts []float64
	var ids []int32
	var valid []bool
	optional := false
	switch c.name {
	case ColSymbol:
		ids = cols.Symbol
	case ColTS:
		ints = cols.TS
	case ColPrice:
		flts = cols.Price
	case ColSize:
		ints = cols.Size
	case ColBid:
		flts, valid, optional = cols.Bid.Values, cols.Bid.Valid, true
	case ColAsk:
		flts, valid, optional = cols.Ask.Values, cols.Ask.Valid, true
	case ColKafkaPartition:
		i32 = cols.KafkaPartition
	case ColKafkaOffset:
		ints = cols.KafkaOffset
	case ColKafkaTimestamp:
		ints = cols.KafkaTimestamp
	case ColExtra:
		ids, valid, optional = cols.Extra.Values, cols.Extra.Valid, true
	}
	if c.kind == kindField {
		fc := &cols.Fields[c.field]
		optional = true
		switch fieldKind(c.ftype) {
		case kindString:
			ids, valid = fc.S.Values, fc.S.Valid
		case kindDouble:
			flts, valid = fc.F.Values, fc.F.Valid
		default:
			ints, valid = fc.I.Values, fc.I.Valid
		}
	}
	n := len(g)
	s.bounded = false
	if optional {
		s.present = grow(s.present, n)
		if len(valid) == 0 { // every row null
			s.ints, s.flts, s.ids = s.ints[:0], s.flts[:0], s.ids[:0]
			clear(s.present)
			return 0
		}
		var np int
		switch {
		case ints != nil:
			s.ints, np = gatherValid(s.ints, ints, valid, g, s.present)
		case flts != nil:
			s.flts, np = gatherValid(s.flts, flts, valid, g, s.present)
		default:
			s.ids, np = gatherValid(s.ids, ids, valid, g, s.present)
		}
		return np
	}
	switch {
	case i32 != nil:
		s.ints = grow(s.ints, n)
		for k, i := range g {
			s.ints[k] = int64(i32[i])
		}
	case ints != nil:
		s.ints, s.lo, s.hi = gatherInt64(s.ints, ints, g)
		s.bounded = true
	case flts != nil:
		s.flts = gatherAll(s.flts, flts, g)
	default:
		s.ids = gatherAll(s.ids, ids, g)
	}
	return n
}

// gatherInt64 is gatherAll for int64 values, which also returns their least and greatest.
func gatherInt64(dst, src []int64, g []int32) ([]int64, int64, int64) {
	dst = grow(dst, len(g))
	if len(g) == 0 {
		return dst, 0, 0
	}
	lo, hi := src[g[0]], src[g[0]]
	for k, i := range g {
		v := src[i]
		dst[k] = v
		lo, hi = min(lo, v), max(hi, v)
	}
	return dst, lo, hi
}

func gatherAll[T any](dst, src []T, g []int32) []T {
	dst = grow(dst, len(g))
	for k, i := range g {
		dst[k] = src[i]
	}
	return dst
}

// gatherValid appends to dst[:0] the valid values of src at rows g, sets present[k] to whether row
// g[k] is valid, and returns the values and their count.
func gatherValid[T any](dst, src []T, valid []bool, g []int32, present []bool) ([]T, int) {
	dst = grow(dst, len(g))
	np := 0
	for k, i := range g {
		v := valid[i]
		present[k] = v
		dst[np] = src[i]
		if v {
			np++
		}
	}
	return dst[:np], np
}

// bounds returns the statistics of the gathered ints: int64Bounds, unless gather found them.
func (s *colScratch) bounds() (lo, hi []byte) {
	if s.bounded && len(s.ints) > 0 {
		return int64Bytes(s.lo), int64Bytes(s.hi)
	}
	return int64Bounds(s.ints)
}

// writeColumnFrom writes the chunk of column c for rows g of cols, encoded as writeColumn and
// writeField encode it: the encoding of each column follows its columnDef, and the functions that
// choose it from the values (doubles, integers) are theirs.
func (e *Encoder) writeColumnFrom(c columnDef, cols *Table, g []int32) (chunkMeta, error) {
	f := &e.fw
	s := &e.cs
	n := len(g)
	np := s.gather(c, cols, g)
	m := chunkMeta{numValues: int64(n), nullCount: int64(n - np)}
	body := f.body[:0]
	optional := c.optional || c.kind == kindField
	if optional {
		switch {
		case (np == 0 || np == n) && n >= minRLERun, np == 0 && c.kind == kindField:
			// One run of definition levels, as appendRLE writes it (and writeField writes a field
			// that is all null).
			f.levels = binary.AppendUvarint(f.levels[:0], uint64(n)<<1)
			f.levels = append(f.levels, byte(min(np, 1)))
		default:
			f.levels = appendRLE(f.levels[:0], s.present, 1)
		}
		body = binary.LittleEndian.AppendUint32(body, uint32(len(f.levels)))
		body = append(body, f.levels...)
	}
	encoding := int32(encPlain)
	k := c.kind
	if k == kindField {
		k = fieldKind(c.ftype)
	}
	switch {
	case c.kind == kindField && np == 0: // all null: no values, no dictionary, no min and max
	case k == kindString:
		body = e.writeDict(&m, body, cols.Strings, s.ids)
		encoding = encRLEDictionary
	case k == kindStringPlain:
		var lo, hi string
		for j, id := range s.ids {
			str := cols.Strings[id]
			body = binary.LittleEndian.AppendUint32(body, uint32(len(str)))
			body = append(body, str...)
			if j == 0 || str < lo {
				lo = str
			}
			if j == 0 || str > hi {
				hi = str
			}
		}
		if np > 0 {
			m.min, m.max = []byte(lo), []byte(hi)
		}
	case k == kindDouble:
		body, encoding = f.doubles(&m, body, s.flts)
	case k == kindBool:
		var lo, hi byte
		body, lo, hi = appendBools(body, s.ints)
		m.min, m.max = []byte{lo}, []byte{hi}
	case k == kindTimestamp || k == kindInt64Delta || k == kindInt64 || k == kindDate:
		// Integers: int64 and timestamp columns and fields, and dates (INT32).
		m.min, m.max = s.bounds()
		if k == kindDate && m.min != nil {
			m.min, m.max = m.min[:4], m.max[:4] // little-endian: the int32's bytes come first
		}
		body, encoding = f.integers(&m, body, s.ints, c.enc, k == kindDate)
	case k == kindInt32:
		if lo, hi := s.bounds(); lo != nil {
			m.min, m.max = lo[:4], hi[:4] // little-endian: the int32's bytes come first
		}
		body, encoding = f.integers(&m, body, s.ints, c.enc, true)
	default:
		return m, fmt.Errorf("encode parquet: column %s: kind %d has no column writer", c.name, k)
	}
	if m.encodings == nil {
		m.encodings = []int32{encoding}
	}
	if optional {
		m.encodings = append(m.encodings, encRLE)
	}
	m.dataOffset = int64(f.out.Len())
	f.page(&m, pageData, body, int32(n), encoding)
	f.body = body
	return m, nil
}

// writeDict writes the dictionary page of the strings with the given ids (in order of first
// appearance, as dictID builds it), and appends the data page's indices to body.
func (e *Encoder) writeDict(m *chunkMeta, body []byte, strs []string, ids []int32) []byte {
	f := &e.fw
	s := &e.cs
	if len(s.local) < len(strs) {
		s.local = make([]int32, len(strs)+len(strs)/4)
		for i := range s.local {
			s.local[i] = -1
		}
	}
	s.dictIDs = s.dictIDs[:0]
	s.idx = grow(s.idx, len(ids))
	var dictBody []byte
	last, lastIdx := int32(-1), int32(-1)
	for j, id := range ids {
		if id != last {
			last = id
			lastIdx = s.local[id]
			if lastIdx < 0 {
				lastIdx = int32(len(s.dictIDs))
				s.local[id] = lastIdx
				s.dictIDs = append(s.dictIDs, id)
				str := strs[id]
				dictBody = binary.LittleEndian.AppendUint32(dictBody, uint32(len(str)))
				dictBody = append(dictBody, str...)
			}
		}
		s.idx[j] = lastIdx
	}
	minS, maxS := strs[s.dictIDs[0]], strs[s.dictIDs[0]]
	for _, id := range s.dictIDs {
		minS, maxS = min(minS, strs[id]), max(maxS, strs[id])
		s.local[id] = -1
	}
	m.dictOffset = int64(f.out.Len())
	f.page(m, pageDictionary, dictBody, int32(len(s.dictIDs)), encPlain)
	body = appendIndices(body, s.idx, len(s.dictIDs))
	m.encodings = []int32{encPlain, encRLEDictionary}
	m.min, m.max = []byte(minS), []byte(maxS)
	return body
}
