// Package logging sets up the functions' structured logs: log/slog JSON on stderr, each invocation's
// lines carrying its request id.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// New returns a JSON logger writing to w (stderr when nil) at the level in AWS_LAMBDA_LOG_LEVEL, which
// Lambda's advanced logging controls set (INFO when unset).
func New(w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("AWS_LAMBDA_LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// For returns base with the invocation's request id, when ctx carries one.
func For(ctx context.Context, base *slog.Logger) *slog.Logger {
	if base == nil {
		base = slog.Default()
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return base.With("request_id", lc.AwsRequestID)
	}
	return base
}
