package topicinit

import (
	"context"
	"encoding/json"
	"github.com/ticklake/ticklake/internal/lambdatest"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ticklake/ticklake/internal/kafkatest"
)

func TestCreatesThenGrowsTopic(t *testing.T) {
	brokers := kafkatest.Cluster(t, "other", 1)
	var dialed []string
	h := New(func(b []string) (*kgo.Client, error) {
		dialed = b
		return kgo.NewClient(kgo.SeedBrokers(brokers...))
	}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	raw, err := os.ReadFile("../../events/topicinit.json")
	if err != nil {
		t.Fatal(err)
	}
	// One broker here: the sample event's replication factor, MSK Serverless's 3, is tried in
	// TestReplicationFactor.
	raw = []byte(strings.Replace(string(raw), `"ReplicationFactor": "3"`, `"ReplicationFactor": "1"`, 1))
	invoke := func(payload []byte) Response {
		t.Helper()
		r, err := lambdatest.Invoke[Response](context.Background(), h.Handle, payload)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	partitions := func() int {
		cl, _ := kgo.NewClient(kgo.SeedBrokers(brokers...))
		defer cl.Close()
		d, err := kadm.NewClient(cl).ListTopics(context.Background(), "ticks")
		if err != nil {
			t.Fatal(err)
		}
		return len(d["ticks"].Partitions)
	}
	r := invoke(raw)
	if r.PhysicalResourceID != "topic/ticks" || partitions() != 6 || len(dialed) != 1 || !strings.Contains(dialed[0], "kafka-serverless") {
		t.Fatalf("create: %+v, %d partitions, dialed %v", r, partitions(), dialed)
	}
	r = invoke(raw) // idempotent
	if partitions() != 6 {
		t.Fatalf("second create: %d partitions", partitions())
	}
	update := strings.Replace(strings.Replace(string(raw), `"Create"`, `"Update"`, 1), `"Partitions": "6"`, `"Partitions": "8"`, 1)
	if r = invoke([]byte(update)); partitions() != 8 || r.Data["Partitions"] != float64(8) {
		t.Fatalf("update: %+v, %d partitions", r, partitions())
	}
	del := strings.Replace(string(raw), `"Create"`, `"Delete"`, 1)
	del = strings.Replace(del, `"RequestId"`, `"PhysicalResourceId": "topic/ticks", "RequestId"`, 1)
	if r = invoke([]byte(del)); r.PhysicalResourceID != "topic/ticks" || partitions() != 8 {
		t.Fatalf("delete: %+v", r)
	}
}

func TestBadProperties(t *testing.T) {
	for _, props := range []map[string]any{
		{"Topic": "t", "Partitions": "3"},
		{"Brokers": "b:9098", "Partitions": "3"},
		{"Brokers": "b:9098", "Topic": "t", "Partitions": "zero"},
	} {
		if _, _, _, err := properties(props); err == nil {
			t.Errorf("properties(%v) accepted", props)
		}
	}
	// CloudFormation passes every property as a string: anything else is refused, not ignored.
	for _, rf := range []any{"0", "-1", "three", "40000", float64(3), true} {
		if _, err := replicationFactor(map[string]any{PropReplicationFactor: rf}); err == nil || !strings.Contains(err.Error(), PropReplicationFactor) {
			t.Errorf("replication factor %v: %v", rf, err)
		}
	}
}

// TestReplicationFactor creates the topic of the sample event, as the stack sends it for MSK
// Serverless, on a cluster of three brokers: every partition has three replicas. A cluster with
// fewer brokers refuses it, as Kafka does.
func TestReplicationFactor(t *testing.T) {
	raw, err := os.ReadFile("../../events/topicinit.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, brokers := range []int{3, 2} {
		c, err := kfake.NewCluster(kfake.NumBrokers(brokers))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		h := New(func([]string) (*kgo.Client, error) { return kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...)) },
			slog.New(slog.NewJSONHandler(io.Discard, nil)))
		_, err = lambdatest.Invoke[Response](context.Background(), h.Handle, raw)
		if brokers < 3 {
			if err == nil || !strings.Contains(err.Error(), "REPLICATION_FACTOR") {
				t.Fatalf("%d brokers: %v, want an invalid replication factor", brokers, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
		d, err := kadm.NewClient(cl).ListTopics(context.Background(), "ticks")
		cl.Close()
		if err != nil || len(d["ticks"].Partitions) != 6 {
			t.Fatalf("topic %v, %v", d, err)
		}
		for _, p := range d["ticks"].Partitions {
			if len(p.Replicas) != 3 {
				t.Fatalf("partition %d has %d replicas, want 3", p.Partition, len(p.Replicas))
			}
		}
	}
}

// TestDeleteAlwaysSucceeds deletes resources whose properties are bad or missing: a Delete must never
// fail, or the stack is left in DELETE_FAILED. Nothing is dialed.
func TestDeleteAlwaysSucceeds(t *testing.T) {
	h := New(func([]string) (*kgo.Client, error) {
		t.Fatal("Delete dialed the brokers")
		return nil, nil
	}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	raw, err := os.ReadFile("../../events/topicinit.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, props := range map[string]string{
		"bad partitions": `{"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:p", "Brokers": "b:9098", "Topic": "ticks", "Partitions": "zero"}`,
		"no brokers":     `{"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:p", "Topic": "ticks", "Partitions": "6"}`,
		"none":           `{}`,
	} {
		t.Run(name, func(t *testing.T) {
			var ev map[string]any
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			var p map[string]any
			if err := json.Unmarshal([]byte(props), &p); err != nil {
				t.Fatal(err)
			}
			ev["RequestType"], ev["PhysicalResourceId"], ev["ResourceProperties"] = "Delete", "topic/ticks", p
			payload, _ := json.Marshal(ev)
			r, err := lambdatest.Invoke[Response](context.Background(), h.Handle, payload)
			if err != nil || r.PhysicalResourceID != "topic/ticks" {
				t.Fatalf("Delete = %+v, %v", r, err)
			}
		})
	}
}
