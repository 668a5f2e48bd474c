// Package s3srv is the local twin's S3: gofakes3 over a folder (objects are plain files under
// <root>/buckets/<bucket>/<key>, so DuckDB reads the same files), with S3 event notifications.
package s3srv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
)

// Notification sends ObjectCreated events of a bucket, for keys with a prefix and suffix, to Target,
// as an S3 event notification to a Lambda function does (asynchronously).
type Notification struct {
	Bucket, Prefix, Suffix string
	// ID is the notification's configuration ID.
	ID     string
	Target func(ctx context.Context, payload []byte) error
}

// Server serves S3 over files.
type Server struct {
	Root    string
	handler http.Handler
	backend gofakes3.Backend

	mu            sync.Mutex
	notifications []Notification
	wg            sync.WaitGroup
	// Region is reported in events.
	Region string
	// OnError receives notification delivery failures (after the retries).
	OnError func(error)
}

// New serves the S3 objects under root, creating it if needed.
func New(root string) (*Server, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("S3 data folder %s: %w", root, err)
	}
	fs, err := s3afero.FsPath(root, 0)
	if err != nil {
		return nil, fmt.Errorf("S3 data folder %s: %w", root, err)
	}
	backend, err := s3afero.MultiBucket(fs)
	if err != nil {
		return nil, fmt.Errorf("S3 data folder %s: %w", root, err)
	}
	fake := gofakes3.New(backend, gofakes3.WithAutoBucket(false), gofakes3.WithTimeSkewLimit(0))
	return &Server{Root: root, handler: fake.Server(), backend: backend, Region: "us-east-1"}, nil
}

// BucketDir is the folder of a bucket's objects.
func (s *Server) BucketDir(bucket string) string { return filepath.Join(s.Root, "buckets", bucket) }

// EnsureBucket creates a bucket unless it exists.
func (s *Server) EnsureBucket(name string) error {
	ok, err := s.backend.BucketExists(name)
	if err != nil || ok {
		return err
	}
	return s.backend.CreateBucket(name)
}

// Notify adds a notification.
func (s *Server) Notify(n Notification) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifications = append(s.notifications, n)
}

// Wait waits for the notifications under way.
func (s *Server) Wait() { s.wg.Wait() }

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

// ServeHTTP serves S3 requests (path-style addressing) and sends the notifications of created objects.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.handler.ServeHTTP(rec, r)
	if rec.status/100 != 2 {
		return
	}
	event := ""
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPut && q.Has("partNumber"):
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		event = "ObjectCreated:Copy"
	case r.Method == http.MethodPut:
		event = "ObjectCreated:Put"
	case r.Method == http.MethodPost && q.Has("uploadId"):
		event = "ObjectCreated:CompleteMultipartUpload"
	}
	if event == "" {
		return
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || key == "" {
		return
	}
	size, _ := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
	s.created(bucket, key, size, strings.Trim(rec.Header().Get("ETag"), `"`), event)
}

func (s *Server) created(bucket, key string, size int64, etag, name string) {
	s.mu.Lock()
	var targets []Notification
	for _, n := range s.notifications {
		if n.Bucket == bucket && strings.HasPrefix(key, n.Prefix) && strings.HasSuffix(key, n.Suffix) {
			targets = append(targets, n)
		}
	}
	s.mu.Unlock()
	for _, n := range targets {
		payload := s.event(n, bucket, key, size, etag, name)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			// Lambda's asynchronous invocation: the event is retried twice, a minute apart on AWS,
			// a second apart here.
			var err error
			for attempt := 0; attempt < 3; attempt++ {
				if attempt > 0 {
					time.Sleep(time.Second)
				}
				if err = n.Target(context.Background(), payload); err == nil {
					return
				}
			}
			if s.OnError != nil {
				s.OnError(fmt.Errorf("notification %s for s3://%s/%s: %w", n.ID, bucket, key, err))
			}
		}()
	}
}

// event builds the notification exactly as S3 sends it: one record, the key URL-encoded.
func (s *Server) event(n Notification, bucket, key string, size int64, etag, name string) []byte {
	var rec events.S3EventRecord
	rec.EventVersion, rec.EventSource, rec.AWSRegion, rec.EventName = "2.1", "aws:s3", s.Region, name
	rec.EventTime = time.Now().UTC()
	rec.PrincipalID.PrincipalID = "AWS:ticklake-local"
	rec.RequestParameters.SourceIPAddress = "127.0.0.1"
	rec.S3.SchemaVersion, rec.S3.ConfigurationID = "1.0", n.ID
	rec.S3.Bucket.Name, rec.S3.Bucket.Arn = bucket, "arn:aws:s3:::"+bucket
	rec.S3.Bucket.OwnerIdentity.PrincipalID = "ticklake-local"
	rec.S3.Object.Key = url.QueryEscape(key)
	rec.S3.Object.Size, rec.S3.Object.ETag = size, etag
	rec.S3.Object.Sequencer = strconv.FormatInt(time.Now().UnixNano(), 16)
	b, _ := json.Marshal(events.S3Event{Records: []events.S3EventRecord{rec}})
	return b
}
