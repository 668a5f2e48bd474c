// Package compat checks that ticklake's objects read right in engines other than its own code:
// DuckDB here, whose Parquet reader is independent of the encoder and of parquet-go.
package compat

import (
	"bytes"
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

func openDuckDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func writeObject(t testing.TB, n int) (string, []tickparquet.Row) {
	t.Helper()
	ticks := fixture.SimTicks(n, 11)
	ticks[5].Extra = []byte(`{"date":"1986-12-31","close_usd":333.87900637}`)
	ticks[6].HasBid = false
	rows := make([]tickparquet.Row, n)
	opt := make([]tickparquet.Optional, n)
	for i := range ticks {
		rows[i] = tickparquet.FromTick(&ticks[i], 4, int64(7000+i), fixture.Start.UnixMilli()+int64(i), &opt[i])
	}
	want := append([]tickparquet.Row(nil), rows...)
	body, err := tickparquet.NewEncoder().Encode(rows, tickparquet.Meta{Topic: "ticks", Partition: 4})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ticks-4.parquet")
	if err := os.WriteFile(path, bytes.Clone(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, want
}

func TestDuckDBReadsTypesAndValues(t *testing.T) {
	path, want := writeObject(t, 5000)
	db := openDuckDB(t)
	types := map[string]string{}
	rs, err := db.Query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))`, path)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var name, typ string
		if err := rs.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		types[name] = typ
	}
	rs.Close()
	wantTypes := map[string]string{"symbol": "VARCHAR", "ts": "TIMESTAMP WITH TIME ZONE", "price": "DOUBLE", "size": "BIGINT",
		"bid": "DOUBLE", "ask": "DOUBLE", "kafka_partition": "INTEGER", "kafka_offset": "BIGINT",
		"kafka_timestamp": "TIMESTAMP WITH TIME ZONE", "extra": "VARCHAR"}
	for k, v := range wantTypes {
		if types[k] != v {
			t.Errorf("DuckDB types %s as %s, want %s", k, types[k], v)
		}
	}
	rows, err := db.Query(`SELECT symbol, epoch_us(ts), price, size, bid, ask, kafka_partition, kafka_offset,
		epoch_us(kafka_timestamp), extra FROM read_parquet(?) ORDER BY kafka_offset`, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var r tickparquet.Row
		var bid, ask sql.NullFloat64
		var extra sql.NullString
		if err := rows.Scan(&r.Symbol, &r.TS, &r.Price, &r.Size, &bid, &ask, &r.KafkaPartition, &r.KafkaOffset, &r.KafkaTimestamp, &extra); err != nil {
			t.Fatal(err)
		}
		w := want[i]
		if r.Symbol != w.Symbol || r.TS != w.TS || r.Price != w.Price || r.Size != w.Size || r.KafkaPartition != w.KafkaPartition ||
			r.KafkaOffset != w.KafkaOffset || r.KafkaTimestamp != w.KafkaTimestamp ||
			bid.Valid != (w.Bid != nil) || (bid.Valid && bid.Float64 != *w.Bid) ||
			ask.Valid != (w.Ask != nil) || (ask.Valid && ask.Float64 != *w.Ask) ||
			extra.Valid != (w.Extra != nil) || (extra.Valid && extra.String != *w.Extra) {
			t.Fatalf("row %d: DuckDB read %+v (bid %v ask %v extra %v), want %+v", i, r, bid, ask, extra, w)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Fatalf("DuckDB read %d rows, want %d", i, len(want))
	}
}

// TestDuckDBUsesStatistics checks the column statistics: DuckDB's parquet_metadata reports them,
// and they bound the data.
func TestDuckDBUsesStatistics(t *testing.T) {
	path, want := writeObject(t, 2000)
	db := openDuckDB(t)
	var minTS, maxTS time.Time
	var lo, hi float64
	if err := db.QueryRow(`SELECT min(ts), max(ts), min(price), max(price) FROM read_parquet(?)`, path).Scan(&minTS, &maxTS, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	var stMin, stMax string
	if err := db.QueryRow(`SELECT stats_min_value, stats_max_value FROM parquet_metadata(?) WHERE path_in_schema = 'kafka_offset'`, path).Scan(&stMin, &stMax); err != nil {
		t.Fatal(err)
	}
	if stMin != "7000" || stMax != "8999" {
		t.Fatalf("kafka_offset statistics %s..%s, want 7000..8999", stMin, stMax)
	}
	wantLo, wantHi := math.Inf(1), math.Inf(-1)
	for _, r := range want {
		wantLo, wantHi = min(wantLo, r.Price), max(wantHi, r.Price)
	}
	if lo != wantLo || hi != wantHi || minTS.UnixMicro() != want[0].TS || maxTS.UnixMicro() != want[len(want)-1].TS {
		t.Fatalf("min/max: %v %v %v %v", minTS, maxTS, lo, hi)
	}
}
