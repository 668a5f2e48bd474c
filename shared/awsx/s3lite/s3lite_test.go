package s3lite_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/shared/awsx/s3lite"
)

const bucket = "data"

var keys = []string{
	"ticks/dt=2026-11-25/hour=14/ticks-0-00000000000000000001-00000000000000000009.parquet",
	"odd keys/with space+plus/ü/%41/a~b_c.d",
}

func TestPutGetAgainstS3Protocol(t *testing.T) {
	s := awsxtest.NewS3(t, bucket)
	ctx := context.Background()
	for _, k := range keys {
		if err := s.Lite.Put(ctx, bucket, k, []byte("body of "+k), "text/plain"); err != nil {
			t.Fatal(err)
		}
		// Read back with the SDK: the key landed exactly as named.
		out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		if err != nil {
			t.Fatalf("SDK get %q: %v", k, err)
		}
		out.Body.Close()
		if aws.ToString(out.ContentType) != "text/plain" {
			t.Fatalf("content type %q", aws.ToString(out.ContentType))
		}
		got, err := s.Lite.Get(ctx, bucket, k)
		if err != nil || string(got) != "body of "+k {
			t.Fatalf("Get(%q) = %q, %v", k, got, err)
		}
	}
	_, err := s.Lite.Get(ctx, bucket, "missing")
	if !s3lite.IsNotFound(err) {
		t.Fatalf("Get(missing) = %v, want not found", err)
	}
}

// TestRequestsMatchSDK checks that the client sends the same request line and signed payload hash
// that the SDK's S3 client sends for the same key.
func TestRequestsMatchSDK(t *testing.T) {
	var mu sync.Mutex
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	sdk := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Credentials: creds})
	lite := &s3lite.Client{HTTP: srv.Client(), Region: "eu-west-1", Endpoint: srv.URL, Credentials: creds, MaxAttempts: 1}
	ctx := context.Background()
	for _, k := range keys {
		seen = nil
		if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
		if err := lite.Put(ctx, bucket, k, []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 {
			t.Fatalf("%d requests", len(seen))
		}
		if sdkPath, _, _ := strings.Cut(seen[0].RequestURI, "?"); sdkPath != seen[1].RequestURI {
			t.Errorf("request line: SDK %s, s3lite %s", seen[0].RequestURI, seen[1].RequestURI)
		}
		auth := seen[1].Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(auth, "/eu-west-1/s3/aws4_request") ||
			seen[1].Header.Get("X-Amz-Content-Sha256") != "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" {
			t.Errorf("signature headers: %s / %s", auth, seen[1].Header.Get("X-Amz-Content-Sha256"))
		}
	}
}

func TestRetriesThrottling(t *testing.T) {
	s := awsxtest.NewS3(t, bucket)
	s.Lite.MaxAttempts = 3
	s.FailPuts(2, "retried")
	if err := s.Lite.Put(context.Background(), bucket, "retried", []byte("x"), ""); err != nil {
		t.Fatalf("Put with two throttled attempts: %v", err)
	}
	s.FailPuts(3, "failed")
	err := s.Lite.Put(context.Background(), bucket, "failed", []byte("x"), "")
	if err == nil || !strings.Contains(err.Error(), "SlowDown") {
		t.Fatalf("Put throttled three times = %v", err)
	}
}

func TestAWSEndpoint(t *testing.T) {
	var host, uri string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, uri = r.Host, r.RequestURI
	}))
	defer srv.Close()
	// Send what would go to AWS to the test server instead, to see the virtual-hosted address.
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	tr.TLSClientConfig.InsecureSkipVerify = true
	c := &s3lite.Client{HTTP: &http.Client{Transport: tr}, Region: "us-east-2", MaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}
	if err := c.Put(context.Background(), "my-bucket", "ticks/dt=2026-11-25/a b.parquet", []byte("x"), ""); err != nil {
		t.Fatal(err)
	}
	if host != "my-bucket.s3.us-east-2.amazonaws.com" || uri != "/ticks/dt%3D2026-11-25/a%20b.parquet" {
		t.Fatalf("host %s, path %s", host, uri)
	}
}
