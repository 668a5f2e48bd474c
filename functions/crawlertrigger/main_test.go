package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/maintest"
	localglue "github.com/ticklake/ticklake/local/glue"
)

func TestBadConfigurationFailsAtStart(t *testing.T) { maintest.FailsAtStart(t, main, "CRAWLER_NAME") }

// TestSampleEvent starts the function with a good configuration against a Glue endpoint and invokes
// it with its sample event, as Lambda would: the crawler starts.
func TestSampleEvent(t *testing.T) {
	g := awsxtest.NewGlue(t)
	c := localglue.Crawler{Name: "ticklake-crawler", DatabaseName: "ticklake"}
	c.Targets.S3Targets = []localglue.S3Target{{Path: "s3://data/ticks/"}}
	if err := g.Crawlers.Create(c); err != nil {
		t.Fatal(err)
	}
	event, err := os.ReadFile("../../events/crawlertrigger.json")
	if err != nil {
		t.Fatal(err)
	}
	inv := maintest.Invoke(t, main, event, "CRAWLER_NAME=ticklake-crawler", "AWS_ENDPOINT_URL="+g.URL)
	var res struct {
		Started bool `json:"crawler_started"`
	}
	if err := json.Unmarshal(inv.Response, &res); err != nil || !res.Started || g.Crawls(t, "ticklake-crawler") != 1 {
		t.Fatalf("response %s, error %s", inv.Response, inv.Error)
	}
}
