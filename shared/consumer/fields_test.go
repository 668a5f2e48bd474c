package consumer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/fixture"
	"github.com/ticklake/ticklake/internal/pqread"
	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/schema"
)

// TestDeclaredFieldOfWrongType sends a declared field of the wrong type, or one that does not fit,
// to the dead letters with its record, code wrong_type and the field named; the batch succeeds.
func TestDeclaredFieldOfWrongType(t *testing.T) {
	cfg := testConfig
	cfg.Fields = schema.Schema{{Name: "venue", Type: schema.String}, {Name: "seq", Type: schema.BigInt}}
	s3 := awsxtest.NewS3(t, bucket)
	h := New(cfg, &awsx.S3Store{Client: s3.Client, Bucket: bucket}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	values := [][]byte{
		[]byte(`{"symbol":"AAPL","ts":"2026-11-25T14:30:00Z","price":1,"venue":"XNAS","seq":1}`),
		[]byte(`{"symbol":"AAPL","ts":"2026-11-25T14:30:01Z","price":1,"venue":"XNAS","seq":"2"}`),
		[]byte(`{"symbol":"AAPL","ts":"2026-11-25T14:30:02Z","price":1,"venue":7,"seq":3}`),
		[]byte(`{"symbol":"AAPL","ts":"2026-11-25T14:30:03Z","price":1,"seq":4.5,"other":true}`),
		[]byte(`{"symbol":"AAPL","ts":"2026-11-25T14:30:04Z","price":1,"other":true}`),
	}
	res, err := h.Handle(context.Background(), fixture.Event("ticks", 0, 0, values))
	if err != nil || res.Written != 2 || res.Rejected != 3 {
		t.Fatalf("result %+v, %v", res, err)
	}
	var dead []map[string]any
	store := s3.Objects(t, bucket, "")
	for key, body := range store {
		if strings.HasPrefix(key, cfg.DLQPrefix) {
			for line := range bytes.SplitSeq(bytes.TrimSpace(body), []byte("\n")) {
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatal(err)
				}
				dead = append(dead, m)
			}
			continue
		}
		rows, err := pqread.Read(bytes.NewReader(body), int64(len(body)))
		if err != nil || len(rows) != 2 || rows[1].Extra == nil || *rows[1].Extra != `{"other":true}` {
			t.Fatalf("rows %+v, %v", rows, err)
		}
	}
	want := []string{"seq", "venue", "seq"}
	for i, m := range dead {
		if m["code"] != "wrong_type" || m["field"] != want[i] || m["value"] != string(values[i+1]) {
			t.Errorf("dead letter %d: %v", i, m)
		}
	}
	if len(dead) != 3 {
		t.Fatalf("%d dead letters, want 3", len(dead))
	}
}
