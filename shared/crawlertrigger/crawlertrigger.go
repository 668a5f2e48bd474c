// Package crawlertrigger is the crawlertrigger function: when a Parquet object lands in a partition the
// Glue Data Catalog does not know yet, it makes sure a crawl starts after the object landed, so the
// partition gets cataloged. Objects in known partitions, dead letters and any other keys start nothing.
package crawlertrigger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ticklake/ticklake/shared/awsx/gluecat"
	"github.com/ticklake/ticklake/shared/clock"
	"github.com/ticklake/ticklake/shared/envconf"
	"github.com/ticklake/ticklake/shared/layout"
	"github.com/ticklake/ticklake/shared/logging"
)

// Environment variables.
const (
	EnvCrawler    = "CRAWLER_NAME"
	EnvDataPrefix = layout.EnvDataPrefix
	EnvDatabase   = "GLUE_DATABASE"
	EnvTable      = "GLUE_TABLE"
)

// Retry timing while the crawler is busy.
const (
	firstBackoff = 5 * time.Second
	maxBackoff   = 60 * time.Second
	// deadlineReserve is kept back from the invocation's deadline to return cleanly.
	deadlineReserve = 3 * time.Second
	// maxWait bounds the waiting when the context has no deadline.
	maxWait = 10 * time.Minute
)

// Config is the function's configuration.
type Config struct {
	Crawler    string
	DataPrefix string
	// Database and Table, when both set, let the function skip partitions already cataloged.
	Database, Table string
}

// LoadConfig reads the configuration from env, naming every missing or bad variable.
func LoadConfig(env *envconf.Reader) (Config, error) {
	c := Config{
		Crawler:    env.Required(EnvCrawler),
		DataPrefix: env.String(EnvDataPrefix, layout.DefaultDataPrefix),
		Database:   env.String(EnvDatabase, ""),
		Table:      env.String(EnvTable, ""),
	}
	if err := layout.CheckPrefix(c.DataPrefix); err != nil {
		env.Fail(EnvDataPrefix, c.DataPrefix, err.Error())
	}
	if (c.Database == "") != (c.Table == "") {
		env.Fail(EnvTable, c.Table, "set "+EnvDatabase+" and "+EnvTable+" together, or neither")
	}
	return c, env.Err()
}

// Catalog is what the function needs of Glue.
type Catalog interface {
	PartitionExists(ctx context.Context, database, table string, values []string) (bool, error)
	// StartCrawler returns an error wrapping gluecat.ErrCrawlerRunning when a crawl is under way.
	StartCrawler(ctx context.Context, name string) error
}

var _ Catalog = (*gluecat.GlueCatalog)(nil)

// Result is the function's response.
type Result struct {
	// Objects counts the new data objects in the event; Partitions lists their partitions and New
	// those of them not cataloged yet.
	Objects    int      `json:"objects"`
	Partitions []string `json:"partitions"`
	New        []string `json:"new_partitions"`
	Started    bool     `json:"crawler_started"`
	// Attempts counts StartCrawler calls.
	Attempts int    `json:"attempts"`
	Reason   string `json:"reason"`
}

// ErrCrawlerBusy is returned when the crawler stayed busy until the invocation had to end and the new
// partitions are still not cataloged; Lambda then retries the event.
var ErrCrawlerBusy = errors.New("crawler stayed busy; the new partitions are not cataloged yet")

// Handler is the crawlertrigger function.
type Handler struct {
	cfg     Config
	catalog Catalog
	clock   clock.Clock
	log     *slog.Logger
}

// New returns a Handler.
func New(cfg Config, catalog Catalog, clk clock.Clock, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, catalog: catalog, clock: clk, log: log}
}

// Handle reacts to one S3 notification.
func (h *Handler) Handle(ctx context.Context, ev events.S3Event) (Result, error) {
	log := logging.For(ctx, h.log)
	var res Result
	seen := map[layout.Partition]bool{}
	var parts []layout.Partition
	for _, rec := range ev.Records {
		if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
			continue
		}
		key, err := url.QueryUnescape(rec.S3.Object.Key) // notification keys are URL-encoded
		if err != nil {
			log.Warn("undecodable key", "key", rec.S3.Object.Key, "err", err)
			continue
		}
		p, ok := layout.ParseDataKey(h.cfg.DataPrefix, key)
		if !ok {
			continue
		}
		res.Objects++
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
			res.Partitions = append(res.Partitions, p.Path())
		}
	}
	if len(parts) == 0 {
		res.Reason = "no new data object under " + h.cfg.DataPrefix
		return res, nil
	}
	missing, err := h.uncataloged(ctx, parts)
	if err != nil {
		return res, err
	}
	for _, p := range missing {
		res.New = append(res.New, p.Path())
	}
	if len(missing) == 0 {
		res.Reason = "partitions already cataloged"
		log.Info("crawl skipped", "partitions", res.Partitions, "reason", res.Reason)
		return res, nil
	}
	err = h.startAfter(ctx, missing, &res)
	log.Info("crawl", "partitions", res.New, "started", res.Started, "attempts", res.Attempts, "reason", res.Reason, "err", err)
	return res, err
}

// uncataloged returns the partitions the catalog lacks; all of them when no table is configured.
func (h *Handler) uncataloged(ctx context.Context, parts []layout.Partition) ([]layout.Partition, error) {
	if h.cfg.Table == "" {
		return parts, nil
	}
	var out []layout.Partition
	for _, p := range parts {
		ok, err := h.catalog.PartitionExists(ctx, h.cfg.Database, h.cfg.Table, p.Values())
		if err != nil {
			return nil, fmt.Errorf("crawlertrigger: %w", err)
		}
		if !ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// startAfter starts the crawler. When a crawl is already running it may have listed the folders
// before the new object landed, so the function waits, with backoff, until either the running crawl
// has cataloged the partitions or a new crawl can start; past the invocation's deadline it fails, and
// Lambda retries the event.
func (h *Handler) startAfter(ctx context.Context, parts []layout.Partition, res *Result) error {
	deadline := h.clock.Now().Add(maxWait)
	if dl, ok := ctx.Deadline(); ok {
		deadline = h.clock.Now().Add(time.Until(dl) - deadlineReserve)
	}
	backoff := firstBackoff
	for {
		res.Attempts++
		err := h.catalog.StartCrawler(ctx, h.cfg.Crawler)
		if err == nil {
			res.Started, res.Reason = true, "new partitions"
			return nil
		}
		if !errors.Is(err, gluecat.ErrCrawlerRunning) {
			return fmt.Errorf("crawlertrigger: %w", err)
		}
		if h.clock.Now().Add(backoff).After(deadline) {
			res.Reason = "crawler busy"
			return fmt.Errorf("crawlertrigger: %s after %d attempts: %w", h.cfg.Crawler, res.Attempts, ErrCrawlerBusy)
		}
		if err := h.clock.Sleep(ctx, backoff); err != nil {
			return fmt.Errorf("crawlertrigger: %w", err)
		}
		backoff = min(2*backoff, maxBackoff)
		left, err := h.uncataloged(ctx, parts)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			res.Reason = "cataloged by the running crawl"
			return nil
		}
		parts = left
	}
}
