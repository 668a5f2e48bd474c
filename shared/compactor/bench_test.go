package compactor_test

import (
	"bytes"
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

// hourTicks is one hour at the stack's default rate, 100 ticks/s.
const hourTicks = 360_000

// hourInputs are one hour as the consumer writes it at today's defaults (5 s batching window, batches
// of 1,000: about 4,300 objects) and at the tuned ones (60 s, 10,000: 6 partitions × 60 windows).
var hourInputs = []struct {
	name    string
	objects int
}{{"today-4300-objects", 4300}, {"tuned-360-objects", 360}}

// BenchmarkCompactHour measures compacting one hour of 360,000 ticks in 6 Kafka partitions.
// core: read (decode every object), dedupe, sort and write, in memory, on the calling goroutine.
// handler: the whole compact action over S3 (gofakes3 over HTTP) and the local Glue.
func BenchmarkCompactHour(b *testing.B) {
	fields := schema.MustDefault()
	for _, in := range hourInputs {
		objs, err := fixture.Hour(hourTicks, in.objects, 6, fields)
		if err != nil {
			b.Fatal(err)
		}
		var bytesIn int64
		for _, o := range objs {
			bytesIn += int64(len(o.Body))
		}
		b.Run(in.name+"/core", func(b *testing.B) {
			dec := decode.New(fields)
			enc := tickparquet.NewSchemaEncoder(fields)
			if err := enc.SetCompression(tickparquet.CompressionSmall); err != nil {
				b.Fatal(err)
			}
			table := tickparquet.NewTable(fields)
			var out, outObjects int64
			cpu0 := cpuTime()
			for b.Loop() {
				table.Reset()
				for _, o := range objs {
					if err := dec.DecodeTable(table, o.Body); err != nil {
						b.Fatal(err)
					}
				}
				order := compactor.DedupeSort(table)
				out, outObjects = 0, 0
				err := enc.EncodeTable(table, order, tickparquet.Layout{RowGroupBytes: compactor.DefaultRowGroupBytes, MaxObjectBytes: compactor.DefaultMaxObjectBytes},
					func(body []byte, _ int) error { out += int64(len(body)); outObjects++; return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*hourTicks)/b.Elapsed().Seconds(), "ticks/s")
			// On a shared host the wall clock counts time other processes took: ticks per second of
			// this process's CPU time is the one-core figure.
			b.ReportMetric(float64(b.N*hourTicks)/(cpuTime()-cpu0).Seconds(), "ticks/cpu-s")
			b.ReportMetric(float64(len(objs)), "objects-in")
			b.ReportMetric(float64(bytesIn)/hourTicks, "bytes/tick-in")
			b.ReportMetric(float64(outObjects), "objects-out")
			b.ReportMetric(float64(out)/hourTicks, "bytes/tick-out")
		})
		b.Run(in.name+"/handler", func(b *testing.B) {
			var res compactor.Response
			for b.Loop() {
				b.StopTimer()
				l := newLake(b)
				for _, o := range objs {
					if _, err := l.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.Key),
						Body: bytes.NewReader(o.Body)}); err != nil {
						b.Fatal(err)
					}
				}
				h := l.handler(compactor.Hooks{})
				b.StartTimer()
				if res, err = l.compact(h); err != nil || res.RowsOut != hourTicks {
					b.Fatal(fmt.Sprintf("%+v", res), err)
				}
			}
			b.ReportMetric(float64(b.N*hourTicks)/b.Elapsed().Seconds(), "ticks/s")
			b.ReportMetric(float64(res.ObjectsOut), "objects-out")
			b.ReportMetric(float64(res.BytesOut)/hourTicks, "bytes/tick-out")
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

// BenchmarkSortWriteHour measures dedupe, sort and write alone (DedupeSort, EncodeTable at zstd's
// default level), on one hour at the tuned batching already read: the part of core after the reader.
func BenchmarkSortWriteHour(b *testing.B) {
	fields := schema.MustDefault()
	table := tunedHour(b)
	enc := tickparquet.NewSchemaEncoder(fields)
	if err := enc.SetCompression(tickparquet.CompressionSmall); err != nil {
		b.Fatal(err)
	}
	l := tickparquet.Layout{RowGroupBytes: compactor.DefaultRowGroupBytes, MaxObjectBytes: compactor.DefaultMaxObjectBytes}
	cpu0 := cpuTime()
	for b.Loop() {
		if err := enc.EncodeTable(table, compactor.DedupeSort(table), l, func([]byte, int) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*hourTicks)/(cpuTime()-cpu0).Seconds(), "ticks/cpu-s")
}

// tunedHour returns one hour at the tuned batching (360 objects, default fields), read into a table.
func tunedHour(b *testing.B) *tickparquet.Table {
	fields := schema.MustDefault()
	objs, err := fixture.Hour(hourTicks, 360, 6, fields)
	if err != nil {
		b.Fatal(err)
	}
	dec := decode.New(fields)
	table := tickparquet.NewTable(fields)
	for _, o := range objs {
		if err := dec.DecodeTable(table, o.Body); err != nil {
			b.Fatal(err)
		}
	}
	return table
}
