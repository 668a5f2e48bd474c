package stack

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/local/lambdas"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/producer"
	"github.com/ticklake/ticklake/shared/tick"
)

func start(t *testing.T, opts Options) *Stack {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	st, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func produce(t *testing.T, st *Stack) producer.Summary {
	t.Helper()
	resp, err := st.InvokeScheduled(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var sum producer.Summary
	if err := json.Unmarshal(resp, &sum); err != nil || sum.Produced == 0 || sum.Failed != 0 {
		t.Fatalf("producer: %s, %v", resp, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := st.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Crawl(ctx); err != nil {
		t.Fatal(err)
	}
	return sum
}

// sent reads back every tick of the topic, straight from Kafka.
func sent(t *testing.T, st *Stack, n int64) []tick.Tick {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(st.Brokers...), kgo.ConsumeTopics(Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []tick.Tick
	dec := tick.NewDecoder()
	for int64(len(out)) < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		for _, r := range fs.Records() {
			var tk tick.Tick
			if err := dec.Decode(r.Value, &tk); err != nil {
				t.Fatal(err)
			}
			out = append(out, tk)
		}
	}
	return out
}

func athenaClient(st *Stack) *athena.Client {
	return athena.New(athena.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// query runs SQL through the Athena API and returns the rows under their column names.
func query(t *testing.T, st *Stack, sql string, params ...string) []map[string]string {
	t.Helper()
	cl := athenaClient(st)
	ctx := context.Background()
	s, err := cl.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String(sql), WorkGroup: aws.String(WorkGroup),
		QueryExecutionContext: &athenatypes.QueryExecutionContext{Database: aws.String(Database)}, ExecutionParameters: params})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ex, err := cl.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: s.QueryExecutionId})
		if err != nil {
			t.Fatal(err)
		}
		state := ex.QueryExecution.Status.State
		if state == athenatypes.QueryExecutionStateSucceeded {
			break
		}
		if state == athenatypes.QueryExecutionStateFailed || state == athenatypes.QueryExecutionStateCancelled {
			t.Fatalf("%s: %s", state, aws.ToString(ex.QueryExecution.Status.StateChangeReason))
		}
		time.Sleep(10 * time.Millisecond)
	}
	var cols []string
	var rows []map[string]string
	pages := athena.NewGetQueryResultsPaginator(cl, &athena.GetQueryResultsInput{QueryExecutionId: s.QueryExecutionId, MaxResults: aws.Int32(7)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.ResultSet.Rows {
			if cols == nil {
				for _, d := range r.Data {
					cols = append(cols, aws.ToString(d.VarCharValue))
				}
				continue
			}
			row := map[string]string{}
			for i, d := range r.Data {
				row[cols[i]] = aws.ToString(d.VarCharValue)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return f
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// TestEndToEnd produces ticks through the whole local stack and checks the analytics against figures
// computed in Go from the ticks as they were sent, and that nothing was lost or stored twice.
func TestEndToEnd(t *testing.T) {
	st := start(t, Options{Rate: 4000, RunSeconds: 2, Partitions: 4, BatchSize: 500, Window: 100 * time.Millisecond, Seed: "7"})
	sum := produce(t, st)
	ticks := sent(t, st, sum.Produced)
	day := sum.FirstTS[:10]

	type bar struct {
		open, high, low, close float64
		firstTS, lastTS        int64
		volume, trades         int64
	}
	bars := map[string]*bar{}
	type agg struct {
		pv             float64
		volume, trades int64
	}
	perSym := map[string]*agg{}
	for _, tk := range ticks {
		key := tk.Symbol + " " + time.UnixMicro(tk.TS).UTC().Truncate(time.Minute).Format("2006-01-02 15:04:05.000")
		b := bars[key]
		if b == nil {
			b = &bar{open: tk.Price, high: tk.Price, low: tk.Price, close: tk.Price, firstTS: tk.TS, lastTS: tk.TS}
			bars[key] = b
		}
		if tk.TS < b.firstTS {
			b.open, b.firstTS = tk.Price, tk.TS
		}
		if tk.TS >= b.lastTS {
			b.close, b.lastTS = tk.Price, tk.TS
		}
		b.high, b.low = max(b.high, tk.Price), min(b.low, tk.Price)
		b.volume += tk.Size
		b.trades++
		a := perSym[tk.Symbol]
		if a == nil {
			a = &agg{}
			perSym[tk.Symbol] = a
		}
		a.pv += tk.Price * float64(tk.Size)
		a.volume += tk.Size
		a.trades++
	}

	param := analytics.Literal(day)
	q := func(name string) []map[string]string {
		qq, _ := analytics.Get(name)
		return query(t, st, qq.SQL, param)
	}
	got := q("ohlcv_1m")
	if len(got) != len(bars) {
		t.Fatalf("%d bars, want %d", len(got), len(bars))
	}
	for _, g := range got {
		w := bars[g["symbol"]+" "+g["minute_start"]]
		if w == nil || num(t, g["open"]) != w.open || num(t, g["high"]) != w.high || num(t, g["low"]) != w.low ||
			num(t, g["close"]) != w.close || num(t, g["volume"]) != float64(w.volume) || num(t, g["trades"]) != float64(w.trades) {
			t.Fatalf("bar %v, want %+v", g, w)
		}
	}
	for _, g := range q("vwap_daily") {
		w := perSym[g["symbol"]]
		if w == nil || !near(num(t, g["vwap"]), w.pv/float64(w.volume)) || num(t, g["trades"]) != float64(w.trades) {
			t.Fatalf("vwap %v, want %+v", g, w)
		}
	}
	dq := q("data_quality")[0]
	if num(t, dq["row_count"]) != float64(sum.Produced) || dq["duplicates"] != "0" || dq["offset_gaps"] != "0" {
		t.Fatalf("data quality %v for %d produced", dq, sum.Produced)
	}
	distinct := query(t, st, "SELECT count(*) AS n FROM (SELECT DISTINCT kafka_partition, kafka_offset FROM ticks)")
	if num(t, distinct[0]["n"]) != float64(sum.Produced) {
		t.Fatalf("%s distinct (partition, offset), want %d", distinct[0]["n"], sum.Produced)
	}
	if len(q("top_movers")) != min(10, len(perSym)) {
		t.Fatal("top_movers")
	}
	if p := st.Problems(); len(p) > 0 {
		t.Fatalf("background problems: %v", p)
	}
}

// TestConsumerFailureIsRetried makes consumer invocations fail: the event-source mapping retries the
// batch until it succeeds, and no tick is lost or stored twice.
func TestConsumerFailureIsRetried(t *testing.T) {
	st := start(t, Options{Rate: 2000, RunSeconds: 1, Partitions: 2, BatchSize: 300, Window: 50 * time.Millisecond, Seed: "3"})
	fn, _ := st.Functions.Get(lambdas.Consumer)
	fn.FailNext.Store(3)
	sum := produce(t, st)
	_, _, retries := st.Mapping.Stats()
	if retries < 3 {
		t.Fatalf("%d retries, want at least 3", retries)
	}
	rows := query(t, st, "SELECT count(*) AS n, count(DISTINCT kafka_partition * 1000000000 + kafka_offset) AS d FROM ticks")
	if num(t, rows[0]["n"]) != float64(sum.Produced) || rows[0]["d"] != rows[0]["n"] {
		t.Fatalf("stored %v, produced %d", rows[0], sum.Produced)
	}
}

// TestRunningCrawlerStillCatalogs has the crawler busy when new partitions land: the crawlertrigger
// waits, and the partitions end up cataloged without anyone starting a crawl by hand.
func TestRunningCrawlerStillCatalogs(t *testing.T) {
	st := start(t, Options{Rate: 500, RunSeconds: 1, Partitions: 1, BatchSize: 100, Window: 20 * time.Millisecond,
		CrawlDuration: 1500 * time.Millisecond})
	if err := st.Crawlers.Start(Crawler); err != nil { // busy, and it finds nothing to crawl yet
		t.Fatal(err)
	}
	if _, err := st.InvokeScheduled(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := st.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	parts, err := st.Catalog.Partitions(Database, analytics.Table)
	if err != nil || len(parts) == 0 {
		t.Fatalf("partitions %v, %v", parts, err)
	}
	c, _ := st.Crawlers.Get(Crawler)
	if c.Crawls < 2 {
		t.Fatalf("%d crawls: the trigger did not crawl after the busy crawler", c.Crawls)
	}
	trigger, _ := st.Functions.Get(lambdas.CrawlerTrigger)
	if inv, _ := trigger.Stats(); inv == 0 {
		t.Fatal("the crawlertrigger never ran")
	}
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	st, err := Start(Options{DataDir: dir, Rate: 500, RunSeconds: 1, Partitions: 1, BatchSize: 100, Window: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	first := produce(t, st)
	st.Close()
	st2 := start(t, Options{DataDir: dir, Rate: 500, RunSeconds: 1, Partitions: 1, BatchSize: 100, Window: 20 * time.Millisecond})
	second := produce(t, st2)
	rows := query(t, st2, "SELECT count(*) AS n, count(DISTINCT kafka_offset) AS d, min(kafka_offset) AS lo, max(kafka_offset) AS hi FROM ticks")
	want := float64(first.Produced + second.Produced)
	if num(t, rows[0]["n"]) != want || num(t, rows[0]["d"]) != want || rows[0]["lo"] != "0" {
		t.Fatalf("after a restart: %v, want %v rows with distinct offsets", rows[0], want)
	}
}

func TestQueryErrors(t *testing.T) {
	st := start(t, Options{NoPipeline: true})
	cl := athenaClient(st)
	ctx := context.Background()
	cases := map[string]string{
		"SELEC 1":                     "SYNTAX_ERROR",
		"SELECT * FROM no_such_table": "TABLE_NOT_FOUND",
		"SELECT no_such_column FROM (SELECT 1 AS a)": "COLUMN_NOT_FOUND",
		"DROP TABLE ticks":                           "NOT_SUPPORTED",
	}
	for sql, want := range cases {
		s, err := cl.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String(sql), WorkGroup: aws.String(WorkGroup)})
		if err != nil {
			t.Fatal(err)
		}
		var ex *athena.GetQueryExecutionOutput
		for {
			ex, err = cl.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: s.QueryExecutionId})
			if err != nil {
				t.Fatal(err)
			}
			if st := ex.QueryExecution.Status.State; st != athenatypes.QueryExecutionStateQueued && st != athenatypes.QueryExecutionStateRunning {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		reason := aws.ToString(ex.QueryExecution.Status.StateChangeReason)
		if ex.QueryExecution.Status.State != athenatypes.QueryExecutionStateFailed || !strings.HasPrefix(reason, want) {
			t.Errorf("%s: %s %q, want FAILED %s", sql, ex.QueryExecution.Status.State, reason, want)
		}
		_, err = cl.GetQueryResults(ctx, &athena.GetQueryResultsInput{QueryExecutionId: s.QueryExecutionId})
		var ire *athenatypes.InvalidRequestException
		if !errors.As(err, &ire) {
			t.Errorf("%s: GetQueryResults of a failed query = %v", sql, err)
		}
	}
	// Parameters are bound positionally, and their count must match.
	if _, err := cl.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT ?"),
		WorkGroup: aws.String("no-such-workgroup")}); err == nil {
		t.Error("a missing workgroup was accepted")
	}
	rows := query(t, st, "SELECT ? AS a, '?' AS b -- ?\n", "'x'")
	if len(rows) != 1 || rows[0]["a"] != "x" || rows[0]["b"] != "?" {
		t.Fatalf("bound %v", rows)
	}
}

func TestNamedQueriesAndHistory(t *testing.T) {
	st := start(t, Options{NoPipeline: true})
	cl := athenaClient(st)
	ctx := context.Background()
	list, err := cl.ListNamedQueries(ctx, &athena.ListNamedQueriesInput{WorkGroup: aws.String(WorkGroup)})
	if err != nil || len(list.NamedQueryIds) != len(analytics.All()) {
		t.Fatalf("ListNamedQueries = %v, %v", list, err)
	}
	var names []string
	for _, id := range list.NamedQueryIds {
		nq, err := cl.GetNamedQuery(ctx, &athena.GetNamedQueryInput{NamedQueryId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, aws.ToString(nq.NamedQuery.Name))
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "data_quality,ohlcv_1m,realized_volatility,top_movers,vwap_daily" {
		t.Fatalf("named queries %v", names)
	}
	query(t, st, "SELECT 1 AS one")
	hist, err := cl.ListQueryExecutions(ctx, &athena.ListQueryExecutionsInput{WorkGroup: aws.String(WorkGroup)})
	if err != nil || len(hist.QueryExecutionIds) != 1 {
		t.Fatalf("ListQueryExecutions = %v, %v", hist, err)
	}
	s, _ := cl.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String("SELECT count(*) FROM UNNEST(sequence(1, 10000)) AS a(x) CROSS JOIN UNNEST(sequence(1, 10000)) AS b(y) CROSS JOIN UNNEST(sequence(1, 100)) AS c(z)"),
		WorkGroup: aws.String(WorkGroup)})
	if _, err := cl.StopQueryExecution(ctx, &athena.StopQueryExecutionInput{QueryExecutionId: s.QueryExecutionId}); err != nil {
		t.Fatal(err)
	}
	for {
		ex, _ := cl.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: s.QueryExecutionId})
		if state := ex.QueryExecution.Status.State; state == athenatypes.QueryExecutionStateCancelled {
			break
		} else if state != athenatypes.QueryExecutionStateRunning && state != athenatypes.QueryExecutionStateQueued {
			t.Fatalf("stopped query ended %s", state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExternalKafka runs the pipeline on a Kafka cluster of its own, creating the topic there.
func TestExternalKafka(t *testing.T) {
	brokers := kafkatest.Cluster(t, "other", 1)
	st := start(t, Options{Brokers: brokers, Rate: 500, RunSeconds: 1, Partitions: 3, BatchSize: 100, Window: 20 * time.Millisecond})
	sum := produce(t, st)
	rows := query(t, st, "SELECT count(*) AS n, count(DISTINCT kafka_partition) AS p FROM ticks")
	if num(t, rows[0]["n"]) != float64(sum.Produced) || rows[0]["p"] != "3" {
		t.Fatalf("stored %v of %d", rows[0], sum.Produced)
	}
}
