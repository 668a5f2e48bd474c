package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// BenchmarkAnalyticsCompaction runs the five analytics queries on DuckDB (one thread) over one hour
// of 360,000 ticks before compaction, as the consumer writes it at today's defaults (about 4,300
// objects) and at the tuned ones (360), and after compaction (one object).
func BenchmarkAnalyticsCompaction(b *testing.B) {
	fields := schema.MustDefault()
	p := layout.PartitionOf(fixture.HourStart.UnixMicro())
	root := b.TempDir()
	type lakeDir struct{ name, dir string }
	var lakes []lakeDir
	for i, in := range []struct {
		name    string
		objects int
	}{{"today-4300-objects", 4300}, {"tuned-360-objects", 360}} {
		objs, err := fixture.Hour(360_000, in.objects, 6, fields)
		if err != nil {
			b.Fatal(err)
		}
		dir := filepath.Join(root, in.name)
		for _, o := range objs {
			path := filepath.Join(dir, o.Key)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(path, o.Body, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		lakes = append(lakes, lakeDir{in.name, filepath.Join(dir, "ticks")})
		if i == 0 { // the compacted hour is the same whatever the batching
			after := filepath.Join(root, "compacted")
			compactHour(b, objs, fields, tickparquet.Layout{RowGroupBytes: compactor.DefaultRowGroupBytes,
				MaxObjectBytes: compactor.DefaultMaxObjectBytes}, filepath.Join(after, p.Path(), "run=1"))
			lakes = append(lakes, lakeDir{"compacted-1-object", after})
		}
	}
	for _, l := range lakes {
		db := openDuckDB(b)
		for _, stmt := range []string{
			"SET threads = 1",
			"SET TimeZone = 'UTC'",
			fmt.Sprintf(`CREATE VIEW ticks AS SELECT * FROM read_parquet('%s/**/*.parquet', hive_partitioning = true,
				hive_types = {'dt': VARCHAR, 'hour': VARCHAR})`, l.dir),
		} {
			if _, err := db.Exec(stmt); err != nil {
				b.Fatal(err)
			}
		}
		for _, q := range analytics.All() {
			b.Run(l.name+"/"+q.Name, func(b *testing.B) {
				for b.Loop() {
					rs, err := db.Query(q.SQL, p.DT)
					if err != nil {
						b.Fatal(err)
					}
					n := 0
					for rs.Next() {
						n++
					}
					if err := rs.Err(); err != nil {
						b.Fatal(err)
					}
					rs.Close()
					if n == 0 {
						b.Fatalf("%s returned no rows", q.Name)
					}
				}
			})
		}
	}
}
