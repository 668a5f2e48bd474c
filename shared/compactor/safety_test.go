package compactor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	localglue "github.com/ticklake/ticklake/local/glue"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

func (l *lake) location() string {
	l.t.Helper()
	out, err := l.glue.Client.GetPartition(context.Background(), &glue.GetPartitionInput{DatabaseName: aws.String(db),
		TableName: aws.String(table), PartitionValues: layout.PartitionOf(hourStart.UnixMicro()).Values()})
	if err != nil {
		l.t.Fatal(err)
	}
	return aws.ToString(out.Partition.StorageDescriptor.Location)
}

func (l *lake) manifest() compactor.Manifest {
	l.t.Helper()
	key := "compacted/" + layout.PartitionOf(hourStart.UnixMicro()).Path() + compactor.ManifestName
	out, err := l.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		l.t.Fatal(err)
	}
	defer out.Body.Close()
	var m compactor.Manifest
	body, _ := io.ReadAll(out.Body)
	if err := json.Unmarshal(body, &m); err != nil {
		l.t.Fatal(err)
	}
	return m
}

func (l *lake) plan(h *compactor.Handler) []string {
	l.t.Helper()
	res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan})
	if err != nil {
		l.t.Fatal(err)
	}
	return res.Hours
}

// TestLostLockNoSwap: a run whose lease ran out and whose lock another run took over does not move
// the partition.
func TestLostLockNoSwap(t *testing.T) {
	l := newLake(t)
	l.batch(0, 0, 99)
	var other compactor.Response
	slow := l.handler(compactor.Hooks{AfterWrite: func(ctx context.Context, hour string) error {
		l.clock.Advance(l.cfg.Lease + time.Minute)
		var err error
		if other, err = l.compact(l.handler(compactor.Hooks{})); err != nil || other.Skipped {
			t.Fatalf("the run that takes the expired lock over: %+v, %v", other, err)
		}
		return nil
	}})
	res, err := l.compact(slow)
	if err == nil {
		t.Fatalf("the run that lost its lock: %+v, want an error", res)
	}
	if loc := l.location(); loc != other.Location {
		t.Fatalf("partition at %s, want %s (the run that holds the lock)", loc, other.Location)
	}
}

// putHook runs before the first put of a key with the given suffix.
type putHook struct {
	compactor.S3API
	suffix string
	once   sync.Once
	before func()
}

func (p *putHook) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if strings.HasSuffix(aws.ToString(in.Key), p.suffix) {
		p.once.Do(p.before)
	}
	return p.S3API.PutObject(ctx, in, opts...)
}

// TestCleanupAfterCompactionMeanwhile: a compaction that finishes while cleanup waits for the lock
// keeps its manifest, so the hour does not look uncompacted.
func TestCleanupAfterCompactionMeanwhile(t *testing.T) {
	l := newLake(t)
	l.batch(0, 0, 99)
	h := l.handler(compactor.Hooks{})
	if _, err := l.compact(h); err != nil {
		t.Fatal(err)
	}
	l.batch(0, 100, 109) // late
	l.clock.Advance(l.cfg.Grace + time.Minute)
	hooked := &putHook{S3API: l.s3, suffix: compactor.LockName, before: func() {
		if res, err := l.compact(h); err != nil || res.Skipped {
			t.Fatalf("compaction meanwhile: %+v, %v", res, err)
		}
	}}
	cleaner := compactor.New(l.cfg, hooked, l.glue.Client, slog.New(slog.NewTextHandler(io.Discard, nil)), compactor.WithClock(l.clock))
	if _, err := cleaner.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil {
		t.Fatal(err)
	}
	if m, loc := l.manifest(), l.location(); m.Location != loc {
		t.Fatalf("manifest of run %s at %s, partition at %s", m.Run, m.Location, loc)
	}
	if hours := l.plan(h); len(hours) != 0 {
		t.Fatalf("plan after cleanup: %v, want none", hours)
	}
}

// TestRewrittenLiveObjectKept: a live object rewritten after a compaction took it (same key, other
// content) is not deleted with the superseded objects; the next compaction takes it.
func TestRewrittenLiveObjectKept(t *testing.T) {
	l := newLake(t)
	l.batch(0, 0, 99)
	h := l.handler(compactor.Hooks{})
	if _, err := l.compact(h); err != nil {
		t.Fatal(err)
	}
	// The same key, now with one more record.
	var rows []tickparquet.Row
	for off := int64(0); off <= 100; off++ {
		rows = append(rows, record(0, off))
	}
	body, err := l.enc.Encode(rows, tickparquet.Meta{Topic: topic, Partition: 0, FirstOffset: 0, LastOffset: 100})
	if err != nil {
		t.Fatal(err)
	}
	key := layout.DataKey("ticks/", layout.PartitionOf(hourStart.UnixMicro()), layout.BatchName(topic, 0, 0, 99))
	if _, err := l.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(l.cfg.Grace + time.Minute)
	if _, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("the rewritten live object: %v", err)
	}
	res, err := l.compact(h)
	if err != nil || res.RowsOut != 101 {
		t.Fatalf("next run: %+v, %v, want 101 rows", res, err)
	}
	// Taken now, it goes GRACE after this run.
	l.clock.Advance(l.cfg.Grace + time.Minute)
	if _, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err == nil {
		t.Fatal("the live object, taken and past GRACE, is still there")
	}
}

// TestMovedBackGraceAfterSwap: when the partition was moved back to its live folder (as a crawl of
// everything would), the next compaction keeps the live objects it moves away from for GRACE after
// its own swap: queries in flight read them.
func TestMovedBackGraceAfterSwap(t *testing.T) {
	l := newLake(t)
	l.batch(0, 0, 99)
	h := l.handler(compactor.Hooks{})
	if _, err := l.compact(h); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(l.cfg.Grace / 2)
	p := layout.PartitionOf(hourStart.UnixMicro())
	out, err := l.glue.Client.GetPartition(context.Background(), &glue.GetPartitionInput{DatabaseName: aws.String(db),
		TableName: aws.String(table), PartitionValues: p.Values()})
	if err != nil {
		t.Fatal(err)
	}
	sd := *out.Partition.StorageDescriptor
	sd.Location = aws.String("s3://" + bucket + "/ticks/" + p.Path())
	if _, err := l.glue.Client.UpdatePartition(context.Background(), &glue.UpdatePartitionInput{DatabaseName: aws.String(db),
		TableName: aws.String(table), PartitionValueList: p.Values(), PartitionInput: &gluetypes.PartitionInput{
			Values: p.Values(), StorageDescriptor: &sd}}); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(l.cfg.Grace/2 + time.Minute) // the first run's swap is past GRACE
	if res, err := l.compact(h); err != nil || res.Skipped {
		t.Fatalf("run after the move back: %+v, %v", res, err)
	}
	key := layout.DataKey("ticks/", p, layout.BatchName(topic, 0, 0, 99))
	if _, err := l.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("a live object the partition read until this run's swap: %v", err)
	}
}

// TestSwapKeepsDefinition: the swap changes the partition's location only; its values, columns,
// formats, SerDe and parameters stay as the catalog had them.
func TestSwapKeepsDefinition(t *testing.T) {
	l := newLake(t)
	p := layout.PartitionOf(hourStart.UnixMicro())
	parts, err := l.glue.Catalog.Partitions(db, table)
	if err != nil || len(parts) != 1 {
		t.Fatalf("partitions: %v, %v", parts, err)
	}
	before := parts[0]
	before.StorageDescriptor.SerdeInfo = &localglue.SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
		Parameters: map[string]string{"serialization.format": "1"}}
	before.StorageDescriptor.OutputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
	before.StorageDescriptor.Parameters = map[string]string{"classification": "parquet", "recordCount": "100"}
	before.Parameters = map[string]string{"classification": "parquet", "owner": "crawler"}
	if err := l.glue.Catalog.UpdatePartition(db, table, p.Values(), before); err != nil {
		t.Fatal(err)
	}
	l.batch(0, 0, 99)
	res, err := l.compact(l.handler(compactor.Hooks{}))
	if err != nil || res.Skipped {
		t.Fatalf("compaction: %+v, %v", res, err)
	}
	parts, err = l.glue.Catalog.Partitions(db, table)
	if err != nil || len(parts) != 1 {
		t.Fatalf("partitions: %v, %v", parts, err)
	}
	after := parts[0]
	if after.StorageDescriptor.Location != res.Location {
		t.Fatalf("location %s, want %s", after.StorageDescriptor.Location, res.Location)
	}
	after.StorageDescriptor.Location = before.StorageDescriptor.Location
	a, _ := json.Marshal(after)
	b, _ := json.Marshal(before)
	if !bytes.Equal(a, b) {
		t.Fatalf("partition after the swap:\n%s\nwant, but for its location:\n%s", a, b)
	}
}

// TestRewrittenSubfolderObjectKept: an object in a subfolder of the live folder (which a query of the
// live folder reads too) rewritten after a compaction took it is not deleted either.
func TestRewrittenSubfolderObjectKept(t *testing.T) {
	l := newLake(t)
	key := "ticks/" + layout.PartitionOf(hourStart.UnixMicro()).Path() + "sub/extra" + layout.DataSuffix
	put := func(last int64) {
		var rows []tickparquet.Row
		for off := int64(0); off <= last; off++ {
			rows = append(rows, record(1, off))
		}
		body, err := l.enc.Encode(rows, tickparquet.Meta{Topic: topic, Partition: 1, FirstOffset: 0, LastOffset: last})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	put(9)
	l.batch(0, 0, 99)
	h := l.handler(compactor.Hooks{})
	if res, err := l.compact(h); err != nil || res.RowsOut != 110 {
		t.Fatalf("compaction: %+v, %v, want 110 rows", res, err)
	}
	put(10)
	l.clock.Advance(l.cfg.Grace + time.Minute)
	if _, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("the rewritten object: %v", err)
	}
}
