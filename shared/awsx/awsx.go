// Package awsx holds the adapters between ticklake's functions and AWS: SDK configuration, S3 objects
// and the Glue catalog and crawler. Endpoints come from the SDK's standard configuration, so
// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_GLUE point them at other services, such
// as the local twin.
package awsx

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Environment variables that override endpoints, read by the SDK itself.
const (
	EnvEndpoint   = "AWS_ENDPOINT_URL"
	EnvEndpointS3 = "AWS_ENDPOINT_URL_S3"
)

// LoadConfig loads the SDK's default configuration (environment, shared files, the Lambda role).
func LoadConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// NewS3 returns an S3 client. When the S3 endpoint is overridden it uses path-style addressing, which
// S3-compatible services expect.
func NewS3(cfg aws.Config) *s3.Client {
	custom := os.Getenv(EnvEndpointS3) != "" || os.Getenv(EnvEndpoint) != ""
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if custom {
			o.UsePathStyle = true
		}
	})
}

// NewGlue returns a Glue client.
func NewGlue(cfg aws.Config) *glue.Client { return glue.NewFromConfig(cfg) }
