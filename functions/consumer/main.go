// Command consumer is the consumer Lambda function: see package consumer.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/consumer"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/logging"
)

func main() {
	log := logging.New(nil)
	cfg, err := consumer.LoadConfig(envconf.New(nil))
	if err != nil {
		log.Error("consumer: bad configuration", "err", err)
		os.Exit(1)
	}
	awsCfg, err := awsx.LoadConfig(context.Background())
	if err != nil {
		log.Error("consumer: AWS configuration", "err", err)
		os.Exit(1)
	}
	store := &awsx.S3Store{Client: awsx.NewS3(awsCfg), Bucket: cfg.Bucket}
	lambda.Start(consumer.New(cfg, store, log))
}
