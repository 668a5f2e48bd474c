// Package endpoint is the local twin's one AWS endpoint: a single HTTP address, as LocalStack offers,
// that routes each request to S3, Glue, Athena or Step Functions by its X-Amz-Target header (the JSON
// protocols) or, failing that, to S3 (its REST protocol).
package endpoint

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// Router dispatches requests to the services.
type Router struct {
	S3 http.Handler
	// JSON maps an X-Amz-Target prefix (such as "AWSGlue.") to its service.
	JSON map[string]http.Handler
}

// ServeHTTP routes one request.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		for prefix, h := range rt.JSON {
			if strings.HasPrefix(target, prefix) {
				h.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":"ticklake's local endpoint does not serve %s"}`, target)
		return
	}
	if r.URL.Path == "/_ticklake/health" {
		fmt.Fprintln(w, "ok")
		return
	}
	rt.S3.ServeHTTP(w, r)
}

// Server is the running endpoint.
type Server struct {
	URL string
	srv *http.Server
}

// ErrPortInUse is returned by Listen when the port is taken.
var ErrPortInUse = errors.New("port in use")

// Listen serves h on 127.0.0.1:port (port 0: any free port).
func Listen(port int, h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%w: 127.0.0.1:%d is taken (stop what uses it, or choose another with --port)", ErrPortInUse, port)
		}
		return nil, fmt.Errorf("listen on 127.0.0.1:%d: %w", port, err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the endpoint.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
