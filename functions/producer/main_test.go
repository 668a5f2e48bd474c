package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/internal/maintest"
)

func TestBadConfigurationFailsAtStart(t *testing.T) { maintest.FailsAtStart(t, main, "KAFKA_BROKERS") }

// TestSampleEvent starts the function with a good configuration against a Kafka cluster and invokes
// it with its sample event, as Lambda would.
func TestSampleEvent(t *testing.T) {
	brokers := kafkatest.Cluster(t, "ticks", 2)
	event, err := os.ReadFile("../../events/producer.json")
	if err != nil {
		t.Fatal(err)
	}
	inv := maintest.Invoke(t, main, event, "KAFKA_BROKERS="+strings.Join(brokers, ","), "KAFKA_AUTH=none",
		"RUN_SECONDS=1", "TICKS_PER_SECOND=50")
	var sum struct{ Produced, Failed int }
	if err := json.Unmarshal(inv.Response, &sum); err != nil || sum.Produced != 50 || sum.Failed != 0 {
		t.Fatalf("response %s, error %s", inv.Response, inv.Error)
	}
}
