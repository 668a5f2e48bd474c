package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"

	"github.com/ticklake/ticklake/local/datalock"
	"github.com/ticklake/ticklake/local/endpoint"
	"github.com/ticklake/ticklake/local/lambdas"
	"github.com/ticklake/ticklake/local/sfn"
	"github.com/ticklake/ticklake/local/stack"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/producer"
	"github.com/ticklake/ticklake/shared/schema"
)

// stackFlags are the flags every command that starts the stack shares.
type stackFlags struct {
	data       string
	partitions int
	fields     string
}

func (f *stackFlags) add(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&f.data, "data", ".ticklake", "data directory: S3 objects, the Glue catalog, Kafka's log, function logs")
	fs.IntVar(&f.partitions, "partitions", 6, "partitions of the topic")
	def := schema.Default
	if v, ok := os.LookupEnv(schema.EnvFields); ok && strings.TrimSpace(v) != "" {
		def = v
	}
	fs.StringVar(&f.fields, "fields", def, "declared extra fields, name:type,... (default: "+schema.EnvFields+", else the built-in declaration)")
}

// kafkaBrokers are the brokers of an external Kafka, from KAFKA_BROKERS; nil starts the embedded one.
func kafkaBrokers() []string {
	var out []string
	for _, b := range strings.Split(os.Getenv("KAFKA_BROKERS"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

func (f *stackFlags) check() error {
	if f.partitions < 1 || f.partitions > 1000 {
		return userErrorf("--partitions=%d: want 1 to 1000", f.partitions)
	}
	if _, err := schema.Parse(f.fields); err != nil {
		return userErrorf("--fields=%s: %v", f.fields, err)
	}
	if st, err := os.Stat(f.data); err == nil && !st.IsDir() {
		return userErrorf("--data=%s is a file, not a directory", f.data)
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("run")
	var sf stackFlags
	sf.add(fs)
	duration := fs.Duration("duration", 30*time.Second, "how long the producer runs")
	rate := fs.Int("rate", 1000, "ticks per second")
	source := fs.String("source", "sim", "tick source: sim or replay")
	replay := fs.String("replay", "data/indexData-5.csv", "replay file, with --source replay")
	batch := fs.Int("batch-size", 1000, "event-source mapping batch size")
	window := fs.Duration("window", 500*time.Millisecond, "event-source mapping batching window")
	seed := fs.String("seed", "", "simulator seed (default: random)")
	timeScale := fs.Float64("time-scale", 0.01, "how much the state machine's waits and the crawls are shortened (1: real time)")
	crawl := fs.Duration("crawl-duration", stack.DefaultCrawlDuration, "how long a crawl takes, as on AWS (shortened by --time-scale)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *timeScale <= 0 || *timeScale > 1:
		return userErrorf("--time-scale=%v: want more than 0, at most 1", *timeScale)
	case *crawl < 0 || *crawl > time.Hour:
		return userErrorf("--crawl-duration=%s: want 0 to 1h", *crawl)
	case *duration < time.Second || *duration > 14*time.Minute:
		return userErrorf("--duration=%s: want 1s to 14m", *duration)
	case *rate < 1 || *rate > producer.MaxRate:
		return userErrorf("--rate=%d: want 1 to %d", *rate, producer.MaxRate)
	case *source != producer.SourceSim && *source != producer.SourceReplay:
		return userErrorf("--source=%s: want sim or replay", *source)
	case *batch < 1 || *batch > 10000:
		return userErrorf("--batch-size=%d: want 1 to 10000", *batch)
	}
	if err := sf.check(); err != nil {
		return err
	}
	opts := stack.Options{DataDir: sf.data, Fields: sf.fields, Partitions: sf.partitions, Brokers: kafkaBrokers(), Rate: *rate, RunSeconds: int(duration.Seconds()),
		Source: *source, Seed: *seed, BatchSize: *batch, Window: *window, TimeScale: *timeScale, CrawlDuration: *crawl, OnStep: stepPrinter(out)}
	if *source == producer.SourceReplay {
		abs, err := filepath.Abs(*replay)
		if err != nil {
			return userErrorf("--replay=%s: %v", *replay, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return userErrorf("--replay=%s: no such file", *replay)
		}
		opts.ReplayURI = abs
	}
	st, err := stack.Start(opts)
	if err != nil {
		return startError(err)
	}
	defer st.Close()
	fmt.Fprintf(out, "ticklake local: stack up in %s: endpoint %s, Kafka %s, data in %s\n",
		st.Started.Round(time.Millisecond), st.Endpoint, strings.Join(st.Brokers, ","), sf.data)
	fmt.Fprintf(out, "producing %d ticks/s for %s (%s) ...\n", *rate, *duration, *source)

	res, err := pipeline(ctx, st, *duration, out)
	if err != nil {
		return err
	}
	// Every hour written is compacted before the analytics: the producer has stopped and the
	// consumer has caught up, so the hours count as closed and are named explicitly.
	if hours := hoursBetween(res.FirstTS, res.LastTS); len(hours) > 0 {
		fmt.Fprintf(out, "\ncompacting %s\n", hourList(hours))
		if err := compact(ctx, st, hours, out); err != nil {
			return err
		}
	}
	day := time.Now().UTC().Format(time.DateOnly)
	if res.FirstTS != "" {
		day = res.FirstTS[:10]
	}
	results, err := runAnalytics(ctx, st, day, out)
	if err != nil {
		return err
	}
	path := filepath.Join(sf.data, "report.html")
	if err := writeReport(path, day, results); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nreport: %s\n", path)
	return nil
}

// startError words a failure to start.
func startError(err error) error {
	if errors.Is(err, endpoint.ErrPortInUse) || errors.Is(err, datalock.ErrInUse) {
		return userError{err.Error()}
	}
	return err
}

// pipeline runs the producer once, shows progress until everything produced is stored and cataloged,
// and returns the producer's summary.
func pipeline(ctx context.Context, st *stack.Stack, duration time.Duration, out io.Writer) (producer.Summary, error) {
	var sum producer.Summary
	done := make(chan error, 1)
	go func() {
		resp, err := st.InvokeScheduled(ctx)
		if err == nil {
			err = json.Unmarshal(resp, &sum)
		}
		done <- err
	}()
	bar := newProgress(out, duration)
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	produced := false
	for !produced {
		select {
		case <-ctx.Done():
			return sum, ctx.Err()
		case err := <-done:
			if err != nil {
				return sum, fmt.Errorf("producer: %w", err)
			}
			produced = true
		case <-tick.C:
			bar.show(time.Since(start), func() snapshot { return status(ctx, st) })
		}
	}
	bar.show(time.Since(start), func() snapshot { return status(ctx, st) })
	bar.done()
	fmt.Fprintf(out, "producer: %d ticks of %d symbols, %s .. %s, %d failed\n", sum.Produced, sum.Symbols, sum.FirstTS, sum.LastTS, sum.Failed)
	drainCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := st.Drain(drainCtx); err != nil {
		return sum, err
	}
	s := status(ctx, st)
	fmt.Fprintf(out, "stored: %d records in %d batches (%d retried), %d objects; catalog: %d partitions after %d crawls\n",
		s.consumed, s.batches, s.retries, s.objects, s.partitions, s.crawls)
	for _, p := range st.Problems() {
		fmt.Fprintf(out, "warning: %v\n", p)
	}
	return sum, nil
}

type snapshot struct {
	consumed, batches, retries, lag int64
	objects, partitions, crawls     int
}

func status(ctx context.Context, st *stack.Stack) snapshot {
	var s snapshot
	if st.Mapping != nil {
		s.batches, s.consumed, s.retries = st.Mapping.Stats()
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		s.lag, _ = st.Mapping.Lag(qctx)
		cancel()
	}
	_ = filepath.WalkDir(st.S3.BucketDir(stack.DataBucket), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			s.objects++
		}
		return nil
	})
	if parts, err := st.Catalog.Partitions(stack.Database, analytics.Table); err == nil {
		s.partitions = len(parts)
	}
	if c, err := st.Crawlers.Get(stack.Crawler); err == nil {
		s.crawls = c.Crawls
	}
	return s
}

// progress draws a progress bar: redrawn in place on a terminal, a line every few seconds otherwise.
type progress struct {
	out      io.Writer
	total    time.Duration
	terminal bool
	last     time.Time
}

func newProgress(out io.Writer, total time.Duration) *progress {
	p := &progress{out: out, total: total}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

// show draws the bar; current, which walks the data folder, runs only when a line is drawn.
func (p *progress) show(elapsed time.Duration, current func() snapshot) {
	if !p.terminal && time.Since(p.last) < 5*time.Second {
		return
	}
	s := current()
	p.last = time.Now()
	frac := min(1, float64(elapsed)/float64(p.total))
	const width = 24
	filled := int(frac * width)
	line := fmt.Sprintf("[%s%s] %3.0f%% %5.1fs  produced %d  consumed %d  lag %d  objects %d  partitions %d  crawls %d",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, elapsed.Seconds(),
		s.consumed+s.lag, s.consumed, s.lag, s.objects, s.partitions, s.crawls)
	if p.terminal {
		fmt.Fprintf(p.out, "\r%s\x1b[K", line)
	} else {
		fmt.Fprintln(p.out, line)
	}
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprintln(p.out)
	}
}

// athenaClient is an SDK client for the local endpoint.
func athenaClient(endpointURL string) *athena.Client {
	return athena.New(athena.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpointURL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

// result is a finished query.
type result struct {
	columns  []string
	rows     [][]string
	location string
	scanned  int64
}

// runQuery runs one query through the Athena API and reads all of its results.
func runQuery(ctx context.Context, cl *athena.Client, sql, database, workgroup string, params []string) (result, error) {
	var r result
	start, err := cl.StartQueryExecution(ctx, &athena.StartQueryExecutionInput{QueryString: aws.String(sql),
		QueryExecutionContext: &types.QueryExecutionContext{Database: aws.String(database)},
		WorkGroup:             aws.String(workgroup), ExecutionParameters: params})
	if err != nil {
		return r, err
	}
	id := start.QueryExecutionId
	for {
		ex, err := cl.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: id})
		if err != nil {
			return r, err
		}
		q := ex.QueryExecution
		switch q.Status.State {
		case types.QueryExecutionStateSucceeded:
			r.location = aws.ToString(q.ResultConfiguration.OutputLocation)
			if q.Statistics != nil {
				r.scanned = aws.ToInt64(q.Statistics.DataScannedInBytes)
			}
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			return r, userErrorf("query %s: %s", q.Status.State, aws.ToString(q.Status.StateChangeReason))
		default:
			select {
			case <-ctx.Done():
				return r, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		break
	}
	r.columns, r.rows, err = readResults(ctx, cl, aws.ToString(id))
	return r, err
}

// readResults reads all the rows of a finished query, the header row apart.
func readResults(ctx context.Context, cl *athena.Client, id string) (columns []string, rows [][]string, err error) {
	pages := athena.NewGetQueryResultsPaginator(cl, &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, row := range page.ResultSet.Rows {
			cells := make([]string, len(row.Data))
			for i, d := range row.Data {
				cells[i] = aws.ToString(d.VarCharValue)
			}
			if columns == nil {
				columns = cells
				continue
			}
			rows = append(rows, cells)
		}
	}
	return columns, rows, nil
}

// printTable prints rows under their columns, numbers right-aligned, at most limit rows.
func printTable(out io.Writer, cols []string, rows [][]string, limit int) {
	shown := rows
	if limit > 0 && len(rows) > limit {
		shown = rows[:limit]
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = len(c)
	}
	cells := make([][]string, len(shown))
	for r, row := range shown {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			if f, err := strconv.ParseFloat(v, 64); err == nil && strings.Contains(v, ".") {
				v = strconv.FormatFloat(f, 'f', 4, 64)
			}
			cells[r][i] = v
			if i < len(widths) {
				widths[i] = max(widths[i], len(v))
			}
		}
	}
	line := func(vals []string) {
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString("  ")
			}
			if _, err := strconv.ParseFloat(v, 64); err == nil {
				b.WriteString(strings.Repeat(" ", widths[i]-len(v)) + v)
			} else {
				b.WriteString(v + strings.Repeat(" ", widths[i]-len(v)))
			}
		}
		fmt.Fprintln(out, "  "+strings.TrimRight(b.String(), " "))
	}
	line(cols)
	seps := make([]string, len(cols))
	for i := range cols {
		seps[i] = strings.Repeat("-", widths[i])
	}
	line(seps)
	for _, row := range cells {
		line(row)
	}
	if len(rows) > len(shown) {
		fmt.Fprintf(out, "  ... %d more rows\n", len(rows)-len(shown))
	}
}

func cmdServe(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("serve")
	var sf stackFlags
	sf.add(fs)
	port := fs.Int("port", 4566, "port of the AWS endpoint")
	kafkaPort := fs.Int("kafka-port", 9092, "port of the embedded Kafka")
	rate := fs.Int("rate", 100, "ticks per second of the scheduled producer")
	every := fs.Duration("schedule", time.Minute, "producer schedule; 0 switches it off")
	crawl := fs.Duration("crawl-duration", stack.DefaultCrawlDuration, "how long a crawl takes, as on AWS")
	compactEvery := fs.Duration("compaction-schedule", time.Hour, "how often the compaction runs; 0 switches it off")
	lateness := fs.Duration("lateness", 15*time.Minute, "the compaction takes an hour this long after its end")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *crawl < 0 || *crawl > time.Hour {
		return userErrorf("--crawl-duration=%s: want 0 to 1h", *crawl)
	}
	if *compactEvery < 0 {
		return userErrorf("--compaction-schedule=%s: want 0 (off) or more", *compactEvery)
	}
	if *lateness < 0 {
		return userErrorf("--lateness=%s: want 0 or more", *lateness)
	}
	if err := sf.check(); err != nil {
		return err
	}
	if *rate < 1 || *rate > producer.MaxRate {
		return userErrorf("--rate=%d: want 1 to %d", *rate, producer.MaxRate)
	}
	// The producer numbers its runs by scheduled time / SCHEDULE_SECONDS, a whole number of seconds:
	// any other period would skip or repeat replay rows.
	if *every < 0 || (*every > 0 && (*every < time.Second || *every%time.Second != 0)) {
		return userErrorf("--schedule=%s: want 0 (off) or a whole number of seconds, such as 10s or 1m", *every)
	}
	run := 50
	if *every > 0 && *every < time.Minute {
		run = max(1, int(every.Seconds())-5)
	}
	st, err := stack.Start(stack.Options{DataDir: sf.data, Fields: sf.fields, Port: *port, KafkaPort: *kafkaPort, Brokers: kafkaBrokers(), Partitions: sf.partitions,
		Rate: *rate, RunSeconds: run, Schedule: *every, Window: time.Second, CrawlDuration: *crawl, Lateness: max(*lateness, time.Nanosecond)})
	if err != nil {
		return startError(err)
	}
	defer st.Close()
	fmt.Fprintf(out, `ticklake local stack is up (started in %s); Ctrl-C stops it.

  export AWS_ENDPOINT_URL=%s
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
  export KAFKA_BROKERS=%s

  S3 buckets: %s, %s   Glue database: %s, crawler: %s   Athena workgroup: %s
  Kafka topic: %s (%d partitions), consumer group %s
  functions log to %s
`, st.Started.Round(time.Millisecond), st.Endpoint, strings.Join(st.Brokers, ","), stack.DataBucket, stack.ResultsBucket,
		stack.Database, stack.Crawler, stack.WorkGroup, stack.Topic, sf.partitions, stack.Group, filepath.Join(sf.data, "functions.log"))
	if *every > 0 {
		fmt.Fprintf(out, "  the producer runs every %s for %d s at %d ticks/s\n", *every, run, *rate)
		st.RunSchedule(ctx, *every)
	}
	if *compactEvery > 0 {
		fmt.Fprintf(out, "  the compaction (state machine %s) runs every %s, on hours closed %s after their end\n", stack.CompactionMachine, *compactEvery, *lateness)
		st.RunCompactionSchedule(ctx, *compactEvery, func(ex sfn.Execution, err error) {
			if err != nil {
				fmt.Fprintf(out, "compaction: %v\n", err)
				return
			}
			fmt.Fprintf(out, "compaction %s: %s\n", ex.Name, ex.Status)
			printCompaction(out, ex)
		})
	}
	<-ctx.Done()
	fmt.Fprintln(out, "stopping")
	return nil
}

func cmdInvoke(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return userErrorf("invoke: name a function: %s", strings.Join(lambdas.Names, ", "))
	}
	name := args[0]
	fs := newFlags("invoke")
	var sf stackFlags
	sf.add(fs)
	eventFile := fs.String("event", "", "file holding the event, as AWS sends it (see events/)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := sf.check(); err != nil {
		return err
	}
	known := false
	for _, n := range lambdas.Names {
		known = known || n == name
	}
	if !known {
		return userErrorf("invoke: unknown function %q (%s)", name, strings.Join(lambdas.Names, ", "))
	}
	if *eventFile == "" {
		*eventFile = filepath.Join("events", name+".json")
	}
	payload, err := os.ReadFile(*eventFile)
	if err != nil {
		return userErrorf("invoke: --event: %v", err)
	}
	if !json.Valid(payload) {
		return userErrorf("invoke: --event %s is not JSON", *eventFile)
	}
	st, err := stack.Start(stack.Options{DataDir: sf.data, Fields: sf.fields, Partitions: sf.partitions, NoPipeline: true, RunSeconds: 5})
	if err != nil {
		return startError(err)
	}
	defer st.Close()
	fn, _ := st.Functions.Get(name)
	resp, err := fn.Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("%s failed: %w", name, err)
	}
	fmt.Fprintln(out, string(resp))
	return nil
}

func cmdQuery(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("query")
	var sf stackFlags
	sf.add(fs)
	database := fs.String("database", stack.Database, "database of the unqualified table names")
	limit := fs.Int("limit", 50, "rows printed at most (0: all)")
	var params multi
	fs.Var(&params, "param", "an execution parameter for a ?, as a SQL literal such as '2026-11-25' (repeatable)")
	// The SQL may come before or after the flags.
	var sql string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sql, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if sql == "" && fs.NArg() > 0 {
		sql = strings.Join(fs.Args(), " ")
	}
	if strings.TrimSpace(sql) == "" {
		return userErrorf(`query: give the SQL, as in: go run ./local query "SELECT count(*) FROM ticks"`)
	}
	if err := sf.check(); err != nil {
		return err
	}
	st, err := stack.Start(stack.Options{DataDir: sf.data, Fields: sf.fields, Partitions: sf.partitions, NoPipeline: true})
	if err != nil {
		return startError(err)
	}
	defer st.Close()
	r, err := runQuery(ctx, athenaClient(st.Endpoint), sql, *database, stack.WorkGroup, params)
	if err != nil {
		return err
	}
	printTable(out, r.columns, r.rows, *limit)
	fmt.Fprintf(out, "%d rows, %d bytes scanned, results in %s\n", len(r.rows), r.scanned, r.location)
	return nil
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
