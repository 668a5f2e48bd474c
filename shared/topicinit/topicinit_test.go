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
