package producer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/clock"
)

// heldBroker starts a one-broker Kafka whose produce requests, from the n-th on (counting from 1),
// are held until the test ends, and returns its address.
func heldBroker(t *testing.T, n int) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "ticks"))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var requests int
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if requests++; requests >= n {
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})
	t.Cleanup(func() {
		close(release)
		c.Close()
	})
	return c.ListenAddrs()
}

// heldHandler runs 100 simulated ticks a second for one second against brokers, its final flush
// waiting flushWait, with the client options opts added.
func heldHandler(t *testing.T, brokers []string, flushWait time.Duration, opts ...kgo.Opt) *Handler {
	t.Helper()
	cfg := Config{Topic: "ticks", Rate: 100, Run: time.Second, Schedule: time.Minute, Source: SourceSim, Seed: 1, HasSeed: true}
	cl, err := kgo.NewClient(append(append(ClientOptions(cfg), kgo.SeedBrokers(brokers...)), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	h := New(cfg, cl, clock.NewFake(start), awsx.URIReader(nil), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	h.flushWait = flushWait
	return h
}

// TestFailedFlushAccountsForEveryRecord holds every produce request at the broker, so the final
// flush gives up with records still buffered: each record sent must be counted, and the invocation
// must fail naming how many were not delivered.
func TestFailedFlushAccountsForEveryRecord(t *testing.T) {
	h := heldHandler(t, heldBroker(t, 1), 200*time.Millisecond)
	sum, err := h.Handle(context.Background(), Event{})
	if sum.Produced+sum.Failed != 100 || sum.Failed == 0 {
		t.Fatalf("summary = %+v, want 100 records sent, each produced or failed", sum)
	}
	if err == nil || !(errors.Is(err, ErrUndelivered) || errors.Is(err, ErrNothingProduced)) ||
		!strings.Contains(err.Error(), fmt.Sprintf("%d", sum.Failed)) || sum.FirstError == "" {
		t.Fatalf("Handle = %v, want an error naming the %d records not delivered", err, sum.Failed)
	}
}

// TestPartlyDeliveredFails lets the broker take the first produce request and holds every later
// one, so the final flush gives up with some records delivered and the rest still buffered: the
// invocation must fail with ErrUndelivered, naming how many of the records sent were not delivered.
func TestPartlyDeliveredFails(t *testing.T) {
	// Small batches, so that the records take several produce requests.
	h := heldHandler(t, heldBroker(t, 2), 300*time.Millisecond,
		kgo.ProducerBatchMaxBytes(1024), kgo.ProducerBatchCompression(kgo.NoCompression()))
	sum, err := h.Handle(context.Background(), Event{})
	if sum.Produced == 0 || sum.Failed == 0 || sum.Produced+sum.Failed != 100 {
		t.Fatalf("summary = %+v, want 100 records sent, some produced and some failed", sum)
	}
	want := fmt.Sprintf("%d of 100 failed", sum.Failed)
	if !errors.Is(err, ErrUndelivered) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Handle = %v, want ErrUndelivered naming %q", err, want)
	}
}
