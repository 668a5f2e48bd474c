// Package producer is the producer function: run by a schedule, it sends ticks from the market
// simulator or a replay of a stock-index file to Kafka at a steady rate for most of the invocation,
// then flushes and reports what it sent.
package producer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/kafkax"
	"github.com/ticklake/ticklake/shared/logging"
	"github.com/ticklake/ticklake/shared/market"
	"github.com/ticklake/ticklake/shared/tick"
)

// Environment variables.
const (
	EnvBrokers    = "KAFKA_BROKERS"
	EnvTopic      = "KAFKA_TOPIC"
	EnvAuth       = "KAFKA_AUTH"
	EnvPartitions = "KAFKA_TOPIC_PARTITIONS"
	EnvRate       = "TICKS_PER_SECOND"
	EnvRunSeconds = "RUN_SECONDS"
	EnvSource     = "TICK_SOURCE"
	EnvReplayURI  = "REPLAY_URI"
	EnvSymbols    = "SYMBOLS"
	EnvSeed       = "SIM_SEED"
	// EnvSchedule is the period of the schedule that runs the producer, in seconds: the replay
	// derives each invocation's rows from its scheduled time and this period.
	EnvSchedule = "SCHEDULE_SECONDS"
)

// Tick sources.
const (
	SourceSim    = "sim"
	SourceReplay = "replay"
)

// Defaults.
const (
	DefaultTopic      = "ticks"
	DefaultRate       = 1000
	DefaultRunSeconds = 50
	// DefaultScheduleSeconds is the deployed schedule's period: one minute.
	DefaultScheduleSeconds = 60
	// MaxRate bounds TICKS_PER_SECOND: far above what one function sends to MSK Serverless.
	MaxRate = 1_000_000
	// flushReserve is kept back from the invocation's deadline for the final flush.
	flushReserve = 5 * time.Second
	// step is how often the producer tops up to the rate; the ticks of a step are spread across it.
	step = 10 * time.Millisecond
)

// Config is the producer's configuration.
type Config struct {
	Brokers []string
	Topic   string
	Auth    string
	// Partitions, when above 0, makes the producer create the topic with that many partitions if it
	// does not exist.
	Partitions int
	Rate       int
	Run        time.Duration
	// Schedule is the period of the schedule that invokes the producer.
	Schedule  time.Duration
	Source    string
	ReplayURI string
	Symbols   []string
	// Seed seeds the simulator; when HasSeed is false each cold start draws one.
	Seed    uint64
	HasSeed bool
}

// LoadConfig reads the configuration from env, naming every missing or bad variable.
func LoadConfig(env *envconf.Reader) (Config, error) {
	c := Config{
		Brokers:    env.List(EnvBrokers),
		Topic:      env.String(EnvTopic, DefaultTopic),
		Auth:       env.OneOf(EnvAuth, kafkax.AuthIAM, kafkax.AuthIAM, kafkax.AuthNone),
		Partitions: env.Int(EnvPartitions, 0, 0, 10000),
		Rate:       env.Int(EnvRate, DefaultRate, 1, MaxRate),
		Run:        time.Duration(env.Int(EnvRunSeconds, DefaultRunSeconds, 1, 900)) * time.Second,
		Schedule:   time.Duration(env.Int(EnvSchedule, DefaultScheduleSeconds, 1, 7*24*3600)) * time.Second,
		Source:     env.OneOf(EnvSource, SourceSim, SourceSim, SourceReplay),
		ReplayURI:  env.String(EnvReplayURI, ""),
		Symbols:    env.List(EnvSymbols),
	}
	if len(c.Brokers) == 0 {
		env.Required(EnvBrokers)
	}
	if !validTopic(c.Topic) {
		env.Fail(EnvTopic, c.Topic, "a Kafka topic is 1 to 249 characters of a-z, A-Z, 0-9, '.', '_', '-'")
	}
	if c.Run > c.Schedule {
		env.Fail(EnvRunSeconds, strconv.Itoa(int(c.Run.Seconds())), fmt.Sprintf("longer than the schedule's period (%s=%d)", EnvSchedule, int(c.Schedule.Seconds())))
	}
	if c.Source == SourceReplay && c.ReplayURI == "" {
		env.Fail(EnvReplayURI, "", "required when "+EnvSource+"="+SourceReplay+": a file path or s3://bucket/key")
	}
	for _, s := range c.Symbols {
		if !tick.ValidSymbol(s) {
			env.Fail(EnvSymbols, strings.Join(c.Symbols, ","), fmt.Sprintf("symbol %q is not 1 to 16 characters of A-Z, 0-9, '.', '^', '=', '-'", s))
			break
		}
	}
	if _, ok := env.Lookup(EnvSeed); ok {
		c.Seed, c.HasSeed = env.Uint(EnvSeed, 0), true
	}
	return c, env.Err()
}

func validTopic(t string) bool {
	if t == "" || len(t) > 249 || t == "." || t == ".." {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Source makes ticks; Next stamps the next one with ts (microseconds since the epoch).
type Source interface {
	Next(ts int64) tick.Tick
}

// Opener reads a replay file's bytes from a path or an s3:// URI.
type Opener func(ctx context.Context, uri string) ([]byte, error)

// Event is what a schedule invokes the producer with: an EventBridge scheduled event, which carries
// its scheduled time in "time", or the input an EventBridge Scheduler schedule defines, which carries
// it as Scheduler's <aws.scheduler.scheduled-time> in "scheduled_time". Any other event (a manual
// invocation with {}) stands for the current time.
type Event struct {
	Time          string   `json:"time,omitempty"`
	ScheduledTime string   `json:"scheduled_time,omitempty"`
	Resources     []string `json:"resources,omitempty"`
}

// Event members that carry the scheduled time.
const (
	FieldTime          = "time"
	FieldScheduledTime = "scheduled_time"
)

// scheduledTime returns the time the invocation was scheduled for, or now when the event names none.
func (ev Event) scheduledTime(now time.Time) (time.Time, error) {
	for _, f := range []struct{ name, value string }{{FieldScheduledTime, ev.ScheduledTime}, {FieldTime, ev.Time}} {
		if f.value == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, f.value)
		if err != nil {
			return time.Time{}, fmt.Errorf("event %s=%q is not an RFC 3339 time", f.name, f.value)
		}
		return t, nil
	}
	return now, nil
}

// Summary is the function's response.
type Summary struct {
	Produced int64  `json:"produced"`
	Failed   int64  `json:"failed"`
	Symbols  int    `json:"symbols"`
	FirstTS  string `json:"first_ts,omitempty"`
	LastTS   string `json:"last_ts,omitempty"`
	Source   string `json:"source"`
	// Skipped counts the replay file's rows that could not make a tick.
	Skipped int `json:"skipped,omitempty"`
	// FirstRow is the replay row the invocation started at.
	FirstRow int64 `json:"first_row,omitempty"`
	// FirstError is the first produce error, when any record failed.
	FirstError string `json:"first_error,omitempty"`
}

// Handler is the producer function. It keeps its Kafka client, simulator and parsed replay file
// across invocations of a warm function.
type Handler struct {
	cfg    Config
	client *kgo.Client
	clock  clock.Clock
	open   Opener
	log    *slog.Logger

	// flushWait bounds the final flush, and then the abort of what it could not deliver.
	flushWait time.Duration

	mu        sync.Mutex // one invocation at a time
	source    Source
	skipped   int
	topicDone bool
}

// New returns a Handler that produces through client. open reads replay files. A zero
// cfg.Schedule stands for the default period.
func New(cfg Config, client *kgo.Client, clk clock.Clock, open Opener, log *slog.Logger) *Handler {
	if cfg.Schedule <= 0 {
		cfg.Schedule = DefaultScheduleSeconds * time.Second
	}
	return &Handler{cfg: cfg, client: client, clock: clk, open: open, log: log, flushWait: flushReserve}
}

// Errors of an invocation that could not deliver every record it sent; the summary still counts
// every record as produced or failed.
var (
	// ErrNothingProduced is returned when every record of an invocation failed.
	ErrNothingProduced = errors.New("no tick was produced")
	// ErrUndelivered is returned when some records failed or were still buffered when the final
	// flush gave up.
	ErrUndelivered = errors.New("ticks not delivered")
	// ErrRowsSkipped is returned when a replay invocation ended (its deadline came) before it sent
	// its period's rows: the rows it did not send are not replayed by any other invocation.
	ErrRowsSkipped = errors.New("replay rows skipped")
)

// Handle runs one scheduled invocation.
func (h *Handler) Handle(ctx context.Context, ev Event) (Summary, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	log := logging.For(ctx, h.log)
	sum := Summary{Source: h.cfg.Source}
	scheduled, err := ev.scheduledTime(h.clock.Now())
	if err != nil {
		return sum, fmt.Errorf("producer: %w", err)
	}
	if err := h.ensureTopic(ctx); err != nil {
		return sum, err
	}
	src, err := h.sourceFor(ctx)
	if err != nil {
		return sum, err
	}
	sum.Skipped = h.skipped

	start := h.clock.Now()
	run := h.cfg.Run
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - flushReserve; left < run {
			run = max(left, 0)
		}
	}
	if rp, ok := src.(*market.Replay); ok {
		// A function keeps no state between invocations: the scheduled time numbers the schedule's
		// periods, and each period replays the run's worth of rows that follows the previous one's.
		period := scheduled.Unix() / int64(h.cfg.Schedule.Seconds())
		sum.FirstRow = rp.SeekRow(period * int64(h.cfg.Run.Seconds()) * int64(h.cfg.Rate))
	}
	if sim, ok := src.(*market.Sim); ok {
		sim.Sequence(SequenceBase(scheduled, start))
	}

	var produced atomic.Int64
	var firstErr atomic.Value
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			firstErr.CompareAndSwap(nil, err.Error())
			return
		}
		produced.Add(1)
	}
	symbols := map[string]struct{}{}
	var first, last int64
	var sent int64
	total := int64(run.Seconds() * float64(h.cfg.Rate))
	buf := make([]byte, 0, 64<<10)
	for sent < total && ctx.Err() == nil {
		now := h.clock.Now()
		elapsed := now.Sub(start)
		// Top up to the rate, through the end of this step, and no further than the run's total; a
		// run that fell behind (a slow machine) sends the rest at its end, so that it always sends
		// its total and a replay skips no row.
		due := min(int64((elapsed+step).Seconds()*float64(h.cfg.Rate)), total) - sent
		if elapsed >= run {
			due = total - sent
		}
		// Spread this step's ticks evenly over the step.
		base, spread := now.UnixMicro(), step.Microseconds()
		for i := int64(0); i < due; i++ {
			t := src.Next(base + i*spread/due)
			start := len(buf)
			if cap(buf)-start < 512 {
				buf = make([]byte, 0, 64<<10)
				start = 0
			}
			buf = tick.AppendJSON(buf, &t)
			value := buf[start:len(buf):len(buf)]
			h.client.Produce(ctx, &kgo.Record{Topic: h.cfg.Topic, Key: []byte(t.Symbol), Value: value}, promise)
			if sent == 0 {
				first = t.TS
			}
			last = t.TS
			sent++
			symbols[t.Symbol] = struct{}{}
		}
		if sent >= total {
			break
		}
		if err := h.clock.Sleep(ctx, step); err != nil {
			break
		}
	}
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.flushWait)
	defer cancel()
	if err := h.client.Flush(flushCtx); err != nil {
		// Fail what is still buffered, so that its promises report it, and count as failed whatever
		// the abort could not reach in time: every record sent is produced or failed.
		firstErr.CompareAndSwap(nil, "flush: "+err.Error())
		abortCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.flushWait)
		defer cancel()
		if err := h.client.AbortBufferedRecords(abortCtx); err != nil {
			log.Error("abort buffered records", "err", err)
		}
	}
	sum.Produced, sum.Symbols = produced.Load(), len(symbols)
	sum.Failed = sent - sum.Produced
	if sent > 0 {
		sum.FirstTS = string(tick.AppendRFC3339Micros(nil, first))
		sum.LastTS = string(tick.AppendRFC3339Micros(nil, last))
	}
	if e, ok := firstErr.Load().(string); ok {
		sum.FirstError = e
	}
	log.Info("produced", "produced", sum.Produced, "failed", sum.Failed, "symbols", sum.Symbols,
		"first_ts", sum.FirstTS, "last_ts", sum.LastTS, "source", sum.Source, "scheduled", scheduled, "schedule", ev.Resources)
	if sent > 0 && sum.Produced == 0 {
		return sum, fmt.Errorf("producer: %w: %d failed, first error: %s", ErrNothingProduced, sum.Failed, sum.FirstError)
	}
	if sum.Failed > 0 {
		return sum, fmt.Errorf("producer: %w: %d of %d failed, first error: %s", ErrUndelivered, sum.Failed, sent, sum.FirstError)
	}
	if _, ok := src.(*market.Replay); ok {
		if want := int64(h.cfg.Run.Seconds()) * int64(h.cfg.Rate); sent < want {
			return sum, fmt.Errorf("producer: %w: sent %d of the period's %d rows from row %d before the invocation's deadline",
				ErrRowsSkipped, sent, want, sum.FirstRow)
		}
	}
	return sum, nil
}

// SequenceBase is each symbol's first sequence number in an invocation scheduled for scheduled (the
// event's scheduled_time, else its time; now when the event has neither): its Unix second times 10^9, above the ticks any one
// invocation sends (at most MaxRate for 900 s), so that a retry or a cold start numbers the same
// invocation's ticks alike and later invocations number higher.
func SequenceBase(scheduled, now time.Time) int64 {
	if scheduled.IsZero() {
		scheduled = now
	}
	return scheduled.Unix() * 1_000_000_000
}

// sourceFor returns the tick source, made on the first invocation and kept while the function is warm.
func (h *Handler) sourceFor(ctx context.Context) (Source, error) {
	if h.source != nil {
		return h.source, nil
	}
	switch h.cfg.Source {
	case SourceReplay:
		data, err := h.open(ctx, h.cfg.ReplayURI)
		if err != nil {
			return nil, fmt.Errorf("producer: open replay %s: %w", h.cfg.ReplayURI, err)
		}
		rp, err := market.ParseReplay(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("producer: replay %s: %w", h.cfg.ReplayURI, err)
		}
		if len(h.cfg.Symbols) > 0 {
			rp.Keep(h.cfg.Symbols)
			if len(rp.Rows) == 0 {
				return nil, fmt.Errorf("producer: replay %s holds none of %s=%s", h.cfg.ReplayURI, EnvSymbols, strings.Join(h.cfg.Symbols, ","))
			}
		}
		if rp.Skipped > 0 {
			h.log.Warn("replay rows skipped", "skipped", rp.Skipped, "examples", rp.Problems)
		}
		h.source, h.skipped = rp, rp.Skipped
	default:
		seed := h.cfg.Seed
		if !h.cfg.HasSeed {
			seed = uint64(h.clock.Now().UnixNano())
		}
		sim, err := market.NewSim(seed, h.cfg.Symbols)
		if err != nil {
			return nil, fmt.Errorf("producer: %w", err)
		}
		h.source = sim
	}
	return h.source, nil
}

// ensureTopic creates the topic once, when KAFKA_TOPIC_PARTITIONS asks for it (MSK Serverless does
// not create topics on first use). A topic that exists already keeps its partitions, or gains some.
func (h *Handler) ensureTopic(ctx context.Context) error {
	if h.cfg.Partitions == 0 || h.topicDone {
		return nil
	}
	if _, err := kafkax.EnsureTopic(ctx, h.client, h.cfg.Topic, int32(h.cfg.Partitions)); err != nil {
		return fmt.Errorf("producer: %w", err)
	}
	h.topicDone = true
	return nil
}

// ClientOptions tunes the Kafka client for this producer: idempotent writes acknowledged by all
// in-sync replicas, records keyed by symbol and partitioned as the Java client does (so each symbol
// keeps one partition and its order), lz4-compressed batches that linger briefly to fill up.
func ClientOptions(cfg Config) []kgo.Opt {
	return []kgo.Opt{
		kgo.ClientID("ticklake-producer"),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.ProducerBatchCompression(kgo.Lz4Compression(), kgo.NoCompression()),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.ProducerBatchMaxBytes(1 << 20),
		kgo.MaxBufferedRecords(100_000),
		kgo.RecordDeliveryTimeout(30 * time.Second),
	}
}
