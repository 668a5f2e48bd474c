package stack

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ticklake/ticklake/shared/awsx"
)

// TestSDKCalls exercises, with aws-sdk-go-v2 clients against the endpoint, every S3 and Glue call the
// pipeline makes, and the catalog the crawler builds.
func TestSDKCalls(t *testing.T) {
	st := start(t, Options{Rate: 1000, RunSeconds: 1, Partitions: 2, BatchSize: 200, Window: 20 * time.Millisecond})
	produce(t, st)
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")

	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint), UsePathStyle: true, Credentials: creds})
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(DataBucket), Prefix: aws.String("ticks/")})
	if err != nil || len(list.Contents) == 0 {
		t.Fatalf("ListObjectsV2 = %v, %v", list, err)
	}
	key := aws.ToString(list.Contents[0].Key)
	obj, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(DataBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if !strings.HasPrefix(string(body), "PAR1") {
		t.Fatalf("%s is not Parquet", key)
	}
	lite := awsx.Objects{Client: awsx.NewS3(aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(st.Endpoint)})}
	if err := lite.Put(ctx, ResultsBucket, "probe/a=b c.txt", []byte("hello"), "text/plain"); err != nil {
		t.Fatal(err)
	}
	if b, err := lite.Get(ctx, ResultsBucket, "probe/a=b c.txt"); err != nil || string(b) != "hello" {
		t.Fatalf("Get = %q, %v", b, err)
	}

	g := glue.New(glue.Options{Region: "us-east-1", BaseEndpoint: aws.String(st.Endpoint), Credentials: creds})
	if _, err := g.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(Database)}); err != nil {
		t.Fatal(err)
	}
	var exists *gluetypes.AlreadyExistsException
	if _, err := g.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String(Database)}}); !errors.As(err, &exists) {
		t.Fatalf("CreateDatabase of an existing database = %v", err)
	}
	tbl, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(Database), Name: aws.String("ticks")})
	if err != nil {
		t.Fatal(err)
	}
	// The table as the CDK app makes it: the contract, the declared fields typed, extra.
	want := "symbol:string ts:timestamp price:double size:bigint bid:double ask:double kafka_partition:int kafka_offset:bigint kafka_timestamp:timestamp " +
		"index:string date:date open:double high:double low:double close:double adj_close:double volume:bigint close_usd:double venue:string seq:bigint extra:string"
	var got []string
	for _, c := range tbl.Table.StorageDescriptor.Columns {
		got = append(got, aws.ToString(c.Name)+":"+aws.ToString(c.Type))
	}
	sd := tbl.Table.StorageDescriptor
	if strings.Join(got, " ") != want || len(tbl.Table.PartitionKeys) != 2 || aws.ToString(tbl.Table.PartitionKeys[0].Name) != "dt" ||
		aws.ToString(tbl.Table.PartitionKeys[1].Type) != "string" || tbl.Table.Parameters["classification"] != "parquet" ||
		aws.ToString(sd.SerdeInfo.SerializationLibrary) != "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" ||
		aws.ToString(sd.InputFormat) != "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat" ||
		aws.ToString(sd.Location) != "s3://"+DataBucket+"/ticks/" {
		t.Fatalf("table: columns %v, keys %v, parameters %v, storage %+v", got, tbl.Table.PartitionKeys, tbl.Table.Parameters, sd)
	}
	parts, err := g.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String(Database), TableName: aws.String("ticks")})
	if err != nil || len(parts.Partitions) == 0 {
		t.Fatalf("GetPartitions = %v, %v", parts, err)
	}
	values := parts.Partitions[0].Values
	if _, err := g.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String(Database), TableName: aws.String("ticks"), PartitionValues: values}); err != nil {
		t.Fatal(err)
	}
	var notFound *gluetypes.EntityNotFoundException
	if _, err := g.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String(Database), TableName: aws.String("ticks"),
		PartitionValues: []string{"1999-01-01", "00"}}); !errors.As(err, &notFound) {
		t.Fatalf("GetPartition of a missing partition = %v", err)
	}
	st.Crawlers.Duration = 300 * time.Millisecond
	if _, err := g.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String(Crawler)}); err != nil {
		t.Fatal(err)
	}
	var running *gluetypes.CrawlerRunningException
	if _, err := g.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String(Crawler)}); !errors.As(err, &running) {
		t.Fatalf("StartCrawler while running = %v", err)
	}
	c, err := g.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String(Crawler)})
	if err != nil || c.Crawler.State != gluetypes.CrawlerStateRunning {
		t.Fatalf("GetCrawler while running = %v, %v", c, err)
	}
	st.Crawlers.Wait()
	c, _ = g.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String(Crawler)})
	if c.Crawler.State != gluetypes.CrawlerStateReady || c.Crawler.LastCrawl.Status != gluetypes.LastCrawlStatusSucceeded ||
		c.Crawler.RecrawlPolicy.RecrawlBehavior != gluetypes.RecrawlBehaviorCrawlNewFoldersOnly {
		t.Fatalf("crawler after the crawl: %+v", c.Crawler)
	}
	st.Crawlers.FailNext(Crawler, "Internal Service Exception")
	if _, err := g.StartCrawler(ctx, &glue.StartCrawlerInput{Name: aws.String(Crawler)}); err != nil {
		t.Fatal(err)
	}
	st.Crawlers.Wait()
	c, _ = g.GetCrawler(ctx, &glue.GetCrawlerInput{Name: aws.String(Crawler)})
	if c.Crawler.LastCrawl.Status != gluetypes.LastCrawlStatusFailed || aws.ToString(c.Crawler.LastCrawl.ErrorMessage) == "" {
		t.Fatalf("failed crawl: %+v", c.Crawler.LastCrawl)
	}
}
