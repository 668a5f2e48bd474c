package awsx

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ticklake/ticklake/shared/awsx/s3lite"
)

// S3Store reads and writes whole objects of one bucket. A put is atomic: readers see the whole object
// or nothing. The bucket's default encryption applies.
type S3Store struct {
	Client *s3lite.Client
	Bucket string
}

// Put writes body under key.
func (s *S3Store) Put(ctx context.Context, key string, body []byte, contentType string) error {
	return s.Client.Put(ctx, s.Bucket, key, body, contentType)
}

// Get reads the whole object under key.
func (s *S3Store) Get(ctx context.Context, key string) ([]byte, error) {
	return s.Client.Get(ctx, s.Bucket, key)
}

// URIReader returns a function that reads a whole file from a local path or an s3://bucket/key URI,
// through client for the latter.
func URIReader(client *s3lite.Client) func(ctx context.Context, uri string) ([]byte, error) {
	return func(ctx context.Context, uri string) ([]byte, error) {
		rest, isS3 := strings.CutPrefix(uri, "s3://")
		if !isS3 {
			return os.ReadFile(uri)
		}
		bucket, key, ok := strings.Cut(rest, "/")
		if !ok || bucket == "" || key == "" {
			return nil, fmt.Errorf("%q is not s3://bucket/key", uri)
		}
		if client == nil {
			return nil, fmt.Errorf("read %s: no S3 client", uri)
		}
		return client.Get(ctx, bucket, key)
	}
}
