package awsx_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/shared/awsx"
)

const bucket = "data"

var keys = []string{
	"ticks/dt=2026-11-25/hour=14/ticks-0-00000000000000000001-00000000000000000009.parquet",
	"odd keys/with space+plus/ü/%41/a~b_c.d",
}

// noWait is the SDK's standard retryer without the waits between attempts.
func noWait() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func TestPutGetPathStyleAtAnOverriddenEndpoint(t *testing.T) {
	s := awsxtest.NewS3(t, bucket)
	// The endpoint is named by a host name, as the SDK addresses an IP address path-style whatever
	// its options say; every name dials the fake, so that a virtual-hosted request (Host
	// data.localhost, the key as the path) would reach it and be read as another bucket's.
	addr := strings.TrimPrefix(s.URL, "http://")
	_, port, _ := strings.Cut(addr, ":")
	endpoint := "http://localhost:" + port
	toFake := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}}
	for _, tc := range []struct {
		name   string
		config func(t *testing.T) aws.Config
		opts   []func(*s3.Options)
	}{
		{"BaseEndpoint", func(t *testing.T) aws.Config {
			return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Retryer: noWait,
				Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
		}, nil},
		{"AWS_ENDPOINT_URL_S3", func(t *testing.T) aws.Config {
			t.Setenv("AWS_ENDPOINT_URL_S3", endpoint)
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv("AWS_ACCESS_KEY_ID", "test")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
			t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
			cfg, err := awsx.LoadConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return cfg
		}, nil},
		{"an option's BaseEndpoint", func(t *testing.T) aws.Config {
			return aws.Config{Region: "us-east-1", Retryer: noWait, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
		}, []func(*s3.Options){func(o *s3.Options) { o.BaseEndpoint = aws.String(endpoint) }}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cfg := tc.config(t)
			cfg.HTTPClient = toFake
			o := awsx.Objects{Client: awsx.NewS3(cfg, tc.opts...)}
			for _, k := range keys {
				if err := o.Put(ctx, bucket, k, []byte("body of "+k), "text/plain"); err != nil {
					t.Fatal(err)
				}
				if got := s.Objects(t, bucket, k)[k]; string(got) != "body of "+k {
					t.Fatalf("stored %q under %q", got, k)
				}
				got, err := o.Get(ctx, bucket, k)
				if err != nil || string(got) != "body of "+k {
					t.Fatalf("Get(%q) = %q, %v", k, got, err)
				}
			}
			_, err := o.Get(ctx, bucket, "missing")
			var missing *types.NoSuchKey
			if !errors.As(err, &missing) || !strings.Contains(err.Error(), "s3://data/missing") {
				t.Fatalf("Get(missing) = %v, want NoSuchKey naming the object", err)
			}
		})
	}
}

// TestConcurrentPutsRetried puts from many goroutines at once, as the consumer does, through
// throttling that the SDK's retries absorb; under the race detector it also checks that one client
// serves them all safely.
func TestConcurrentPutsRetried(t *testing.T) {
	s := awsxtest.NewS3(t, bucket)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Retryer: noWait,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	store := &awsx.S3Store{Client: awsx.NewS3(cfg), Bucket: bucket}
	// Two failures: even when one put meets both, its third and last attempt (the SDK's default)
	// succeeds, whatever the goroutines' order.
	s.FailPuts(2, "throttled")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("throttled/%02d", i)
			errs <- store.Put(context.Background(), key, []byte(key), "")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Objects(t, bucket, "throttled/"); len(got) != 16 {
		t.Fatalf("stored %d objects, want 16", len(got))
	}
}

func TestURIReader(t *testing.T) {
	s := awsxtest.NewS3(t, bucket)
	read := awsx.URIReader(s.Client)
	ctx := context.Background()
	if err := (awsx.Objects{Client: s.Client}).Put(ctx, bucket, "replay/a.csv", []byte("a,b"), "text/csv"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "a.csv")
	if err := os.WriteFile(file, []byte("c,d"), 0o644); err != nil {
		t.Fatal(err)
	}
	for uri, want := range map[string]string{"s3://data/replay/a.csv": "a,b", file: "c,d"} {
		if got, err := read(ctx, uri); err != nil || string(got) != want {
			t.Fatalf("read(%s) = %q, %v", uri, got, err)
		}
	}
	for _, bad := range []string{"s3://data", "s3:///key", "s3://data/"} {
		if _, err := read(ctx, bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Fatalf("read(%s) = %v, want an error naming it", bad, err)
		}
	}
}
