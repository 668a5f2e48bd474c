package awsx

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Objects puts and gets whole objects of any bucket. It is safe for concurrent use.
type Objects struct {
	Client *s3.Client
}

// Put writes body under bucket/key in one request. A put is atomic: readers see the whole object or
// nothing. The bucket's default encryption applies.
func (o Objects) Put(ctx context.Context, bucket, key string, body []byte, contentType string) error {
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body)))}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if _, err := o.Client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// Get reads the whole object under bucket/key.
func (o Objects) Get(ctx context.Context, bucket, key string) ([]byte, error) {
	out, err := o.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return b, nil
}

// S3Store reads and writes whole objects of one bucket; see Objects.
type S3Store struct {
	Client *s3.Client
	Bucket string
}

// Put writes body under key.
func (s *S3Store) Put(ctx context.Context, key string, body []byte, contentType string) error {
	return Objects{s.Client}.Put(ctx, s.Bucket, key, body, contentType)
}

// Get reads the whole object under key.
func (s *S3Store) Get(ctx context.Context, key string) ([]byte, error) {
	return Objects{s.Client}.Get(ctx, s.Bucket, key)
}

// URIReader returns a function that reads a whole file from a local path or an s3://bucket/key URI,
// through client for the latter.
func URIReader(client *s3.Client) func(ctx context.Context, uri string) ([]byte, error) {
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
		return Objects{client}.Get(ctx, bucket, key)
	}
}
