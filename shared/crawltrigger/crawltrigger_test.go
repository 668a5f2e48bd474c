package crawltrigger

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/ticklake/ticklake/internal/lambdatest"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ticklake/ticklake/shared/awsx/awsxtest"
	"github.com/ticklake/ticklake/shared/awsx/gluecat"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/envconf"
)

var cfg = Config{Crawler: "ticklake-crawler", DataPrefix: "ticks/", Database: "ticklake", Table: "ticks"}

func newHandler(t *testing.T, c Config) (*Handler, *awsxtest.Glue, *clock.Fake) {
	t.Helper()
	g := awsxtest.NewGlue(t)
	clk := clock.NewFake(time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC))
	return New(c, &gluecat.GlueCatalog{Client: g.Client}, clk, slog.New(slog.NewJSONHandler(io.Discard, nil))), g, clk
}

func s3Event(keys ...string) events.S3Event {
	var ev events.S3Event
	for _, k := range keys {
		var r events.S3EventRecord
		r.EventName = "ObjectCreated:Put"
		r.S3.Bucket.Name = "data"
		r.S3.Object.Key = k
		ev.Records = append(ev.Records, r)
	}
	return ev
}

func invoke(t *testing.T, h *Handler, ctx context.Context, payload []byte) (Result, error) {
	t.Helper()
	return lambdatest.Invoke[Result](ctx, h.Handle, payload)
}

func TestSampleEventStartsCrawl(t *testing.T) {
	h, g, _ := newHandler(t, cfg)
	payload, err := os.ReadFile("../../events/crawlertrigger.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := invoke(t, h, context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Started || res.Objects != 1 || len(res.New) != 1 || res.New[0] != "dt=2026-11-25/hour=14/" || g.Starts() != 1 {
		t.Fatalf("result = %+v, starts = %d", res, g.Starts())
	}
	// Once the partition is cataloged, more objects in it start nothing.
	g.AddPartition("ticklake", "ticks", "2026-11-25", "14")
	res, err = invoke(t, h, context.Background(), payload)
	if err != nil || res.Started || g.Starts() != 1 || res.Reason != "partitions already cataloged" {
		t.Fatalf("second object: %+v, %v, starts = %d", res, err, g.Starts())
	}
}

func TestIgnoresOtherKeys(t *testing.T) {
	h, g, _ := newHandler(t, cfg)
	ev := s3Event(
		"dlq/dt=2026-11-25/ticks-0-00000000000000000001-00000000000000000009.jsonl",
		"athena-results/abc.csv",
		"ticks/dt=2026-11-25/hour=14/_temporary.json",
		"ticks/dt=2026-11-25/hour=99/x.parquet",
		"ticks/notapartition/x.parquet",
		"other/dt=2026-11-25/hour=14/x.parquet",
	)
	payload, _ := json.Marshal(ev)
	res, err := invoke(t, h, context.Background(), payload)
	if err != nil || res.Started || res.Objects != 0 || g.Starts() != 0 || g.Calls("GetPartition") != 0 {
		t.Fatalf("result = %+v, %v", res, err)
	}
}

func TestOnePartitionOnceAndURLEncodedKeys(t *testing.T) {
	h, g, _ := newHandler(t, cfg)
	g.AddPartition("ticklake", "ticks", "2026-11-25", "13")
	ev := s3Event(
		"ticks/dt%3D2026-11-25/hour%3D14/ticks-0-1-2.parquet",
		"ticks/dt=2026-11-25/hour=14/ticks-1-1-2.parquet",
		"ticks/dt=2026-11-25/hour=13/ticks-1-3-4.parquet",
	)
	payload, _ := json.Marshal(ev)
	res, err := invoke(t, h, context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 3 || len(res.Partitions) != 2 || strings.Join(res.New, ",") != "dt=2026-11-25/hour=14/" || g.Starts() != 1 {
		t.Fatalf("result = %+v", res)
	}
}

func TestRunningCrawlerRetriedWithBackoff(t *testing.T) {
	h, g, clk := newHandler(t, cfg)
	g.SetBusy(3)
	payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	res, err := invoke(t, h, ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Started || res.Attempts != 4 || g.Starts() != 1 || clk.Slept() != (5+10+20)*time.Second {
		t.Fatalf("result = %+v, slept %v", res, clk.Slept())
	}
}

func TestRunningCrawlCatalogsThePartition(t *testing.T) {
	h, g, _ := newHandler(t, cfg)
	g.SetBusy(100)
	g.OnBusy = func(g *awsxtest.Glue) { g.AddPartition("ticklake", "ticks", "2026-11-25", "14") }
	payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
	res, err := invoke(t, h, context.Background(), payload)
	if err != nil || res.Started || res.Reason != "cataloged by the running crawl" || g.Starts() != 0 {
		t.Fatalf("result = %+v, %v", res, err)
	}
}

func TestBusyPastDeadlineFailsForRetry(t *testing.T) {
	h, g, clk := newHandler(t, cfg)
	g.SetBusy(1000)
	payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := invoke(t, h, ctx, payload)
	if err == nil || !strings.Contains(err.Error(), ErrCrawlerBusy.Error()) {
		t.Fatalf("Invoke = %v, want the crawler-busy error", err)
	}
	if clk.Slept() > 2*time.Minute || g.Starts() != 0 {
		t.Fatalf("slept %v past a 2 min deadline", clk.Slept())
	}
}

func TestWithoutTableAlwaysCrawls(t *testing.T) {
	h, g, _ := newHandler(t, Config{Crawler: "c", DataPrefix: "ticks/"})
	payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
	for i := 1; i <= 2; i++ {
		if res, err := invoke(t, h, context.Background(), payload); err != nil || !res.Started || g.Starts() != i {
			t.Fatalf("run %d: %+v, %v", i, res, err)
		}
	}
	if g.Calls("GetPartition") != 0 {
		t.Fatal("looked up partitions without a table")
	}
}

func TestGlueErrorsFail(t *testing.T) {
	h, g, _ := newHandler(t, Config{Crawler: "c", DataPrefix: "ticks/", Database: "db", Table: "t"})
	g.FailWith("InternalServiceException")
	payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
	if _, err := invoke(t, h, context.Background(), payload); err == nil || errors.Is(err, ErrCrawlerBusy) {
		t.Fatalf("Invoke = %v, want the Glue error", err)
	}
}

func TestLoadConfig(t *testing.T) {
	if _, err := LoadConfig(envconf.FromMap(map[string]string{})); err == nil || !strings.Contains(err.Error(), EnvCrawler) {
		t.Fatalf("missing crawler: %v", err)
	}
	if _, err := LoadConfig(envconf.FromMap(map[string]string{EnvCrawler: "c", EnvDatabase: "db"})); err == nil || !strings.Contains(err.Error(), EnvTable) {
		t.Fatalf("database without table: %v", err)
	}
	c, err := LoadConfig(envconf.FromMap(map[string]string{EnvCrawler: "c", EnvDatabase: "db", EnvTable: "t"}))
	if err != nil || c.DataPrefix != "ticks/" {
		t.Fatalf("LoadConfig = %+v, %v", c, err)
	}
}
