package compat

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// TestDecodeReadsDuckDBObjects rewrites an object with DuckDB (its own writer: every column optional,
// its encodings and page layout, several row groups, each codec parquet-go reads) and reads it with
// decode, as the compactor reads an object another tool wrote into the lake: every row, every value.
// DuckDB's LZ4 objects, which parquet-go v0.32.0 does not read, are refused, naming the codec.
func TestDecodeReadsDuckDBObjects(t *testing.T) {
	path, want := writeObject(t, 3000)
	db := openDuckDB(t)
	for _, codec := range []string{"zstd", "snappy", "uncompressed", "gzip", "lz4"} {
		t.Run(codec, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "duckdb.parquet")
			if _, err := db.Exec(`COPY (SELECT * FROM read_parquet('` + path + `')) TO '` + out + `' (FORMAT parquet, COMPRESSION ` +
				codec + `, ROW_GROUP_SIZE 1000)`); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decode.New(nil).Decode(nil, body)
			if codec == "lz4" {
				if err == nil || !strings.Contains(err.Error(), "LZ4") {
					t.Fatalf("an LZ4 object read: %d rows, %v; want an error naming LZ4", len(got), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tab := tickparquet.NewTable(nil)
			if err := decode.New(nil).DecodeTable(tab, body); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || tab.Len() != len(want) {
				t.Fatalf("%d rows, %d in the table, want %d", len(got), tab.Len(), len(want))
			}
			fromTable := tab.Rows(0, tab.Len())
			same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
			for i := range got {
				for _, g := range []tickparquet.Row{got[i], fromTable[i]} {
					w := want[i]
					if g.Symbol != w.Symbol || g.TS != w.TS || g.Price != w.Price || g.Size != w.Size || !same(g.Bid, w.Bid) ||
						!same(g.Ask, w.Ask) || g.KafkaPartition != w.KafkaPartition || g.KafkaOffset != w.KafkaOffset ||
						g.KafkaTimestamp != w.KafkaTimestamp || (g.Extra == nil) != (w.Extra == nil) || (g.Extra != nil && *g.Extra != *w.Extra) {
						t.Fatalf("row %d: read %+v, want %+v", i, g, w)
					}
				}
			}
		})
	}
}

// TestDecodeReadsDuckDBDeclaredFields rewrites replay ticks' objects (every declared field: strings,
// dates, doubles, bigints) with DuckDB, which dictionary-encodes what repeats, and reads them back
// with decode: every declared value as written.
func TestDecodeReadsDuckDBDeclaredFields(t *testing.T) {
	fields := schema.MustDefault()
	ticks := fixture.ReplayTicks(2000)
	rows, err := fixture.Rows(fields, ticks, func(i int) int32 { return int32(i % 3) })
	if err != nil {
		t.Fatal(err)
	}
	want := append([]tickparquet.Row(nil), rows...)
	body, err := tickparquet.NewSchemaEncoder(fields).Encode(rows, tickparquet.Meta{Topic: "ticks"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.parquet"), filepath.Join(dir, "duckdb.parquet")
	if err := os.WriteFile(in, bytes.Clone(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openDuckDB(t).Exec(`COPY (SELECT * FROM read_parquet('` + in + `')) TO '` + out + `' (FORMAT parquet, ROW_GROUP_SIZE 700)`); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tab := tickparquet.NewTable(fields)
	if err := decode.New(fields).DecodeTable(tab, written); err != nil {
		t.Fatal(err)
	}
	got := tab.Rows(0, tab.Len())
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].KafkaPartition != want[i].KafkaPartition || got[i].KafkaOffset != want[i].KafkaOffset {
			t.Fatalf("row %d: partition %d offset %d, want %d %d", i, got[i].KafkaPartition, got[i].KafkaOffset, want[i].KafkaPartition, want[i].KafkaOffset)
		}
		for fi, f := range fields {
			if g, w := got[i].Fields[fi], want[i].Fields[fi]; g != w {
				t.Fatalf("row %d %s: read %+v, want %+v", i, f.Name, g, w)
			}
		}
	}
}

// TestDecodeRefusesOtherTimestampUnits rewrites an object with DuckDB, its ts in milliseconds or in
// nanoseconds: decode refuses it, naming the column, rather than read the numbers as microseconds.
func TestDecodeRefusesOtherTimestampUnits(t *testing.T) {
	path, _ := writeObject(t, 500)
	db := openDuckDB(t)
	for _, typ := range []string{"TIMESTAMP_MS", "TIMESTAMP_NS"} {
		t.Run(typ, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "duckdb.parquet")
			if _, err := db.Exec(`COPY (SELECT * REPLACE (CAST(ts AS ` + typ + `) AS ts) FROM read_parquet('` + path + `')) TO '` + out +
				`' (FORMAT parquet)`); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if rows, err := decode.New(nil).Decode(nil, body); err == nil || !strings.Contains(err.Error(), `"ts"`) {
				t.Errorf("Decode: %d rows (ts %d), %v; want an error naming ts", len(rows), rows[0].TS, err)
			}
			if err := decode.New(nil).DecodeTable(tickparquet.NewTable(nil), body); err == nil || !strings.Contains(err.Error(), `"ts"`) {
				t.Errorf("DecodeTable: %v; want an error naming ts", err)
			}
		})
	}
}
