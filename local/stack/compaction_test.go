package stack

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	gluesdk "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/local/lambdas"
	"github.com/ticklake/ticklake/local/sfn"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/compactor"
)

// TestCompaction runs the checked-in compaction definition on the local twin: {} compacts nothing
// while the hours are open; a failing hour fails the execution, naming it, after the others; the
// named hours then compact into one object each, which the catalog's partitions point at (as
// GetPartitions and ListObjectsV2 show) and the queries read: every tick once, no duplicates.
func TestCompaction(t *testing.T) {
	var st *Stack
	var failHour atomic.Bool
	opts := fastOptions()
	opts.OnStep = func(ev sfn.Event) {
		if ev.Type == "TaskStateEntered" && ev.State == "CompactHour" && failHour.CompareAndSwap(true, false) {
			fn, _ := st.Functions.Get(lambdas.Compactor)
			fn.FailNext.Store(1)
		}
	}
	st = start(t, opts)
	sum := produce(t, st)
	ctx := context.Background()
	parts, err := st.Catalog.Partitions(Database, analytics.Table)
	if err != nil || len(parts) == 0 {
		t.Fatalf("partitions %v: %v", parts, err)
	}
	var hours []string
	for _, p := range parts {
		hours = append(hours, p.Values[0]+"T"+p.Values[1])
	}
	_, before, _, _ := st.LakeStats()
	if before <= len(parts) {
		t.Fatalf("%d objects in %d partitions before compaction: nothing to compact", before, len(parts))
	}

	ex, err := st.Compact(ctx, nil)
	if err != nil || ex.Status != "SUCCEEDED" || !strings.Contains(ex.Output, `"results":[]`) {
		t.Fatalf("open hours compacted: %+v %v", ex, err)
	}

	failHour.Store(true)
	ex, err = st.Compact(ctx, hours)
	if err != nil || ex.Status != "FAILED" || ex.Error != "Compaction.HoursFailed" || !strings.Contains(ex.Cause, hours[0]) {
		t.Fatalf("an hour failed: %s %s %s %v", ex.Status, ex.Error, ex.Cause, err)
	}

	ex, err = st.Compact(ctx, hours)
	if err != nil || ex.Status != "SUCCEEDED" {
		t.Fatalf("compaction: %+v %v", ex, err)
	}
	var out struct {
		Results []struct {
			Hour   string `json:"hour"`
			Result struct {
				ObjectsOut int    `json:"objects_out"`
				Location   string `json:"location"`
			} `json:"result"`
		} `json:"results"`
		FailedHours int `json:"failed_hours"`
	}
	if err := json.Unmarshal([]byte(ex.Output), &out); err != nil || len(out.Results) != len(hours) || out.FailedHours != 0 {
		t.Fatalf("output %s: %v", ex.Output, err)
	}

	// What the AWS CLI shows: each partition at its compacted location, one object there.
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	got, err := gluesdk.NewFromConfig(cfg).GetPartitions(ctx, &gluesdk.GetPartitionsInput{DatabaseName: aws.String(Database), TableName: aws.String(analytics.Table)})
	if err != nil {
		t.Fatal(err)
	}
	s3c := awsx.NewS3(cfg)
	for _, p := range got.Partitions {
		loc := aws.ToString(p.StorageDescriptor.Location)
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(loc, "s3://"), "/")
		if bucket != DataBucket || !strings.HasPrefix(prefix, "compacted/") {
			t.Errorf("partition %v at %s", p.Values, loc)
			continue
		}
		list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		if err != nil || len(list.Contents) != 1 || !strings.HasSuffix(aws.ToString(list.Contents[0].Key), ".parquet") {
			t.Errorf("objects at %s: %v", loc, err)
		}
	}
	_, after, _, _ := st.LakeStats()
	if after != len(parts) {
		t.Errorf("%d objects after compaction, want one for each of %d partitions", after, len(parts))
	}
	row := query(t, st, `SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS d FROM ticks`)[0]
	if row["n"] != strconv.FormatInt(sum.Produced, 10) || row["d"] != row["n"] {
		t.Errorf("after compaction %v rows, want %d, each once", row, sum.Produced)
	}
}

// TestCompactionSchedule checks that serve's schedule starts compactions, each as the Scheduler's
// schedule does, with {}.
func TestCompactionSchedule(t *testing.T) {
	st := start(t, Options{NoPipeline: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan sfn.Execution, 10)
	st.RunCompactionSchedule(ctx, 20*time.Millisecond, func(ex sfn.Execution, err error) {
		if err != nil {
			t.Errorf("scheduled compaction: %v", err)
		}
		ran <- ex
	})
	for i := 0; i < 2; i++ {
		select {
		case ex := <-ran:
			if ex.Status != "SUCCEEDED" || ex.Input != "{}" {
				t.Errorf("scheduled execution %s, input %s", ex.Status, ex.Input)
			}
		case <-time.After(time.Minute):
			t.Fatal("no scheduled compaction")
		}
	}
}

// TestCompactionCleanupFails: a cleanup that fails fails the execution, after the hours, so that the
// alarm on failed executions tells of superseded objects not being deleted.
func TestCompactionCleanupFails(t *testing.T) {
	var st *Stack
	opts := Options{NoPipeline: true}
	opts.OnStep = func(ev sfn.Event) {
		if ev.Type == "TaskStateEntered" && ev.State == "Cleanup" {
			fn, _ := st.Functions.Get(lambdas.Compactor)
			fn.FailNext.Store(1)
		}
	}
	st = start(t, opts)
	ex, err := st.Compact(context.Background(), nil)
	if err != nil || ex.Status != "FAILED" || ex.Error != "Compaction.CleanupFailed" || !strings.Contains(ex.Cause, "injected failure") {
		t.Fatalf("cleanup failed: %s %s %s %v", ex.Status, ex.Error, ex.Cause, err)
	}
}

// TestCompactionLockedHour runs the compaction while another run holds one hour's lock, as a retry of
// a Lambda invocation still under way would find it: the hour is not reported skipped. Released
// while the execution waits, the hour is compacted in the same execution; held past the retries, the
// hour fails, and with it the execution.
func TestCompactionLockedHour(t *testing.T) {
	var st *Stack
	var release atomic.Bool
	var retries atomic.Int64
	var lockKey string
	opts := fastOptions()
	opts.OnStep = func(ev sfn.Event) {
		if ev.Type != "StateRetry" || ev.State != "CompactHour" {
			return
		}
		retries.Add(1)
		if release.CompareAndSwap(true, false) {
			if _, err := st.s3Client().DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(DataBucket),
				Key: aws.String(lockKey)}); err != nil {
				t.Error(err)
			}
		}
	}
	st = start(t, opts)
	produce(t, st)
	parts, err := st.Catalog.Partitions(Database, analytics.Table)
	if err != nil || len(parts) == 0 {
		t.Fatalf("partitions %v: %v", parts, err)
	}
	hour := parts[0].Values[0] + "T" + parts[0].Values[1]
	p, err := compactor.ParseHour(hour)
	if err != nil {
		t.Fatal(err)
	}
	lockKey = compactor.DefaultCompactedPrefix + p.Path() + compactor.LockName
	ctx := context.Background()
	hold := func() { // as another run holds it, with a lease a year long
		body := `{"run":"20260101T000000Z-other","expires":"` + time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339) + `"}`
		if _, err := st.s3Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(DataBucket), Key: aws.String(lockKey),
			Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}

	hold()
	ex, err := st.Compact(ctx, []string{hour})
	if err != nil || ex.Status != "FAILED" || ex.Error != "Compaction.HoursFailed" ||
		!strings.Contains(ex.Cause, compactor.ErrorHourLocked) || !strings.Contains(ex.Cause, hour) {
		t.Fatalf("held past the retries: %s %s %s %v", ex.Status, ex.Error, ex.Cause, err)
	}
	if retries.Load() < 2 {
		t.Errorf("%d retries of the locked hour", retries.Load())
	}

	hold()
	release.Store(true)
	ex, err = st.Compact(ctx, []string{hour})
	if err != nil || ex.Status != "SUCCEEDED" {
		t.Fatalf("released while waiting: %s %s %s %v", ex.Status, ex.Error, ex.Cause, err)
	}
	var out struct {
		Results []struct {
			Result compactor.Response `json:"result"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(ex.Output), &out); err != nil || len(out.Results) != 1 {
		t.Fatalf("output %s: %v", ex.Output, err)
	}
	if r := out.Results[0].Result; r.Skipped || r.ObjectsOut != 1 || !strings.Contains(r.Location, "/run=") {
		t.Fatalf("released while waiting: %+v", r)
	}
}

// s3Client is an S3 client of the stack's endpoint, as the AWS CLI would use it.
func (st *Stack) s3Client() *s3.Client {
	return awsx.NewS3(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}
