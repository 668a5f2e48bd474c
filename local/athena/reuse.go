package athena

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
)

// DefaultReuseAge is how old a result Athena reuses when the request names no maximum age.
const DefaultReuseAge = 60 * time.Minute

// StartReusing starts a query as Start does, unless a previous result may be reused, as Athena
// reuses one when result reuse is enabled: the newest succeeded execution of the same workgroup
// with exactly the same query text, the same catalog and database and the same result
// configuration, completed no longer than maxAge ago, whose result file still exists. The execution
// parameters are not compared (Athena does not list them among the conditions). A reused execution
// is a new execution, SUCCEEDED at once, pointing at the previous result, with no data scanned.
func (e *Engine) StartReusing(req StartRequest, maxAge time.Duration) (string, error) {
	if req.WorkGroup == "" {
		req.WorkGroup = "primary"
	}
	if req.Database == "" {
		req.Database = "default"
	}
	wg, err := e.WorkGroup(req.WorkGroup)
	if err != nil {
		return "", err
	}
	location := wg.OutputLocation
	if location == "" {
		location = req.OutputLocation
	}
	location = strings.TrimSuffix(location, "/") + "/"
	now := time.Now().UTC()
	e.mu.Lock()
	var prev *Execution
	for i := len(e.order) - 1; i >= 0 && prev == nil; i-- {
		ex := e.executions[e.order[i]]
		if ex.State == StateSucceeded && ex.WorkGroup == req.WorkGroup && ex.Query == req.Query && ex.Database == req.Database &&
			strings.HasPrefix(ex.OutputLocation, location) && !strings.Contains(strings.TrimPrefix(ex.OutputLocation, location), "/") &&
			now.Sub(ex.Completed) <= maxAge && e.resultExists(ex.OutputLocation) {
			prev = ex
		}
	}
	if prev == nil {
		e.mu.Unlock()
		return e.Start(req)
	}
	done := make(chan struct{})
	close(done)
	ex := &Execution{ID: uuid.NewString(), Query: req.Query, Database: req.Database, WorkGroup: req.WorkGroup,
		Parameters: req.Parameters, OutputLocation: prev.OutputLocation, State: StateSucceeded, Submitted: now, Completed: now,
		Columns: prev.Columns, Rows: prev.Rows, ReusedFrom: prev.ID, cancel: context.CancelFunc(func() {}), done: done}
	e.executions[ex.ID] = ex
	e.order = append(e.order, ex.ID)
	e.mu.Unlock()
	return ex.ID, nil
}

// resultExists reports whether a result file is still in its bucket.
func (e *Engine) resultExists(location string) bool {
	bucket, key, ok := strings.Cut(strings.TrimPrefix(location, "s3://"), "/")
	if !ok {
		return false
	}
	_, err := os.Stat(filepath.Join(e.bucketDir(bucket), filepath.FromSlash(key)))
	return err == nil
}
