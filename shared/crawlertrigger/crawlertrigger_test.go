package crawlertrigger

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/internal/lambdatest"
	localglue "github.com/ticklake/ticklake/local/glue"
	"github.com/ticklake/ticklake/shared/awsx/gluecat"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

var cfg = Config{Crawler: "ticklake-crawler", DataPrefix: "ticks/", Database: "ticklake", Table: "ticks"}

// newHandler returns a handler against the local twin's Glue, which holds the table and a crawler of
// s3://data/ticks/ under each name the test configures.
func newHandler(t *testing.T, c Config) (*Handler, *awsxtest.Glue, *clock.Fake) {
	t.Helper()
	g := awsxtest.NewGlue(t)
	if err := g.Catalog.EnsureDatabase("ticklake"); err != nil {
		t.Fatal(err)
	}
	keys := []localglue.Column{{Name: "dt", Type: "string"}, {Name: "hour", Type: "string"}}
	if err := g.Catalog.PutTable(localglue.Table{Name: "ticks", DatabaseName: "ticklake", PartitionKeys: keys,
		StorageDescriptor: localglue.StorageDescriptor{Location: "s3://data/ticks/"}}); err != nil {
		t.Fatal(err)
	}
	crawler := localglue.Crawler{Name: c.Crawler, DatabaseName: "ticklake"}
	crawler.Targets.S3Targets = []localglue.S3Target{{Path: "s3://data/ticks/"}}
	if err := g.Crawlers.Create(crawler); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC))
	return New(c, &gluecat.GlueCatalog{Client: g.Client}, clk, slog.New(slog.NewJSONHandler(io.Discard, nil))), g, clk
}

// addPartition catalogs a partition of ticklake.ticks.
func addPartition(t *testing.T, g *awsxtest.Glue, values ...string) {
	t.Helper()
	if _, err := g.Catalog.AddPartitions("ticklake", "ticks", []localglue.Partition{{Values: values}}); err != nil {
		t.Fatal(err)
	}
}

// putObject writes a Parquet object of ticks where the crawler reads s3://data/key.
func putObject(t *testing.T, g *awsxtest.Glue, key string) {
	t.Helper()
	ticks := fixture.SimTicks(3, 1)
	rows := make([]tickparquet.Row, len(ticks))
	opt := make([]tickparquet.Optional, len(ticks))
	for i := range ticks {
		rows[i] = tickparquet.FromTick(&ticks[i], 0, int64(i), fixture.Start.UnixMilli(), &opt[i])
	}
	body, err := tickparquet.NewEncoder().Encode(rows, tickparquet.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(g.BucketDir, "data", filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
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
	putObject(t, g, "ticks/dt=2026-11-25/hour=14/ticks-0-00000000000000004211-00000000000000004214.parquet")
	payload, err := os.ReadFile("../../events/crawlertrigger.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := invoke(t, h, context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Started || res.Objects != 1 || len(res.New) != 1 || res.New[0] != "dt=2026-11-25/hour=14/" || g.Crawls(t, cfg.Crawler) != 1 {
		t.Fatalf("result = %+v, crawls = %d", res, g.Crawls(t, cfg.Crawler))
	}
	if _, err := g.Catalog.Partition("ticklake", "ticks", []string{"2026-11-25", "14"}); err != nil {
		t.Fatalf("the crawl did not catalog the partition: %v", err)
	}
	// Once the partition is cataloged, more objects in it start nothing.
	res, err = invoke(t, h, context.Background(), payload)
	if err != nil || res.Started || g.Crawls(t, cfg.Crawler) != 1 || res.Reason != "partitions already cataloged" {
		t.Fatalf("second object: %+v, %v, crawls = %d", res, err, g.Crawls(t, cfg.Crawler))
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
	if err != nil || res.Started || res.Objects != 0 || g.Crawls(t, h.cfg.Crawler) != 0 || g.Calls("GetPartition") != 0 {
		t.Fatalf("result = %+v, %v", res, err)
	}
}

func TestOnePartitionOnceAndURLEncodedKeys(t *testing.T) {
	h, g, _ := newHandler(t, cfg)
	addPartition(t, g, "2026-11-25", "13")
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
	if res.Objects != 3 || len(res.Partitions) != 2 || strings.Join(res.New, ",") != "dt=2026-11-25/hour=14/" || g.Crawls(t, h.cfg.Crawler) != 1 {
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
	if !res.Started || res.Attempts != 4 || g.Crawls(t, h.cfg.Crawler) != 1 || clk.Slept() != (5+10+20)*time.Second {
		t.Fatalf("result = %+v, slept %v", res, clk.Slept())
	}
}

func TestRunningCrawlCatalogsThePartition(t *testing.T) {
	h, g, _ := newHandler(t, cfg)
	g.SetBusy(100)
	g.OnBusy = func(g *awsxtest.Glue) { addPartition(t, g, "2026-11-25", "14") }
	payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
	res, err := invoke(t, h, context.Background(), payload)
	if err != nil || res.Started || res.Reason != "cataloged by the running crawl" || g.Crawls(t, h.cfg.Crawler) != 0 {
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
	if clk.Slept() > 2*time.Minute || g.Crawls(t, h.cfg.Crawler) != 0 {
		t.Fatalf("slept %v past a 2 min deadline", clk.Slept())
	}
}

func TestWithoutTableAlwaysCrawls(t *testing.T) {
	h, g, _ := newHandler(t, Config{Crawler: "c", DataPrefix: "ticks/"})
	payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
	for i := 1; i <= 2; i++ {
		if res, err := invoke(t, h, context.Background(), payload); err != nil || !res.Started || g.Crawls(t, h.cfg.Crawler) != i {
			t.Fatalf("run %d: %+v, %v", i, res, err)
		}
	}
	if g.Calls("GetPartition") != 0 {
		t.Fatal("looked up partitions without a table")
	}
}

func TestGlueErrorsFail(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		op   string // the call that fails
		want string // what the error names
	}{
		{"partition lookup", cfg, "GetPartition", "get partition [2026-11-25 14] of ticklake.ticks"},
		{"crawler start", Config{Crawler: "c", DataPrefix: "ticks/"}, "StartCrawler", "start crawler c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, g, _ := newHandler(t, tc.cfg)
			g.FailWith("InternalServiceException")
			payload, _ := json.Marshal(s3Event("ticks/dt=2026-11-25/hour=14/a.parquet"))
			res, err := invoke(t, h, context.Background(), payload)
			if err == nil || errors.Is(err, ErrCrawlerBusy) || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "InternalServiceException") {
				t.Fatalf("Invoke = %v, want the Glue error naming %q and its code", err, tc.want)
			}
			if res.Started || g.Calls(tc.op) != 1 || g.Calls("StartCrawler")+g.Calls("GetPartition") != 1 {
				t.Fatalf("result = %+v after %d %s calls; want one failed call and nothing more", res, g.Calls(tc.op), tc.op)
			}
		})
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
