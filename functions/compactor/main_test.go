package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/ticklake/ticklake/internal/awsxtest"
	"github.com/ticklake/ticklake/internal/maintest"
	localglue "github.com/ticklake/ticklake/local/glue"
	"github.com/ticklake/ticklake/shared/compactor"
)

func TestBadConfigurationFailsAtStart(t *testing.T) {
	maintest.FailsAtStart(t, main, "DATA_BUCKET", "GLUE_DATABASE=d", "GLUE_TABLE=t")
}

func TestOverlappingPrefixFailsAtStart(t *testing.T) {
	maintest.FailsAtStart(t, main, "COMPACTED_PREFIX", "DATA_BUCKET=b", "GLUE_DATABASE=d", "GLUE_TABLE=t",
		"COMPACTED_PREFIX=ticks/compacted/")
}

// TestSampleEvents starts the function against S3 and Glue endpoints and invokes it with each
// sample event, as the state machine would.
func TestSampleEvents(t *testing.T) {
	s3 := awsxtest.NewS3(t, "data")
	glue := awsxtest.NewGlue(t)
	if err := glue.Catalog.CreateDatabase("ticklake", ""); err != nil {
		t.Fatal(err)
	}
	if err := glue.Catalog.PutTable(localglue.Table{Name: "ticks", DatabaseName: "ticklake"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"compactor-plan", "compactor-compact", "compactor-cleanup"} {
		t.Run(name, func(t *testing.T) {
			event, err := os.ReadFile("../../events/" + name + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var req compactor.Request
			if err := json.Unmarshal(event, &req); err != nil || req.Action == "" {
				t.Fatalf("sample event %s: %v", name, err)
			}
			inv := maintest.Invoke(t, main, event, "DATA_BUCKET=data", "GLUE_DATABASE=ticklake", "GLUE_TABLE=ticks",
				"AWS_ENDPOINT_URL_S3="+s3.URL, "AWS_ENDPOINT_URL_GLUE="+glue.URL, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test")
			var res compactor.Response
			if err := json.Unmarshal(inv.Response, &res); err != nil || len(inv.Error) > 0 {
				t.Fatalf("response %s, error %s", inv.Response, inv.Error)
			}
			// No hour is cataloged: nothing to plan, and a compaction that skips.
			if req.Action == compactor.ActionPlan && len(res.Hours) != 0 || req.Action == compactor.ActionCompact && !res.Skipped {
				t.Fatalf("%s: %+v", name, res)
			}
		})
	}
}
