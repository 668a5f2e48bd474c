package athena

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/local/glue"
)

// TestPartitionsFromCatalog checks that a table reads each cataloged partition from its cataloged
// location, subfolders included, with the partition's values as the catalog has them (not from folder
// names), and that a partition moved by UpdatePartition reads the new location's files only.
func TestPartitionsFromCatalog(t *testing.T) {
	root := t.TempDir()
	bucketDir := func(b string) string { return filepath.Join(root, b) }
	duck, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	write := func(key string, values ...int) {
		t.Helper()
		p := filepath.Join(root, "lake", filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, v := range values {
			rows = append(rows, fmt.Sprintf("(%d)", v))
		}
		q := fmt.Sprintf("COPY (SELECT CAST(n AS BIGINT) AS n FROM (VALUES %s) AS v(n)) TO %s (FORMAT parquet)", strings.Join(rows, ", "), quoteLiteral(p))
		if _, err := duck.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	write("ticks/dt=2026-11-25/hour=14/a.parquet", 1, 2)
	write("ticks/dt=2026-11-25/hour=14/sub/b.parquet", 3)
	write("elsewhere/x/c.parquet", 10)
	write("ticks/dt=2026-11-25/hour=15/not-cataloged.parquet", 1000)

	table := glue.Table{Name: "t", DatabaseName: "db", StorageDescriptor: glue.StorageDescriptor{
		Location: "s3://lake/ticks/", Columns: []glue.Column{{Name: "n", Type: "bigint"}}},
		PartitionKeys: []glue.Column{{Name: "dt", Type: "string"}, {Name: "hour", Type: "string"}}}
	cat := catalogOf(t, root, table)
	part := func(loc string, values ...string) glue.Partition {
		sd := table.StorageDescriptor
		sd.Location = loc
		return glue.Partition{Values: values, StorageDescriptor: sd}
	}
	if _, err := cat.AddPartitions("db", "t", []glue.Partition{part("s3://lake/ticks/dt=2026-11-25/hour=14/", "2026-11-25", "14"),
		part("s3://lake/elsewhere/", "2026-11-26", "09")}); err != nil {
		t.Fatal(err)
	}
	e, err := New(cat, bucketDir, dirWriter{root})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.PutWorkGroup(WorkGroup{Name: "wg", OutputLocation: "s3://results/"})
	query := func(q string) string {
		t.Helper()
		id, err := e.Start(StartRequest{Query: q, Database: "db", WorkGroup: "wg"})
		if err != nil {
			t.Fatal(err)
		}
		ex, err := e.Wait(context.Background(), id)
		if err != nil || ex.State != StateSucceeded {
			t.Fatalf("%s: %s %s %v", q, ex.State, ex.Reason, err)
		}
		var lines []string
		for _, r := range ex.Rows {
			var cells []string
			for _, c := range r {
				cells = append(cells, *c)
			}
			lines = append(lines, strings.Join(cells, ","))
		}
		return strings.Join(lines, ";")
	}
	const byPart = "SELECT dt, hour, sum(n), count(*) FROM t GROUP BY 1, 2 ORDER BY 1, 2"
	if got, want := query(byPart), "2026-11-25,14,6,3;2026-11-26,09,10,1"; got != want {
		t.Errorf("before the move: %s, want %s", got, want)
	}

	write("compacted/dt=2026-11-25/hour=14/run=1/part-00000.parquet", 100, 200)
	moved := part("s3://lake/compacted/dt=2026-11-25/hour=14/run=1/", "2026-11-25", "14")
	if err := cat.UpdatePartition("db", "t", []string{"2026-11-25", "14"}, moved); err != nil {
		t.Fatal(err)
	}
	if got, want := query(byPart), "2026-11-25,14,300,2;2026-11-26,09,10,1"; got != want {
		t.Errorf("after the move: %s, want %s", got, want)
	}
	if got, want := query(`SELECT DISTINCT "$path" FROM t WHERE hour = '14'`), "s3://lake/compacted/dt=2026-11-25/hour=14/run=1/part-00000.parquet"; got != want {
		t.Errorf("$path after the move: %s, want %s", got, want)
	}
	if err := cat.UpdatePartition("db", "t", []string{"2026-11-25", "13"}, moved); err == nil || !strings.Contains(err.Error(), "EntityNotFound") {
		t.Errorf("update of a missing partition: %v", err)
	}
	if err := cat.UpdatePartition("db", "t", []string{"2026-11-25", "14"}, part("s3://x/", "2026-11-25")); err == nil ||
		!strings.Contains(err.Error(), "InvalidInput") {
		t.Errorf("update with one value of two: %v", err)
	}
}

// catalogOf opens a local Glue catalog under root holding database db and table.
func catalogOf(t *testing.T, root string, table glue.Table) *glue.Catalog {
	t.Helper()
	cat, err := glue.Open(filepath.Join(root, "glue.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.EnsureDatabase(table.DatabaseName); err != nil {
		t.Fatal(err)
	}
	if err := cat.PutTable(table); err != nil {
		t.Fatal(err)
	}
	return cat
}
