package compat

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/consumer"
	"github.com/ticklake/ticklake/shared/schema"
)

// store keeps the objects put, by key.
type store map[string][]byte

func (s store) Put(_ context.Context, key string, body []byte, _ string) error {
	s[key] = append([]byte(nil), body...)
	return nil
}

// TestDuckDBReadsDeclaredFields runs the consumer on ticks with a field of each type (some null,
// some absent, some undeclared), then reads the object with DuckDB and checks every value against
// the ticks as encoding/json reads them, and each column's statistics against the values.
func TestDuckDBReadsDeclaredFields(t *testing.T) {
	fields, err := schema.Parse("venue:string,seq:bigint,open:double,halted:boolean,date:date,exch_ts:timestamp")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	venues := []string{"XNAS", "XNYS", "ARCX", "BATS", `"quoted"\`}
	var values [][]byte
	var want []map[string]any
	for i := range 3000 {
		m := map[string]any{"symbol": []string{"AAPL", "MSFT", "HSI"}[i%3],
			"ts": fixture.Start.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano), "price": 1.25 + float64(i)}
		maybe := func(k string, v any) {
			switch rng.IntN(6) {
			case 0: // absent
			case 1:
				m[k] = nil
			default:
				m[k] = v
			}
		}
		maybe("venue", venues[rng.IntN(len(venues))])
		maybe("seq", int64(i)*7-int64(rng.IntN(3))<<33)
		maybe("open", rng.NormFloat64()*1000)
		maybe("halted", rng.IntN(2) == 0)
		maybe("date", time.Date(1950+rng.IntN(100), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly))
		maybe("exch_ts", fixture.Start.Add(time.Duration(rng.IntN(1e9))*time.Microsecond).Format(time.RFC3339Nano))
		maybe("note", "undeclared")
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, b)
		want = append(want, m)
	}
	objs := store{}
	h := consumer.New(consumer.Config{Bucket: "b", DataPrefix: "ticks/", DLQPrefix: "dlq/", Fields: fields}, objs, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := h.Handle(context.Background(), fixture.Event("ticks", 0, 0, values)); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1", len(objs))
	}
	path := filepath.Join(t.TempDir(), "o.parquet")
	for _, b := range objs {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := openDuckDB(t)
	rows, err := db.Query(`SELECT kafka_offset, venue, seq, open, halted, strftime(date, '%Y-%m-%d'), epoch_us(exch_ts), extra
		FROM read_parquet(?) ORDER BY kafka_offset`, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var off int64
		var venue, date, extra sql.NullString
		var seq, exch sql.NullInt64
		var open sql.NullFloat64
		var halted sql.NullBool
		if err := rows.Scan(&off, &venue, &seq, &open, &halted, &date, &exch, &extra); err != nil {
			t.Fatal(err)
		}
		m := want[off]
		got := map[string]any{}
		if venue.Valid {
			got["venue"] = venue.String
		}
		if seq.Valid {
			got["seq"] = seq.Int64
		}
		if open.Valid {
			got["open"] = open.Float64
		}
		if halted.Valid {
			got["halted"] = halted.Bool
		}
		if date.Valid {
			got["date"] = date.String
		}
		for k, v := range got {
			if fmt.Sprint(m[k]) != fmt.Sprint(v) {
				t.Fatalf("offset %d: %s = %v, want %v", off, k, v, m[k])
			}
		}
		for _, k := range []string{"venue", "seq", "open", "halted", "date", "exch_ts"} {
			if _, ok := got[k]; !ok && k != "exch_ts" && m[k] != nil {
				t.Fatalf("offset %d: %s is NULL, want %v", off, k, m[k])
			}
		}
		if s, ok := m["exch_ts"].(string); ok {
			ts, _ := time.Parse(time.RFC3339Nano, s)
			if !exch.Valid || exch.Int64 != ts.UnixMicro() {
				t.Fatalf("offset %d: exch_ts %v, want %s", off, exch, s)
			}
		} else if exch.Valid {
			t.Fatalf("offset %d: exch_ts %v, want NULL", off, exch)
		}
		if _, ok := m["note"]; ok != extra.Valid || (ok && !strings.Contains(extra.String, `"note"`)) {
			t.Fatalf("offset %d: extra %v", off, extra)
		}
		n++
	}
	if n != len(want) {
		t.Fatalf("DuckDB read %d rows, want %d", n, len(want))
	}
	// Statistics: DuckDB's aggregates over the values equal the footer's min, max and null count.
	for _, c := range []string{"venue", "seq", "open", "halted", "date", "exch_ts"} {
		var lo, hi, stLo, stHi sql.NullString
		var nulls, stNulls int64
		if err := db.QueryRow(fmt.Sprintf(`SELECT min(%[1]s)::VARCHAR, max(%[1]s)::VARCHAR, count(*) - count(%[1]s) FROM read_parquet(?)`, c), path).
			Scan(&lo, &hi, &nulls); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT stats_min_value, stats_max_value, stats_null_count FROM parquet_metadata(?) WHERE path_in_schema = ?`, path, c).
			Scan(&stLo, &stHi, &stNulls); err != nil {
			t.Fatal(err)
		}
		if nulls != stNulls || !sameStat(lo, stLo) || !sameStat(hi, stHi) {
			t.Errorf("%s: statistics %v..%v nulls %d, values %v..%v nulls %d", c, stLo.String, stHi.String, stNulls, lo.String, hi.String, nulls)
		}
	}
}

// sameStat compares a value as DuckDB prints it with the statistic parquet_metadata prints.
func sameStat(v, st sql.NullString) bool {
	if v.String == st.String {
		return true
	}
	a, b := strings.TrimSuffix(v.String, "+00"), strings.TrimSuffix(st.String, "+00")
	return strings.ReplaceAll(a, "T", " ") == strings.ReplaceAll(b, "T", " ")
}
