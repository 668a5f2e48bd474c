package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestRequestID(t *testing.T) {
	var buf bytes.Buffer
	base := New(&buf)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	For(ctx, base).Info("hello", "n", 1)
	For(context.Background(), base).Info("bare")
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.Bytes())
	}
	var first, second map[string]any
	for i, dst := range []*map[string]any{&first, &second} {
		if err := json.Unmarshal(lines[i], dst); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, lines[i])
		}
	}
	if first["request_id"] != "req-1" || first["msg"] != "hello" || first["n"] != float64(1) {
		t.Fatalf("line = %v", first)
	}
	if _, ok := second["request_id"]; ok || second["msg"] != "bare" {
		t.Fatalf("line without request id = %v", second)
	}
}
