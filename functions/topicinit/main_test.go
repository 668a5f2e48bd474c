package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/kafkatest"
	"github.com/ticklake/ticklake/internal/maintest"
)

func TestBadConfigurationFailsAtStart(t *testing.T) {
	maintest.FailsAtStart(t, main, "KAFKA_AUTH", "KAFKA_AUTH=plain")
}

// TestSampleEvent starts the function with a good configuration and invokes it with its sample
// event, pointed at a Kafka cluster of three brokers (the sample asks for three replicas), as the
// CloudFormation provider would: the topic is created.
func TestSampleEvent(t *testing.T) {
	brokers := kafkatest.ClusterOf(t, 3, "other", 1)
	raw, err := os.ReadFile("../../events/topicinit.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["ResourceProperties"].(map[string]any)["Brokers"] = strings.Join(brokers, ",")
	event, _ := json.Marshal(ev)
	inv := maintest.Invoke(t, main, event, "KAFKA_AUTH=none")
	var res struct {
		PhysicalResourceID string `json:"PhysicalResourceId"`
		Data               struct{ Partitions int }
	}
	if err := json.Unmarshal(inv.Response, &res); err != nil || res.PhysicalResourceID != "topic/ticks" || res.Data.Partitions != 6 {
		t.Fatalf("response %s, error %s", inv.Response, inv.Error)
	}
}
