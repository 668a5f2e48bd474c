// Package esm is the local twin's event-source mapping for Kafka: a consumer group that batches records
// (up to a batch size, or until the batching window closes), hands each batch to the function as the
// aws:kafka event, commits the offsets only after the function succeeded, and retries a failed batch,
// whole, until it succeeds: the semantics of Lambda's MSK event-source mapping.
package esm

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/shared/kafkaevent"
)

// Config configures a mapping.
type Config struct {
	Brokers   []string
	Topic     string
	Group     string
	BatchSize int
	Window    time.Duration
	// StartAtEnd starts a new group at the end of the topic (LATEST); else at the start (TRIM_HORIZON).
	StartAtEnd bool
	// ARN names the event source in the events.
	ARN string
	// MaxPayload bounds an event's size, as Lambda's 6 MB invocation payload limit does.
	MaxPayload int
}

// Invoker runs the function.
type Invoker func(ctx context.Context, payload []byte) ([]byte, error)

// Mapping is a running event-source mapping.
type Mapping struct {
	cfg    Config
	client *kgo.Client
	invoke Invoker

	batches, records, retries atomic.Int64
	lastErr                   atomic.Value
}

// New connects a mapping; Run starts it.
func New(cfg Config, invoke Invoker) (*Mapping, error) {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = 6 << 20
	}
	start := kgo.NewOffset().AtStart()
	if cfg.StartAtEnd {
		start = kgo.NewOffset().AtEnd()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...), kgo.ConsumerGroup(cfg.Group), kgo.ConsumeTopics(cfg.Topic),
		kgo.ConsumeResetOffset(start), kgo.DisableAutoCommit(), kgo.ClientID("ticklake-event-source-mapping"),
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("event-source mapping: %w", err)
	}
	return &Mapping{cfg: cfg, client: cl, invoke: invoke}, nil
}

// Close leaves the group.
func (m *Mapping) Close() { m.client.Close() }

// Stats returns the batches and records delivered (successfully) and the retries so far.
func (m *Mapping) Stats() (batches, records, retries int64) {
	return m.batches.Load(), m.records.Load(), m.retries.Load()
}

// Lag returns how many records of the topic the group has not committed yet.
func (m *Mapping) Lag(ctx context.Context) (int64, error) {
	adm := kadm.NewClient(m.client)
	lags, err := adm.Lag(ctx, m.cfg.Group)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, gl := range lags {
		if gl.Error() != nil {
			return 0, gl.Error()
		}
		total += gl.Lag.Total()
	}
	return total, nil
}

// Run delivers batches until ctx is done.
func (m *Mapping) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		batch := m.collect(ctx)
		if len(batch) == 0 {
			continue
		}
		for _, part := range m.split(batch) {
			if err := m.deliver(ctx, part); err != nil {
				return err
			}
		}
	}
	return nil
}

// collect polls until the batch is full or the window, opened by its first record, closes.
func (m *Mapping) collect(ctx context.Context) []*kgo.Record {
	var batch []*kgo.Record
	var deadline time.Time
	for len(batch) < m.cfg.BatchSize {
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			pctx, cancel = context.WithTimeout(ctx, left)
		}
		fs := m.client.PollRecords(pctx, m.cfg.BatchSize-len(batch))
		cancel()
		fs.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				m.lastErr.Store(errBox{err})
			}
		})
		recs := fs.Records()
		if len(recs) > 0 && deadline.IsZero() {
			deadline = time.Now().Add(m.cfg.Window)
		}
		batch = append(batch, recs...)
		if ctx.Err() != nil || (m.cfg.Window == 0 && len(batch) > 0) || (!deadline.IsZero() && !time.Now().Before(deadline)) {
			break
		}
	}
	return batch
}

// split cuts a batch whose event would exceed the payload limit.
func (m *Mapping) split(batch []*kgo.Record) [][]*kgo.Record {
	size := 0
	for _, r := range batch {
		size += 4*(len(r.Value)+len(r.Key))/3 + 200
	}
	if size <= m.cfg.MaxPayload || len(batch) == 1 {
		return [][]*kgo.Record{batch}
	}
	half := len(batch) / 2
	return append(m.split(batch[:half]), m.split(batch[half:])...)
}

// deliver invokes the function until it succeeds, then commits.
func (m *Mapping) deliver(ctx context.Context, batch []*kgo.Record) error {
	payload := kafkaevent.Append(nil, EventOf(m.cfg.ARN, m.cfg.Brokers[0], batch))
	backoff := 100 * time.Millisecond
	for {
		_, err := m.invoke(ctx, payload)
		if err == nil {
			break
		}
		m.retries.Add(1)
		m.lastErr.Store(errBox{err})
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	if err := m.client.CommitRecords(ctx, batch...); err != nil && ctx.Err() == nil {
		return fmt.Errorf("event-source mapping: commit: %w", err)
	}
	m.batches.Add(1)
	m.records.Add(int64(len(batch)))
	return nil
}

// LastError returns the latest invocation or fetch error, if any.
func (m *Mapping) LastError() error {
	if e, ok := m.lastErr.Load().(errBox); ok {
		return e.err
	}
	return nil
}

// errBox keeps errors of any type in one atomic.Value.
type errBox struct{ err error }
