// Package s3lite is a small S3 client for whole-object PUT and GET, signed with Signature Version 4.
// The SDK's S3 package adds some 2 MB to a binary for operations the functions never call; this one
// keeps each function's deployment zip under 6 MB. It follows the SDK's conventions: credentials and
// region from aws.Config, the endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (then path-style
// addressing), retries with jittered exponential backoff on throttling and server errors.
package s3lite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Environment variables that override the endpoint, as the SDK reads them.
const (
	EnvEndpointS3     = "AWS_ENDPOINT_URL_S3"
	EnvEndpoint       = "AWS_ENDPOINT_URL"
	EnvIgnoreEndpoint = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
)

// Client puts and gets whole objects.
type Client struct {
	HTTP        *http.Client
	Region      string
	Credentials aws.CredentialsProvider
	// Endpoint is the base URL of an S3-compatible service, addressed path-style; empty for AWS.
	Endpoint string
	// MaxAttempts bounds the tries of one call (default 5).
	MaxAttempts int
	signer      *v4.Signer
}

// New returns a client for cfg, with the endpoint from the environment as the SDK would take it.
func New(cfg aws.Config) *Client {
	c := &Client{HTTP: &http.Client{Timeout: 5 * time.Minute}, Region: cfg.Region, Credentials: cfg.Credentials}
	if os.Getenv(EnvIgnoreEndpoint) != "true" {
		for _, name := range []string{EnvEndpointS3, EnvEndpoint} {
			if v := os.Getenv(name); v != "" {
				c.Endpoint = strings.TrimSuffix(v, "/")
				break
			}
		}
	}
	return c
}

// Error is an error response from S3.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("S3 %d %s: %s", e.Status, e.Code, e.Message)
}

// IsNotFound reports whether err says the object or bucket does not exist.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Code == "NoSuchKey")
}

// Put writes body under bucket/key in one request.
func (c *Client) Put(ctx context.Context, bucket, key string, body []byte, contentType string) error {
	sum := sha256.Sum256(body)
	_, err := c.do(ctx, http.MethodPut, bucket, key, body, hex.EncodeToString(sum[:]), contentType)
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// Get reads the whole object at bucket/key.
func (c *Client) Get(ctx context.Context, bucket, key string) ([]byte, error) {
	b, err := c.do(ctx, http.MethodGet, bucket, key, nil, emptySHA256, "")
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	return b, nil
}

var emptySHA256 = hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }())

func (c *Client) do(ctx context.Context, method, bucket, key string, body []byte, payloadHash, contentType string) ([]byte, error) {
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	var lastErr error
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			backoff := time.Duration(rand.Int64N(int64(min(20*time.Second, 100*time.Millisecond<<attempt))))
			select {
			case <-ctx.Done():
				return nil, errors.Join(lastErr, ctx.Err())
			case <-time.After(backoff):
			}
		}
		out, retry, err := c.once(ctx, method, bucket, key, body, payloadHash, contentType)
		if err == nil || !retry {
			return out, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func (c *Client) once(ctx context.Context, method, bucket, key string, body []byte, payloadHash, contentType string) (out []byte, retry bool, err error) {
	req, err := c.request(ctx, method, bucket, key, body)
	if err != nil {
		return nil, false, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if c.Credentials == nil {
		return nil, false, errors.New("no AWS credentials")
	}
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("retrieve credentials: %w", err)
	}
	if c.signer == nil {
		c.signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	}
	if err := c.signer.SignHTTP(ctx, creds, req, payloadHash, "s3", c.Region, time.Now().UTC()); err != nil {
		return nil, false, fmt.Errorf("sign: %w", err)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, ctx.Err() == nil, err // a network error is worth another try
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, true, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode/100 == 2 {
		return data, false, nil
	}
	e := &Error{Status: resp.StatusCode, Code: http.StatusText(resp.StatusCode)}
	var x struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.Unmarshal(data, &x) == nil && x.Code != "" {
		e.Code, e.Message = x.Code, x.Message
	}
	retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests ||
		e.Code == "SlowDown" || e.Code == "RequestTimeout" || e.Code == "RequestTimeTooSkewed"
	return nil, retry, e
}

// request builds the request with the object's path escaped as S3 signs it.
func (c *Client) request(ctx context.Context, method, bucket, key string, body []byte) (*http.Request, error) {
	u := &url.URL{Path: "/" + key, RawPath: "/" + escapeKey(key)}
	if c.Endpoint != "" {
		base, err := url.Parse(c.Endpoint)
		if err != nil || base.Host == "" {
			return nil, fmt.Errorf("endpoint %q is not a URL", c.Endpoint)
		}
		prefix := strings.TrimSuffix(base.Path, "/") + "/" + bucket
		u.Scheme, u.Host = base.Scheme, base.Host
		u.Path, u.RawPath = prefix+u.Path, prefix+u.RawPath
	} else {
		if c.Region == "" {
			return nil, errors.New("no AWS region")
		}
		u.Scheme, u.Host = "https", bucket+".s3."+c.Region+".amazonaws.com"
		if strings.HasPrefix(c.Region, "cn-") {
			u.Host += ".cn"
		}
	}
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.URL = u
	return req, nil
}

// escapeKey escapes a key as SigV4 wants it for S3: every byte but unreserved ones and '/'.
func escapeKey(key string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
