// Package consumer is the consumer function: it turns each aws:kafka batch into Parquet objects on S3,
// partitioned by event time, and sets bad records aside as dead letters. Object keys derive from the
// batch's offsets, so a retried batch overwrites its own objects and no tick is stored twice.
package consumer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/jsonscan"
	"github.com/ticklake/ticklake/shared/kafkaevent"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/logging"
	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tick"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// Environment variables.
const (
	EnvBucket     = "DATA_BUCKET"
	EnvDataPrefix = layout.EnvDataPrefix
	EnvDLQPrefix  = layout.EnvDLQPrefix
	EnvFields     = schema.EnvFields
	// EnvMaxAhead and EnvMaxBehind bound how far a tick's event time may lie ahead of, or behind,
	// its Kafka timestamp; a tick outside goes to the dead letters (invalid_value, field ts).
	EnvMaxAhead  = "TS_MAX_AHEAD"
	EnvMaxBehind = "TS_MAX_BEHIND"
)

// Defaults.
const (
	DefaultDataPrefix = layout.DefaultDataPrefix
	DefaultDLQPrefix  = layout.DefaultDLQPrefix
	DefaultMaxAhead   = 24 * time.Hour
	DefaultMaxBehind  = 7 * 24 * time.Hour
	// maxSkew bounds both settings: about ten years.
	maxSkew = 10 * 366 * 24 * time.Hour
)

// Content types of the objects written.
const (
	ContentTypeParquet = "application/vnd.apache.parquet"
	ContentTypeJSONL   = "application/x-ndjson"
)

// putParallelism bounds the objects written at once.
const putParallelism = 8

// Config is the consumer's configuration.
type Config struct {
	Bucket     string
	DataPrefix string
	DLQPrefix  string
	// MaxAhead and MaxBehind bound an event time's distance from its Kafka timestamp; zero stands
	// for the default.
	MaxAhead, MaxBehind time.Duration
	// Fields are the declared extra fields still written (not retired), each as a typed column.
	Fields schema.Schema
}

// LoadConfig reads the configuration from env, naming every missing or bad variable.
func LoadConfig(env *envconf.Reader) (Config, error) {
	c := Config{
		Bucket:     env.Required(EnvBucket),
		DataPrefix: env.String(EnvDataPrefix, DefaultDataPrefix),
		DLQPrefix:  env.String(EnvDLQPrefix, DefaultDLQPrefix),
		MaxAhead:   env.Duration(EnvMaxAhead, DefaultMaxAhead, time.Second, maxSkew),
		MaxBehind:  env.Duration(EnvMaxBehind, DefaultMaxBehind, time.Second, maxSkew),
	}
	// Unset, TICK_FIELDS declares the default fields; set but blank, it declares none.
	c.Fields = schema.FromEnv(env).Written()
	if err := layout.CheckPrefix(c.DataPrefix); err != nil {
		env.Fail(EnvDataPrefix, c.DataPrefix, err.Error())
	}
	if err := layout.CheckPrefix(c.DLQPrefix); err != nil {
		env.Fail(EnvDLQPrefix, c.DLQPrefix, err.Error())
	}
	if c.DataPrefix != "" && c.DLQPrefix != "" &&
		(len(c.DLQPrefix) >= len(c.DataPrefix) && c.DLQPrefix[:len(c.DataPrefix)] == c.DataPrefix ||
			len(c.DataPrefix) > len(c.DLQPrefix) && c.DataPrefix[:len(c.DLQPrefix)] == c.DLQPrefix) {
		env.Fail(EnvDLQPrefix, c.DLQPrefix, "must not overlap "+EnvDataPrefix+" "+c.DataPrefix+": the crawler would catalog dead letters")
	}
	return c, env.Err()
}

// ObjectWriter stores whole objects atomically.
type ObjectWriter interface {
	Put(ctx context.Context, key string, body []byte, contentType string) error
}

// Result is the function's response.
type Result struct {
	Records  int      `json:"records"`
	Written  int      `json:"written"`
	Rejected int      `json:"rejected"`
	Objects  []string `json:"objects"`
}

// ErrStorage wraps a failure to store an object; the function then fails so that the event source
// retries the whole batch, which rewrites the same keys.
var ErrStorage = errors.New("storage failed")

// Handler is the consumer function.
type Handler struct {
	cfg   Config
	store ObjectWriter
	log   *slog.Logger
	pool  sync.Pool // *worker
}

// New returns a Handler that writes through store.
func New(cfg Config, store ObjectWriter, log *slog.Logger) *Handler {
	if cfg.MaxAhead <= 0 {
		cfg.MaxAhead = DefaultMaxAhead
	}
	if cfg.MaxBehind <= 0 {
		cfg.MaxBehind = DefaultMaxBehind
	}
	h := &Handler{cfg: cfg, store: store, log: log}
	h.pool.New = func() any {
		return &worker{dec: tick.NewSchemaDecoder(cfg.Fields), enc: tickparquet.NewSchemaEncoder(cfg.Fields)}
	}
	return h
}

// Invoke is the Lambda entry point: it takes the raw aws:kafka payload, which it parses itself (the
// generic JSON path costs more than all the rest of the work).
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	w := h.pool.Get().(*worker)
	defer h.pool.Put(w)
	ev, err := w.parser.Parse(payload)
	if err != nil {
		return nil, fmt.Errorf("consumer: %w", err)
	}
	res, err := h.handle(ctx, w, ev)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// object is one object to store.
type object struct {
	key, contentType string
	body             []byte
}

// Handle converts every batch of the event and stores the objects. It fails only when storage fails.
func (h *Handler) Handle(ctx context.Context, ev *kafkaevent.Event) (Result, error) {
	w := h.pool.Get().(*worker)
	defer h.pool.Put(w)
	return h.handle(ctx, w, ev)
}

func (h *Handler) handle(ctx context.Context, w *worker, ev *kafkaevent.Event) (Result, error) {
	log := logging.For(ctx, h.log)
	var res Result
	var objects []object
	for i := range ev.Batches {
		b := &ev.Batches[i]
		if len(b.Records) == 0 {
			continue
		}
		objs, written, rejected, err := w.convert(h.cfg, b)
		if err != nil {
			return res, fmt.Errorf("consumer: %s-%d: %w", b.Topic, b.Partition, err)
		}
		res.Records += len(b.Records)
		res.Written += written
		res.Rejected += rejected
		objects = append(objects, objs...)
	}
	if err := h.putAll(ctx, objects); err != nil {
		log.Error("store batch", "err", err, "records", res.Records, "objects", len(objects))
		return res, fmt.Errorf("consumer: %w: %w", ErrStorage, err)
	}
	for _, o := range objects {
		res.Objects = append(res.Objects, o.key)
	}
	log.Info("batch stored", "records", res.Records, "written", res.Written, "rejected", res.Rejected,
		"objects", len(objects), "source", ev.EventSourceARN)
	if res.Rejected > 0 {
		log.Warn("records rejected", "rejected", res.Rejected, "dlq_prefix", h.cfg.DLQPrefix)
	}
	return res, nil
}

func (h *Handler) putAll(ctx context.Context, objects []object) error {
	errs := make([]error, len(objects))
	sem := make(chan struct{}, putParallelism)
	var wg sync.WaitGroup
	for i, o := range objects {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = h.store.Put(ctx, o.key, o.body, o.contentType)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// worker holds the reusable state of one conversion.
type worker struct {
	parser kafkaevent.Parser
	dec    *tick.Decoder
	enc    *tickparquet.Encoder
	rows   []tickparquet.Row
	opts   []tickparquet.Optional
	fields []tick.Value // the rows' declared fields, one run of len(schema) a row
	hours  []int64
	tk     tick.Tick
}

const microsPerHour = 3600 * 1_000_000

func hourOf(us int64) int64 {
	h := us / microsPerHour
	if us%microsPerHour < 0 {
		h--
	}
	return h
}

// convert decodes a batch, encodes one Parquet object per hour of event time and one dead-letter
// object for the rejected records. The objects' bodies are copies: they outlive the worker.
func (w *worker) convert(cfg Config, b *kafkaevent.Batch) (objs []object, written, rejected int, err error) {
	recs := b.Records
	name := layout.BatchName(b.Topic, b.Partition, recs[0].Offset, recs[len(recs)-1].Offset)
	if n := len(recs); cap(w.opts) < n {
		w.opts = make([]tickparquet.Optional, n)
		w.rows = make([]tickparquet.Row, 0, n)
		w.hours = make([]int64, 0, n)
	}
	w.rows, w.hours = w.rows[:0], w.hours[:0]
	k := len(w.dec.Schema())
	if need := len(recs) * k; cap(w.fields) < need {
		w.fields = make([]tick.Value, need)
	}
	var dead []byte
	for i := range recs {
		r := &recs[i]
		if k > 0 { // decode the declared fields straight into the row's own run
			at := len(w.rows) * k
			w.tk.Fields = w.fields[at : at+k : at+k]
		}
		err := w.dec.Decode(r.Value, &w.tk)
		if err == nil {
			err = checkSkew(cfg, w.tk.TS, r.Timestamp)
		}
		if err != nil {
			dead = appendDeadLetter(dead, r, err)
			rejected++
			continue
		}
		w.rows = append(w.rows, tickparquet.FromTick(&w.tk, r.Partition, r.Offset, r.Timestamp, &w.opts[len(w.rows)]))
		w.hours = append(w.hours, hourOf(w.tk.TS))
	}
	meta := tickparquet.Meta{Topic: b.Topic, Partition: b.Partition, FirstOffset: recs[0].Offset, LastOffset: recs[len(recs)-1].Offset}
	for _, group := range w.byHour() {
		body, err := w.enc.Encode(group.rows, meta)
		if err != nil {
			return nil, 0, 0, err
		}
		p := layout.PartitionOf(group.hour * microsPerHour)
		objs = append(objs, object{key: layout.DataKey(cfg.DataPrefix, p, name), contentType: ContentTypeParquet,
			body: append([]byte(nil), body...)})
		written += len(group.rows)
	}
	if dead != nil {
		objs = append(objs, object{key: layout.DLQKey(cfg.DLQPrefix, recs[0].Timestamp, name),
			contentType: ContentTypeJSONL, body: dead})
	}
	return objs, written, rejected, nil
}

// checkSkew rejects an event time (microseconds) further from the record's Kafka timestamp
// (milliseconds) than the configuration allows: a producer with a broken clock would otherwise make
// a partition, and a crawl, for every hour it stamps.
func checkSkew(cfg Config, tsMicros, kafkaMillis int64) error {
	// A Kafka timestamp is whatever the producer set: one beyond about year 250,000 either way is
	// taken as that far, so that neither it in microseconds nor the difference overflows (event
	// times lie within years 0001 to 9999).
	const farMillis = 8_000_000_000_000_000
	kafkaMillis = min(max(kafkaMillis, -farMillis), farMillis)
	diff := tsMicros - kafkaMillis*1000
	switch {
	case diff > cfg.MaxAhead.Microseconds():
		return &tick.Error{Code: tick.CodeInvalidValue, Field: tick.FieldTS,
			Detail: fmt.Sprintf("%s is %s ahead of the Kafka timestamp %s, more than %s=%s", tick.AppendRFC3339Micros(nil, tsMicros),
				span(diff), tick.AppendRFC3339Micros(nil, kafkaMillis*1000), EnvMaxAhead, cfg.MaxAhead)}
	case kafkaMillis*1000-tsMicros > cfg.MaxBehind.Microseconds():
		return &tick.Error{Code: tick.CodeInvalidValue, Field: tick.FieldTS,
			Detail: fmt.Sprintf("%s is %s behind the Kafka timestamp %s, more than %s=%s", tick.AppendRFC3339Micros(nil, tsMicros),
				span(-diff), tick.AppendRFC3339Micros(nil, kafkaMillis*1000), EnvMaxBehind, cfg.MaxBehind)}
	}
	return nil
}

// span writes a positive number of microseconds as a duration, or in days past what a Duration holds.
func span(us int64) string {
	if us < int64(maxSkew/time.Microsecond) {
		return (time.Duration(us) * time.Microsecond).String()
	}
	return fmt.Sprintf("%d days", us/(24*3600*1_000_000))
}

type hourGroup struct {
	hour int64
	rows []tickparquet.Row
}

// byHour splits the rows by hour of event time. Nearly every batch lies in one or two hours.
func (w *worker) byHour() []hourGroup {
	if len(w.rows) == 0 {
		return nil
	}
	first := w.hours[0]
	same := true
	for _, h := range w.hours {
		if h != first {
			same = false
			break
		}
	}
	if same {
		return []hourGroup{{hour: first, rows: w.rows}}
	}
	idx := map[int64]int{}
	var groups []hourGroup
	for i, h := range w.hours {
		g, ok := idx[h]
		if !ok {
			g = len(groups)
			idx[h] = g
			groups = append(groups, hourGroup{hour: h})
		}
		groups[g].rows = append(groups[g].rows, w.rows[i])
	}
	return groups
}

// appendDeadLetter appends one line of a dead-letter object: a JSON object with the record's
// coordinates, why it was rejected, and its raw key and value. value holds the value as text when it
// is valid UTF-8; value_base64 always holds its exact bytes.
func appendDeadLetter(dst []byte, r *kafkaevent.Record, err error) []byte {
	code, field := "invalid", ""
	if te, ok := tick.AsError(err); ok {
		code, field = string(te.Code), te.Field
	}
	dst = kafkaevent.AppendCoordinates(dst, r)
	dst = append(dst, `,"code":`...)
	dst = jsonscan.AppendString(dst, code)
	if field != "" {
		dst = append(dst, `,"field":`...)
		dst = jsonscan.AppendString(dst, field)
	}
	dst = append(dst, `,"reason":`...)
	dst = jsonscan.AppendString(dst, err.Error())
	if r.Key != nil {
		dst = append(dst, `,"key_base64":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Key)
		dst = append(dst, '"')
	}
	if r.Value != nil && utf8.Valid(r.Value) {
		dst = append(dst, `,"value":`...)
		dst = jsonscan.AppendString(dst, string(r.Value))
	}
	dst = append(dst, `,"value_base64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, r.Value)
	return append(dst, "\"}\n"...)
}
