package compactor

import (
	"context"
	"fmt"

	"github.com/ticklake/ticklake/shared/envconf"
)

func loadConfig(env *envconf.Reader) (Config, error) {
	return Config{}, env.Err()
}

func (h *Handler) handle(ctx context.Context, req Request) (Response, error) {
	return Response{}, fmt.Errorf("action %q: not implemented yet", req.Action)
}
