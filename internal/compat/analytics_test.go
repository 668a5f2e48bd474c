package compat

import (
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// lake writes rows as the consumer lays them out, one object per hour, and returns its root.
func lake(t *testing.T, rows []tickparquet.Row) string {
	t.Helper()
	root := t.TempDir()
	byHour := map[layout.Partition][]tickparquet.Row{}
	for _, r := range rows {
		p := layout.PartitionOf(r.TS)
		byHour[p] = append(byHour[p], r)
	}
	n := 0
	for p, rs := range byHour {
		body, err := tickparquet.NewEncoder().Encode(append([]tickparquet.Row(nil), rs...), tickparquet.Meta{Topic: "ticks"})
		if err != nil {
			t.Fatal(err)
		}
		key := layout.DataKey("ticks/", p, fmt.Sprintf("ticks-0-%d", n))
		n++
		path := filepath.Join(root, key)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "ticks")
}

// queryAll runs one analytics query on DuckDB over the lake and returns its rows as strings.
func queryAll(t *testing.T, db *sql.DB, name, day string) []map[string]any {
	t.Helper()
	q, err := analytics.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.Query(q.SQL, day)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []map[string]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]any{}
		for i, c := range cols {
			row[c] = vals[i]
		}
		out = append(out, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	}
	panic(fmt.Sprintf("not a number: %T %v", v, v))
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestAnalyticsOnDuckDB runs every analytics query on DuckDB over a day of simulated ticks, with
// defects planted, and checks each figure against the same figure computed in Go.
func TestAnalyticsOnDuckDB(t *testing.T) {
	const day = "2026-11-25"
	ticks := fixture.SimTicks(30000, 5) // 60 s of trading from 14:30, and more: spread below
	var rows []tickparquet.Row
	opts := make([]tickparquet.Optional, len(ticks))
	for i := range ticks {
		ticks[i].TS += int64(i) * 5_000 // ~ 3.5 minutes, so there are several bars
		off := int64(i)
		if i >= 100 {
			off += 3 // a gap of three offsets
		}
		r := tickparquet.FromTick(&ticks[i], 0, off, ticks[i].TS/1000+50, &opts[i])
		if i%1000 == 7 {
			r.KafkaTimestamp = r.TS + 120_000_000 // late by two minutes
		}
		if i%997 == 3 {
			r.Bid = nil
		}
		rows = append(rows, r)
	}
	rows = append(rows, rows[10], rows[11]) // stored twice
	// One tick of another day, which no query may count.
	other := rows[0]
	other.TS -= 24 * 3600 * 1_000_000
	rows = append(rows, other)
	root := lake(t, rows)

	db := openDuckDB(t)
	for _, stmt := range []string{
		"SET TimeZone = 'UTC'",
		fmt.Sprintf(`CREATE VIEW ticks AS SELECT * FROM read_parquet('%s/**/*.parquet', hive_partitioning = true,
			hive_types = {'dt': VARCHAR, 'hour': VARCHAR})`, root),
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	var dayRows []tickparquet.Row
	for _, r := range rows {
		if layout.PartitionOf(r.TS).DT == day {
			dayRows = append(dayRows, r)
		}
	}
	sort.SliceStable(dayRows, func(i, j int) bool { return dayRows[i].TS < dayRows[j].TS })

	type bar struct {
		open, high, low, close float64
		volume, trades         int64
	}
	bars := map[string]map[int64]*bar{}
	type agg struct {
		pv, first, last float64
		volume, trades  int64
	}
	perSym := map[string]*agg{}
	for _, r := range dayRows {
		minute := r.TS / 60e6 * 60e6
		if bars[r.Symbol] == nil {
			bars[r.Symbol] = map[int64]*bar{}
		}
		b := bars[r.Symbol][minute]
		if b == nil {
			b = &bar{open: r.Price, high: r.Price, low: r.Price}
			bars[r.Symbol][minute] = b
		}
		b.high, b.low, b.close = max(b.high, r.Price), min(b.low, r.Price), r.Price
		b.volume += r.Size
		b.trades++
		a := perSym[r.Symbol]
		if a == nil {
			a = &agg{first: r.Price}
			perSym[r.Symbol] = a
		}
		a.pv += r.Price * float64(r.Size)
		a.volume += r.Size
		a.trades++
		a.last = r.Price
	}

	t.Run("ohlcv_1m", func(t *testing.T) {
		got := queryAll(t, db, "ohlcv_1m", day)
		n := 0
		for _, m := range bars {
			n += len(m)
		}
		if len(got) != n {
			t.Fatalf("%d bars, want %d", len(got), n)
		}
		for _, g := range got {
			minute := g["minute_start"].(time.Time).UnixMicro()
			w := bars[g["symbol"].(string)][minute]
			if w == nil || num(g["open"]) != w.open || num(g["high"]) != w.high || num(g["low"]) != w.low ||
				num(g["close"]) != w.close || num(g["volume"]) != float64(w.volume) || num(g["trades"]) != float64(w.trades) {
				t.Fatalf("bar %v, want %+v", g, w)
			}
		}
	})
	t.Run("vwap_daily", func(t *testing.T) {
		got := queryAll(t, db, "vwap_daily", day)
		if len(got) != len(perSym) {
			t.Fatalf("%d symbols, want %d", len(got), len(perSym))
		}
		for _, g := range got {
			w := perSym[g["symbol"].(string)]
			if !near(num(g["vwap"]), w.pv/float64(w.volume)) || num(g["volume"]) != float64(w.volume) || g["day"] != day {
				t.Fatalf("vwap %v, want %v", g, w.pv/float64(w.volume))
			}
		}
	})
	t.Run("top_movers", func(t *testing.T) {
		got := queryAll(t, db, "top_movers", day)
		type mv struct {
			sym    string
			change float64
		}
		var want []mv
		for s, a := range perSym {
			want = append(want, mv{s, (a.last - a.first) / a.first * 100})
		}
		sort.Slice(want, func(i, j int) bool {
			if math.Abs(want[i].change) != math.Abs(want[j].change) {
				return math.Abs(want[i].change) > math.Abs(want[j].change)
			}
			return want[i].sym < want[j].sym
		})
		if len(got) != 10 {
			t.Fatalf("%d movers", len(got))
		}
		for i, g := range got {
			if g["symbol"] != want[i].sym || !near(num(g["change_pct"]), want[i].change) {
				t.Fatalf("mover %d = %v, want %+v", i, g, want[i])
			}
		}
	})
	t.Run("realized_volatility", func(t *testing.T) {
		got := queryAll(t, db, "realized_volatility", day)
		want := map[string]float64{}
		for s, m := range bars {
			minutes := make([]int64, 0, len(m))
			for k := range m {
				minutes = append(minutes, k)
			}
			sort.Slice(minutes, func(i, j int) bool { return minutes[i] < minutes[j] })
			var rets []float64
			for i := 1; i < len(minutes); i++ {
				rets = append(rets, math.Log(m[minutes[i]].close/m[minutes[i-1]].close))
			}
			if len(rets) < 2 {
				continue
			}
			mean := 0.0
			for _, r := range rets {
				mean += r
			}
			mean /= float64(len(rets))
			ss := 0.0
			for _, r := range rets {
				ss += (r - mean) * (r - mean)
			}
			want[s] = math.Sqrt(ss/float64(len(rets)-1)) * math.Sqrt(252*390)
		}
		if len(got) != len(want) {
			t.Fatalf("%d symbols, want %d", len(got), len(want))
		}
		for _, g := range got {
			if w := want[g["symbol"].(string)]; !near(num(g["annualized_volatility"]), w) {
				t.Fatalf("volatility %v, want %v", g, w)
			}
		}
	})
	t.Run("data_quality", func(t *testing.T) {
		got := queryAll(t, db, "data_quality", day)
		if len(got) != 1 {
			t.Fatalf("%d rows", len(got))
		}
		g := got[0]
		late, missing := 0, 0
		for _, r := range dayRows {
			if r.KafkaTimestamp > r.TS+60_000_000 {
				late++
			}
			if r.Bid == nil || r.Ask == nil {
				missing++
			}
		}
		want := map[string]float64{"row_count": float64(len(dayRows)), "symbols": float64(len(perSym)), "duplicates": 2,
			"offset_gaps": 3, "late_ticks": float64(late), "missing_quotes": float64(missing)}
		for k, w := range want {
			if num(g[k]) != w {
				t.Errorf("%s = %v, want %v", k, g[k], w)
			}
		}
	})
}
