package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/maintest"
)

func TestBadConfigurationFailsAtStart(t *testing.T) { maintest.FailsAtStart(t, main, "DATA_BUCKET") }

func TestBadPrefixFailsAtStart(t *testing.T) {
	maintest.FailsAtStart(t, main, "DATA_PREFIX", "DATA_BUCKET=b", "DATA_PREFIX=ticks")
}

// TestSampleEvent starts the function with a good configuration against an S3 endpoint and invokes
// it with its sample event, as Lambda would.
func TestSampleEvent(t *testing.T) {
	s3 := awsxtest.NewS3(t, "data")
	event, err := os.ReadFile("../../events/consumer.json")
	if err != nil {
		t.Fatal(err)
	}
	inv := maintest.Invoke(t, main, event, "DATA_BUCKET=data", "AWS_ENDPOINT_URL="+s3.URL)
	var res struct {
		Records, Written int
		Objects          []string
	}
	if err := json.Unmarshal(inv.Response, &res); err != nil || res.Records == 0 || res.Written == 0 {
		t.Fatalf("response %s, error %s", inv.Response, inv.Error)
	}
	for _, key := range res.Objects {
		if _, ok := s3.Objects(t, "data", key)[key]; !ok {
			t.Errorf("%s reported but not stored", key)
		}
	}
}
