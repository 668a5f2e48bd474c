package producer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/internal/lambdatest"
	"github.com/ticklake/ticklake/shared/market"
	"github.com/ticklake/ticklake/shared/tick"
)

// TestReplayContinuesFromSchedule invokes a fresh function (no state kept) for three consecutive
// periods of a one-minute schedule, as EventBridge Scheduler and an EventBridge rule send them, with
// a run shorter than the period: together they replay consecutive rows, none skipped or repeated.
func TestReplayContinuesFromSchedule(t *testing.T) {
	const file = "../../data/indexData-5.csv"
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := market.ParseReplay(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	brokers := kafkatest.Cluster(t, "ticks", 1)
	cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 5, Run: 2 * time.Second, Schedule: time.Minute,
		Source: SourceReplay, ReplayURI: file}
	first := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	payloads := []string{
		fmt.Sprintf(`{"scheduled_time":%q}`, first.Format(time.RFC3339)),
		// EventBridge may deliver a little late; the scheduled time is what counts.
		fmt.Sprintf(`{"version":"0","detail-type":"Scheduled Event","source":"aws.events","time":%q,"detail":{}}`, first.Add(time.Minute).Format(time.RFC3339)),
		fmt.Sprintf(`{"scheduled_time":%q}`, first.Add(2*time.Minute+20*time.Second).Format(time.RFC3339)),
	}
	var produced int64
	for i, p := range payloads {
		h := newProducer(t, cfg, brokers, nil) // a cold start each time
		sum, err := lambdatest.Invoke[Summary](context.Background(), h.Handle, []byte(p))
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
		if sum.Produced != 10 {
			t.Fatalf("invocation %d: %+v, want 10 ticks", i, sum)
		}
		produced += sum.Produced
	}
	records := consumeAll(t, brokers, "ticks", produced)
	start := int(first.Unix()/60*10) % len(rp.Rows)
	for i, r := range records {
		var tk tick.Tick
		if err := tick.NewDecoder().Decode(r.Value, &tk); err != nil {
			t.Fatal(err)
		}
		want := rp.Rows[(start+i)%len(rp.Rows)]
		if tk.Symbol != want.Symbol || string(tk.Extra) != string(want.Extra) {
			t.Fatalf("tick %d is %s %s, want row %d: %s %s", i, tk.Symbol, tk.Extra, (start+i)%len(rp.Rows), want.Symbol, want.Extra)
		}
	}
}

func TestBadScheduledTime(t *testing.T) {
	brokers := kafkatest.Cluster(t, "ticks", 1)
	h := newProducer(t, Config{Brokers: brokers, Topic: "ticks", Rate: 5, Run: time.Second, Source: SourceSim}, brokers, nil)
	for field, payload := range map[string]string{
		FieldScheduledTime: `{"scheduled_time":"<aws.scheduler.scheduled-time>"}`,
		FieldTime:          `{"time":"yesterday"}`,
	} {
		_, err := lambdatest.Invoke[Summary](context.Background(), h.Handle, []byte(payload))
		if err == nil || !strings.Contains(err.Error(), field+"=") {
			t.Fatalf("%s: Invoke = %v, want an error naming %s", payload, err, field)
		}
	}
	var ev Event
	if err := json.Unmarshal([]byte(`{"time":"2026-11-25T14:30:00Z","scheduled_time":"2026-11-25T14:31:00Z"}`), &ev); err != nil {
		t.Fatal(err)
	}
	if got, err := ev.scheduledTime(time.Time{}); err != nil || got.Minute() != 31 {
		t.Fatalf("scheduled time = %v, %v; want Scheduler's over the event's", got, err)
	}
}

// TestReplayCutShortFails gives a replay invocation less time than its run: the rows it could not
// send belong to no other invocation, so it fails, naming them.
func TestReplayCutShortFails(t *testing.T) {
	const file = "../../data/indexData-5.csv"
	brokers := kafkatest.Cluster(t, "ticks", 1)
	cfg := Config{Brokers: brokers, Topic: "ticks", Rate: 5, Run: 10 * time.Second, Schedule: time.Minute,
		Source: SourceReplay, ReplayURI: file}
	h := newProducer(t, cfg, brokers, nil)
	ctx, cancel := context.WithTimeout(context.Background(), flushReserve+2*time.Second)
	defer cancel()
	sum, err := lambdatest.Invoke[Summary](ctx, h.Handle, []byte(`{"scheduled_time":"2026-11-25T14:30:00Z"}`))
	if !errors.Is(err, ErrRowsSkipped) || !strings.Contains(err.Error(), "of the period's 50 rows") {
		t.Fatalf("Handle = %+v, %v; want ErrRowsSkipped naming the rows sent", sum, err)
	}
}
