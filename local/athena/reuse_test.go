package athena

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ticklake/ticklake/local/glue"
)

// dirWriter stores result files as the local S3 does: <root>/<bucket>/<key>.
type dirWriter struct{ root string }

func (w dirWriter) Put(_ context.Context, bucket, key string, body []byte, _ string) error {
	p := filepath.Join(w.root, bucket, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, body, 0o644)
}

// TestReuseConditions checks StartReusing against Athena's conditions: the same workgroup, query
// text, database and result configuration, a result young enough whose file is still there; the
// execution parameters are not compared.
func TestReuseConditions(t *testing.T) {
	root := t.TempDir()
	cat, err := glue.Open(filepath.Join(root, "glue.json"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(cat, func(b string) string { return filepath.Join(root, b) }, dirWriter{root})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, wg := range []string{"one", "two"} {
		e.PutWorkGroup(WorkGroup{Name: wg, OutputLocation: "s3://results/" + wg + "/"})
	}
	e.PutWorkGroup(WorkGroup{Name: "one-elsewhere", OutputLocation: "s3://results/elsewhere/"})
	const sql = "SELECT ? AS day"
	base := StartRequest{Query: sql, Database: "default", WorkGroup: "one", Parameters: []string{"'2026-11-25'"}}
	run := func(req StartRequest, age time.Duration) Execution {
		t.Helper()
		id, err := e.StartReusing(req, age)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := e.Wait(context.Background(), id)
		if err != nil || ex.State != StateSucceeded {
			t.Fatalf("%+v: %v", ex, err)
		}
		return ex
	}
	first := run(base, time.Hour)
	if first.ReusedFrom != "" {
		t.Fatal("nothing to reuse yet")
	}
	other := base
	other.Parameters = []string{"'2026-11-26'"}
	if ex := run(other, time.Hour); ex.ReusedFrom != first.ID || ex.OutputLocation != first.OutputLocation || *ex.Rows[0][0] != "2026-11-25" {
		t.Fatalf("other parameters, same text: %+v, want the first result reused", ex)
	}
	for name, req := range map[string]StartRequest{
		"text":            {Query: sql + " ", Database: "default", WorkGroup: "one", Parameters: base.Parameters},
		"database":        {Query: sql, Database: "other", WorkGroup: "one", Parameters: base.Parameters},
		"workgroup":       {Query: sql, Database: "default", WorkGroup: "two", Parameters: base.Parameters},
		"result location": {Query: sql, Database: "default", WorkGroup: "one-elsewhere", Parameters: base.Parameters},
	} {
		if name == "database" {
			if _, err := e.db.Exec("CREATE SCHEMA IF NOT EXISTS other"); err != nil {
				t.Fatal(err)
			}
		}
		if ex := run(req, time.Hour); ex.ReusedFrom != "" {
			t.Errorf("another %s: reused %s", name, ex.ReusedFrom)
		}
	}
	// Too old: every execution of the base text ended 10 minutes ago.
	e.mu.Lock()
	for _, ex := range e.executions {
		if ex.Query == sql && ex.WorkGroup == "one" && ex.Database == "default" {
			ex.Completed = ex.Completed.Add(-10 * time.Minute)
		}
	}
	e.mu.Unlock()
	fresh := run(base, 5*time.Minute)
	if fresh.ReusedFrom != "" {
		t.Fatalf("a result older than the maximum age was reused: %s", fresh.ReusedFrom)
	}
	if ex := run(base, 5*time.Minute); ex.ReusedFrom != fresh.ID {
		t.Fatalf("the newest result was not reused: %q, want %s", ex.ReusedFrom, fresh.ID)
	}
	// Gone from S3: not reused.
	bucket, key := "results", fresh.OutputLocation[len("s3://results/"):]
	if err := os.Remove(filepath.Join(root, bucket, filepath.FromSlash(key))); err != nil {
		t.Fatal(err)
	}
	if ex := run(base, time.Hour); ex.ReusedFrom == fresh.ID {
		t.Fatal("a deleted result was reused")
	}
}
