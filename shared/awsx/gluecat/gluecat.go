// Package gluecat is the adapter to the Glue Data Catalog and crawler, kept apart from package awsx
// so that functions which do not use Glue do not link its client.
package gluecat

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// GlueAPI is the part of the Glue client that GlueCatalog uses.
type GlueAPI interface {
	GetPartition(ctx context.Context, in *glue.GetPartitionInput, opts ...func(*glue.Options)) (*glue.GetPartitionOutput, error)
	StartCrawler(ctx context.Context, in *glue.StartCrawlerInput, opts ...func(*glue.Options)) (*glue.StartCrawlerOutput, error)
}

var _ GlueAPI = (*glue.Client)(nil)

// ErrCrawlerRunning is returned by StartCrawler when the crawler is already running.
var ErrCrawlerRunning = errors.New("crawler is already running")

// GlueCatalog asks the Glue Data Catalog about partitions and starts the crawler.
type GlueCatalog struct {
	Client GlueAPI
}

// PartitionExists reports whether database.table has the partition with values. A missing table or
// database counts as a missing partition.
func (g *GlueCatalog) PartitionExists(ctx context.Context, database, table string, values []string) (bool, error) {
	_, err := g.Client.GetPartition(ctx, &glue.GetPartitionInput{
		DatabaseName: aws.String(database), TableName: aws.String(table), PartitionValues: values})
	var notFound *types.EntityNotFoundException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &notFound):
		return false, nil
	}
	return false, fmt.Errorf("get partition %v of %s.%s: %w", values, database, table, err)
}

// StartCrawler starts the crawler. It returns ErrCrawlerRunning when a crawl is under way.
func (g *GlueCatalog) StartCrawler(ctx context.Context, name string) error {
	_, err := g.Client.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String(name)})
	var running *types.CrawlerRunningException
	switch {
	case err == nil:
		return nil
	case errors.As(err, &running):
		return fmt.Errorf("start crawler %s: %w", name, ErrCrawlerRunning)
	}
	return fmt.Errorf("start crawler %s: %w", name, err)
}

// New returns a Glue client.
func New(cfg aws.Config) *glue.Client { return glue.NewFromConfig(cfg) }
