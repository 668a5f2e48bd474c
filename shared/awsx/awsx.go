// Package awsx holds the adapters between ticklake's functions and AWS: SDK configuration and whole
// S3 objects (the Glue catalog and crawler are in package gluecat). Endpoints come from the SDK's
// standard configuration, so AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL_GLUE point
// them at other services, such as the local twin.
package awsx

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// LoadConfig loads the SDK's default configuration (environment, shared files, the Lambda role).
func LoadConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// NewS3 returns the SDK's S3 client for cfg, with the SDK's retries. When an endpoint is overridden
// (aws.Config.BaseEndpoint, AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3) it addresses buckets
// path-style, as S3-compatible services expect; an endpoint that optFns set counts too.
func NewS3(cfg aws.Config, optFns ...func(*s3.Options)) *s3.Client {
	pathStyle := func(o *s3.Options) {
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	}
	return s3.NewFromConfig(cfg, append(optFns[:len(optFns):len(optFns)], pathStyle)...)
}
