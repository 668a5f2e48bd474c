package tickparquet

import (
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
)

// Table holds ticks column by column, as the compactor reads, sorts and writes them: one typed slice
// a column, strings as ids into one string table, optional columns with a validity slice. Row i is
// the i-th value of every column. The zero value is not usable: make one with NewTable. A Table is
// not safe for concurrent use.
//
// The measured reason for this form beside Row: a Row carries pointers and a 40-byte slot for every
// declared field, so an hour of ticks read into rows allocated about 1 KB a tick, which the GC scanned
// and the sort's gather copied; compacting from columns allocates a few bytes a value and no pointers
// (BENCHMARKS.md, "Compaction: one hour").
type Table struct {
	Symbol         []int32 // ids into Strings
	TS             []int64
	Price          []float64
	Size           []int64
	Bid, Ask       Nullable[float64]
	KafkaPartition []int32
	KafkaOffset    []int64
	KafkaTimestamp []int64
	// Fields are the declared fields' columns, in the schema's order.
	Fields []FieldColumn
	Extra  Nullable[int32] // ids into Strings

	// Strings is the string table of Symbol, Extra and the declared string fields; Intern adds to it.
	Strings []string
	ids     map[string]int32
	fields  schema.Schema
}

// Nullable is an optional column: Values[i] is row i's value when Valid[i]. Both are empty while every
// row is null, so that a column no row carries costs nothing.
type Nullable[T any] struct {
	Values []T
	Valid  []bool
}

// FieldColumn is a declared field's column: I holds bigint, date (days), timestamp (microseconds) and
// boolean (0 or 1) values, F double values and S string ids into the Table's Strings, as the field's
// type says; the others stay empty.
type FieldColumn struct {
	Type schema.Type
	I    Nullable[int64]
	F    Nullable[float64]
	S    Nullable[int32]
}

// NewTable returns an empty Table of ticks with the given declared fields.
func NewTable(fields schema.Schema) *Table {
	c := &Table{fields: fields, ids: map[string]int32{}}
	c.Fields = make([]FieldColumn, len(fields))
	for i, f := range fields {
		c.Fields[i].Type = f.Type
	}
	return c
}

// Schema is the declared fields the Table holds.
func (c *Table) Schema() schema.Schema { return c.fields }

// Len is the number of rows.
func (c *Table) Len() int { return len(c.TS) }

// Intern returns the id of s in the string table, adding a copy of s when it is new.
func (c *Table) Intern(s []byte) int32 {
	if id, ok := c.ids[string(s)]; ok {
		return id
	}
	id := int32(len(c.Strings))
	str := string(s)
	c.ids[str] = id
	c.Strings = append(c.Strings, str)
	return id
}

// InternString is Intern for a string.
func (c *Table) InternString(s string) int32 {
	if id, ok := c.ids[s]; ok {
		return id
	}
	id := int32(len(c.Strings))
	c.ids[s] = id
	c.Strings = append(c.Strings, s)
	return id
}

// Reset empties the Table, string table included, keeping their memory.
func (c *Table) Reset() {
	c.Truncate(0)
	clear(c.ids)
	c.Strings = c.Strings[:0]
}

// Truncate keeps the first n rows (n at most Len); the string table stays as it is.
func (c *Table) Truncate(n int) {
	c.Symbol, c.TS, c.Price, c.Size = c.Symbol[:n], c.TS[:n], c.Price[:n], c.Size[:n]
	c.KafkaPartition, c.KafkaOffset, c.KafkaTimestamp = c.KafkaPartition[:n], c.KafkaOffset[:n], c.KafkaTimestamp[:n]
	c.Bid.truncate(n)
	c.Ask.truncate(n)
	c.Extra.truncate(n)
	for i := range c.Fields {
		f := &c.Fields[i]
		f.I.truncate(n)
		f.F.truncate(n)
		f.S.truncate(n)
	}
}

func (c *Nullable[T]) truncate(n int) {
	if len(c.Valid) > 0 {
		c.Values, c.Valid = c.Values[:n], c.Valid[:n]
	}
}

// Extend makes room for rows [base, base+n) of the column, null until set, and returns the new rows'
// values and validity to fill. base must be the column's length (the rows before these).
func (c *Nullable[T]) Extend(base, n int) ([]T, []bool) {
	vals, valid := c.ExtendUnset(base, n)
	clear(vals)
	clear(valid)
	return vals, valid
}

// ExtendUnset is Extend for a caller that sets every one of the new rows' values and validity.
func (c *Nullable[T]) ExtendUnset(base, n int) ([]T, []bool) {
	if len(c.Valid) == 0 { // the rows before these were all null
		c.Values = grow(c.Values[:0], base+n)
		c.Valid = grow(c.Valid[:0], base+n)
		clear(c.Values[:base])
		clear(c.Valid[:base])
	} else {
		c.Values = growKeep(c.Values, base+n)
		c.Valid = growKeep(c.Valid, base+n)
	}
	return c.Values[base:], c.Valid[base:]
}

// Pad adds n null rows after the column's first base rows, when the column holds any value.
func (c *Nullable[T]) Pad(base, n int) {
	if len(c.Valid) > 0 {
		c.Extend(base, n)
	}
}

// IsNull reports whether row i is null.
func (c *Nullable[T]) IsNull(i int) bool { return len(c.Valid) == 0 || !c.Valid[i] }

// growKeep returns buf with length n, keeping its contents, doubling its capacity when it must grow.
func growKeep[T any](buf []T, n int) []T {
	if cap(buf) < n {
		nb := make([]T, n, max(n, 2*cap(buf)))
		copy(nb, buf)
		return nb
	}
	return buf[:n]
}

// Grow returns buf with length len(buf)+n, keeping its contents: the n new values are for the caller
// to set.
func Grow[T any](buf []T, n int) []T { return growKeep(buf, len(buf)+n) }

// AppendRows appends rows, whose Fields are in the Table's schema order.
func (c *Table) AppendRows(rows []Row) {
	base := c.Len()
	n := len(rows)
	c.Symbol, c.TS, c.Price, c.Size = Grow(c.Symbol, n), Grow(c.TS, n), Grow(c.Price, n), Grow(c.Size, n)
	c.KafkaPartition, c.KafkaOffset, c.KafkaTimestamp = Grow(c.KafkaPartition, n), Grow(c.KafkaOffset, n), Grow(c.KafkaTimestamp, n)
	for i := range rows {
		r := &rows[i]
		j := base + i
		c.Symbol[j], c.TS[j], c.Price[j], c.Size[j] = c.InternString(r.Symbol), r.TS, r.Price, r.Size
		c.KafkaPartition[j], c.KafkaOffset[j], c.KafkaTimestamp[j] = r.KafkaPartition, r.KafkaOffset, r.KafkaTimestamp
	}
	appendOpt(&c.Bid, base, rows, func(r *Row) (float64, bool) {
		if r.Bid == nil {
			return 0, false
		}
		return *r.Bid, true
	})
	appendOpt(&c.Ask, base, rows, func(r *Row) (float64, bool) {
		if r.Ask == nil {
			return 0, false
		}
		return *r.Ask, true
	})
	appendOpt(&c.Extra, base, rows, func(r *Row) (int32, bool) {
		if r.Extra == nil {
			return 0, false
		}
		return c.InternString(*r.Extra), true
	})
	for fi := range c.Fields {
		f := &c.Fields[fi]
		valid := func(r *Row) bool { return fi < len(r.Fields) && r.Fields[fi].Valid }
		switch fieldKind(f.Type) {
		case kindString:
			appendOpt(&f.S, base, rows, func(r *Row) (int32, bool) {
				if !valid(r) {
					return 0, false
				}
				return c.InternString(r.Fields[fi].S), true
			})
		case kindDouble:
			appendOpt(&f.F, base, rows, func(r *Row) (float64, bool) {
				if !valid(r) {
					return 0, false
				}
				return r.Fields[fi].F, true
			})
		default:
			appendOpt(&f.I, base, rows, func(r *Row) (int64, bool) {
				if !valid(r) {
					return 0, false
				}
				return r.Fields[fi].I, true
			})
		}
	}
}

// appendOpt appends rows' values of an optional column, read by get.
func appendOpt[T any](c *Nullable[T], base int, rows []Row, get func(*Row) (T, bool)) {
	any := false
	for i := range rows {
		if _, ok := get(&rows[i]); ok {
			any = true
			break
		}
	}
	if !any {
		c.Pad(base, len(rows))
		return
	}
	vals, valid := c.Extend(base, len(rows))
	for i := range rows {
		vals[i], valid[i] = get(&rows[i])
	}
}

// Rows returns the rows in order [from, to), as the row readers return them: Fields of the schema's
// length (nil without declared fields), Present set.
func (c *Table) Rows(from, to int) []Row {
	n := to - from
	rows := make([]Row, n)
	opt := make([]Optional, n)
	nf := len(c.Fields)
	var vals []tick.Value
	if nf > 0 {
		vals = make([]tick.Value, n*nf)
	}
	for k := range rows {
		i := from + k
		r := &rows[k]
		*r = Row{Symbol: c.Strings[c.Symbol[i]], TS: c.TS[i], Price: c.Price[i], Size: c.Size[i],
			KafkaPartition: c.KafkaPartition[i], KafkaOffset: c.KafkaOffset[i], KafkaTimestamp: c.KafkaTimestamp[i]}
		o := &opt[k]
		if !c.Bid.IsNull(i) {
			o.Bid = c.Bid.Values[i]
			r.Bid = &o.Bid
		}
		if !c.Ask.IsNull(i) {
			o.Ask = c.Ask.Values[i]
			r.Ask = &o.Ask
		}
		if !c.Extra.IsNull(i) {
			o.Extra = c.Strings[c.Extra.Values[i]]
			r.Extra = &o.Extra
		}
		if nf == 0 {
			continue
		}
		r.Fields = vals[k*nf : (k+1)*nf : (k+1)*nf]
		for fi := range c.Fields {
			f := &c.Fields[fi]
			v := &r.Fields[fi]
			switch {
			case !f.S.IsNull(i):
				v.Valid, v.S = true, c.Strings[f.S.Values[i]]
			case !f.F.IsNull(i):
				v.Valid, v.F = true, f.F.Values[i]
			case !f.I.IsNull(i):
				v.Valid, v.I = true, f.I.Values[i]
			}
		}
		r.MarkPresent(nf)
	}
	return rows
}
