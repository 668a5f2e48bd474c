package tickparquet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"

	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
)

// ErrNotTicks is wrapped by Decode's errors about an object that is not a tick object: a contract
// column missing, a nested column, or a column nobody declared.
var ErrNotTicks = errors.New("not a tick object")

// Decoder reads Parquet objects of ticks back into rows. It reuses its buffers and interns strings
// across calls; it is not safe for concurrent use.
type Decoder struct {
	fields  schema.Schema
	cols    []columnDef
	vals    []parquet.Value
	strs    map[string]string
	strsBuf []string
}

// NewDecoder returns a Decoder of objects whose declared fields are among fields, which may include
// retired fields, so that the columns of objects written before a field was retired still read.
func NewDecoder(fields schema.Schema) *Decoder {
	return &Decoder{fields: fields, cols: columnsFor(fields), vals: make([]parquet.Value, 4096), strs: map[string]string{}}
}

// Decode reads a whole object, appending its rows to dst in file order. Declared fields are read into
// Row.Fields in the Decoder's field order: a field the object lacks reads as null, and a column the
// Decoder does not know is an error (ErrNotTicks), so that no value is dropped silently. Strings are
// copied out of body. It reads with parquet-go, so it reads any writer's objects of this schema,
// whatever their encodings, pages and row groups.
func (d *Decoder) Decode(dst []Row, body []byte) ([]Row, error) {
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
		known[c.name] = true
	}
	for name := range leafOf {
		if !known[name] {
			return dst, fmt.Errorf("%w: column %q is not declared", ErrNotTicks, name)
		}
	}
	for _, c := range contractColumns {
		if _, ok := leafOf[c.name]; !ok {
			return dst, fmt.Errorf("%w: no column %q", ErrNotTicks, c.name)
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
		var opt []Optional
		chunks := rg.ColumnChunks()
		for _, c := range d.cols {
			leaf, ok := leafOf[c.name]
			if !ok {
				if !c.optional {
					return dst[:base], fmt.Errorf("%w: no column %q", ErrNotTicks, c.name)
				}
				continue // a declared field this object does not have: null
			}
			if gi < len(meta) && leaf < len(meta[gi].Columns) {
				// A chunk whose statistics count every value null is not read: null is the zero row.
				cm := meta[gi].Columns[leaf].MetaData
				if c.optional && cm.NumValues == int64(n) && cm.Statistics.NullCount == int64(n) && n > 0 {
					continue
				}
			}
			if c.optional && c.kind != kindField && opt == nil {
				opt = make([]Optional, n)
			}
			if err := d.readColumn(chunks[leaf], c, rows, opt); err != nil {
				return dst[:base], fmt.Errorf("read column %s: %w", c.name, err)
			}
		}
		if nf > 0 {
			for i := range rows {
				for fi, v := range rows[i].Fields[:min(nf, 64)] {
					if v.Valid {
						rows[i].Present |= 1 << fi
					}
				}
			}
		}
	}
	return dst, nil
}

// readColumn reads one column chunk into rows, from each page's typed values (booleans through
// parquet-go's generic values).
func (d *Decoder) readColumn(cc parquet.ColumnChunk, c columnDef, rows []Row, opt []Optional) error {
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
		if c.kind == kindField && c.ftype == schema.Boolean {
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
func (d *Decoder) readValues(p parquet.Page, c columnDef, rows []Row, opt []Optional, base int) error {
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
func (d *Decoder) readPage(p parquet.Page, c columnDef, rows []Row, opt []Optional, base int) error {
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
	switch c.physical() {
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
			} else if c.name == ColExtra {
				s = string(buf[offs[j]:offs[j+1]])
			} else {
				s = d.intern(buf[offs[j]:offs[j+1]])
			}
			switch {
			case c.name == ColSymbol:
				rows[i].Symbol = s
			case c.name == ColExtra:
				opt[base+i].Extra = s
				rows[i].Extra = &opt[base+i].Extra
			default:
				rows[i].Fields[c.field] = tick.Value{Valid: true, S: s}
			}
		}
		return bad
	case typeInt64:
		vals := data.Int64()
		var bad error
		for i, j := range present {
			if j >= len(vals) {
				bad = fmt.Errorf("fewer values than present rows")
				break
			}
			v := vals[j]
			switch c.name {
			case ColTS:
				rows[i].TS = v
			case ColSize:
				rows[i].Size = v
			case ColKafkaOffset:
				rows[i].KafkaOffset = v
			case ColKafkaTimestamp:
				rows[i].KafkaTimestamp = v
			default:
				rows[i].Fields[c.field] = tick.Value{Valid: true, I: v}
			}
		}
		return bad
	case typeInt32:
		vals := data.Int32()
		var bad error
		for i, j := range present {
			if j >= len(vals) {
				bad = fmt.Errorf("fewer values than present rows")
				break
			}
			if c.name == ColKafkaPartition {
				rows[i].KafkaPartition = vals[j]
			} else {
				rows[i].Fields[c.field] = tick.Value{Valid: true, I: int64(vals[j])}
			}
		}
		return bad
	case typeDouble:
		vals := data.Double()
		var bad error
		for i, j := range present {
			if j >= len(vals) {
				bad = fmt.Errorf("fewer values than present rows")
				break
			}
			v := vals[j]
			switch c.name {
			case ColPrice:
				rows[i].Price = v
			case ColBid:
				opt[base+i].Bid = v
				rows[i].Bid = &opt[base+i].Bid
			case ColAsk:
				opt[base+i].Ask = v
				rows[i].Ask = &opt[base+i].Ask
			default:
				rows[i].Fields[c.field] = tick.Value{Valid: true, F: v}
			}
		}
		return bad
	}
	return fmt.Errorf("unexpected physical type %d", c.physical())
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

func (d *Decoder) set(c columnDef, r *Row, v parquet.Value, opt []Optional, i int) {
	switch c.name {
	case ColSymbol:
		r.Symbol = d.intern(v.ByteArray())
		return
	case ColTS:
		r.TS = v.Int64()
		return
	case ColPrice:
		r.Price = v.Double()
		return
	case ColSize:
		r.Size = v.Int64()
		return
	case ColKafkaPartition:
		r.KafkaPartition = v.Int32()
		return
	case ColKafkaOffset:
		r.KafkaOffset = v.Int64()
		return
	case ColKafkaTimestamp:
		r.KafkaTimestamp = v.Int64()
		return
	}
	if c.kind != kindField {
		switch c.name {
		case ColBid:
			opt[i].Bid = v.Double()
			r.Bid = &opt[i].Bid
		case ColAsk:
			opt[i].Ask = v.Double()
			r.Ask = &opt[i].Ask
		case ColExtra:
			opt[i].Extra = string(v.ByteArray())
			r.Extra = &opt[i].Extra
		}
		return
	}
	fv := &r.Fields[c.field]
	fv.Valid = true
	switch c.ftype {
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
