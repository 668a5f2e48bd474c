package compat

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// compactHour compacts objects as the compactor does (decode, dedupe, sort, encode), writing the
// compacted objects under dir; it returns their paths and the rows in file order.
func compactHour(t testing.TB, objs []fixture.Object, fields schema.Schema, l tickparquet.Layout, dir string) ([]string, []tickparquet.Row) {
	t.Helper()
	dec := decode.New(fields)
	table := tickparquet.NewTable(fields)
	for _, o := range objs {
		if err := dec.DecodeTable(table, o.Body); err != nil {
			t.Fatal(err)
		}
	}
	order := compactor.DedupeSort(table)
	all := table.Rows(0, table.Len())
	sorted := make([]tickparquet.Row, len(order))
	for k, i := range order {
		sorted[k] = all[i]
	}
	enc := tickparquet.NewSchemaEncoder(fields)
	if err := enc.SetCompression(tickparquet.CompressionSmall); err != nil {
		t.Fatal(err)
	}
	var paths []string
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	err := enc.EncodeTable(table, order, l, func(body []byte, _ int) error {
		p := filepath.Join(dir, fmt.Sprintf("part-%05d.parquet", len(paths)))
		paths = append(paths, p)
		return os.WriteFile(p, bytes.Clone(body), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths, sorted
}

// TestDuckDBReadsCompacted reads compacted objects of several row groups, with duplicates dropped,
// back with DuckDB: every value of every row, in order, and every row group's statistics.
func TestDuckDBReadsCompacted(t *testing.T) {
	fields := schema.MustDefault()
	objs, err := fixture.Hour(30000, 60, 6, fields)
	if err != nil {
		t.Fatal(err)
	}
	objs = append(objs, objs[3], objs[10]) // a retried and a duplicated batch
	dir := t.TempDir()
	paths, want := compactHour(t, objs, fields, tickparquet.Layout{RowGroupBytes: 32 << 10, MaxObjectBytes: 128 << 10}, dir)
	if len(paths) < 2 || len(want) != 30000 {
		t.Fatalf("%d objects of %d rows, want several of 30000", len(paths), len(want))
	}
	db := openDuckDB(t)
	glob := filepath.Join(dir, "*.parquet")
	rs, err := db.Query(`SELECT symbol, epoch_us(ts), price, size, bid, ask, kafka_partition, kafka_offset,
		epoch_us(kafka_timestamp), venue, seq, extra FROM read_parquet(?, file_row_number = true, filename = true)
		ORDER BY filename, file_row_number`, glob)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	venue, seq := fields.Index("venue"), fields.Index("seq")
	i := 0
	for rs.Next() {
		var r tickparquet.Row
		var bid, ask sql.NullFloat64
		var v, extra sql.NullString
		var sq sql.NullInt64
		if err := rs.Scan(&r.Symbol, &r.TS, &r.Price, &r.Size, &bid, &ask, &r.KafkaPartition, &r.KafkaOffset, &r.KafkaTimestamp, &v, &sq, &extra); err != nil {
			t.Fatal(err)
		}
		w := want[i]
		if r.Symbol != w.Symbol || r.TS != w.TS || r.Price != w.Price || r.Size != w.Size || r.KafkaPartition != w.KafkaPartition ||
			r.KafkaOffset != w.KafkaOffset || r.KafkaTimestamp != w.KafkaTimestamp ||
			bid.Valid != (w.Bid != nil) || (bid.Valid && bid.Float64 != *w.Bid) ||
			ask.Valid != (w.Ask != nil) || (ask.Valid && ask.Float64 != *w.Ask) ||
			extra.Valid != (w.Extra != nil) || (extra.Valid && extra.String != *w.Extra) ||
			v.Valid != w.Fields[venue].Valid || v.String != w.Fields[venue].S ||
			sq.Valid != w.Fields[seq].Valid || sq.Int64 != w.Fields[seq].I {
			t.Fatalf("row %d: DuckDB read %+v (bid %v ask %v venue %v seq %v extra %v), want %+v", i, r, bid, ask, v, sq, extra, w)
		}
		i++
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Fatalf("DuckDB read %d rows, want %d", i, len(want))
	}

	// Statistics of every row group, as DuckDB reports them, against the rows of the group.
	first := map[string]int{} // each object's first row in want
	n := 0
	for _, p := range paths {
		first[p] = n
		var c int
		if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?)`, p).Scan(&c); err != nil {
			t.Fatal(err)
		}
		n += c
	}
	st, err := db.Query(`SELECT file_name, row_group_id, row_group_num_rows, path_in_schema, stats_min_value, stats_max_value,
		stats_null_count FROM parquet_metadata(?) ORDER BY file_name, row_group_id, column_id`, glob)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	groups, checked := 0, 0
	lastFile, lastGroup, start, size := "", int64(-1), 0, 0
	for st.Next() {
		var file, col string
		var gid int64
		var rows int
		var lo, hi sql.NullString
		var nulls sql.NullInt64
		if err := st.Scan(&file, &gid, &rows, &col, &lo, &hi, &nulls); err != nil {
			t.Fatal(err)
		}
		if file != lastFile {
			start, size = first[file], 0
		}
		if file != lastFile || gid != lastGroup {
			start += size
			size = rows
			groups++
		}
		lastFile, lastGroup = file, gid
		g := want[start : start+rows]
		var wantLo, wantHi string
		var wantNulls int64
		switch col {
		case "kafka_offset", "size", "seq":
			get := func(r tickparquet.Row) int64 {
				switch col {
				case "kafka_offset":
					return r.KafkaOffset
				case "size":
					return r.Size
				}
				return r.Fields[seq].I
			}
			l, h := get(g[0]), get(g[0])
			for _, r := range g {
				l, h = min(l, get(r)), max(h, get(r))
			}
			wantLo, wantHi = strconv.FormatInt(l, 10), strconv.FormatInt(h, 10)
		case "symbol":
			wantLo, wantHi = g[0].Symbol, g[len(g)-1].Symbol
		case "bid":
			for _, r := range g {
				if r.Bid == nil {
					wantNulls++
				}
			}
			if nulls.Int64 != wantNulls {
				t.Errorf("%s group %d: bid null count %d, want %d", file, gid, nulls.Int64, wantNulls)
			}
			checked++
			continue
		default:
			continue
		}
		if lo.String != wantLo || hi.String != wantHi {
			t.Errorf("%s group %d %s: statistics %s..%s, want %s..%s", filepath.Base(file), gid, col, lo.String, hi.String, wantLo, wantHi)
		}
		checked++
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if groups <= len(paths) || checked < 4*groups {
		t.Fatalf("%d row groups in %d objects, %d statistics checked: want several groups an object", groups, len(paths), checked)
	}
}
