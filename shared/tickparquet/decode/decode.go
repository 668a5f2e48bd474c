// Package decode reads Parquet objects of ticks back: into a tickparquet.Table, column by column, as
// the compactor reads an hour (DecodeTable), or into rows (Decode). It is a package of its own so
// that only the functions that read objects (the compactor) link parquet-go: the consumer, which only
// writes, stays small.
//
// Two readers share one Decoder. A fast reader (fast.go) reads the objects this project's encoder
// writes, and any object within the same bounds: flat columns of the schema's physical types, zstd or
// no compression, version 1 data pages, PLAIN, DELTA_BINARY_PACKED and dictionary encodings, RLE
// definition levels; it decodes pages straight into the table's typed columns (a dictionary page's
// strings mapped once into the table's string table), from a footer read with its own Thrift compact
// reader. Anything else (another encoding, page kind or codec, another writer's layout, or bytes that
// do not add up) goes to parquet-go, an independent implementation that reads any writer's objects of
// the schema, so no object parquet-go reads is refused; its rows are then added to the table. The one
// exception is Thrift metadata nested deeper than any Parquet writer nests it, which is refused
// before parquet-go sees it: parquet-go's Thrift reader recurses without a bound, and a few
// megabytes of nested lists overflow the stack, which ends the process; so is a footer whose lists
// claim more elements than bytes follow, which parquet-go would allocate (checkFrame). A panic
// inside parquet-go on a damaged object is returned as an error. LZ4 pages are refused too, naming
// the codec: parquet-go's LZ4 reader grows without bound on a damaged page and reads no LZ4 object
// DuckDB writes, and no part of the pipeline writes LZ4.
//
// The measured reasons for the fast reader: compacting an hour spent most of its read time in
// parquet-go's set-up (about 0.25 ms an object: 4,300 objects at the stack's former batching) and its
// generic page decoding, and reading into rows (about 1 KB a tick with the declared fields) cost as
// much again in allocation and GC as decoding; BenchmarkDecodeHour and BenchmarkCompactHour have the
// figures (BENCHMARKS.md). The fast reader is tested against parquet-go on the encoder's objects
// (declared fields, nulls, several row groups and objects) and by a fuzz target that reads the same
// bytes with both.
package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// ErrNotTicks is wrapped by Decode's errors about an object that is not a tick object: a contract
// column missing, a nested column, or a column nobody declared.
var ErrNotTicks = errors.New("not a tick object")

// Decoder reads Parquet objects of ticks back into rows. It reuses its buffers and interns strings
// across calls; it is not safe for concurrent use.
type Decoder struct {
	fields  schema.Schema
	cols    []tickparquet.Column
	vals    []parquet.Value
	strs    map[string]string
	strsBuf []string
	fltsBuf []float64 // a dictionary-encoded double page's values
	intsBuf []int64   // a dictionary-encoded int64 page's values
	i32Buf  []int32   // a dictionary-encoded int32 page's values
	fast    fastState
	scratch *tickparquet.Table // Decode's: the fast reader's table
	rows    []tickparquet.Row  // DecodeTable's: parquet-go's rows
	// Fallbacks counts the objects read with parquet-go because the fast reader does not read them.
	Fallbacks int
}

// New returns a Decoder of objects whose declared fields are among fields, which may include
// retired fields, so that the columns of objects written before a field was retired still read.
func New(fields schema.Schema) *Decoder {
	return &Decoder{fields: fields, cols: tickparquet.Columns(fields), vals: make([]parquet.Value, 4096), strs: map[string]string{}}
}

// Decode reads a whole object, appending its rows to dst in file order. Declared fields are read into
// Row.Fields in the Decoder's field order: a field the object lacks reads as null, and a column the
// Decoder does not know is an error (ErrNotTicks), so that no value is dropped silently. Strings are
// copied out of body. It reads any writer's objects of this schema, whatever their encodings, pages
// and row groups.
func (d *Decoder) Decode(dst []tickparquet.Row, body []byte) ([]tickparquet.Row, error) {
	if d.scratch == nil {
		d.scratch = tickparquet.NewTable(d.fields)
	}
	d.scratch.Reset()
	if err := d.decodeFast(d.scratch, body); err == nil {
		return append(dst, d.scratch.Rows(0, d.scratch.Len())...), nil
	} else if err != errFallback {
		return dst, err
	}
	d.Fallbacks++
	return d.decodeParquetGo(dst, body)
}

// DecodeTable reads a whole object as Decode does, appending its rows to dst, whose declared fields
// must be the Decoder's (made with tickparquet.NewTable and the same fields). On an error dst is left
// as it was.
func (d *Decoder) DecodeTable(dst *tickparquet.Table, body []byte) error {
	if !slices.Equal(dst.Schema(), d.fields) {
		return fmt.Errorf("decode parquet: the table's declared fields are not the decoder's")
	}
	if err := d.decodeFast(dst, body); err == nil {
		return nil
	} else if err != errFallback {
		return err
	}
	d.Fallbacks++
	rows, err := d.decodeParquetGo(d.rows[:0], body)
	if err != nil {
		return err
	}
	dst.AppendRows(rows)
	d.rows = rows[:0]
	return nil
}

// checkFrame checks, before parquet-go reads an object, Parquet's frame, so that a damaged object fails at once rather than after
// parquet-go sized buffers from its footer length; then that the footer is a Thrift struct whose
// lists each claim no more elements than bytes follow them, nested no deeper than maxThriftDepth.
// parquet-go's Thrift reader allocates a list of whatever length its header claims (a few damaged
// bytes in a footer of 4 KB made it allocate 24 GB and end the process), and recurses without a bound.
func checkFrame(body []byte) error {
	if len(body) < 12 || string(body[:4]) != "PAR1" || string(body[len(body)-4:]) != "PAR1" ||
		int64(binary.LittleEndian.Uint32(body[len(body)-8:])) > int64(len(body)-12) {
		return fmt.Errorf("%w: not a Parquet object (%d bytes)", ErrNotTicks, len(body))
	}
	flen := int(binary.LittleEndian.Uint32(body[len(body)-8:]))
	r := &tr{b: body[len(body)-8-flen : len(body)-8]}
	r.skip(tStruct)
	if r.tooDeep {
		return errTooDeep
	}
	if r.bad {
		return fmt.Errorf("%w: its footer (%d bytes) is not Thrift metadata that fits in it", ErrNotTicks, flen)
	}
	return nil
}

// decodeParquetGo reads a whole object with parquet-go. A panic in parquet-go, which damaged pages
// and footers cause (a gzip page whose header is damaged, negative sizes), is returned as an error.
func (d *Decoder) decodeParquetGo(dst []tickparquet.Row, body []byte) (out []tickparquet.Row, err error) {
	// The fast reader bounds its own footer reading (depth, and lists that outrun their bytes); what
	// it hands over is checked here before parquet-go reads it.
	if err := checkFrame(body); err != nil {
		return dst, err
	}
	base := len(dst)
	defer func() {
		if r := recover(); r != nil {
			out, err = dst[:base], fmt.Errorf("read parquet: damaged object: %v", r)
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)),
		parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return dst, fmt.Errorf("open parquet: %w", err)
	}
	leafOf := map[string]int{}
	for i, path := range f.Schema().Columns() {
		if len(path) != 1 {
			return dst, fmt.Errorf("%w: nested column %v", ErrNotTicks, path)
		}
		leafOf[path[0]] = i
	}
	known := map[string]bool{}
	for _, c := range d.cols {
		known[c.Name] = true
	}
	for name := range leafOf {
		if !known[name] {
			return dst, fmt.Errorf("%w: column %q is not declared", ErrNotTicks, name)
		}
	}
	for _, c := range d.cols {
		leaf, ok := f.Schema().Lookup(c.Name)
		if !ok {
			if c.Field < 0 && !c.Optional {
				return dst, fmt.Errorf("%w: no column %q", ErrNotTicks, c.Name)
			}
			continue
		}
		// A column of another physical type (a declared field whose type changed, another writer's
		// schema) is refused by name: parquet-go's typed page values would panic or be misread.
		if got, want := leaf.Node.Type().Kind(), parquetKind[physical(c)]; got != want {
			return dst, fmt.Errorf("%w: column %q is %s in the object, %s declared", ErrNotTicks, c.Name, got, want)
		}
		// A timestamp column in another unit than microseconds would be read as microseconds, off by a
		// factor of a thousand: refused by name.
		if isTimestamp(c) {
			if lt := leaf.Node.Type().LogicalType(); lt != nil {
				if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil && ts.Unit.Value.Duration() != time.Microsecond {
					return dst, fmt.Errorf("%w: column %q is a timestamp in %s, not microseconds", ErrNotTicks, c.Name, ts.Unit.Value)
				}
			}
		}
	}
	// LZ4 pages are refused before parquet-go decodes them: its LZ4 reader grows its buffer without
	// bound on a damaged page (tens of gigabytes), and it reads no LZ4 object that DuckDB writes.
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			if codec := cc.MetaData.Codec; codec == format.Lz4 || codec == format.Lz4Raw {
				return dst, fmt.Errorf("%w: column %q is compressed with %s, which is not read", ErrNotTicks,
					strings.Join(cc.MetaData.PathInSchema, "."), codec)
			}
		}
	}
	nf := len(d.fields)
	meta := f.Metadata().RowGroups
	for gi, rg := range f.RowGroups() {
		n := int(rg.NumRows())
		base := len(dst)
		dst = slices.Grow(dst, n)[:base+n]
		rows := dst[base:]
		clear(rows)
		var fieldVals []tick.Value
		if nf > 0 {
			fieldVals = make([]tick.Value, n*nf)
			for i := range rows {
				rows[i].Fields = fieldVals[i*nf : (i+1)*nf : (i+1)*nf]
			}
		}
		var opt []tickparquet.Optional
		chunks := rg.ColumnChunks()
		for _, c := range d.cols {
			leaf, ok := leafOf[c.Name]
			if !ok {
				if !c.Optional {
					return dst[:base], fmt.Errorf("%w: no column %q", ErrNotTicks, c.Name)
				}
				continue // a declared field this object does not have: null
			}
			if gi < len(meta) && leaf < len(meta[gi].Columns) {
				// A chunk whose statistics count every value null is not read: null is the zero row.
				cm := meta[gi].Columns[leaf].MetaData
				if c.Optional && cm.NumValues == int64(n) && cm.Statistics.NullCount == int64(n) && n > 0 {
					continue
				}
			}
			if c.Optional && c.Field < 0 && opt == nil {
				opt = make([]tickparquet.Optional, n)
			}
			if err := d.readColumn(chunks[leaf], c, rows, opt); err != nil {
				return dst[:base], fmt.Errorf("read column %s: %w", c.Name, err)
			}
		}
		if nf > 0 {
			for i := range rows {
				rows[i].MarkPresent(nf)
			}
		}
	}
	return dst, nil
}

// readColumn reads one column chunk into rows, from each page's typed values (booleans through
// parquet-go's generic values).
func (d *Decoder) readColumn(cc parquet.ColumnChunk, c tickparquet.Column, rows []tickparquet.Row, opt []tickparquet.Optional) error {
	pages := cc.Pages()
	defer pages.Close()
	i := 0
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n := int(p.NumValues())
		if i+n > len(rows) {
			parquet.Release(p)
			return fmt.Errorf("more values than rows")
		}
		if c.Field >= 0 && c.Type == schema.Boolean {
			err = d.readValues(p, c, rows[i:i+n], opt, i)
		} else {
			err = d.readPage(p, c, rows[i:i+n], opt, i)
		}
		parquet.Release(p)
		if err != nil {
			return err
		}
		i += n
	}
	if i != len(rows) {
		return fmt.Errorf("%d values for %d rows", i, len(rows))
	}
	return nil
}

// readValues reads a page through parquet-go's generic values.
func (d *Decoder) readValues(p parquet.Page, c tickparquet.Column, rows []tickparquet.Row, opt []tickparquet.Optional, base int) error {
	vr := p.Values()
	i := 0
	for {
		n, err := vr.ReadValues(d.vals)
		for _, v := range d.vals[:n] {
			if i >= len(rows) {
				return fmt.Errorf("more values than rows")
			}
			if !v.IsNull() {
				d.set(c, &rows[i], v, opt, base+i)
			}
			i++
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readPage reads a page from its typed values: the present values in order, and definition levels
// saying which rows they belong to.
func (d *Decoder) readPage(p parquet.Page, c tickparquet.Column, rows []tickparquet.Row, opt []tickparquet.Optional, base int) error {
	defs := p.DefinitionLevels()
	if defs != nil && len(defs) != len(rows) {
		return fmt.Errorf("%d definition levels for %d values", len(defs), len(rows))
	}
	data := p.Data()
	present := func(yield func(i, j int) bool) { // row i holds the page's j-th value
		j := 0
		for i := range rows {
			if defs != nil && defs[i] == 0 {
				continue
			}
			if !yield(i, j) {
				return
			}
			j++
		}
	}
	switch physical(c) {
	case typeByteArray:
		var strs []string
		var idx []int32
		var buf []byte
		var offs []uint32
		if dict := p.Dictionary(); dict != nil {
			dv := dict.Page().Data()
			b, o := dv.ByteArray()
			strs = d.strsBuf[:0]
			for k := 0; k+1 < len(o); k++ {
				strs = append(strs, d.intern(b[o[k]:o[k+1]]))
			}
			d.strsBuf = strs
			idx = data.Int32()
		} else {
			buf, offs = data.ByteArray()
		}
		count := len(idx)
		if idx == nil {
			count = max(len(offs)-1, 0)
		}
		var bad error
		for i, j := range present {
			if j >= count {
				bad = fmt.Errorf("fewer values than present rows")
				break
			}
			var s string
			if idx != nil {
				if int(idx[j]) >= len(strs) || idx[j] < 0 {
					bad = fmt.Errorf("dictionary index %d out of %d", idx[j], len(strs))
					break
				}
				s = strs[idx[j]]
			} else if c.Name == tickparquet.ColExtra {
				s = string(buf[offs[j]:offs[j+1]])
			} else {
				s = d.intern(buf[offs[j]:offs[j+1]])
			}
			switch {
			case c.Name == tickparquet.ColSymbol:
				rows[i].Symbol = s
			case c.Name == tickparquet.ColExtra:
				opt[base+i].Extra = s
				rows[i].Extra = &opt[base+i].Extra
			default:
				rows[i].Fields[c.Field] = tick.Value{Valid: true, S: s}
			}
		}
		return bad
	case typeInt64:
		var vals []int64
		if dict := p.Dictionary(); dict != nil { // the page holds indices into the dictionary
			dd := dict.Page().Data()
			var err error
			if d.intsBuf, err = lookup(d.intsBuf, dd.Int64(), data.Int32()); err != nil {
				return err
			}
			vals = d.intsBuf
		} else {
			vals = data.Int64()
		}
		var bad error
		for i, j := range present {
			if j >= len(vals) {
				bad = fmt.Errorf("fewer values than present rows")
				break
			}
			v := vals[j]
			switch c.Name {
			case tickparquet.ColTS:
				rows[i].TS = v
			case tickparquet.ColSize:
				rows[i].Size = v
			case tickparquet.ColKafkaOffset:
				rows[i].KafkaOffset = v
			case tickparquet.ColKafkaTimestamp:
				rows[i].KafkaTimestamp = v
			default:
				rows[i].Fields[c.Field] = tick.Value{Valid: true, I: v}
			}
		}
		return bad
	case typeInt32:
		vals := data.Int32()
		if dict := p.Dictionary(); dict != nil { // the page holds indices into the dictionary
			dd := dict.Page().Data()
			var err error
			if d.i32Buf, err = lookup(d.i32Buf, dd.Int32(), vals); err != nil {
				return err
			}
			vals = d.i32Buf
		}
		var bad error
		for i, j := range present {
			if j >= len(vals) {
				bad = fmt.Errorf("fewer values than present rows")
				break
			}
			if c.Name == tickparquet.ColKafkaPartition {
				rows[i].KafkaPartition = vals[j]
			} else {
				rows[i].Fields[c.Field] = tick.Value{Valid: true, I: int64(vals[j])}
			}
		}
		return bad
	case typeDouble:
		var vals []float64
		if dict := p.Dictionary(); dict != nil { // the page holds indices into the dictionary
			dd := dict.Page().Data()
			var err error
			if d.fltsBuf, err = lookup(d.fltsBuf, dd.Double(), data.Int32()); err != nil {
				return err
			}
			vals = d.fltsBuf
		} else {
			vals = data.Double()
		}
		var bad error
		for i, j := range present {
			if j >= len(vals) {
				bad = fmt.Errorf("fewer values than present rows")
				break
			}
			v := vals[j]
			switch c.Name {
			case tickparquet.ColPrice:
				rows[i].Price = v
			case tickparquet.ColBid:
				opt[base+i].Bid = v
				rows[i].Bid = &opt[base+i].Bid
			case tickparquet.ColAsk:
				opt[base+i].Ask = v
				rows[i].Ask = &opt[base+i].Ask
			default:
				rows[i].Fields[c.Field] = tick.Value{Valid: true, F: v}
			}
		}
		return bad
	}
	return fmt.Errorf("unexpected physical type %d", physical(c))
}

// intern returns b as a string, one allocation per distinct value.
func (d *Decoder) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < 1<<16 {
		d.strs[s] = s
	}
	return s
}

func (d *Decoder) set(c tickparquet.Column, r *tickparquet.Row, v parquet.Value, opt []tickparquet.Optional, i int) {
	switch c.Name {
	case tickparquet.ColSymbol:
		r.Symbol = d.intern(v.ByteArray())
		return
	case tickparquet.ColTS:
		r.TS = v.Int64()
		return
	case tickparquet.ColPrice:
		r.Price = v.Double()
		return
	case tickparquet.ColSize:
		r.Size = v.Int64()
		return
	case tickparquet.ColKafkaPartition:
		r.KafkaPartition = v.Int32()
		return
	case tickparquet.ColKafkaOffset:
		r.KafkaOffset = v.Int64()
		return
	case tickparquet.ColKafkaTimestamp:
		r.KafkaTimestamp = v.Int64()
		return
	}
	if c.Field < 0 {
		switch c.Name {
		case tickparquet.ColBid:
			opt[i].Bid = v.Double()
			r.Bid = &opt[i].Bid
		case tickparquet.ColAsk:
			opt[i].Ask = v.Double()
			r.Ask = &opt[i].Ask
		case tickparquet.ColExtra:
			opt[i].Extra = string(v.ByteArray())
			r.Extra = &opt[i].Extra
		}
		return
	}
	fv := &r.Fields[c.Field]
	fv.Valid = true
	switch c.Type {
	case schema.String:
		fv.S = d.intern(v.ByteArray())
	case schema.Double:
		fv.F = v.Double()
	case schema.Boolean:
		if v.Boolean() {
			fv.I = 1
		}
	case schema.Date:
		fv.I = int64(v.Int32())
	default:
		fv.I = v.Int64()
	}
}

// Parquet physical types of the columns.
const (
	typeBoolean = iota
	typeInt32
	typeInt64
	typeDouble
	typeByteArray
)

// isTimestamp reports whether c holds timestamps (microseconds since the epoch).
func isTimestamp(c tickparquet.Column) bool {
	if c.Field >= 0 {
		return c.Type == schema.Timestamp
	}
	return c.Name == tickparquet.ColTS || c.Name == tickparquet.ColKafkaTimestamp
}

// parquetKind is parquet-go's kind of each physical type.
var parquetKind = map[int]parquet.Kind{typeBoolean: parquet.Boolean, typeInt32: parquet.Int32, typeInt64: parquet.Int64,
	typeDouble: parquet.Double, typeByteArray: parquet.ByteArray}

// physical is the physical type of a column, as the encoder writes it.
func physical(c tickparquet.Column) int {
	if c.Field >= 0 {
		switch c.Type {
		case schema.String:
			return typeByteArray
		case schema.Double:
			return typeDouble
		case schema.Boolean:
			return typeBoolean
		case schema.Date:
			return typeInt32
		}
		return typeInt64
	}
	switch c.Name {
	case tickparquet.ColSymbol, tickparquet.ColExtra:
		return typeByteArray
	case tickparquet.ColPrice, tickparquet.ColBid, tickparquet.ColAsk:
		return typeDouble
	case tickparquet.ColKafkaPartition:
		return typeInt32
	}
	return typeInt64
}

// lookup returns buf holding the dictionary's value for each index, or an error naming an index
// outside it.
func lookup[T any](buf, dict []T, idx []int32) ([]T, error) {
	buf = buf[:0]
	for _, x := range idx {
		if x < 0 || int(x) >= len(dict) {
			return buf, fmt.Errorf("dictionary index %d out of %d", x, len(dict))
		}
		buf = append(buf, dict[x])
	}
	return buf, nil
}
