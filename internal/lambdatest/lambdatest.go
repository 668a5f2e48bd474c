// Package lambdatest invokes handlers in tests the way Lambda does.
package lambdatest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
)

// Invoke passes payload through lambda.NewHandler(handler).Invoke, as the Lambda runtime does, and
// decodes the response into a T.
func Invoke[T any](ctx context.Context, handler any, payload []byte) (T, error) {
	var out T
	b, err := lambda.NewHandler(handler).Invoke(ctx, payload)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("response %s: %w", b, err)
	}
	return out, nil
}
