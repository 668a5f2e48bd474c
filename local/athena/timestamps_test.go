package athena

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/local/glue"
)

// TestTimestampColumns reads a `timestamp` column stored as a Parquet timestamp adjusted to UTC (as
// the lake writes it), as one not adjusted, as a string, and, in one partition, adjusted in one file
// and not in the other: every value reads the same, as Athena's `timestamp`; the adjusted ones go
// through their microseconds (no calendar), the others through a cast.
func TestTimestampColumns(t *testing.T) {
	root := t.TempDir()
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	if _, err := duck.Exec("SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	write := func(key, typ string) {
		t.Helper()
		p := filepath.Join(root, "lake", filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		q := "COPY (SELECT CAST(v AS " + typ + ") AS ts FROM (VALUES ('2026-11-25 14:00:01.5'), ('1969-12-31 23:59:59.999999'), (NULL)) AS x(v)) TO " +
			quoteLiteral(p) + " (FORMAT parquet)"
		if _, err := duck.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	write("t/k=utc/a.parquet", "TIMESTAMPTZ")
	write("t/k=naive/a.parquet", "TIMESTAMP")
	write("t/k=text/a.parquet", "VARCHAR")
	write("t/k=mixed/a.parquet", "TIMESTAMPTZ")
	write("t/k=mixed/b.parquet", "TIMESTAMP")

	table := glue.Table{Name: "t", DatabaseName: "db", StorageDescriptor: glue.StorageDescriptor{
		Location: "s3://lake/t/", Columns: []glue.Column{{Name: "ts", Type: "timestamp"}}},
		PartitionKeys: []glue.Column{{Name: "k", Type: "string"}}}
	cat := catalogOf(t, root, table)
	var parts []glue.Partition
	for _, k := range []string{"utc", "naive", "text", "mixed"} {
		sd := table.StorageDescriptor
		sd.Location = "s3://lake/t/k=" + k + "/"
		parts = append(parts, glue.Partition{Values: []string{k}, StorageDescriptor: sd})
	}
	if _, err := cat.AddPartitions("db", "t", parts); err != nil {
		t.Fatal(err)
	}
	e, err := New(cat, func(b string) string { return filepath.Join(root, b) }, dirWriter{root})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.PutWorkGroup(WorkGroup{Name: "wg", OutputLocation: "s3://results/"})
	id, err := e.Start(StartRequest{Query: "SELECT k, ts, date_trunc('minute', ts) FROM t ORDER BY k, ts", Database: "db", WorkGroup: "wg"})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.Wait(context.Background(), id)
	if err != nil || ex.State != StateSucceeded {
		t.Fatalf("%s %s %v", ex.State, ex.Reason, err)
	}
	var lines []string
	for _, r := range ex.Rows {
		var cells []string
		for _, c := range r {
			if c == nil {
				cells = append(cells, "NULL")
				continue
			}
			cells = append(cells, *c)
		}
		lines = append(lines, strings.Join(cells, ","))
	}
	one := []string{"1969-12-31 23:59:59.999,1969-12-31 23:59:00.000", "2026-11-25 14:00:01.500,2026-11-25 14:00:00.000", "NULL,NULL"}
	var want []string
	for _, k := range []string{"mixed", "naive", "text", "utc"} {
		n := 1
		if k == "mixed" {
			n = 2
		}
		for _, l := range one {
			for range n {
				want = append(want, k+","+l)
			}
		}
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}

	have := map[string]map[string]bool{"u1": {"ts": true}, "u2": {"ts": true}, "n": {"ts": false}}
	for _, tc := range []struct {
		files []string
		fast  bool
	}{{[]string{"u1", "u2"}, true}, {[]string{"u1", "n"}, false}, {[]string{"n"}, false}} {
		sql := viewSQL(table, []fileGroup{{values: []string{"x"}, files: tc.files}}, have, false)
		if strings.Contains(sql, "make_timestamp(epoch_us(") != tc.fast {
			t.Errorf("files %v: %s", tc.files, sql)
		}
	}
}
