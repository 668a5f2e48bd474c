// Package awsxtest runs real-protocol stand-ins for AWS services inside a test: S3 served by gofakes3
// over HTTP, with faults that a test can inject.
package awsxtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 is an in-process S3 endpoint.
type S3 struct {
	URL    string
	Client *s3.Client

	mu       sync.Mutex
	failPuts int    // PUTs left to fail
	failKey  string // fail only keys holding this
}

// NewS3 starts an S3 endpoint with the given buckets, stopped when the test ends. Its client makes
// one attempt per call, so an injected fault surfaces at once.
func NewS3(t testing.TB, buckets ...string) *S3 {
	t.Helper()
	s := &S3{}
	fake := gofakes3.New(s3mem.New(), gofakes3.WithAutoBucket(false)).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && s.shouldFail(r.URL.Path) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	s.Client = NewS3Client(srv.URL)
	for _, b := range buckets {
		if _, err := s.Client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("create bucket %s: %v", b, err)
		}
	}
	return s
}

// NewS3Client returns a client for an S3-compatible endpoint, path-style, with test credentials and
// no retries.
func NewS3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
}

// FailPuts makes the next n PUTs whose path holds key fail with 503 SlowDown.
func (s *S3) FailPuts(n int, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPuts, s.failKey = n, key
}

func (s *S3) shouldFail(path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPuts > 0 && strings.Contains(path, s.failKey) {
		s.failPuts--
		return true
	}
	return false
}

// Objects returns every object of bucket under prefix, by key.
func (s *S3) Objects(t testing.TB, bucket, prefix string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(s.Client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list s3://%s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			get, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatalf("get %s: %v", *o.Key, err)
			}
			b, err := io.ReadAll(get.Body)
			get.Body.Close()
			if err != nil {
				t.Fatalf("read %s: %v", *o.Key, err)
			}
			out[*o.Key] = b
		}
	}
	return out
}
