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
	var first, second map[string]any
	if err := json.Unmarshal(lines[0], &first); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(lines[1], &second)
	if first["request_id"] != "req-1" || first["msg"] != "hello" || first["n"] != float64(1) {
		t.Fatalf("line = %v", first)
	}
	if _, ok := second["request_id"]; ok {
		t.Fatalf("line without request id = %v", second)
	}
}
