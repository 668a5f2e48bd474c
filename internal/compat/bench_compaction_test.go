package compat

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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
//
// The table is typed as the catalog (and so Athena) types it: ts and kafka_timestamp are Glue
// `timestamp`s, a time without a zone, as in the local Athena. Read straight from the Parquet, DuckDB
// would type them TIMESTAMP WITH TIME ZONE (the files mark them adjusted to UTC), and every
// date_trunc, hour or minute of them would go through ICU's calendar, some 0.4 µs a value, which
// neither Athena nor the local engine pays; "compacted-1-object-zoned" measures that reading beside
// the others. Besides the wall clock, each query reports the process's CPU time (cpu-ms/op).
func BenchmarkAnalyticsCompaction(b *testing.B) {
	fields := schema.MustDefault()
	p := layout.PartitionOf(fixture.HourStart.UnixMicro())
	root := b.TempDir()
	type lakeDir struct {
		name, dir string
		zoned     bool // ts as the Parquet types it (with a zone), not as the catalog does
	}
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
		lakes = append(lakes, lakeDir{name: in.name, dir: filepath.Join(dir, "ticks")})
		if i == 0 { // the compacted hour is the same whatever the batching
			after := filepath.Join(root, "compacted")
			compactHour(b, objs, fields, tickparquet.Layout{RowGroupBytes: compactor.DefaultRowGroupBytes,
				MaxObjectBytes: compactor.DefaultMaxObjectBytes}, filepath.Join(after, p.Path(), "run=1"))
			lakes = append(lakes, lakeDir{name: "compacted-1-object", dir: after},
				lakeDir{name: "compacted-1-object-zoned", dir: after, zoned: true})
		}
	}
	for _, l := range lakes {
		db := openDuckDB(b)
		typed := catalogTimes
		if l.zoned {
			typed = ""
		}
		for _, stmt := range []string{
			"SET threads = 1",
			"SET TimeZone = 'UTC'",
			fmt.Sprintf(`CREATE VIEW ticks AS SELECT * %s FROM read_parquet('%s/**/*.parquet', hive_partitioning = true,
				hive_types = {'dt': VARCHAR, 'hour': VARCHAR})`, typed, l.dir),
		} {
			if _, err := db.Exec(stmt); err != nil {
				b.Fatal(err)
			}
		}
		for _, q := range analytics.All() {
			b.Run(l.name+"/"+q.Name, func(b *testing.B) {
				cpu0 := cpuTime()
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
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// catalogTimes types the Parquet's timestamps (adjusted to UTC, so TIMESTAMP WITH TIME ZONE in
// DuckDB) as the catalog types them, a Glue `timestamp` (DuckDB's TIMESTAMP), the same instant in
// UTC: through the microseconds since the epoch, which needs no calendar, unlike a cast.
const catalogTimes = "REPLACE (make_timestamp(epoch_us(ts)) AS ts, make_timestamp(epoch_us(kafka_timestamp)) AS kafka_timestamp)"

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
