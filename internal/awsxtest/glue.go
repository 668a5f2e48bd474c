package awsxtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/ticklake/ticklake/local/awsproto"
	localglue "github.com/ticklake/ticklake/local/glue"
)

// Glue is the local twin's Glue (catalog, crawlers and JSON 1.1 API) served over HTTP inside a
// test, with faults a test can inject in front of it: a busy crawler and failing calls.
type Glue struct {
	URL      string
	Client   *glue.Client
	Catalog  *localglue.Catalog
	Crawlers *localglue.Crawlers
	// BucketDir is the folder that stands for the S3 buckets the crawlers read: <BucketDir>/<bucket>/<key>.
	BucketDir string

	mu    sync.Mutex
	busy  int // StartCrawler calls left to refuse with CrawlerRunningException
	calls map[string]int
	fail  string
	// OnBusy runs after each refused StartCrawler call: a running crawl finishing its work.
	OnBusy func(g *Glue)
}

// NewGlue starts a Glue endpoint over an empty catalog in a temporary folder, stopped when the test
// ends. Its client makes one attempt per call.
func NewGlue(t testing.TB) *Glue {
	t.Helper()
	dir := t.TempDir()
	cat, err := localglue.Open(filepath.Join(dir, "catalog.json"))
	if err != nil {
		t.Fatalf("open catalog: %v", err)
	}
	g := &Glue{Catalog: cat, BucketDir: filepath.Join(dir, "buckets"), calls: map[string]int{}}
	g.Crawlers = localglue.NewCrawlers(cat, func(b string) string { return filepath.Join(g.BucketDir, b) })
	api := &localglue.API{Catalog: cat, Crawlers: g.Crawlers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { g.serve(api, w, r) }))
	t.Cleanup(func() {
		srv.Close()
		g.Crawlers.Wait()
	})
	g.URL = srv.URL
	g.Client = glue.New(glue.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	return g
}

// FailWith makes every call fail with a server error of the given code.
func (g *Glue) FailWith(code string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = code
}

// SetBusy makes the next n StartCrawler calls find the crawler running.
func (g *Glue) SetBusy(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.busy = n
}

// Calls returns how many times an operation was called.
func (g *Glue) Calls(op string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[op]
}

// Crawls waits for the crawls under way and returns how many crawls of crawler have run.
func (g *Glue) Crawls(t testing.TB, crawler string) int {
	t.Helper()
	g.Crawlers.Wait()
	c, err := g.Crawlers.Get(crawler)
	if err != nil {
		t.Fatalf("get crawler %s: %v", crawler, err)
	}
	return c.Crawls
}

func (g *Glue) serve(api http.Handler, w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), localglue.TargetPrefix)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		awsproto.JSONError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	g.mu.Lock()
	g.calls[op]++
	fail := g.fail
	busy := op == "StartCrawler" && g.busy > 0
	if busy {
		g.busy--
	}
	hook := g.OnBusy
	g.mu.Unlock()
	switch {
	case fail != "":
		awsproto.JSONError(w, http.StatusInternalServerError, fail, "injected failure")
	case busy:
		var in struct{ Name string }
		_ = json.Unmarshal(body, &in)
		if hook != nil {
			hook(g)
		}
		awsproto.JSONError(w, http.StatusBadRequest, "CrawlerRunningException", "Crawler with name "+in.Name+" has already started")
	default:
		api.ServeHTTP(w, r)
	}
}
