// Package tickparquet is the Parquet form of ticks at rest: the columns that Glue catalogs and Athena,
// DuckDB and Spark read, and a fast encoder for them.
//
// Columns (Parquet physical type, logical type):
//
//	symbol           BYTE_ARRAY  STRING, dictionary-encoded
//	ts               INT64       TIMESTAMP(MICROS, UTC)
//	price            DOUBLE
//	size             INT64
//	bid              DOUBLE      optional
//	ask              DOUBLE      optional
//	kafka_partition  INT32
//	kafka_offset     INT64
//	kafka_timestamp  INT64       TIMESTAMP(MICROS, UTC): when the record reached Kafka
//	<declared>       one optional column per declared field (package schema), typed as declared
//	extra            BYTE_ARRAY  STRING, optional: undeclared fields outside the contract, as JSON
//
// The consumer's objects (Encode) are one row group with one page a column, rows in Kafka offset
// order (as they arrived: event times, Kafka timestamps and offsets then delta-encode to a few bits
// each); compacted ones (EncodeTable, from a Table) hold rows in the caller's order, in one or more
// row groups. The same functions choose each chunk's encoding for both, so the same rows in the
// same order give the same bytes.
// Version 1 data pages; each column encoded as its columnDef says (encode.go): symbol and strings
// RLE_DICTIONARY; ts, kafka_partition, kafka_offset and kafka_timestamp DELTA_BINARY_PACKED; doubles
// RLE_DICTIONARY when few distinct values repeat (prices in cents), else PLAIN; integers delta,
// dictionary or PLAIN by what the chunk holds; dictionary indices and definition levels in the
// RLE/bit-packing hybrid; zstd; column statistics (min, max, null count) for predicate pushdown. The
// encoder is written for this schema alone: general Parquet libraries would push the function's
// deployment package past its size limit.
package tickparquet

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
)

// Column names, one place each.
const (
	ColSymbol         = "symbol"
	ColTS             = "ts"
	ColPrice          = "price"
	ColSize           = "size"
	ColBid            = "bid"
	ColAsk            = "ask"
	ColKafkaPartition = "kafka_partition"
	ColKafkaOffset    = "kafka_offset"
	ColKafkaTimestamp = "kafka_timestamp"
	ColExtra          = "extra"
)

// Row is one tick at rest. Its tags let Parquet libraries read objects back into it.
type Row struct {
	Symbol         string   `parquet:"symbol,dict"`
	TS             int64    `parquet:"ts,timestamp(microsecond:utc),delta"`
	Price          float64  `parquet:"price"`
	Size           int64    `parquet:"size"`
	Bid            *float64 `parquet:"bid,optional"`
	Ask            *float64 `parquet:"ask,optional"`
	KafkaPartition int32    `parquet:"kafka_partition"`
	KafkaOffset    int64    `parquet:"kafka_offset,delta"`
	KafkaTimestamp int64    `parquet:"kafka_timestamp,timestamp(microsecond:utc),delta"`
	Extra          *string  `parquet:"extra,optional,plain"`
	// Fields are the declared fields' values, in the Encoder's schema order; nil reads as all null.
	Fields []tick.Value `parquet:"-"`
	// Present has bit i set when Fields[i] is valid, for the first 64 fields; FromTick sets it. A row
	// whose Present is 0 has its Fields looked at one by one.
	Present uint64 `parquet:"-"`
}

// Meta is written into each object's key-value metadata, for lineage.
type Meta struct {
	Topic       string
	Partition   int32
	FirstOffset int64
	LastOffset  int64
}

// Encoder turns rows into Parquet objects. It reuses its buffers; it is not safe for concurrent use.
type Encoder struct {
	buf    bytes.Buffer
	fw     fileWriter
	cs     colScratch // EncodeTable's scratch
	fields schema.Schema
}

// NewEncoder returns an Encoder of ticks without declared fields.
func NewEncoder() *Encoder { return NewSchemaEncoder(nil) }

// NewSchemaEncoder returns an Encoder that writes one typed, nullable column for each declared field
// (fields must have passed schema.Check), between the contract's columns and extra.
func NewSchemaEncoder(fields schema.Schema) *Encoder {
	e := &Encoder{fields: fields}
	e.fw.cols, e.fw.nfields = columnsFor(fields), len(fields)
	return e
}

// Encode stores rows in Kafka offset order (arrival order: the order of the ticks' times and Kafka
// timestamps, which delta encoding then stores in a few bits each) and returns them as one Parquet
// object. Rows out of offset order are sorted in place first. The returned bytes are valid until the
// next call.
func (e *Encoder) Encode(rows []Row, meta Meta) ([]byte, error) {
	if e.fw.zstd == nil {
		z, err := zstdEncoder()
		if err != nil {
			return nil, fmt.Errorf("parquet encoder: zstd: %w", err)
		}
		e.fw.zstd = z
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].KafkaOffset < rows[i-1].KafkaOffset {
			slices.SortStableFunc(rows, func(a, b Row) int { return cmp.Compare(a.KafkaOffset, b.KafkaOffset) })
			break
		}
	}
	e.buf.Reset()
	e.fw.err = nil
	e.fw.out = &e.buf
	if e.fw.dict == nil {
		e.fw.dict = map[string]int32{}
	}
	if err := e.fw.writeFile(rows, meta); err != nil {
		return nil, err
	}
	return e.buf.Bytes(), nil
}

// FromTick fills a row from a decoded tick and its Kafka coordinates. Bid, Ask and Extra point into
// the row itself through store, which must outlive the row; Fields aliases t.Fields.
func FromTick(t *tick.Tick, partition int32, offset, kafkaMillis int64, store *Optional) Row {
	r := Row{Symbol: t.Symbol, TS: t.TS, Price: t.Price, Size: t.Size,
		KafkaPartition: partition, KafkaOffset: offset, KafkaTimestamp: kafkaMillis * 1000}
	if t.HasBid {
		store.Bid = t.Bid
		r.Bid = &store.Bid
	}
	if t.HasAsk {
		store.Ask = t.Ask
		r.Ask = &store.Ask
	}
	if t.Extra != nil {
		store.Extra = string(t.Extra)
		r.Extra = &store.Extra
	}
	if t.Fields != nil {
		r.Fields = t.Fields
		r.MarkPresent(len(t.Fields))
	}
	return r
}

// MarkPresent sets Present's bit for each valid value among the first n of Fields (at most 64).
func (r *Row) MarkPresent(n int) {
	for i, v := range r.Fields[:min(n, 64)] {
		if v.Valid {
			r.Present |= 1 << i
		}
	}
}

// Optional holds the values that a Row's optional columns point to.
type Optional struct {
	Bid, Ask float64
	Extra    string
}

// CatalogColumn is a column as the Glue catalog and Athena see it.
type CatalogColumn struct {
	Name, Type string
}

// CatalogColumns are the table columns of objects written with fields declared, in file order, with
// their Glue types: the contract's, the declared fields', then extra. Partition keys are not columns.
func CatalogColumns(fields schema.Schema) []CatalogColumn {
	cols := []CatalogColumn{{ColSymbol, "string"}, {ColTS, "timestamp"}, {ColPrice, "double"}, {ColSize, "bigint"},
		{ColBid, "double"}, {ColAsk, "double"}, {ColKafkaPartition, "int"}, {ColKafkaOffset, "bigint"},
		{ColKafkaTimestamp, "timestamp"}}
	for _, f := range fields {
		cols = append(cols, CatalogColumn{f.Name, string(f.Type)})
	}
	return append(cols, CatalogColumn{ColExtra, "string"})
}

// Column describes one column of the objects written with fields declared, for readers.
type Column struct {
	Name     string
	Optional bool
	// Field is the position of a declared field in the schema, or -1 for the contract's columns.
	Field int
	// Type is a declared field's type.
	Type schema.Type
}

// Columns are the file columns of objects written with fields declared, in file order.
func Columns(fields schema.Schema) []Column {
	var out []Column
	for _, c := range columnsFor(fields) {
		col := Column{Name: c.name, Optional: c.optional, Field: -1}
		if c.kind == kindField {
			col.Field, col.Type = c.field, c.ftype
		}
		out = append(out, col)
	}
	return out
}
