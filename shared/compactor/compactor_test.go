package compactor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/internal/awsxtest"
	localglue "github.com/ticklake/ticklake/local/glue"
	"github.com/ticklake/ticklake/local/s3srv"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	"github.com/ticklake/ticklake/shared/tickparquet"
	"github.com/ticklake/ticklake/shared/tickparquet/decode"
)

const (
	bucket = "lake"
	db     = "ticklake"
	table  = "ticks"
	topic  = "ticks"
)

var hourStart = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

// settable is a clock a test moves by hand.
type settable struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settable) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *settable) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}
func (c *settable) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// lake is an S3 endpoint and a Glue catalog with the ticks table, one hour of it cataloged.
type lake struct {
	t      testing.TB
	s3     *s3.Client
	glue   *awsxtest.Glue
	cfg    compactor.Config
	clock  *settable
	enc    *tickparquet.Encoder
	fields schema.Schema
}

func newLake(t testing.TB) *lake {
	t.Helper()
	return newLakeOn(t, awsxtest.NewS3(t, bucket).Client)
}

// newLakeOn is a lake over the S3 endpoint of client, which has the bucket.
func newLakeOn(t testing.TB, client *s3.Client) *lake {
	t.Helper()
	l := &lake{t: t, s3: client, glue: awsxtest.NewGlue(t), clock: &settable{now: hourStart.Add(3 * time.Hour)}}
	cfg, err := compactor.LoadConfig(envconf.FromMap(map[string]string{
		compactor.EnvBucket: bucket, compactor.EnvDatabase: db, compactor.EnvTable: table}))
	if err != nil {
		t.Fatal(err)
	}
	l.cfg, l.fields = cfg, cfg.Fields
	l.enc = tickparquet.NewSchemaEncoder(cfg.Fields.Written())
	if err := l.glue.Catalog.CreateDatabase(db, ""); err != nil {
		t.Fatal(err)
	}
	var cols []localglue.Column
	for _, c := range tickparquet.CatalogColumns(cfg.Fields) {
		cols = append(cols, localglue.Column{Name: c.Name, Type: c.Type})
	}
	if err := l.glue.Catalog.PutTable(localglue.Table{Name: table, DatabaseName: db,
		StorageDescriptor: localglue.StorageDescriptor{Columns: cols, Location: "s3://" + bucket + "/ticks/"},
		PartitionKeys:     []localglue.Column{{Name: "dt", Type: "string"}, {Name: "hour", Type: "string"}}}); err != nil {
		t.Fatal(err)
	}
	l.catalog(hourStart)
	return l
}

// catalog adds the partition of the hour starting at start, as the crawler would.
func (l *lake) catalog(start time.Time) {
	p := layout.PartitionOf(start.UnixMicro())
	var cols []localglue.Column
	for _, c := range tickparquet.CatalogColumns(l.fields) {
		cols = append(cols, localglue.Column{Name: c.Name, Type: c.Type})
	}
	if _, err := l.glue.Catalog.AddPartitions(db, table, []localglue.Partition{{Values: p.Values(),
		StorageDescriptor: localglue.StorageDescriptor{Columns: cols, Location: "s3://" + bucket + "/ticks/" + p.Path(),
			InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"},
		Parameters: map[string]string{"classification": "parquet"}}}); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lake) handler(hooks compactor.Hooks) *compactor.Handler {
	return compactor.New(l.cfg, l.s3, l.glue.Client, slog.New(slog.NewTextHandler(io.Discard, nil)),
		compactor.WithClock(l.clock), compactor.WithHooks(hooks))
}

// record is the row of Kafka record (partition, offset): the topic's records are a function of their
// coordinates, so every batch that carries one carries the same row.
func record(part int32, off int64) tickparquet.Row {
	syms := []string{"AAPL", "MSFT", "GOOG", "AMZN", "NVDA"}
	r := tickparquet.Row{Symbol: syms[(int(part)*7+int(off))%len(syms)], TS: hourStart.Add(time.Duration(off*int64(time.Second)/7) + time.Duration(part)*time.Millisecond).UnixMicro(),
		Price: 100 + float64(off%97)/4, Size: off%500 + 1, KafkaPartition: part, KafkaOffset: off,
		KafkaTimestamp: hourStart.Add(time.Duration(off) * time.Second / 7).UnixMicro()}
	if off%3 == 0 {
		b := r.Price - 0.01
		r.Bid = &b
	}
	if off%4 == 0 {
		e := fmt.Sprintf(`{"note":%d}`, off)
		r.Extra = &e
	}
	f := make([]tick.Value, len(schema.MustDefault().Written()))
	if off%2 == 0 {
		f[9] = tick.Value{Valid: true, S: "XNAS"} // venue
	}
	f[10] = tick.Value{Valid: true, I: off} // seq
	r.Fields = f
	return r
}

// batch writes records [first, last] of a topic partition to the live folder, as the consumer does.
func (l *lake) batch(part int32, first, last int64) { l.batchIn("", part, first, last) }

// batchIn writes records [first, last] of a topic partition to sub, a subfolder of the live folder
// ("a/b/"), or to the live folder itself when sub is empty.
func (l *lake) batchIn(sub string, part int32, first, last int64) {
	var rows []tickparquet.Row
	for off := first; off <= last; off++ {
		rows = append(rows, record(part, off))
	}
	body, err := l.enc.Encode(rows, tickparquet.Meta{Topic: topic, Partition: part, FirstOffset: first, LastOffset: last})
	if err != nil {
		l.t.Fatal(err)
	}
	key := "ticks/" + layout.PartitionOf(hourStart.UnixMicro()).Path() + sub + layout.BatchName(topic, part, first, last) + layout.DataSuffix
	if _, err := l.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(body)}); err != nil {
		l.t.Fatal(err)
	}
}

// seen is what a query of the hour reads: every object under the partition's location, subfolders
// included. ok is false when an object went away between the listing and the read.
type seen struct {
	rows, distinct int
	keys           map[[2]int64]int
	compacted      bool
	objects        int
}

func (l *lake) query(ctx context.Context) (seen, bool) {
	out, err := l.glue.Client.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String(db), TableName: aws.String(table),
		PartitionValues: layout.PartitionOf(hourStart.UnixMicro()).Values()})
	if err != nil {
		if ctx.Err() == nil {
			l.t.Error(err)
		}
		return seen{}, false
	}
	loc := aws.ToString(out.Partition.StorageDescriptor.Location)
	prefix := strings.TrimPrefix(loc, "s3://"+bucket+"/")
	list, err := l.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		if ctx.Err() == nil {
			l.t.Error(err)
		}
		return seen{}, false
	}
	s := seen{keys: map[[2]int64]int{}, compacted: strings.Contains(loc, "/run=")}
	dec := decode.New(l.fields)
	for _, o := range list.Contents {
		get, err := l.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
		if err != nil {
			return seen{}, false
		}
		body, _ := io.ReadAll(get.Body)
		get.Body.Close()
		rows, err := dec.Decode(nil, body)
		if err != nil {
			l.t.Errorf("decode %s: %v", aws.ToString(o.Key), err)
			return seen{}, false
		}
		s.objects++
		for _, r := range rows {
			s.keys[[2]int64{int64(r.KafkaPartition), r.KafkaOffset}]++
			want := record(r.KafkaPartition, r.KafkaOffset)
			want.Fields = want.Fields[:len(want.Fields):len(want.Fields)]
			if !sameRow(r, want) {
				l.t.Errorf("record %d/%d reads %+v, want %+v", r.KafkaPartition, r.KafkaOffset, r, want)
			}
		}
		s.rows += len(rows)
	}
	s.distinct = len(s.keys)
	return s, true
}

func sameRow(a, b tickparquet.Row) bool {
	eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	if a.Symbol != b.Symbol || a.TS != b.TS || a.Price != b.Price || a.Size != b.Size || !eq(a.Bid, b.Bid) || !eq(a.Ask, b.Ask) ||
		a.KafkaTimestamp != b.KafkaTimestamp || (a.Extra == nil) != (b.Extra == nil) || a.Extra != nil && *a.Extra != *b.Extra {
		return false
	}
	for i := range a.Fields { // the compactor's fields are the written ones (no retired field by default)
		if i < len(b.Fields) && a.Fields[i] != b.Fields[i] || i >= len(b.Fields) && a.Fields[i].Valid {
			return false
		}
	}
	return true
}

func (l *lake) compact(h *compactor.Handler) (compactor.Response, error) {
	return h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCompact, Hour: "2026-11-25T14"})
}

// TestCrashesAndConcurrency runs three compactions of one hour at a time, round after round, each
// stopping once at another step (after the write, after the swap, before the delete), with late and
// retried batches between rounds, while a reader polls what a query sees.
func TestCrashesAndConcurrency(t *testing.T) {
	l := newLake(t)
	want := map[[2]int64]bool{}
	add := func(part int32, first, last int64) {
		l.batch(part, first, last)
		for o := first; o <= last; o++ {
			want[[2]int64{int64(part), o}] = true
		}
	}
	for part := int32(0); part < 3; part++ {
		for first := int64(0); first < 600; first += 100 {
			add(part, first, first+99)
		}
		add(part, 250, 349) // a batch formed again with other bounds
	}

	ctx, stop := context.WithCancel(context.Background())
	var polls, swappedPolls atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		last, swapped := 0, false
		for ctx.Err() == nil {
			s, ok := l.query(ctx)
			if !ok {
				continue
			}
			polls.Add(1)
			if s.distinct < last {
				t.Errorf("distinct rows fell from %d to %d", last, s.distinct)
			}
			last = s.distinct
			swapped = swapped || s.compacted
			if swapped {
				swappedPolls.Add(1)
				if s.rows != s.distinct {
					t.Errorf("after the first swap: %d rows, %d distinct", s.rows, s.distinct)
				}
			}
		}
	}()

	crash := errors.New("crash")
	steps := []func(*compactor.Hooks, func(context.Context, string) error){
		func(h *compactor.Hooks, f func(context.Context, string) error) { h.AfterWrite = f },
		func(h *compactor.Hooks, f func(context.Context, string) error) { h.AfterSwap = f },
		func(h *compactor.Hooks, f func(context.Context, string) error) { h.BeforeDelete = f },
	}
	for round := 0; round < 6; round++ {
		var wg sync.WaitGroup
		for i := range 3 {
			var hooks compactor.Hooks
			if round < 4 {
				steps[(i+round)%3](&hooks, func(context.Context, string) error { return crash })
			}
			h := l.handler(hooks)
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := l.compact(h)
				var locked *compactor.HourLockedError
				if err != nil && !errors.Is(err, crash) && !errors.As(err, &locked) {
					t.Errorf("round %d: %v", round, err)
				}
				t.Logf("round %d run %d: %+v err %v", round, i, res, err)
			}()
		}
		wg.Wait()
		// Late ticks, a retried batch and a batch with other bounds land between rounds.
		if round < 3 {
			p := int32(round)
			add(p, int64(600+round*50), int64(649+round*50))
			add(0, 0, 99)
			add(1, 90, 190)
		}
		l.clock.Advance(l.cfg.Lease + l.cfg.Grace) // stale locks expire, superseded objects are due
	}
	// A last run, none stopping: everything is taken and the superseded objects go.
	if _, err := l.compact(l.handler(compactor.Hooks{})); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(l.cfg.Grace + time.Minute)
	if _, err := l.handler(compactor.Hooks{}).Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil {
		t.Fatal(err)
	}
	for polls.Load() < 3 || swappedPolls.Load() < 1 {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done

	s, ok := l.query(context.Background())
	if !ok {
		t.Fatal("final query failed")
	}
	if !s.compacted || s.objects != 1 || s.rows != len(want) || s.distinct != len(want) {
		t.Fatalf("final: compacted %v, %d objects, %d rows, %d distinct, want 1 object of %d", s.compacted, s.objects, s.rows, s.distinct, len(want))
	}
	for k := range want {
		if s.keys[k] != 1 {
			t.Fatalf("record %v seen %d times", k, s.keys[k])
		}
	}
	// Nothing is left but the current run, the manifest and the live objects not yet due.
	all, err := l.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range all.Contents {
		if k := aws.ToString(o.Key); k != l.cfg.CompactedPrefix+compactor.PendingFolder+"scanned" { // the cleanup's record of its one scan
			keys = append(keys, k)
		}
	}
	if len(keys) != 2 {
		t.Errorf("objects left: %v, want the compacted object and the manifest", keys)
	}
	plan, err := l.handler(compactor.Hooks{}).Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan})
	if err != nil || len(plan.Hours) != 0 {
		t.Errorf("plan after compaction: %v, %v", plan.Hours, err)
	}
}

// TestLateAndRetried: ticks that land after a compaction are not seen until the next run, then once;
// a retried batch adds nothing. It runs on the test S3 (gofakes3 in memory) and on the local twin's
// S3 (gofakes3 over a folder), which both honour conditional puts.
func TestLateAndRetried(t *testing.T) {
	t.Run("memory", func(t *testing.T) { lateAndRetried(t, newLake(t)) })
	t.Run("local twin", func(t *testing.T) {
		srv, err := s3srv.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.EnsureBucket(bucket); err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(srv)
		t.Cleanup(hs.Close)
		l := newLakeOn(t, awsxtest.NewS3Client(hs.URL))
		lateAndRetried(t, l)
		// The lock is a conditional put there too.
		ctx := context.Background()
		in := func() *s3.PutObjectInput {
			return &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("compacted/x/lock.json"), Body: strings.NewReader("{}"), IfNoneMatch: aws.String("*")}
		}
		if _, err := l.s3.PutObject(ctx, in()); err != nil {
			t.Fatal(err)
		}
		if _, err := l.s3.PutObject(ctx, in()); err == nil || !strings.Contains(err.Error(), "PreconditionFailed") {
			t.Fatalf("a second conditional create: %v", err)
		}
		stale := in()
		stale.IfNoneMatch, stale.IfMatch = nil, aws.String(`"00"`)
		if _, err := l.s3.PutObject(ctx, stale); err == nil || !strings.Contains(err.Error(), "PreconditionFailed") {
			t.Fatalf("a put on another ETag: %v", err)
		}
	})
}

func lateAndRetried(t *testing.T, l *lake) {
	for first := int64(0); first < 300; first += 100 {
		l.batch(0, first, first+99)
	}
	h := l.handler(compactor.Hooks{})
	if res, err := l.compact(h); err != nil || res.RowsOut != 300 || res.ObjectsOut != 1 {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	l.batch(0, 300, 309) // late
	l.batch(0, 100, 199) // retried
	l.batch(0, 150, 249) // formed again with other bounds
	s, _ := l.query(context.Background())
	if s.rows != 300 || s.distinct != 300 {
		t.Fatalf("before the next run: %d rows, %d distinct, want 300", s.rows, s.distinct)
	}
	plan, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan})
	if err != nil || len(plan.Hours) != 1 || plan.Hours[0] != "2026-11-25T14" {
		t.Fatalf("plan: %v, %v", plan.Hours, err)
	}
	res, err := l.compact(h)
	// The retried batch has the ETag of the object already taken: only the compacted object, the late
	// batch and the batch with other bounds are read.
	if err != nil || res.RowsOut != 310 || res.Duplicates != 100 || res.ObjectsIn != 3 {
		t.Fatalf("second run: %+v, %v", res, err)
	}
	s, _ = l.query(context.Background())
	if s.rows != 310 || s.distinct != 310 || s.objects != 1 {
		t.Fatalf("after the next run: %d rows, %d distinct in %d objects, want 310 in 1", s.rows, s.distinct, s.objects)
	}
	// Run again (as a retried invocation whose first attempt finished would be): skipped, saying which
	// run compacted the hour.
	again, err := l.compact(h)
	if err != nil || !again.Skipped || again.Location != res.Location || !strings.Contains(again.Reason, "nothing new") ||
		!strings.Contains(again.Reason, strings.TrimSuffix(res.Location[strings.Index(res.Location, "run=")+4:], "/")) {
		t.Fatalf("third run: %+v, %v", again, err)
	}
}

// TestSubfolders takes objects in subfolders of the live folder, as a query of the live folder reads
// them: before the first compaction and after it, where the plan must find them too.
func TestSubfolders(t *testing.T) {
	l := newLake(t)
	l.batch(0, 0, 99)
	l.batchIn("backfill/", 1, 0, 49)
	h := l.handler(compactor.Hooks{})
	if res, err := l.compact(h); err != nil || res.RowsOut != 150 || res.ObjectsIn != 2 {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	l.batchIn("backfill/", 1, 50, 99) // late, in a subfolder
	l.batchIn("a/b/", 2, 0, 9)        // deeper
	l.batchIn("backfill/", 1, 25, 74) // overlapping what was taken
	if plan, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan}); err != nil ||
		strings.Join(plan.Hours, ",") != "2026-11-25T14" {
		t.Fatalf("plan after objects landed in subfolders: %v, %v", plan.Hours, err)
	}
	res, err := l.compact(h)
	if err != nil || res.Skipped || res.RowsOut != 210 || res.Duplicates != 50 {
		t.Fatalf("second run: %+v, %v", res, err)
	}
	s, _ := l.query(context.Background())
	if s.rows != 210 || s.distinct != 210 || s.objects != 1 {
		t.Fatalf("after the second run: %d rows, %d distinct in %d objects, want 210 in 1", s.rows, s.distinct, s.objects)
	}
	if res, err := l.compact(h); err != nil || !res.Skipped {
		t.Fatalf("third run: %+v, %v", res, err)
	}
	// Past the grace period the superseded objects, subfolders included, are deleted.
	l.clock.Advance(l.cfg.Grace + time.Minute)
	if _, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil {
		t.Fatal(err)
	}
	left, err := l.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("ticks/")})
	if err != nil || len(left.Contents) != 0 {
		t.Fatalf("live objects left after the grace period: %d (%v)", len(left.Contents), err)
	}
}

// TestLockedHour: an hour whose lock another run holds (here a run that stopped after its write) is
// an error named as the state machine retries it, not a skip; once the lease has run out, the next
// run takes the lock over and compacts.
func TestLockedHour(t *testing.T) {
	l := newLake(t)
	l.batch(0, 0, 99)
	stop := l.handler(compactor.Hooks{AfterWrite: func(context.Context, string) error { return errors.New("crash") }})
	if _, err := l.compact(stop); err == nil {
		t.Fatal("the stopped run succeeded")
	}
	h := l.handler(compactor.Hooks{})
	res, err := l.compact(h)
	var locked *compactor.HourLockedError
	if !errors.As(err, &locked) || locked.Hour != "2026-11-25T14" || res.Skipped {
		t.Fatalf("while locked: %+v, %v", res, err)
	}
	// Lambda's Go runtime reports an error by its type's name: the name the state machine retries.
	if name := reflect.TypeOf(err).Elem().Name(); name != compactor.ErrorHourLocked {
		t.Errorf("error type %s, want %s", name, compactor.ErrorHourLocked)
	}
	l.clock.Advance(l.cfg.Lease + time.Second)
	if res, err := l.compact(h); err != nil || res.Skipped || res.RowsOut != 100 {
		t.Fatalf("after the lease: %+v, %v", res, err)
	}
}

// counting is an S3 client that counts the manifests read.
type counting struct {
	compactor.S3API
	manifests atomic.Int64
}

func (c *counting) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if strings.HasSuffix(aws.ToString(in.Key), "/"+compactor.ManifestName) {
		c.manifests.Add(1)
	}
	return c.S3API.GetObject(ctx, in, opts...)
}

// compactHours writes one tick in each of n consecutive hours from hourStart (each cataloged), lets
// them close, and compacts every hour the plan names with h, returning the plan.
func (l *lake) compactHours(t *testing.T, h *compactor.Handler, n int) compactor.Response {
	t.Helper()
	for i := range n {
		start := hourStart.Add(time.Duration(i) * time.Hour)
		if i > 0 {
			l.catalog(start)
		}
		body, err := l.enc.Encode([]tickparquet.Row{record(0, int64(i))}, tickparquet.Meta{Topic: topic, FirstOffset: int64(i), LastOffset: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		key := layout.DataKey("ticks/", layout.PartitionOf(start.UnixMicro()), layout.BatchName(topic, 0, int64(i), int64(i)))
		if _, err := l.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	l.clock.Advance(time.Duration(n) * time.Hour)
	plan, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan})
	if err != nil || len(plan.Hours) != n {
		t.Fatalf("plan: %v, %v", plan.Hours, err)
	}
	for _, hour := range plan.Hours {
		if res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCompact, Hour: hour}); err != nil || res.RowsOut != 1 {
			t.Fatalf("%s: %+v, %v", hour, res, err)
		}
	}
	return plan
}

// TestCleanupReadsPendingHoursOnly: cleanup reads the manifests of the hours with deletions pending,
// not of every hour ever compacted, so its cost does not grow with the lake's age.
func TestCleanupReadsPendingHoursOnly(t *testing.T) {
	l := newLake(t)
	cnt := &counting{S3API: l.s3}
	h := compactor.New(l.cfg, cnt, l.glue.Client, slog.New(slog.NewTextHandler(io.Discard, nil)), compactor.WithClock(l.clock))
	// The first cleanup reads every manifest once, for hours compacted before pending markers were
	// written: here, on a lake that has none.
	if _, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil {
		t.Fatal(err)
	}
	const hours = 6
	l.compactHours(t, h, hours)
	cleanup := func() compactor.Response {
		t.Helper()
		cnt.manifests.Store(0)
		res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := cleanup(); res.Deleted != 0 || cnt.manifests.Load() != hours {
		t.Errorf("within the grace period: %d deleted, %d manifests read, want 0 and %d", res.Deleted, cnt.manifests.Load(), hours)
	}
	l.clock.Advance(l.cfg.Grace)
	if res := cleanup(); res.Deleted != hours {
		t.Errorf("past the grace period: %d deleted, want %d", res.Deleted, hours)
	}
	if res := cleanup(); res.Deleted != 0 || cnt.manifests.Load() != 0 {
		t.Errorf("nothing pending: %d deleted, %d manifests read, want none", res.Deleted, cnt.manifests.Load())
	}
	// Compacted again, an hour has deletions pending once more, and only it is read.
	l.batch(1, 0, 9)
	if _, err := l.compact(h); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(l.cfg.Grace)
	if res := cleanup(); res.Deleted != 2 || cnt.manifests.Load() == 0 || cnt.manifests.Load() > 3 {
		t.Errorf("one hour pending: %d deleted, %d manifests read, want 2 deleted, the hour's manifest read", res.Deleted, cnt.manifests.Load())
	}
}

// countingGlue is a Glue client that counts the partitions read.
type countingGlue struct {
	compactor.GlueAPI
	gets atomic.Int64
}

func (c *countingGlue) GetPartition(ctx context.Context, in *glue.GetPartitionInput, opts ...func(*glue.Options)) (*glue.GetPartitionOutput, error) {
	c.gets.Add(1)
	return c.GlueAPI.GetPartition(ctx, in, opts...)
}

// TestPlanBacklog: a backlog longer than one execution holds is planned oldest first, MaxHours at a
// time, saying how many are left; naming more hours than that is refused, naming the limit.
func TestPlanBacklog(t *testing.T) {
	l := newLake(t)
	const backlog = compactor.MaxHours + 30
	var named []string
	for i := range backlog {
		start := hourStart.Add(time.Duration(i) * time.Hour)
		if i > 0 {
			l.catalog(start)
		}
		key := layout.DataKey("ticks/", layout.PartitionOf(start.UnixMicro()), layout.BatchName(topic, 0, 0, 9))
		if _, err := l.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
		named = append(named, start.Format(compactor.HourFormat))
	}
	l.clock.Advance(backlog * time.Hour)
	g := &countingGlue{GlueAPI: l.glue.Client}
	h := compactor.New(l.cfg, l.s3, g, slog.New(slog.NewTextHandler(io.Discard, nil)), compactor.WithClock(l.clock))
	res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan})
	if err != nil || len(res.Hours) != compactor.MaxHours || res.Hours[0] != named[0] || res.Hours[compactor.MaxHours-1] != named[compactor.MaxHours-1] ||
		!strings.Contains(res.Reason, "30 more") {
		t.Fatalf("plan of a backlog of %d: %d hours from %v (%s), %v", backlog, len(res.Hours), res.Hours[:1], res.Reason, err)
	}
	// The hours past the bound are left to the next runs unread: a backlog of thousands of hours
	// must not cost the plan thousands of reads (and its timeout).
	if n := g.gets.Load(); n != compactor.MaxHours {
		t.Errorf("plan of a backlog of %d read %d partitions, want %d", backlog, n, compactor.MaxHours)
	}
	if _, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan, Hours: named}); !errors.Is(err, compactor.ErrTooManyHours) ||
		!strings.Contains(err.Error(), fmt.Sprint(compactor.MaxHours)) {
		t.Fatalf("%d hours named: %v", len(named), err)
	}
	if res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan, Hours: named[:compactor.MaxHours]}); err != nil ||
		len(res.Hours) != compactor.MaxHours {
		t.Fatalf("%d hours named: %d, %v", compactor.MaxHours, len(res.Hours), err)
	}
}

// TestPlan picks closed, cataloged hours with new objects, and names bad hours.
func TestPlan(t *testing.T) {
	l := newLake(t)
	l.batch(0, 0, 9)
	// An hour the crawler has not cataloged, and the open hour.
	for _, start := range []time.Time{hourStart.Add(time.Hour), l.clock.Now().Truncate(time.Hour)} {
		p := layout.PartitionOf(start.UnixMicro())
		key := layout.DataKey("ticks/", p, layout.BatchName(topic, 0, 10, 19))
		if _, err := l.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	l.catalog(l.clock.Now().Truncate(time.Hour))
	h := l.handler(compactor.Hooks{})
	tests := []struct {
		name    string
		hours   []string
		want    string
		wantErr string
	}{
		{"every closed hour", nil, "2026-11-25T14", ""},
		{"named", []string{"2026-11-25T17", "2026-11-25T14", "2026-11-25T14", "2026-11-25T15"}, "2026-11-25T14,2026-11-25T17", ""},
		{"bad", []string{"2026-11-25T14", "2026-11-25 14", "2026-13-01T00"}, "", `"2026-11-25 14", "2026-13-01T00"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionPlan, Hours: tc.hours})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || strings.Join(res.Hours, ",") != tc.want {
				t.Fatalf("hours %v (%v), want %s", res.Hours, err, tc.want)
			}
		})
	}
	if _, err := h.Handle(context.Background(), compactor.Request{Action: "shrink"}); err == nil {
		t.Error("an unknown action was accepted")
	}
}

// TestLoadConfig names each bad variable.
func TestLoadConfig(t *testing.T) {
	base := map[string]string{compactor.EnvBucket: "b", compactor.EnvDatabase: "d", compactor.EnvTable: "t"}
	tests := []struct {
		name string
		set  map[string]string
		want string
	}{
		{"defaults", nil, ""},
		{"missing bucket", map[string]string{compactor.EnvBucket: ""}, compactor.EnvBucket},
		{"inside the data prefix", map[string]string{compactor.EnvCompactedPrefix: "ticks/compacted/"}, compactor.EnvCompactedPrefix},
		{"over the dead letters", map[string]string{compactor.EnvCompactedPrefix: "dlq/"}, compactor.EnvCompactedPrefix},
		{"bad grace", map[string]string{compactor.EnvGrace: "soon"}, compactor.EnvGrace},
		{"row groups past the cap", map[string]string{compactor.EnvRowGroupBytes: "20000000", compactor.EnvMaxObjectBytes: "10000000"}, compactor.EnvRowGroupBytes},
		{"bad fields", map[string]string{compactor.EnvFields: "x:blob"}, compactor.EnvFields},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.set {
				env[k] = v
			}
			cfg, err := compactor.LoadConfig(envconf.FromMap(env))
			if tc.want == "" {
				if err != nil || cfg.CompactedPrefix != "compacted/" || cfg.MaxObjectBytes != 512<<20 || cfg.Lateness != 15*time.Minute {
					t.Fatalf("%+v, %v", cfg, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// failingDeletes is an S3 client whose deletes of keys holding a string fail.
type failingDeletes struct {
	compactor.S3API
	match string
}

func (c *failingDeletes) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	if strings.Contains(aws.ToString(in.Key), c.match) {
		return nil, errors.New("access denied")
	}
	return c.S3API.DeleteObject(ctx, in, opts...)
}

// TestCleanupGoesPastAFailedHour: an hour whose deletions fail does not keep the hours after it from
// being cleaned; the cleanup still fails, naming the hour.
func TestCleanupGoesPastAFailedHour(t *testing.T) {
	l := newLake(t)
	fail := &failingDeletes{S3API: l.s3, match: "\x00"}
	h := compactor.New(l.cfg, fail, l.glue.Client, slog.New(slog.NewTextHandler(io.Discard, nil)), compactor.WithClock(l.clock))
	const hours = 3
	plan := l.compactHours(t, h, hours)
	l.clock.Advance(l.cfg.Grace)
	first := layout.PartitionOf(hourStart.UnixMicro())
	fail.match = "ticks/" + first.Path() // the oldest hour's live objects cannot be deleted
	res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup})
	if err == nil || !strings.Contains(err.Error(), plan.Hours[0]) {
		t.Errorf("cleanup with an hour failing: %v, want an error naming %s", err, plan.Hours[0])
	}
	if res.Deleted != hours-1 {
		t.Errorf("cleanup with the oldest hour failing deleted %d objects, want the other hours' %d", res.Deleted, hours-1)
	}
	fail.match = "\x00"
	if res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil || res.Deleted != 1 {
		t.Errorf("cleanup once the hour can be cleaned: %d deleted, %v; want 1", res.Deleted, err)
	}
}

// TestCleanupOfHoursWithoutMarkers: hours compacted by a version that wrote no pending markers (their
// manifests list superseded objects, and no marker says so) are found once, by one scan of the
// manifests, and their objects deleted; later cleanups read the markers only.
func TestCleanupOfHoursWithoutMarkers(t *testing.T) {
	l := newLake(t)
	cnt := &counting{S3API: l.s3}
	h := compactor.New(l.cfg, cnt, l.glue.Client, slog.New(slog.NewTextHandler(io.Discard, nil)), compactor.WithClock(l.clock))
	l.batch(0, 0, 9)
	l.batch(1, 0, 9)
	if res, err := l.compact(h); err != nil || res.ObjectsIn != 2 {
		t.Fatalf("compact: %+v, %v", res, err)
	}
	// As the earlier version left it: no marker.
	marker := l.cfg.CompactedPrefix + compactor.PendingFolder + hourStart.Format(compactor.HourFormat)
	if _, err := l.s3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(marker)}); err != nil {
		t.Fatal(err)
	}
	l.clock.Advance(l.cfg.Grace)
	res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup})
	if err != nil || res.Deleted != 2 {
		t.Fatalf("cleanup of an hour compacted without a marker: %d deleted, %v; want its 2 live objects", res.Deleted, err)
	}
	cnt.manifests.Store(0)
	if res, err := h.Handle(context.Background(), compactor.Request{Action: compactor.ActionCleanup}); err != nil || res.Deleted != 0 || cnt.manifests.Load() != 0 {
		t.Fatalf("cleanup once scanned: %d deleted, %d manifests read, %v; want none", res.Deleted, cnt.manifests.Load(), err)
	}
}
