// Package stack assembles the local twin: Kafka (kfake, or an external cluster), one AWS endpoint
// serving S3, Glue and Athena, the three functions with their environment contracts, the schedule,
// the event-source mapping and the S3 notifications, set up as the CDK stack sets up AWS.
package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/local/athena"
	"github.com/ticklake/ticklake/local/datalock"
	"github.com/ticklake/ticklake/local/endpoint"
	"github.com/ticklake/ticklake/local/esm"
	"github.com/ticklake/ticklake/local/glue"
	"github.com/ticklake/ticklake/local/lambdas"
	"github.com/ticklake/ticklake/local/s3srv"
	"github.com/ticklake/ticklake/local/sfn"
	"github.com/ticklake/ticklake/shared/analytics"
	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/compactor"
	"github.com/ticklake/ticklake/shared/kafkax"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/schema"
)

// Names of the local resources: what the CDK stack names or generates on AWS.
const (
	DataBucket    = "ticklake-data"
	ResultsBucket = "ticklake-athena-results"
	Database      = "ticklake"
	Crawler       = "ticklake-crawler"
	WorkGroup     = "ticklake-analytics"
	Topic         = "ticks"
	Group         = "ticklake-consumer"
	StateMachine  = "analytics"
	// CompactionMachine is the compaction state machine's name.
	CompactionMachine = "compaction"
	ClusterARN        = "arn:aws:kafka:us-east-1:000000000000:cluster/ticklake-kafka/00000000-0000-0000-0000-000000000000-s1"
)

// DefaultCrawlDuration is how long a crawl of a few new partitions takes on AWS, about: the AWS
// crawler spends most of a minute or two starting and finishing, whatever the data.
const DefaultCrawlDuration = 90 * time.Second

// Options configure the stack.
type Options struct {
	// DataDir holds S3's objects, the catalog and the functions' logs.
	DataDir string
	// Port of the endpoint; 0 picks a free one.
	Port int
	// Brokers of an external Kafka; empty starts kfake.
	Brokers    []string
	Partitions int
	// KafkaPort of the embedded Kafka; 0 picks a free one.
	KafkaPort int
	// Producer settings.
	Rate       int
	RunSeconds int
	// Schedule is the producer's schedule period (SCHEDULE_SECONDS); 0 is a minute, or the run when
	// that is longer.
	Schedule  time.Duration
	Source    string
	ReplayURI string
	Seed      string
	// Event-source mapping settings.
	BatchSize int
	Window    time.Duration
	// CrawlDuration is how long a crawl takes on AWS (a minute or more: DefaultCrawlDuration); the
	// local crawl lasts that long scaled by TimeScale, at least. 0: as long as the work.
	CrawlDuration time.Duration
	// TimeScale shortens the state machine's waits and retry delays, and the crawls (0.01: a 30 s
	// wait takes 0.3 s); 0 or 1 keeps real time.
	TimeScale float64
	// OnStep sees each step of every state machine execution.
	OnStep func(sfn.Event)
	// Fields is the declaration of the extra fields (see package schema); empty, schema.Default.
	Fields string
	// Lateness is the compactor's LATENESS (an hour is closed this long after its end); 0 is the
	// stack's 15 minutes.
	Lateness time.Duration
	// Grace is the compactor's GRACE (superseded objects are kept this long); 0 is the stack's 2 hours.
	Grace time.Duration
	// NoPipeline starts only the services (Kafka, endpoint, functions), without the event-source
	// mapping and the notifications.
	NoPipeline bool
}

// Stack is the running local twin.
type Stack struct {
	Opts      Options
	lock      *datalock.Lock
	Endpoint  string
	Brokers   []string
	S3        *s3srv.Server
	Catalog   *glue.Catalog
	Crawlers  *glue.Crawlers
	Athena    *athena.Engine
	Functions *lambdas.Set
	Mapping   *esm.Mapping
	SFN       *sfn.Service
	// AnalyticsARN is the ARN of the analytics state machine.
	AnalyticsARN string
	// CompactionARN is the ARN of the compaction state machine.
	CompactionARN string
	Started       time.Duration

	kafka    *kfake.Cluster
	server   *endpoint.Server
	logs     *os.File
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	errMu    sync.Mutex
	problems []error
}

// Start brings the stack up.
func Start(opts Options) (*Stack, error) {
	began := time.Now()
	if opts.Partitions <= 0 {
		opts.Partitions = 6
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.Rate <= 0 {
		opts.Rate = 1000
	}
	if opts.RunSeconds <= 0 {
		opts.RunSeconds = 50
	}
	if opts.Source == "" {
		opts.Source = "sim"
	}
	st := &Stack{Opts: opts}
	ok := false
	defer func() {
		if !ok {
			st.Close()
		}
	}()
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", opts.DataDir, err)
	}
	var err error
	// One process per data directory, before anything in it is opened.
	if st.lock, err = datalock.Acquire(opts.DataDir); err != nil {
		return nil, err
	}
	if st.S3, err = s3srv.New(filepath.Join(opts.DataDir, "s3")); err != nil {
		return nil, err
	}
	st.S3.OnError = st.problem
	for _, b := range []string{DataBucket, ResultsBucket} {
		if err := st.S3.EnsureBucket(b); err != nil {
			return nil, fmt.Errorf("bucket %s: %w", b, err)
		}
	}
	if st.Catalog, err = glue.Open(filepath.Join(opts.DataDir, "glue.json")); err != nil {
		return nil, err
	}
	st.Crawlers = glue.NewCrawlers(st.Catalog, st.S3.BucketDir)
	st.Crawlers.Duration = opts.CrawlDuration
	if opts.TimeScale > 0 && opts.TimeScale != 1 {
		st.Crawlers.Duration = time.Duration(float64(opts.CrawlDuration) * opts.TimeScale)
	}
	if err := st.Catalog.EnsureDatabase(Database); err != nil {
		return nil, err
	}
	if opts.Fields == "" {
		st.Opts.Fields = schema.Default
	}
	fields, err := schema.Parse(st.Opts.Fields)
	if err != nil {
		return nil, fmt.Errorf("fields: %w", err)
	}
	if err := EnsureTicksTable(st.Catalog, fields); err != nil {
		return nil, err
	}
	if _, err := st.Crawlers.Get(Crawler); err != nil {
		c := glue.Crawler{Name: Crawler, DatabaseName: Database, Description: "Catalogs the ticks table and its dt/hour partitions",
			RecrawlPolicy:      map[string]string{"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
			SchemaChangePolicy: map[string]string{"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}}
		c.Targets.S3Targets = []glue.S3Target{{Path: "s3://" + DataBucket + "/" + layout.DefaultDataPrefix,
			Exclusions: []string{"**_$folder$", "**/_*", "**.json", "**.jsonl", "**.csv", "**.tmp", "**.crc"}}}
		if err := st.Crawlers.Create(c); err != nil {
			return nil, err
		}
	}

	// The endpoint; the Athena engine writes its results through it.
	router := &endpoint.Router{S3: st.S3, JSON: map[string]http.Handler{}}
	if st.server, err = endpoint.Listen(opts.Port, router); err != nil {
		return nil, err
	}
	st.Endpoint = st.server.URL
	results := awsx.Objects{Client: awsx.NewS3(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})}
	if st.Athena, err = athena.New(st.Catalog, st.S3.BucketDir, results); err != nil {
		return nil, err
	}
	st.Athena.PutWorkGroup(athena.WorkGroup{Name: WorkGroup, Description: "ticklake analytics",
		OutputLocation: "s3://" + ResultsBucket + "/results/"})
	for _, q := range analytics.All() {
		if _, err := st.Athena.CreateNamedQuery(athena.NamedQuery{Name: q.Name, Description: q.Description,
			Database: Database, QueryString: q.SQL, WorkGroup: WorkGroup}); err != nil {
			return nil, err
		}
	}
	router.JSON[glue.TargetPrefix] = &glue.API{Catalog: st.Catalog, Crawlers: st.Crawlers}
	router.JSON[athena.TargetPrefix] = &athena.API{Engine: st.Athena}

	// Step Functions, with the analytics state machine as synthesized.
	var clk clock.Clock = clock.Wall{}
	if opts.TimeScale > 0 && opts.TimeScale != 1 {
		clk = clock.Scaled{Factor: opts.TimeScale}
	}
	tasks := &sfn.LocalTasks{Endpoint: st.Endpoint, Invoke: func(ctx context.Context, name string, payload []byte) ([]byte, error) {
		fn, ok := st.Functions.Get(name)
		if !ok {
			return nil, fmt.Errorf("no function %s", name)
		}
		return fn.Invoke(ctx, payload)
	}}
	st.SFN = sfn.NewService(&sfn.Interpreter{Tasks: tasks, Clock: clk, OnEvent: opts.OnStep})
	router.JSON[sfn.TargetPrefix] = st.SFN
	if st.AnalyticsARN, err = st.SFN.Create(StateMachine, string(analytics.Definition), ""); err != nil {
		return nil, fmt.Errorf("analytics state machine: %w", err)
	}
	if st.CompactionARN, err = st.SFN.Create(CompactionMachine, string(analytics.CompactionDefinition), ""); err != nil {
		return nil, fmt.Errorf("compaction state machine: %w", err)
	}

	// Kafka.
	st.Brokers = opts.Brokers
	if len(st.Brokers) == 0 {
		kopts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(int32(opts.Partitions), Topic),
			kfake.DataDir(filepath.Join(opts.DataDir, "kafka"))}
		if opts.KafkaPort > 0 {
			kopts = append(kopts, kfake.Ports(opts.KafkaPort))
		}
		if st.kafka, err = kfake.NewCluster(kopts...); err != nil {
			return nil, fmt.Errorf("start Kafka: %w", err)
		}
		st.Brokers = st.kafka.ListenAddrs()
	} else if err := st.ensureTopic(); err != nil {
		return nil, err
	}

	// The functions, each from its environment contract.
	if st.logs, err = os.OpenFile(filepath.Join(opts.DataDir, "functions.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
		return nil, fmt.Errorf("function log: %w", err)
	}
	if st.Functions, err = lambdas.Build(st.envs(), st.logs); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	if !opts.NoPipeline {
		if err := st.startPipeline(ctx); err != nil {
			return nil, err
		}
	}
	st.Started = time.Since(began)
	ok = true
	return st, nil
}

func (st *Stack) ensureTopic() error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(st.Brokers...))
	if err != nil {
		return fmt.Errorf("Kafka %v: %w", st.Brokers, err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kafkax.EnsureTopic(ctx, cl, Topic, int32(st.Opts.Partitions)); err != nil {
		return fmt.Errorf("Kafka %v: %w", st.Brokers, err)
	}
	return nil
}

// envs are the functions' environments, as the CDK stack sets them, pointed at the local endpoint.
func (st *Stack) envs() map[string]map[string]string {
	o := st.Opts
	producer := map[string]string{"KAFKA_BROKERS": joinComma(st.Brokers), "KAFKA_TOPIC": Topic, "KAFKA_AUTH": "none",
		"TICKS_PER_SECOND": strconv.Itoa(o.Rate), "RUN_SECONDS": strconv.Itoa(o.RunSeconds), "TICK_SOURCE": o.Source,
		"SCHEDULE_SECONDS": strconv.Itoa(max(int(o.Schedule.Seconds()), o.RunSeconds, 1))}
	if o.Schedule == 0 {
		producer["SCHEDULE_SECONDS"] = strconv.Itoa(max(60, o.RunSeconds))
	}
	if o.ReplayURI != "" {
		producer["REPLAY_URI"] = o.ReplayURI
	}
	if o.Seed != "" {
		producer["SIM_SEED"] = o.Seed
	}
	envs := map[string]map[string]string{
		lambdas.Producer: producer,
		lambdas.Consumer: {"DATA_BUCKET": DataBucket, "DATA_PREFIX": layout.DefaultDataPrefix, "DLQ_PREFIX": layout.DefaultDLQPrefix,
			schema.EnvFields: o.Fields},
		lambdas.CrawlerTrigger: {"CRAWLER_NAME": Crawler, "DATA_PREFIX": layout.DefaultDataPrefix,
			"GLUE_DATABASE": Database, "GLUE_TABLE": analytics.Table},
		lambdas.Compactor: {compactor.EnvBucket: DataBucket, compactor.EnvDataPrefix: layout.DefaultDataPrefix,
			compactor.EnvDLQPrefix: layout.DefaultDLQPrefix, compactor.EnvCompactedPrefix: compactor.DefaultCompactedPrefix,
			compactor.EnvDatabase: Database, compactor.EnvTable: analytics.Table, schema.EnvFields: o.Fields},
	}
	if o.Lateness > 0 {
		envs[lambdas.Compactor][compactor.EnvLateness] = o.Lateness.String()
	}
	if o.Grace > 0 {
		envs[lambdas.Compactor][compactor.EnvGrace] = o.Grace.String()
	}
	for _, env := range envs {
		env["AWS_ENDPOINT_URL"] = st.Endpoint
		env["AWS_REGION"] = "us-east-1"
	}
	return envs
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// startPipeline wires the triggers: S3 notifications to the crawlertrigger, and the event-source
// mapping from the topic to the consumer.
func (st *Stack) startPipeline(ctx context.Context) error {
	trigger, _ := st.Functions.Get(lambdas.CrawlerTrigger)
	st.S3.Notify(s3srv.Notification{ID: "ticklake-parquet-created", Bucket: DataBucket, Prefix: layout.DefaultDataPrefix,
		Suffix: layout.DataSuffix, Target: func(ctx context.Context, payload []byte) error {
			_, err := trigger.Invoke(ctx, payload)
			return err
		}})
	consumer, _ := st.Functions.Get(lambdas.Consumer)
	var err error
	st.Mapping, err = esm.New(esm.Config{Brokers: st.Brokers, Topic: Topic, Group: Group, BatchSize: st.Opts.BatchSize,
		Window: st.Opts.Window, ARN: ClusterARN}, consumer.Invoke)
	if err != nil {
		return err
	}
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		if err := st.Mapping.Run(ctx); err != nil {
			st.problem(err)
		}
	}()
	return nil
}

// RunSchedule invokes the producer every interval, starting now, until ctx ends, each time with the
// time it was scheduled for, as EventBridge Scheduler does. An invocation still running when the next
// is due delays it; the next keeps its scheduled time.
func (st *Stack) RunSchedule(ctx context.Context, interval time.Duration) {
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		due := time.Now().UTC().Truncate(time.Second)
		for {
			if _, err := st.InvokeAt(ctx, due); err != nil && ctx.Err() == nil {
				st.problem(err)
			}
			due = due.Add(interval)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(due)):
			}
		}
	}()
}

// InvokeScheduled runs the producer once with the scheduled event the stack's Scheduler schedule
// sends for now, and returns its response.
func (st *Stack) InvokeScheduled(ctx context.Context) ([]byte, error) {
	return st.InvokeAt(ctx, time.Now().UTC().Truncate(time.Second))
}

// InvokeAt runs the producer once with the Scheduler's event for the scheduled time at, and returns
// its response.
func (st *Stack) InvokeAt(ctx context.Context, at time.Time) ([]byte, error) {
	ev := events.EventBridgeEvent{Version: "0", ID: fmt.Sprintf("%x", time.Now().UnixNano()), DetailType: "Scheduled Event",
		Source: "aws.scheduler", AccountID: "000000000000", Time: at, Region: "us-east-1",
		Resources: []string{"arn:aws:scheduler:us-east-1:000000000000:schedule/default/ticklake-producer"}, Detail: json.RawMessage("{}")}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	p, _ := st.Functions.Get(lambdas.Producer)
	return p.Invoke(ctx, payload)
}

// Drain waits until the event-source mapping has committed every record of the topic and the
// notifications and crawls under way are done.
func (st *Stack) Drain(ctx context.Context) error {
	if st.Mapping != nil {
		for {
			lag, err := st.Mapping.Lag(ctx)
			if err == nil && lag == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("drain: %w (lag %d, last error: %v)", ctx.Err(), lag, st.Mapping.LastError())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	st.S3.Wait()
	st.Crawlers.Wait()
	return nil
}

// Crawl runs the crawler to completion, waiting for a running crawl first.
func (st *Stack) Crawl(ctx context.Context) (glue.Crawler, error) {
	for {
		err := st.Crawlers.Start(Crawler)
		if err == nil {
			break
		}
		if !errors.Is(err, glue.ErrCrawlerRunning) {
			return glue.Crawler{}, err
		}
		st.Crawlers.Wait()
	}
	st.Crawlers.Wait()
	return st.Crawlers.Get(Crawler)
}

// Compact runs the compaction state machine once, as the schedule or the console starts it: input
// {"hours": hours}, or {} (every closed hour that needs it) when hours is empty. It returns the
// finished execution; a failed execution is returned with its error, not as an error.
func (st *Stack) Compact(ctx context.Context, hours []string) (sfn.Execution, error) {
	input := "{}"
	if len(hours) > 0 {
		b, err := json.Marshal(map[string][]string{"hours": hours})
		if err != nil {
			return sfn.Execution{}, err
		}
		input = string(b)
	}
	arn, err := st.SFN.Start(st.CompactionARN, "", input)
	if err != nil {
		return sfn.Execution{}, fmt.Errorf("start compaction: %w", err)
	}
	return st.SFN.Wait(ctx, arn)
}

// RunCompactionSchedule starts the compaction every interval until ctx ends, as the stack's
// Scheduler schedule does; an execution that fails is reported as a problem.
func (st *Stack) RunCompactionSchedule(ctx context.Context, interval time.Duration, done func(sfn.Execution, error)) {
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
			ex, err := st.Compact(ctx, nil)
			if ctx.Err() != nil {
				return
			}
			if err == nil && ex.Status != "SUCCEEDED" {
				err = fmt.Errorf("compaction %s: %s: %s", ex.Status, ex.Error, ex.Cause)
			}
			if err != nil {
				st.problem(err)
			}
			if done != nil {
				done(ex, err)
			}
		}
	}()
}

// LakeStats counts what the catalog's partitions of the ticks table point at: the Parquet objects
// under each partition's location (subfolders included, as Athena reads them) and their bytes.
func (st *Stack) LakeStats() (partitions, objects int, bytes int64, err error) {
	parts, err := st.Catalog.Partitions(Database, analytics.Table)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, p := range parts {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(p.StorageDescriptor.Location, "s3://"), "/")
		root := filepath.Join(st.S3.BucketDir(bucket), filepath.FromSlash(prefix))
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, layout.DataSuffix) {
				if info, err := d.Info(); err == nil {
					objects++
					bytes += info.Size()
				}
			}
			return nil
		})
	}
	return len(parts), objects, bytes, nil
}

func (st *Stack) problem(err error) {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	st.problems = append(st.problems, err)
}

// Problems returns the errors of background work (deliveries that failed for good, and the like).
func (st *Stack) Problems() []error {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	return append([]error(nil), st.problems...)
}

// Close stops everything.
func (st *Stack) Close() {
	if st.Crawlers != nil {
		st.Crawlers.Stop() // a crawl under way ends now, not after its Duration
	}
	if st.cancel != nil {
		st.cancel()
	}
	st.wg.Wait()
	if st.Mapping != nil {
		st.Mapping.Close()
	}
	if st.S3 != nil {
		st.S3.Wait()
	}
	if st.Crawlers != nil {
		st.Crawlers.Wait()
	}
	if st.Functions != nil {
		st.Functions.Close()
	}
	if st.server != nil {
		_ = st.server.Close()
	}
	if st.Athena != nil {
		_ = st.Athena.Close()
	}
	if st.kafka != nil {
		st.kafka.Close()
	}
	if st.logs != nil {
		_ = st.logs.Close()
	}
	_ = st.lock.Release()
}
