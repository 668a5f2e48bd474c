package awsxtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
)

// Glue is an in-process endpoint for the two Glue calls the crawlertrigger function makes,
// GetPartition and StartCrawler, in Glue's JSON 1.1 wire protocol.
type Glue struct {
	URL    string
	Client *glue.Client

	mu         sync.Mutex
	partitions map[string]bool
	busy       int // StartCrawler calls left to refuse with CrawlerRunningException
	// OnBusy runs after each refused StartCrawler call: a running crawl finishing its work.
	OnBusy func(g *Glue)
	starts int
	calls  map[string]int
	fail   string
}

// FailWith makes every call fail with a server error of the given code.
func (g *Glue) FailWith(code string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = code
}

// NewGlue starts a Glue endpoint, stopped when the test ends.
func NewGlue(t testing.TB) *Glue {
	t.Helper()
	g := &Glue{partitions: map[string]bool{}, calls: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	g.Client = glue.New(glue.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	return g
}

func partitionKey(db, table string, values []string) string {
	return db + "." + table + "/" + strings.Join(values, "/")
}

// AddPartition catalogs a partition.
func (g *Glue) AddPartition(db, table string, values ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.partitions[partitionKey(db, table, values)] = true
}

// SetBusy makes the next n StartCrawler calls find the crawler running.
func (g *Glue) SetBusy(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.busy = n
}

// Starts returns how many crawls started.
func (g *Glue) Starts() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.starts
}

// Calls returns how many times an operation was called.
func (g *Glue) Calls(op string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[op]
}

func (g *Glue) serve(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.")
	var in struct {
		Name            string
		DatabaseName    string
		TableName       string
		PartitionValues []string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		glueError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	g.mu.Lock()
	g.calls[op]++
	fail := g.fail
	g.mu.Unlock()
	if fail != "" {
		glueError(w, http.StatusInternalServerError, fail, "injected failure")
		return
	}
	switch op {
	case "GetPartition":
		g.mu.Lock()
		ok := g.partitions[partitionKey(in.DatabaseName, in.TableName, in.PartitionValues)]
		g.mu.Unlock()
		if !ok {
			glueError(w, http.StatusBadRequest, "EntityNotFoundException", "Cannot find partition.")
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"Partition": map[string]any{
			"DatabaseName": in.DatabaseName, "TableName": in.TableName, "Values": in.PartitionValues}})
	case "StartCrawler":
		g.mu.Lock()
		busy := g.busy > 0
		if busy {
			g.busy--
		} else {
			g.starts++
		}
		hook := g.OnBusy
		g.mu.Unlock()
		if busy {
			if hook != nil {
				hook(g)
			}
			glueError(w, http.StatusBadRequest, "CrawlerRunningException", "Crawler with name "+in.Name+" has already started")
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte("{}"))
	default:
		glueError(w, http.StatusBadRequest, "UnknownOperationException", op)
	}
}

func glueError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
