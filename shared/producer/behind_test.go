package producer

import (
	"context"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/shared/clock"
)

// slowClock is a fake clock whose sleeps take three times as long as asked: a machine too busy to
// keep the pace.
type slowClock struct{ *clock.Fake }

func (c slowClock) Sleep(ctx context.Context, d time.Duration) error { return c.Fake.Sleep(ctx, 3*d) }

// TestFallingBehindStillSendsTheTotal runs a producer that falls behind its rate: it still sends
// RUN_SECONDS x TICKS_PER_SECOND ticks, so a replay skips no row.
func TestFallingBehindStillSendsTheTotal(t *testing.T) {
	brokers := kafkatest.Cluster(t, "ticks", 1)
	cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 500, Run: 2 * time.Second, Source: SourceSim, Seed: 3, HasSeed: true}
	h := newProducer(t, cfg, brokers, nil)
	h.clock = slowClock{clock.NewFake(start)}
	if sum := run(t, h); sum.Produced != 1000 || sum.Failed != 0 {
		t.Fatalf("summary = %+v, want 1000 ticks", sum)
	}
}
