package athena

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/local/glue"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// BenchmarkAnalyticsHour runs the five analytics queries through the engine (translation, the
// catalog's view, DuckDB) over one hour of 360,000 ticks in 360 objects, as the consumer writes it at
// the tuned batching, cataloged as the crawler catalogs it. Besides the wall clock, each query
// reports the process's CPU time (cpu-ms/op; the engine runs DuckDB on two threads).
func BenchmarkAnalyticsHour(b *testing.B) {
	fields := schema.MustDefault()
	objs, err := fixture.Hour(360_000, 6, 6, fields)
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	for _, o := range objs {
		p := filepath.Join(root, "lake", filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, o.Body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cat, err := glue.Open(filepath.Join(root, "glue.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := cat.EnsureDatabase("db"); err != nil {
		b.Fatal(err)
	}
	var cols []glue.Column
	for _, c := range tickparquet.CatalogColumns(fields) {
		cols = append(cols, glue.Column{Name: c.Name, Type: c.Type})
	}
	table := glue.Table{Name: analytics.Table, DatabaseName: "db", StorageDescriptor: glue.StorageDescriptor{Location: "s3://lake/ticks/", Columns: cols},
		PartitionKeys: []glue.Column{{Name: layout.KeyDT, Type: "string"}, {Name: layout.KeyHour, Type: "string"}}}
	if err := cat.PutTable(table); err != nil {
		b.Fatal(err)
	}
	p := layout.PartitionOf(fixture.HourStart.UnixMicro())
	sd := table.StorageDescriptor
	sd.Location += p.Path()
	if _, err := cat.AddPartitions("db", analytics.Table, []glue.Partition{{Values: p.Values(), StorageDescriptor: sd}}); err != nil {
		b.Fatal(err)
	}
	e, err := New(cat, func(bucket string) string { return filepath.Join(root, bucket) }, dirWriter{root})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	e.PutWorkGroup(WorkGroup{Name: "wg", OutputLocation: "s3://results/"})
	for _, q := range analytics.All() {
		b.Run(q.Name, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				id, err := e.Start(StartRequest{Query: q.SQL, Database: "db", WorkGroup: "wg", Parameters: []string{"'" + p.DT + "'"}})
				if err != nil {
					b.Fatal(err)
				}
				ex, err := e.Wait(context.Background(), id)
				if err != nil || ex.State != StateSucceeded || len(ex.Rows) == 0 {
					b.Fatalf("%s: %s %s, %d rows, %v", q.Name, ex.State, ex.Reason, len(ex.Rows), err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
