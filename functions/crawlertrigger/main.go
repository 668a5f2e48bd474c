// Command crawlertrigger is the crawlertrigger Lambda function: see package crawlertrigger.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/ticklake/ticklake/shared/awsx"
	"github.com/ticklake/ticklake/shared/awsx/gluecat"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/crawlertrigger"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/logging"
)

func main() {
	log := logging.New(nil)
	cfg, err := crawlertrigger.LoadConfig(envconf.New(nil))
	if err != nil {
		log.Error("crawlertrigger: bad configuration", "err", err)
		os.Exit(1)
	}
	awsCfg, err := awsx.LoadConfig(context.Background())
	if err != nil {
		log.Error("crawlertrigger: AWS configuration", "err", err)
		os.Exit(1)
	}
	h := crawlertrigger.New(cfg, &gluecat.GlueCatalog{Client: gluecat.New(awsCfg)}, clock.Wall{}, log)
	lambda.Start(h.Handle)
}
